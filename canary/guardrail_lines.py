"""The job log's view of a deployment SageMaker runs itself (strategy blue-green or rolling).

DescribeEndpoint's ``PendingDeploymentSummary`` says, per variant, the stage of the deployment
(``VariantStatus``: ``Creating``, ``ActivatingTraffic``, ``Baking``, ``Deleting``…), SageMaker's
message (which step or batch, the traffic on the new fleet, a rollback) and the new instances
running (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantStatus.html).
:func:`pending_deployment` turns it into the tail of the endpoint's line. Plain text; the renderer
makes it inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canary.strategy_capacity import peak_instances
from canary.strategy_input import CapacitySize
from canary.summary import Level


def pending_deployment(result: Mapping[str, Any]) -> str | None:
    """`` — Baking: Baking, batch 2 of 4: 50% of traffic on the new fleet. (2 new instances)`` for a
    DescribeEndpoint result with a pending deployment, else None."""
    summary = result.get("PendingDeploymentSummary")
    if not isinstance(summary, Mapping):
        return None
    parts = []
    for variant in summary.get("ProductionVariants") or []:
        if not isinstance(variant, Mapping):
            continue
        statuses = [s for s in variant.get("VariantStatus") or [] if isinstance(s, Mapping)]
        stage = str(statuses[0].get("Status", "?")) if statuses else "pending"
        message = str(statuses[0].get("StatusMessage") or "").strip() if statuses else ""
        text = f"{stage}: {message}" if message else stage
        new = variant.get("CurrentInstanceCount")
        if isinstance(new, int):
            text += f" ({new} new instance{'s' if new != 1 else ''})"
        parts.append(text)
    return "; ".join(parts) or None


def with_progress(shown: tuple[Level, str], result: Mapping[str, Any]) -> tuple[Level, str]:
    """The endpoint's line with SageMaker's progress appended (a rollback in progress warns)."""
    level, text = shown
    progress = pending_deployment(result)
    if not progress:
        return level, text
    return ("warn" if rollback_started(result) else level), f"{text} — {progress}"


def rollback_started(result: Mapping[str, Any]) -> bool:
    """SageMaker is rolling the deployment back (``RollingBack``, or a stage message saying so)."""
    if result.get("EndpointStatus") == "RollingBack":
        return True
    return "Rolling back" in (pending_deployment(result) or "")


def put_alarm_line(params: Mapping[str, Any]) -> str:
    """``created alarm NAME: …`` for a PutMetricAlarm on one metric or on metric math (a rate)."""
    name = params.get("AlarmName", "?")
    metrics = [m for m in params.get("Metrics") or [] if isinstance(m, Mapping)]
    expression = next((m for m in metrics if m.get("Expression")), None)
    if expression is not None:
        what = str(expression.get("Label") or expression.get("Expression"))
        return f"created alarm {name}: {what} >= {params.get('Threshold', '?')}"
    return f"created alarm {name}: {params.get('MetricName', '?')} > {params.get('Threshold', '?')}"


QUIET_WHEN_OK = frozenset({"WatchAlarms", "WatchComponentAlarms"})
"""The guardrails flow's alarm read while SageMaker deploys: shown only when an alarm is in ALARM."""

GUARDED_PHASE = "SageMaker deployment"
"""The log group in which SageMaker deploys (from the deploy's alarms to the outcome)."""


def guarded_plan(document: Mapping[str, Any], fleet: object = None) -> str:
    """What SageMaker is asked to do, said as its deployment begins (the execution input's Strategy);
    with ``fleet`` (the instances the plan keeps, ``$plan.instances``), the peak it will run."""
    strategy = document.get("Strategy")
    if not isinstance(strategy, Mapping):
        return "SageMaker deploys the new model"
    wait = strategy.get("WaitSeconds", "?")
    component = document.get("Component")
    if isinstance(component, Mapping):  # an IC: its copies, not the endpoint's instances
        batch, back = strategy.get("BatchSize") or {}, strategy.get("RollbackBatchSize") or {}
        return (
            f"rolling update of inference component {component.get('Name', '?')} by SageMaker (2 copies or "
            f"more): batches of {_size(batch, 'copies')}, each baked {wait} s; a rollback brings back "
            f"{_size(back, 'copies')} at a time; peak: the copies + one batch; rolled back by SageMaker on "
            f"any alarm in ALARM while baking ({len(document.get('AlarmNames') or [])} of yours + the "
            "deploy's own)"
        )
    if strategy.get("Kind") == "rolling":
        batch, back = strategy.get("BatchSize") or {}, strategy.get("RollbackBatchSize") or {}
        text = f"rolling update by SageMaker: batches of {_size(batch)}, each baked {wait} s"
        text += f"; a rollback brings back {_size(back)} at a time"
    else:
        traffic, step = strategy.get("Traffic"), strategy.get("StepPercent")
        shift = {"CANARY": f"a canary of {step}% of the fleet", "LINEAR": f"linear steps of {step}%"}
        text = (
            f"blue/green by SageMaker: {shift.get(str(traffic), 'all at once')}, each step baked {wait} s, "
        )
        text += f"then {strategy.get('TerminationWaitSeconds', '?')} s before the old fleet is terminated"
    if isinstance(fleet, int) and fleet > 0:
        batch = CapacitySize.model_validate(strategy["BatchSize"]) if "BatchSize" in strategy else None
        rolling = strategy.get("Kind") == "rolling"
        peak = peak_instances("rolling", fleet, batch) if rolling else peak_instances("blue-green", fleet)
        text += f"; peak {peak} instances (steady {fleet})"
    alarms = [*(document.get("AlarmNames") or [])]
    return (
        text
        + f"; rolled back by SageMaker on any alarm in ALARM while baking ({len(alarms)} of yours"
        + " + the deploy's own)"
    )


def _size(size: Mapping[str, Any], unit: str = "instances") -> str:
    value = size.get("Value", "?")
    if size.get("Type") == "CAPACITY_PERCENT":
        return f"{value}% of the {'copies' if unit == 'copies' else 'fleet'}"
    return f"{value} copies" if unit == "copies" else f"{value} instance(s)"
