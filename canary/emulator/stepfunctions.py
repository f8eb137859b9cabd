"""moto extensions for Step Functions: what this product relies on and moto 5.2.5 gets wrong.

- aws-sdk tasks (error names, SDK-v2 service names, argument casing, timestamps in results):
  ``canary/emulator/sfn_sdk_tasks.py``; GetExecutionHistory paging: ``canary/emulator/sfn_history.py``.
  Both are installed (and reset) from here.
- StartExecution without a name gets a UUID (moto's ARN ended in ``:None``); names are validated as the
  StartExecution API reference says (1-80 characters, none of the forbidden ones → ``InvalidName``).
- StopExecution keeps its ``error`` and ``cause`` (ExecutionAborted event, DescribeExecution) and
  answers once the execution is ABORTED, with its ``stopDate``.
- CreateStateMachine with an existing name and a different definition is ``StateMachineAlreadyExists``
  (moto silently returned the old machine, unchanged).
- The context object's ``$$.State`` has ``RetryCount`` in every state and an AWS-style ``EnteredTime``.
- A Choice state with no matching rule and no Default fails the execution with
  ``States.NoChoiceMatched`` (moto: ``States.Runtime``).
- A stopped execution ends ABORTED whatever its current state was doing: moto let the state that was
  being evaluated at the stop (a Choice pops an empty stack once it is pruned) turn it into FAILED
  ``States.Runtime``.
- ``States.Runtime`` and ``States.DataLimitExceeded`` are not caught or retried, by ``States.ALL`` or
  by name: they end the execution, as the AWS error-handling page says (moto caught them).
- String literals in a definition mean what their JSON says: moto kept escapes raw (``"a\\"b"`` stayed
  ``a\\"b``) wherever it read a literal string (``Assign``, ``Result``, ``Error``, …).
- A Choice state's own ``Assign`` applies whichever Choice rule matched, as state-choice.html says
  ("Choice Rules (JSONata)"); moto applied it only when the next state was the Default's.
- Every Retry back-off sleep (``IntervalSeconds``, ``BackoffRate``, ``MaxDelaySeconds``, jitter) is
  multiplied by the emulator's ``retry_scale``, so throttling tests need not wait seconds; Wait states
  are not scaled.

docs/emulator.md describes each of these against AWS and moto.
"""

from __future__ import annotations

import datetime
import json
import threading
import time
from typing import Any

from canary.emulator import sfn_history, sfn_sdk_tasks
from canary.emulator.sfn_sdk_tasks import sfn_timestamp

# --- executions and state machines ------------------------------------------------------------------

MAX_NAME_LENGTH = 80
_FORBIDDEN_NAME_CHARACTERS = frozenset(' <>{}[]?*"#%\\^|~`$&,;:/')
STOP_SETTLE_SECONDS = 10.0


def _forbidden_in_name(char: str) -> bool:
    code = ord(char)
    return (
        char in _FORBIDDEN_NAME_CHARACTERS
        or char.isspace()
        or code <= 0x1F
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or code in (0xFFFE, 0xFFFF, 0x10FFFF)
    )


def execution_name_problem(name: str) -> tuple[str, str] | None:
    """(error code, message) AWS answers StartExecution with for this name, or None if it is valid.

    StartExecution API reference: 1-80 characters; no white space, brackets ``< > { } [ ]``, wildcards
    ``? *``, special characters ``" # % \\ ^ | ~ ` $ & , ; : /``, control characters (U+0000-001F,
    U+007F-009F, U+FFFE-FFFF), surrogates or U+10FFFF.
    """
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        return (
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            f"Member must have length between 1 and {MAX_NAME_LENGTH}",
        )
    if any(_forbidden_in_name(char) for char in name):
        return "InvalidName", f"Invalid Name: '{name}'"
    return None


def stop_and_settle(execution: Any, error: str | None, cause: str | None) -> None:
    """Stop a RUNNING execution and wait until it is ABORTED, as StopExecution returns on AWS.

    moto's worker thread creates the program's environment, and enters the running state, a moment
    after StartExecution returns; a stop before that would be lost, so it is repeated until it lands.
    """
    now = datetime.datetime.now(tz=datetime.UTC)
    deadline = time.monotonic() + STOP_SETTLE_SECONDS
    while execution.status == "RUNNING" and time.monotonic() < deadline:
        env = getattr(execution.exec_worker, "env", None)
        if env is not None and env.is_running():
            execution.stop(stop_date=now, error=error, cause=cause)
        time.sleep(0.005)


def _install_no_choice_matched() -> None:
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.choice.state_choice import StateChoice
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = StateChoice._eval_state

    def _eval_state(self: Any, env: Any) -> None:
        if self.default_state is not None:
            original(self, env)
            return
        try:
            original(self, env)
        except RuntimeError as error:
            if not str(error.args[0] if error.args else "").startswith("No branching option"):
                raise
            name = StatesErrorNameType.StatesNoChoiceMatched
            cause = f"No Choice rule matched and there is no Default in state '{self.name}'."
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=StatesErrorName(typ=name),
                    event_type=HistoryEventType.ExecutionFailed,
                    event_details=EventDetails(
                        executionFailedEventDetails=ExecutionFailedEventDetails(
                            error=name.to_name(), cause=cause
                        )
                    ),
                )
            ) from error

    StateChoice._eval_state = _eval_state


def _install_stop_wins() -> None:
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

    original = Environment.set_error

    def set_error(self: Any, error: Any) -> None:
        if isinstance(self._program_state, ProgramStopped):
            return
        original(self, error)

    Environment.set_error = set_error


def _install_execution_fixes() -> None:
    import uuid

    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser.asl.component.state import state as state_module
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    original_start = StepFunctionsParserBackend.start_execution
    original_create = StepFunctionsParserBackend.create_state_machine

    def start_execution(self: Any, arn: str, name: str | None = None, *args: Any, **kw: Any) -> Any:
        if name is None:
            name = str(uuid.uuid4())
        problem = execution_name_problem(name)
        if problem is not None:
            raise AWSError(problem[1], exception_type=problem[0])
        return original_start(self, arn, name, *args, **kw)

    def create_state_machine(self: Any, name: str, definition: str, *args: Any, **kw: Any) -> Any:
        for existing in self.state_machines:
            if existing.name == name and existing.definition != definition:
                raise AWSError(
                    f"State Machine Already Exists: '{existing.arn}'",
                    exception_type="StateMachineAlreadyExists",
                )
        return original_create(self, name, definition, *args, **kw)

    def stop_execution(self: Any) -> Any:
        from moto.core.responses import ActionResult

        error, cause = self._get_param("error"), self._get_param("cause")
        execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
        if execution.status == "RUNNING":
            if error is not None:
                execution.error = error
            if cause is not None:
                execution.cause = cause
            stop_and_settle(execution, error, cause)
        return ActionResult({"stopDate": execution.stop_date or datetime.datetime.now(tz=datetime.UTC)})

    def state_data(EnteredTime: str, Name: str, RetryCount: int = 0) -> dict[str, Any]:
        entered = datetime.datetime.fromisoformat(EnteredTime)
        return {"EnteredTime": sfn_timestamp(entered), "Name": Name, "RetryCount": RetryCount}

    _install_no_choice_matched()
    _install_stop_wins()
    StepFunctionsParserBackend.start_execution = start_execution
    StepFunctionsParserBackend.create_state_machine = create_state_machine
    StepFunctionResponse.stop_execution = stop_execution
    state_module.StateData = state_data


def _install_uncatchable_errors() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.error_equals_decl import ErrorEqualsDecl
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )

    terminal = {StatesErrorNameType.StatesRuntime, StatesErrorNameType.StatesStatesDataLimitExceeded}
    original = ErrorEqualsDecl._eval_body

    def _eval_body(self: Any, env: Any) -> None:
        error_name = env.stack[-1] if env.stack else None
        if isinstance(error_name, StatesErrorName) and error_name.typ in terminal:
            env.stack.pop()
            env.stack.append(False)
            return
        original(self, env)

    ErrorEqualsDecl._eval_body = _eval_body


class _ScaledRetrySleep:
    """Stands in for the ``time`` module in moto's Retrier: ``sleep`` is scaled by ``retry_scale``."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        from canary.emulator import patches

        time.sleep(max(0.0, float(seconds)) * patches.timings().retry_scale)


def _install_string_literals() -> None:
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
    from moto.stepfunctions.parser.asl.antlt4utils.antlr4utils import is_terminal
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    def _inner_string_of(parser_rule_context: Any) -> str | None:
        if is_terminal(parser_rule_context, ASLLexer.NULL):
            return None
        text: str = parser_rule_context.getText()
        if len(text) >= 2 and text[0] == text[-1] == '"':
            try:
                return str(json.loads(text))
            except ValueError:
                return text[1:-1]
        return text

    Preprocessor._inner_string_of = staticmethod(_inner_string_of)


def _install_retry_scale() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    retrier_decl.time = _ScaledRetrySleep()


def _install_choice_state_assign() -> None:
    """A Choice state's own ``Assign`` applies whichever rule matched, not only on the Default."""
    from moto.stepfunctions.parser.asl.component.state.choice.state_choice import StateChoice

    original = StateChoice._eval_state_output

    def _eval_state_output(self: Any, env: Any) -> None:
        next_state = env.stack[-1]
        taken_default = self.default_state is not None and self.default_state.state_name == next_state
        if self.assign_decl is not None and not taken_default:
            self.assign_decl.eval(env=env)
        original(self, env)

    StateChoice._eval_state_output = _eval_state_output


_PARSE_TREES_KEPT = 8


def _install_parse_once() -> None:
    """Each definition is lexed and parsed once per process, not at every create, update, static
    analysis and execution: ANTLR in Python took seconds of CPU for this project's definition each
    time, about a quarter of a test run. The evaluation components are still built afresh from the
    parse tree (which nothing changes) for every call, so executions share no state."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    AmazonStateLanguageParser = asl_parser.AmazonStateLanguageParser
    parse_afresh = AmazonStateLanguageParser.parse
    trees: dict[str, Any] = {}
    lock = threading.Lock()

    def parse(definition: str) -> tuple[Any, Any]:
        with lock:
            tree = trees.get(definition)
        if tree is not None:
            return asl_parser.Preprocessor().visit(tree), tree
        program, tree = parse_afresh(definition)  # syntax errors raise as moto raises them
        with lock:
            if len(trees) >= _PARSE_TREES_KEPT:
                trees.pop(next(iter(trees)))
            trees[definition] = tree
        return program, tree

    AmazonStateLanguageParser.parse = staticmethod(parse)

    # Creating or updating a state machine validates its definition by building the components too;
    # a definition that was valid once is valid again (every test creates the machine anew).
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    validate = StepFunctionsParserBackend._validate_definition
    valid: set[str] = set()

    def _validate_definition(definition: str) -> None:
        if definition not in valid:
            validate(definition=definition)
            with lock:
                if len(valid) >= _PARSE_TREES_KEPT:
                    valid.clear()
                valid.add(definition)

    StepFunctionsParserBackend._validate_definition = staticmethod(_validate_definition)


def install() -> None:
    """Patch moto's stepfunctions backend and responses (called once per process)."""
    _install_parse_once()
    sfn_sdk_tasks.install()
    sfn_history.install()
    _install_execution_fixes()
    _install_uncatchable_errors()
    _install_string_literals()
    _install_retry_scale()
    _install_choice_state_assign()
    _install_send_task_failure_cause()


def _install_send_task_failure_cause() -> None:
    """SendTaskFailure keeps its ``cause``.

    SendTaskHeartbeat is left as moto (and LocalStack) have it: a token is refused
    (``InvalidToken``) unless its task waits with ``HeartbeatSeconds`` and its own call has returned,
    so no definition here relies on a task heartbeating its own token (docs/emulator.md).
    """
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self: Any) -> Any:
        # moto dropped the cause; SendTaskFailure's cause reaches the TaskFailed event (API reference).
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure


def reset() -> None:
    """Forget this module's own state (after moto's reset): the history's serialized events."""
    sfn_history.reset()
