"""What the runtime knows of the AWS APIs themselves, written once for every module that needs it.

- :func:`error_code`: the ``Code`` of a botocore ``ClientError`` ("" when the response has none);
- :data:`TERMINAL_EVENT_STATUS`: the history event types that close an execution, and the
  DescribeExecution ``status`` each stands for (:data:`TERMINAL_EVENT_TYPES`: the types alone);
- :func:`console_url`: an execution's page in the Step Functions console.

History event types: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from botocore.exceptions import ClientError

TERMINAL_EVENT_STATUS: Mapping[str, str] = MappingProxyType(
    {
        "ExecutionSucceeded": "SUCCEEDED",
        "ExecutionFailed": "FAILED",
        "ExecutionAborted": "ABORTED",
        "ExecutionTimedOut": "TIMED_OUT",
    }
)
"""History event type that closes an execution → the execution's status afterwards."""
TERMINAL_EVENT_TYPES = frozenset(TERMINAL_EVENT_STATUS)
"""The history event types that close an execution (exactly one per closed execution, the last)."""


def error_code(error: ClientError) -> str:
    """The error code AWS answered with (``ThrottlingException``, …), or "" when there is none."""
    return str(error.response.get("Error", {}).get("Code", "") or "")


def console_url(execution_arn: str) -> str:
    """The Step Functions console page of an execution (region taken from its ARN)."""
    parts = execution_arn.split(":")
    region = parts[3] if len(parts) > 3 else "us-east-1"
    return (
        f"https://{region}.console.aws.amazon.com/states/home?region={region}"
        f"#/v2/executions/details/{execution_arn}"
    )
