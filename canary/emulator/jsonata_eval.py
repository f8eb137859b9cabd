"""JSONata evaluation for moto's Step Functions interpreter (``"QueryLanguage": "JSONata"``).

moto 5.2.5 vendors LocalStack's ASL interpreter: it parses ``Arguments``, ``Output``, ``Assign``,
``Condition`` and ``{% … %}`` expressions but leaves the evaluator unset
(``moto.stepfunctions.parser.asl.jsonata.jsonata._eval_jsonata`` is ``None``; LocalStack fills it with
jsonata-java in a JVM). Here the pure-Python port ``jsonata-python`` evaluates them.

moto composes each expression as text, ``($states:={…};$var:=…;EXPR)``, with every variable's value
written in as a JSON literal, then parses the whole string: strings are written unescaped (a value
holding ``"`` breaks the expression) and parsing kilobytes of literals costs ~10 ms per expression.
This module evaluates the state's own expression instead, with ``$states`` and the workflow
variables passed as bindings (0.1 ms), and:

- a JSONata error (a type error, calling a non-function, …) is ``States.QueryEvaluationError`` with an
  ``EvaluationFailed`` event, as the AWS error-handling page says; a result that is undefined is one
  too ("returned nothing (undefined)"), a JSON ``null`` is not;
- a variable holding ``null`` is ``null`` in expressions (jsonata-python takes a bound ``None`` for
  undefined);
- the functions Step Functions adds to JSONata ("JSONata functions provided by Step Functions",
  https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html) are native:
  ``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid``, ``$parse`` (moto's JSONata-text
  versions of ``$hash`` and ``$uuid`` only return "not supported");
- ``assignedVariables`` in ``…StateExited`` events hold each value as JSON text, strings escaped.

See docs/emulator.md for what still differs from AWS.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import uuid
from typing import Any

_HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class StepFunctionsFunctionError(ValueError):
    """A Step Functions JSONata function was called with arguments it does not accept."""


def _partition(array: Any, size: Any) -> list[Any]:
    """``$partition(array, chunkSize)``: the array split into chunks of ``chunkSize`` (the last shorter)."""
    if not isinstance(array, list):
        array = [array]
    if not isinstance(size, int | float) or size < 1 or int(size) != size:
        raise StepFunctionsFunctionError(f"$partition: chunk size must be a positive integer, got {size!r}")
    step = int(size)
    return [array[index : index + step] for index in range(0, len(array), step)]


def _range(start: Any, end: Any, step: Any = 1) -> list[Any]:
    """``$range(start, end, step)``: from ``start`` to ``end`` inclusive, every ``step``."""
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (start, end, step)):
        raise StepFunctionsFunctionError("$range: start, end and step must be numbers")
    if step == 0:
        raise StepFunctionsFunctionError("$range: step must not be 0")
    count = math.floor((end - start) / step) + 1
    return [start + index * step for index in range(max(count, 0))]


def _hash(value: Any, algorithm: Any) -> str:
    """``$hash(data, algorithm)``: the hex digest of a string (MD5, SHA-1, SHA-256, SHA-384, SHA-512)."""
    name = _HASH_ALGORITHMS.get(str(algorithm))
    if name is None:
        raise StepFunctionsFunctionError(
            f"$hash: algorithm must be one of {', '.join(_HASH_ALGORITHMS)}, got {algorithm!r}"
        )
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return hashlib.new(name, text.encode()).hexdigest()


def _random(seed: Any = None) -> float:
    """``$random([seed])``: a number in [0, 1); the same seed gives the same number."""
    if seed is None:
        return random.random()  # noqa: S311 - not for cryptography, as on AWS
    return random.Random(str(seed)).random()  # noqa: S311


def _uuid() -> str:
    """``$uuid()``: a version 4 UUID."""
    return str(uuid.uuid4())


def _parse(text: Any) -> Any:
    """``$parse(jsonString)``: the JSON value a string holds."""
    if not isinstance(text, str):
        raise StepFunctionsFunctionError("$parse: the argument must be a string of JSON")
    try:
        return _to_jsonata(json.loads(text))
    except json.JSONDecodeError as error:
        raise StepFunctionsFunctionError(f"$parse: not JSON ({error})") from error


STEP_FUNCTIONS_FUNCTIONS = {
    "partition": _partition,
    "range": _range,
    "hash": _hash,
    "random": _random,
    "uuid": _uuid,
    "parse": _parse,
}
"""The functions Step Functions provides beside JSONata's own, by name (without the ``$``)."""


class QueryEvaluationError(Exception):
    """A JSONata expression failed or returned nothing; Step Functions reports it as
    ``States.QueryEvaluationError``."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def _null() -> Any:
    from jsonata import utils

    return utils.Utils.NULL_VALUE


def _to_jsonata(value: Any) -> Any:
    """A JSON value as a top-level binding: ``None`` is JSON null (jsonata-python takes it as undefined)."""
    return _null() if value is None else value


def _from_jsonata(value: Any) -> Any:
    """A jsonata-python result as plain JSON: its null marker becomes ``None``, lists and dicts plain."""
    null = _null()
    if value is null:
        return None
    if isinstance(value, dict):
        return {str(key): _from_jsonata(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_from_jsonata(item) for item in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise QueryEvaluationError("returned an unsupported result type.")


_COMPILED: dict[str, Any] = {}
"""Expression → its compiled template (parsed once per process: a definition's expressions recur at
every transition, and parsing was a large share of the emulator's CPU)."""


def _compiled(expression: str) -> Any:
    """A fresh evaluator of ``expression`` over its one parsed template.

    The copy shares the template's AST (evaluation does not change it) and its environment, which
    holds only the registered functions: :meth:`jsonata.Jsonata.evaluate` binds the variables and the
    input in a child frame of it, since bindings are always given. The copy's own ``timestamp`` (set by
    ``evaluate``) is what ``$now``/``$millis`` read through ``Jsonata.CURRENT``, which this thread points
    at the copy, as a new ``Jsonata`` would.
    """
    import jsonata

    template = _COMPILED.get(expression)
    if template is None:
        template = jsonata.Jsonata(expression)
        template.set_output_convert_nulls(False)
        for name, function in STEP_FUNCTIONS_FUNCTIONS.items():
            template.register_lambda(name, function)
        _COMPILED[expression] = template
    compiled = copy.copy(template)
    jsonata.Jsonata.CURRENT.jsonata = compiled
    return compiled


def evaluate(expression: str, bindings: dict[str, Any]) -> Any:
    """The JSON value of ``expression`` with ``bindings`` (variable name without ``$`` → JSON value).

    Raises :class:`QueryEvaluationError` when the expression fails or its result is undefined.
    """
    try:
        compiled = _compiled(expression)
        result = compiled.evaluate(None, {name: _to_jsonata(value) for name, value in bindings.items()})
    except QueryEvaluationError:
        raise
    except Exception as error:  # jsonata-python raises JException, or Python errors from functions
        raise QueryEvaluationError(f"The JSONata expression '{expression}' failed: {error}") from error
    if result is None:
        raise QueryEvaluationError(f"The JSONata expression '{expression}' returned nothing (undefined).")
    try:
        return _from_jsonata(result)
    except QueryEvaluationError as error:
        raise QueryEvaluationError(f"The JSONata expression '{expression}' {error.cause}") from error


def evaluate_text(expression: str) -> Any:
    """moto's evaluator hook: a self-contained expression (variables declared in its text).

    Undefined is ``None`` here, as moto's own checks (``$exists(…)``) expect.
    """
    try:
        return evaluate(expression, {})
    except QueryEvaluationError as error:
        if error.cause.endswith("returned nothing (undefined)."):
            return None
        from moto.stepfunctions.parser.asl.jsonata.jsonata import JSONataException

        raise JSONataException("UNKNOWN", error.cause) from error


def _bindings(env: Any, with_states: bool) -> dict[str, Any]:
    store = env.variable_store
    bindings: dict[str, Any] = {**store._outer_scope, **store._inner_scope}
    if with_states:
        from canary.emulator.sfn_sdk_tasks import json_safe

        # The context object holds datetimes (Execution.StartTime): JSON text, as on AWS.
        bindings["states"] = json_safe(env.states._states_data)
    return bindings


def _failure(env: Any, cause: str) -> Exception:
    """The ``States.QueryEvaluationError`` failure, its ``EvaluationFailed`` event recorded."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
    failure = FailureEventException(
        failure_event=FailureEvent(
            env=env,
            error_name=name,
            event_type=HistoryEventType.EvaluationFailed,
            event_details=EventDetails(
                evaluationFailedEventDetails=EvaluationFailedEventDetails(error=name.error_name, cause=cause)
            ),
        )
    )
    env.event_manager.add_event(
        context=env.event_history_context,
        event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(
            evaluationFailedEventDetails=failure.get_evaluation_failed_event_details()
        ),
    )
    return failure  # type: ignore[no-any-return]


def _evaluate_in(env: Any, expression: str, with_states: bool) -> Any:
    from moto.stepfunctions.parser.asl.jsonata.jsonata import extract_jsonata_variable_references

    # Refuses a top-level ``$``/``$$`` as moto does.
    extract_jsonata_variable_references(expression)
    try:
        return evaluate(expression, _bindings(env, with_states))
    except QueryEvaluationError as error:
        raise _failure(env, error.cause) from error


def _json_text(value: Any) -> str:
    from moto.stepfunctions.parser.asl.utils.encoding import to_json_str

    return str(to_json_str(value, separators=(",", ":")))


def install() -> None:
    """Plug the evaluator into moto's interpreter (called once per process)."""
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode
    from moto.stepfunctions.parser.asl.component.common.string import string_expression
    from moto.stepfunctions.parser.asl.eval import states as states_module
    from moto.stepfunctions.parser.asl.eval import variable_store as store_module
    from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata

    def encode_declarations(bindings: dict[str, Any]) -> str:
        return "".join(f"{name}:={_json_text(value)};" for name, value in bindings.items())

    moto_jsonata._eval_jsonata = evaluate_text
    for module in (moto_jsonata, states_module, store_module):
        module.encode_jsonata_variable_declarations = encode_declarations

    def jsonata_body(self: Any, env: Any) -> None:
        env.stack.append(_evaluate_in(env, self.expression, with_states=True))

    def variable_sample_body(self: Any, env: Any) -> None:
        with_states = self.query_language_mode == QueryLanguageMode.JSONata
        env.stack.append(_evaluate_in(env, self.expression, with_states=with_states))

    def get_assigned_variables(self: Any) -> dict[str, str]:
        return {name: _json_text(self.get(name)) for name in self._declaration_tracing}

    string_expression.StringJSONata._eval_body = jsonata_body
    string_expression.StringVariableSample._eval_body = variable_sample_body
    store_module.VariableStore.get_assigned_variables = get_assigned_variables
