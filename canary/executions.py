"""Executions of the state machine on one endpoint: read, listed, waited for.

Only executions whose input is one of ours (:func:`canary.names.artifact_of_input`) count; two
deploy "the same thing" exactly when their artifacts are equal. Only executions of the *same* state
machine are seen: deploys of one endpoint must go through one machine (one ``state-machine-name``
or ``state-machine-arn`` per region).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from canary.aws import console_url
from canary.backoff import Backoff
from canary.execution_input import DeployNames
from canary.names import Artifact, artifact_of_input

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient

Say = Callable[[str], None]
"""Where a module of the runtime reports what it does (one human line each; the caller renders it)."""
WAIT_FOR_OTHER_DEPLOY = Backoff(initial=2.0, factor=1.5, cap=15.0)
"""Polls of another deploy's execution while waiting for it to end: 2 s, growing by half to 15 s."""


@dataclass(frozen=True)
class Execution:
    """An execution of the machine that deploys to an endpoint."""

    arn: str
    name: str
    status: str
    start_date: datetime
    endpoint: str
    artifact: Artifact
    document: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> DeployNames | None:
        """The resource names in its input (what it creates)."""
        try:
            return DeployNames.model_validate(self.document.get("Names", {}))
        except ValueError:
            return None

    def older_than(self, other: Execution) -> bool:
        """Started first (ties broken by ARN, so two actions agree on the order)."""
        return (self.start_date, self.arn) < (other.start_date, other.arn)


def describe_execution(sfn: SFNClient, arn: str) -> Execution | None:
    """DescribeExecution, parsed; None when its input is not one of ours."""
    described = sfn.describe_execution(executionArn=arn)
    try:
        document = json.loads(described.get("input") or "{}")
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    parsed = artifact_of_input(document)
    if parsed is None:
        return None
    endpoint, artifact = parsed
    return Execution(
        arn=arn,
        name=described["name"],
        status=described["status"],
        start_date=described["startDate"],
        endpoint=endpoint,
        artifact=artifact,
        document=document,
    )


def running_executions(sfn: SFNClient, machine_arn: str, endpoint: str) -> list[Execution]:
    """The machine's RUNNING executions that deploy to ``endpoint``, oldest first."""
    found: list[Execution] = []
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=machine_arn, statusFilter="RUNNING"):
        for item in page.get("executions", []):
            execution = describe_execution(sfn, item["executionArn"])
            if execution is not None and execution.endpoint == endpoint and execution.status == "RUNNING":
                found.append(execution)
    return sorted(found, key=lambda e: (e.start_date, e.arn))


def aws_calls_made(sfn: SFNClient, execution_arn: str) -> list[str]:
    """The AWS SDK calls an execution has scheduled so far (``describeEndpoint``, …), from its history."""
    calls: list[str] = []
    paginator = sfn.get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution_arn, includeExecutionData=False):
        for event in page.get("events", []):
            if event["type"] == "TaskScheduled":
                calls.append(event["taskScheduledEventDetails"]["resource"])
    return calls


def wait_until_done(
    sfn: SFNClient,
    execution: Execution,
    deadline: float,
    stop: threading.Event,
    say: Say,
    *,
    schedule: Backoff = WAIT_FOR_OTHER_DEPLOY,
) -> bool:
    """Wait for another deploy to end; False when the deadline passed or we were cancelled first."""
    image = execution.artifact.image
    say(
        f"another deploy is running on endpoint {execution.endpoint}: execution {execution.name} "
        f"(image {image}); waiting for it to end before starting — {console_url(execution.arn)}"
    )
    started = time.time()
    for delay in schedule.delays():
        status = sfn.describe_execution(executionArn=execution.arn)["status"]
        if status != "RUNNING":
            say(f"execution {execution.name} ended {status} after {time.time() - started:.0f}s of waiting")
            return True
        remaining = deadline - time.time()
        if remaining <= 0 or stop.wait(min(delay, remaining)):
            return False
    return False  # pragma: no cover - the schedule is endless
