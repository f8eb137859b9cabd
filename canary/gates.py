"""``command: approve`` / ``abort``: answer the deploy of an endpoint that waits at a gate, or abort it.

The deploy is found the way a rerun finds one to attach to (:func:`canary.executions.running_executions`:
the RUNNING executions of the same state machine on the same endpoint). Then
(docs/state-machine.md, "Approval gates" and "Abort")::

    waiting at its Gate ─► approve: SendTaskSuccess {ApprovedBy, Run}      (the deploy goes on)
                       └─► abort:   SendTaskFailure Canary.Aborted         (it rolls back)
    baking, no gate    ─► abort:   PutMetricAlarm + SetAlarmState ALARM on its …-abort alarm
                                    (its next alarm check rolls back: within AlarmCheckSeconds)

The gate's task token is read from the Gate task's ``TaskScheduled`` parameters (the Gate's call,
EventBridge ``PutEvents`` on the default bus, carries it as ``TaskToken`` in its entry's ``Detail``).
Nothing to answer → :class:`NothingWaiting` (exit 2), nothing changed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from canary.aws import console_url
from canary.errors import NothingWaitingError
from canary.executions import Execution, Say, running_executions

if TYPE_CHECKING:
    from types_boto3_cloudwatch.client import CloudWatchClient
    from types_boto3_stepfunctions.client import SFNClient

GATE_RESOURCE = "putEvents.waitForTaskToken"
"""The Gate task's resource (``arn:aws:states:::events:…``), as TaskScheduled names it."""
ABORTED_ERROR = "Canary.Aborted"
"""What ``abort`` fails a gate with, and what the state machine names an aborted deploy."""
_PENDING = {"TaskStarted", "TaskSubmitted"}
"""Events a waiting Gate may have written after its TaskScheduled."""

Command = Literal["approve", "abort"]


@dataclass(frozen=True)
class Answer:
    """Who answers, for the gate's output, the failure's cause and the abort alarm's reason."""

    actor: str
    run: str | None

    @property
    def by(self) -> str:
        """``@actor (run URL)``."""
        return f"{self.actor}" + (f" ({self.run})" if self.run else "")


def waiting_token(sfn: SFNClient, execution_arn: str, *, settle_seconds: float = 10.0) -> str | None:
    """The task token of the execution's Gate if it waits now (its newest events), else None.

    A Gate waits once its own call returned (``TaskSubmitted``): an answer sent before would race that
    call. A Gate just scheduled is read again, for up to ``settle_seconds``.
    """
    deadline = time.monotonic() + settle_seconds
    while True:
        token, submitted = _gate_token(sfn, execution_arn)
        if token is None or submitted:
            return token
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.5)


def _gate_token(sfn: SFNClient, execution_arn: str) -> tuple[str | None, bool]:
    """(the Gate's token if it is the newest task, whether its call returned)."""
    page = sfn.get_execution_history(executionArn=execution_arn, reverseOrder=True, maxResults=5)
    submitted = False
    for event in page.get("events", []):
        if event["type"] in _PENDING:
            submitted = submitted or event["type"] == "TaskSubmitted"
            continue
        if event["type"] != "TaskScheduled":
            return None, False
        details = event.get("taskScheduledEventDetails", {})
        if not str(details.get("resource", "")).endswith(GATE_RESOURCE):
            return None, False
        token = token_of(details.get("parameters"))
        return (token, submitted) if token else (None, False)
    return None, False


def token_of(parameters: object) -> str | None:
    """The task token in the Gate's PutEvents parameters (``Entries[0].Detail.TaskToken``; the
    Detail as the JSON text the definition sends, or as an object), or None."""
    try:
        entries = json.loads(str(parameters or "{}")).get("Entries")
        detail = entries[0].get("Detail") if isinstance(entries, list) and entries else None
        detail = json.loads(detail) if isinstance(detail, str) else detail
        token = detail.get("TaskToken") if isinstance(detail, Mapping) else None
    except (ValueError, AttributeError):
        return None
    return token if isinstance(token, str) and token else None


def _checks_alarms(document: Mapping[str, Any]) -> bool:
    """Does this deploy's bake check alarms (so the …-abort alarm is among them)? A deploy by SageMaker's
    guardrails (``Strategy``) always has the abort alarm among its rollback alarms."""
    if isinstance(document.get("Strategy"), Mapping):
        return True
    errors = document.get("ErrorAlarms")
    enabled = isinstance(errors, Mapping) and errors.get("Enabled") is True
    return bool(document.get("AlarmNames")) or enabled


def _abort_alarm(cloudwatch: CloudWatchClient, execution: Execution, answer: Answer) -> str:
    """Create the deploy's …-abort alarm in ALARM; returns its name.

    Missing data is breaching, so CloudWatch's own evaluations keep it in ALARM
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data);
    SetAlarmState puts it there at once, with the reason the rollback's cause quotes.
    """
    names = execution.names
    if names is None:
        raise NothingWaitingError(f"execution {execution.name} has no Names in its input: cannot abort it")
    name = f"{names.AlarmPrefix}-abort"
    reason = f"aborted by {answer.by}"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmDescription=f"Abort of the canary deploy {execution.name} to endpoint {execution.endpoint}: "
        f"{reason} (deleted when the deploy ends).",
        Namespace="sm-canary-action",
        MetricName="Abort",
        Dimensions=[{"Name": "EndpointName", "Value": execution.endpoint}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="breaching",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason[:1023])
    return name


def answer_gate(
    sfn: SFNClient,
    cloudwatch: CloudWatchClient,
    machine_arn: str | None,
    endpoint: str,
    *,
    command: Command,
    answer: Answer,
    say: Say,
    execution_name: str | None = None,
) -> str:
    """Approve or abort the deploy of ``endpoint`` (only the execution named ``execution_name``, when
    given); returns the execution's ARN.

    Raises :class:`NothingWaitingError` when no deploy of it runs, or (``approve``) none waits at a gate.
    """
    running = running_executions(sfn, machine_arn, endpoint) if machine_arn else []
    if execution_name is not None:
        others = [execution.name for execution in running if execution.name != execution_name]
        running = [execution for execution in running if execution.name == execution_name]
        if not running:
            raise NothingWaitingError(
                f"no deploy of endpoint {endpoint} named {execution_name} is running"
                + (f" (running: {', '.join(others)})" if others else "")
                + f": nothing to {command}"
            )
    if not running:
        raise NothingWaitingError(
            f"no deploy of endpoint {endpoint} is running (state machine {machine_arn or 'not found'}): "
            f"nothing to {command}"
        )
    for execution in running:
        token = waiting_token(sfn, execution.arn)
        if token is None:
            continue
        if command == "approve":
            output = {"ApprovedBy": answer.actor, "Run": answer.run or ""}
            sfn.send_task_success(taskToken=token, output=json.dumps(output))
            say(f"approved the gate of execution {execution.name} as {answer.by}: the deploy goes on")
        else:
            sfn.send_task_failure(taskToken=token, error=ABORTED_ERROR, cause=f"aborted by {answer.by}")
            say(f"aborted execution {execution.name} at its gate as {answer.by}: it rolls back")
        say(f"console: {console_url(execution.arn)}")
        return execution.arn
    execution = running[0]
    if command == "approve":
        raise NothingWaitingError(
            f"the deploy of endpoint {endpoint} (execution {execution.name}) is not waiting at a gate: "
            f"nothing to approve; approve once its log says it waits — {console_url(execution.arn)}"
        )
    if not _checks_alarms(execution.document):
        raise NothingWaitingError(
            f"the deploy of endpoint {endpoint} (execution {execution.name}) checks no alarm during its bake "
            "(error-alarms false, no alarm-names), so it cannot be aborted before its gate or end; stop it "
            f"in the console to leave the endpoint as it is — {console_url(execution.arn)}"
        )
    alarm = _abort_alarm(cloudwatch, execution, answer)
    if isinstance(execution.document.get("Strategy"), Mapping):
        say(
            f"set alarm {alarm} to ALARM as {answer.by}: SageMaker rolls execution {execution.name}'s "
            "deployment back at once if it is baking, else when its next baking period begins "
            '(docs/strategies.md, "Abort")'
        )
        say(f"console: {console_url(execution.arn)}")
        return execution.arn
    check = execution.document.get("AlarmCheckSeconds", "?")
    say(
        f"set alarm {alarm} to ALARM as {answer.by}: execution {execution.name} rolls back at its next "
        f"alarm check (every {check} s of a bake)"
    )
    say(f"console: {console_url(execution.arn)}")
    return execution.arn
