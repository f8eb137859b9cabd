"""moto extensions for Step Functions: what this product relies on and moto 5.2.5 gets wrong.

- aws-sdk task errors are named ``ServiceName.ExceptionName`` as AWS documents ("Learning to use AWS
  service SDK integrations": service and error in PascalCase, the ``Exception`` suffix always added);
  an error the service's API model does not declare becomes the service's generic exception
  (``SageMaker.SageMakerException``), as the AWS SDK for Java v2 behind Step Functions reports it.
- The aws-sdk service name ``applicationautoscaling`` (and a few other SDK-v2 spellings) works.
- Timestamps in aws-sdk task results become ISO-8601 strings in the state's JSON, as in Step Functions,
  so they can never break DescribeExecution or GetExecutionHistory.
- GetExecutionHistory pages (``maxResults``, ``nextToken``, ``reverseOrder``, ``includeExecutionData``)
  at a cost proportional to the page: each event is serialized once per execution and cached (past
  events never change), and a page joins cached JSON. Tokens are opaque and HMAC-bound to the
  execution and direction; anything else is ``InvalidToken``.
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

import base64
import datetime
import functools
import hashlib
import hmac
import json
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

# aws-sdk service name in the task's Resource (SDK v2 spelling) → botocore service name.
_SDK_TO_BOTO_SERVICE = {
    "applicationautoscaling": "application-autoscaling",
    "acmpca": "acm-pca",
    "cloudwatchlogs": "logs",
    "eventbridge": "events",
    "sagemakerruntime": "sagemaker-runtime",
}

# aws-sdk service name → the PascalCase service part of error names.
_SERVICE_ERROR_NAMES = {
    "acmpca": "AcmPca",
    "applicationautoscaling": "ApplicationAutoScaling",
    "cloudwatch": "CloudWatch",
    "cloudwatchlogs": "CloudWatchLogs",
    "dynamodb": "DynamoDb",
    "eventbridge": "EventBridge",
    "lambda": "Lambda",
    "s3": "S3",
    "sagemaker": "SageMaker",
    "sagemakerruntime": "SageMakerRuntime",
    "sfn": "Sfn",
    "sns": "Sns",
    "sqs": "Sqs",
    "sts": "Sts",
}

_EXCEPTION = "Exception"


def _with_exception_suffix(name: str) -> str:
    return name if name.endswith(_EXCEPTION) else name + _EXCEPTION


@functools.cache
def service_model(boto_service: str) -> Any:
    """botocore's model of a service, read once per process (SageMaker's is megabytes of JSON)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(boto_service)


@functools.cache
def _modeled_errors(boto_service: str) -> dict[str, str]:
    """Error code → shape name for every error the service's API model declares."""
    model = service_model(boto_service)
    errors: dict[str, str] = {}
    for shape in model.error_shapes:
        errors[shape.name] = shape.name
        code = shape.metadata.get("error", {}).get("code")
        if code:
            errors[code] = shape.name
    return errors


def aws_sdk_error_name(sdk_service: str, boto_service: str, error_code: str) -> str:
    """The ``Error`` Step Functions reports when an aws-sdk task's call fails with ``error_code``.

    ``ServiceName.ErrorName`` with ``Exception`` always appended when missing. The error part is the
    API model's shape name when that already ends in ``Exception`` (``ValidationError`` is modeled as
    ``ValidationException``), else the error code (``ResourceNotFound`` → ``ResourceNotFoundException``).
    Codes the model does not declare become the generic ``ServiceName.ServiceNameException``.
    """
    service = _SERVICE_ERROR_NAMES.get(sdk_service.lower(), sdk_service)
    from botocore.exceptions import UnknownServiceError

    try:
        shape = _modeled_errors(boto_service).get(error_code)
    except UnknownServiceError:
        shape = None
    if shape is None:
        return f"{service}.{service}{_EXCEPTION}"
    error = shape if shape.endswith(_EXCEPTION) else error_code
    return f"{service}.{_with_exception_suffix(error)}"


def sfn_timestamp(value: datetime.datetime | datetime.date) -> str:
    """A timestamp as Step Functions writes SDK results into state JSON: ISO-8601 UTC, milliseconds, Z."""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


@functools.cache
def _input_members(boto_service: str, api_action: str) -> dict[str, str]:
    """The operation's input member names by their lower-case spelling (none for an unknown action).

    Computed once per operation (every aws-sdk task of every execution asks).
    """
    from botocore import xform_name

    model = service_model(boto_service)
    operation = next((op for op in model.operation_names if xform_name(op) == api_action), None)
    shape = None if operation is None else model.operation_model(operation).input_shape
    return {} if shape is None else {name.lower(): name for name in shape.members}


def boto_cased(boto_service: str, api_action: str, parameters: dict[str, Any]) -> None:
    """Rename top-level Arguments to the API's member names, in place.

    "Parameters in Step Functions are expressed in PascalCase, even if the native service API is in
    camelCase" (supported-services-awssdk.html: ``sfn:sendTaskHeartbeat`` takes ``TaskToken``); moto
    passed them to botocore as written, which refused ``TaskToken`` for ``taskToken``.
    """
    members = _input_members(boto_service, api_action)
    for key in list(parameters):
        member = members.get(key.lower())
        if member is not None and member != key:
            parameters[member] = parameters.pop(key)


def json_safe(value: Any) -> Any:
    """``value`` with every datetime (at any depth) replaced by its Step Functions string form, and
    every streamed blob (SageMaker Runtime's ``Body``) by its text."""
    if hasattr(value, "read") and hasattr(value, "close"):
        return value.read().decode("utf-8", errors="replace")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return sfn_timestamp(value)
    return value


def _install_aws_sdk_task_fixes() -> None:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    service_cls = state_task_service.StateTaskService
    service_cls._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(_SDK_TO_BOTO_SERVICE)
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES.update(_SERVICE_ERROR_NAMES)

    # One client per service and region for every task of every execution: moto built a new boto3
    # client for each call (tens of milliseconds of CPU each). Its credentials are always moto's own.
    make_client = state_task_service_aws_sdk.boto_client_for
    clients: dict[tuple[str, str], Any] = {}
    clients_lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with clients_lock:
            if (region, service) not in clients:
                clients[(region, service)] = make_client(region, service, state_credentials)
            return clients[(region, service)]

    state_task_service_aws_sdk.boto_client_for = boto_client_for

    sdk_cls = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    original_from_error = sdk_cls._from_error
    original_eval = sdk_cls._eval_service_task

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, ClientError):
            return original_from_error(self, env, ex)
        sdk_service = self.resource.api_name
        service = _SERVICE_ERROR_NAMES.get(sdk_service.lower(), sdk_service)
        error = aws_sdk_error_name(sdk_service, self._get_boto_service_name(), ex.response["Error"]["Code"])
        metadata = ex.response["ResponseMetadata"]
        details = [
            f"Service: {service}",
            f"Status Code: {metadata['HTTPStatusCode']}",
            f"Request ID: {metadata.get('RequestId', '')}",
        ]
        cause = f"{ex.response['Error'].get('Message', '')} ({', '.join(details)})"
        return self._get_task_failure_event(env=env, error=error, cause=cause)

    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        parameters = kwargs.get("normalised_parameters", args[1] if len(args) > 1 else None)
        if isinstance(parameters, dict):
            boto_cased(self._get_boto_service_name(), self._get_boto_service_action(), parameters)
        original_eval(self, env, *args, **kwargs)
        env.stack[-1] = json_safe(env.stack[-1])

    sdk_cls._from_error = _from_error
    sdk_cls._eval_service_task = _eval_service_task


# --- GetExecutionHistory paging ----------------------------------------------------------------------

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Payload fields left out of every *EventDetails when includeExecutionData is false.
EXECUTION_DATA_FIELDS = ("input", "output")

_TOKEN_KEY = os.urandom(32)
_TOKEN_MAC_BYTES = 16


@dataclass
class _EventCache:
    """Events of one execution serialized once each (by 0-based position), with and without data."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    full: dict[int, str] = field(default_factory=dict)
    lean: dict[int, str] = field(default_factory=dict)


_caches: weakref.WeakKeyDictionary[Any, _EventCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _epoch_seconds(timestamp: Any) -> float:
    """The wire form of a history timestamp (awsJson: epoch seconds), from moto's ISO string."""
    if isinstance(timestamp, str):
        parsed = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")
        return parsed.replace(tzinfo=datetime.UTC).timestamp()
    if isinstance(timestamp, datetime.datetime):
        return timestamp.timestamp()
    return float(timestamp)


def _event_json(event: dict[str, Any], include_data: bool) -> str:
    wire = _without_none(json_safe(dict(event)))
    wire["timestamp"] = _epoch_seconds(event["timestamp"])
    if not include_data:
        for key, details in wire.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                for name in EXECUTION_DATA_FIELDS:
                    details.pop(name, None)
    return json.dumps(wire, separators=(",", ":"))


def _serialized_page(execution: Any, events: list[Any], positions: range, include_data: bool) -> list[str]:
    """The JSON of ``events[i]`` for each position, serializing only those not seen before."""
    with _caches_lock:
        cache = _caches.get(execution)
        if cache is None:
            cache = _caches[execution] = _EventCache()
    known = cache.full if include_data else cache.lean
    with cache.lock:
        for index in positions:
            if index not in known:
                known[index] = _event_json(events[index], include_data)
        return [known[index] for index in positions]


def _token_mac(execution_arn: str, payload: bytes) -> bytes:
    message = execution_arn.encode() + b"\0" + payload
    return hmac.new(_TOKEN_KEY, message, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]


def encode_history_token(execution_arn: str, next_index: int, reverse: bool) -> str:
    """An opaque token for the page starting at 0-based event ``next_index`` in that direction."""
    payload = f"{next_index}:{int(reverse)}".encode()
    raw = payload + _token_mac(execution_arn, payload)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_history_token(execution_arn: str, token: str, reverse: bool) -> int | None:
    """The 0-based index a token of this execution and direction resumes at; None if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    payload, mac = raw[:-_TOKEN_MAC_BYTES], raw[-_TOKEN_MAC_BYTES:]
    if len(raw) <= _TOKEN_MAC_BYTES or not hmac.compare_digest(mac, _token_mac(execution_arn, payload)):
        return None
    index_text, _, direction = payload.decode().partition(":")
    if direction != str(int(reverse)):
        return None
    return int(index_text)


@dataclass(frozen=True)
class HistoryPage:
    """Which events (0-based positions, in response order) a page holds, and where the next starts."""

    positions: range
    next_index: int | None


def history_page(total: int, start: int | None, size: int, reverse: bool) -> HistoryPage:
    """Slice ``total`` events into the page of ``size`` starting at ``start`` (None: the first page)."""
    if reverse:
        first = total - 1 if start is None else min(start, total - 1)
        last = max(first - size + 1, 0)
        positions = range(first, last - 1, -1)
        return HistoryPage(positions, last - 1 if last > 0 else None)
    first = 0 if start is None else start
    end = min(first + size, total)
    return HistoryPage(range(first, end), end if end < total else None)


def _get_execution_history(self: Any) -> Any:
    """GetExecutionHistory that honours its paging parameters, O(page) per call."""
    from moto.stepfunctions.exceptions import InvalidToken, ValidationException

    execution_arn = self._get_param("executionArn")
    max_results = self._get_param("maxResults") or DEFAULT_PAGE_SIZE
    reverse = bool(self._get_param("reverseOrder", False))
    include_data = self._get_param("includeExecutionData")
    include_data = True if include_data is None else bool(include_data)
    token = self._get_param("nextToken")
    if not isinstance(max_results, int) or not 0 <= max_results <= MAX_PAGE_SIZE:
        raise ValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE_SIZE}"
        )
    execution = self.stepfunction_backend.describe_execution(execution_arn)
    worker = getattr(execution, "exec_worker", None)
    env = getattr(worker, "env", None)
    events: list[Any] = env.event_manager._history_event_list if env is not None else []
    total = len(events)
    start = None
    if token is not None:
        start = decode_history_token(execution_arn, token, reverse)
        if start is None or start > total:
            raise InvalidToken(f"'{token}'")
    page = history_page(total, start, max_results, reverse)
    body = '{"events":[' + ",".join(_serialized_page(execution, events, page.positions, include_data)) + "]"
    if page.next_index is not None:
        body += ',"nextToken":' + json.dumps(encode_history_token(execution_arn, page.next_index, reverse))
    return body + "}"


def _install_history_paging() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    StepFunctionResponse.get_execution_history = _get_execution_history


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
    _install_aws_sdk_task_fixes()
    _install_history_paging()
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
    """Forget this module's own state (after moto's reset)."""
    with _caches_lock:
        _caches.clear()
