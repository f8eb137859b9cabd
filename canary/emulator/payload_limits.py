"""moto extension: StartExecution refuses an input over Step Functions' 256 KiB, counted in UTF-8 bytes.

"Maximum input or output size for a task, state, or execution: 256 KiB of data as a UTF-8 encoded
string" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); StartExecution's
``input`` has a maximum length of 262,144
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html). moto 5.2.5
started the execution and failed its first state with ``States.DataLimitExceeded``; here the call is
refused with ``ValidationException`` in the form AWS gives a length constraint (its exact wording for
this member is not documented), and nothing is started.
"""

from __future__ import annotations

from typing import Any

MAX_INPUT_BYTES = 262_144


def input_problem(execution_input: str | None) -> str | None:
    """Why StartExecution refuses this input, or None."""
    size = len((execution_input or "").encode("utf-8"))
    if size <= MAX_INPUT_BYTES:
        return None
    return (
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have "
        f"length less than or equal to {MAX_INPUT_BYTES} (it has {size} bytes of UTF-8)"
    )


def install() -> None:
    """Check the input before moto (and the other extensions) start the execution."""
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any, arn: str, name: Any = None, execution_input: Any = None, *a: Any, **k: Any
    ) -> Any:
        problem = input_problem(execution_input if isinstance(execution_input, str) else None)
        if problem is not None:
            raise AWSError(problem, exception_type="ValidationException")
        return original(self, arn, name, execution_input, *a, **k)

    StepFunctionsParserBackend.start_execution = start_execution
