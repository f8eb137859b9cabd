"""The dry run's output: what a run with these settings would do, one line each.

Made only from what the preflight read (:class:`canary.deploy.Prepared`): a dry run makes the same
reads as a real run and no write.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from canary.aws import console_url
from canary.fleet import canary_sizes, promoted_count
from canary.settings import Settings

if TYPE_CHECKING:
    from canary.deploy import Prepared


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def last_deployment_line(config: Mapping[str, Any]) -> str:
    """What the plan says of the endpoint's ``LastDeploymentConfig`` (DescribeEndpoint)."""
    kinds = ", ".join(sorted(str(key) for key in config)) or "empty"
    return (
        f"the endpoint reports a LastDeploymentConfig ({kinds}): it belongs to the endpoint's last update "
        "(IaC or a person); this deploy does not pass it into its own updates, which would turn them into "
        "SageMaker deployments with their own traffic shifting and rollback"
    )


def capacity_lines(prepared: Prepared) -> list[str]:
    """The capacity plan, its quota check and the endpoint's LastDeploymentConfig (dry run and log header)."""
    lines = prepared.capacity.lines() if prepared.capacity is not None else []
    endpoint = prepared.endpoint
    if endpoint is not None and endpoint.last_deployment_config:
        lines.append(last_deployment_line(endpoint.last_deployment_config))
    return lines


def plan_lines(settings: Settings, prepared: Prepared) -> list[str]:
    """What a run with these settings would do, one line each (the dry run's output)."""
    document = prepared.execution_input
    names = document.Names
    machine = prepared.machine
    lines = [f"region {settings.aws_region}"]
    if not machine.bundled:
        lines.append(f"state machine: {machine.arn} (given; exists)")
    elif machine.arn is None:
        lines.append(
            f"state machine {settings.state_machine_name}: would be created "
            f"(role {settings.state_machine_role_arn})"
        )
    elif machine.definition_current is False:
        lines.append(
            f"state machine {settings.state_machine_name}: exists, definition differs: would be updated"
        )
    else:
        lines.append(f"state machine {settings.state_machine_name}: exists ({machine.arn})")
    if prepared.attach_to is not None:
        lines.append(
            f"execution {prepared.attach_to.name} is already deploying this artifact: would attach to it — "
            f"{console_url(prepared.attach_to.arn)}"
        )
        return lines
    endpoint = prepared.endpoint
    if endpoint is not None:
        lines.append(endpoint.describe())
    lines.append(
        f"would start execution {prepared.execution_name} (it holds "
        f"{document.StartHoldSeconds} s before its first AWS call, while racing starts are checked)"
    )
    environment = ", ".join(sorted(document.Container.Environment)) or "none"
    lines.append(
        f"would create model {names.Model}: image {document.Container.Image}, "
        f"model data {document.Container.ModelDataUrl or 'none (in the image)'}, "
        f"environment keys: {environment}"
    )
    bake = document.BakeSeconds
    first = endpoint is None or not endpoint.exists
    if first:
        lines.append(
            f"first deploy: would create endpoint config {names.FinalConfig} "
            f"({document.InstanceType} x{promoted_count(None, document.InstanceCount)}) and endpoint "
            f"{document.EndpointName}"
        )
    else:
        variant = endpoint.variants[0] if endpoint and endpoint.variants else None
        instance_type = document.InstanceType or (variant.instance_type if variant else None) or "?"
        old = variant.name if variant else "current"
        fleet = variant.instance_count if variant else None
        sizes = canary_sizes(fleet, document.CanaryWeights, document.CanaryInstanceCount)
        lines.append(
            f"canary: endpoint config {names.CanaryConfig} = {old} + {names.CanaryVariant} "
            f"({instance_type} x{'/'.join(map(str, sizes))} per step)"
        )
        alarms = list(document.AlarmNames)
        if document.ErrorAlarms.Enabled:
            alarms += [f"{names.AlarmPrefix}-4xx", f"{names.AlarmPrefix}-5xx"]
        watched = ", ".join(alarms) or "none"
        checked = bool(alarms) or document.Analysis.gated
        delay = document.Analysis.delay(checked)
        late = f" (+{delay}s for late metrics: the last check reads all of it)" if delay else ""
        for step, weight in enumerate(document.CanaryWeights, start=1):
            lines.append(
                f"  step {step}: {weight}% to the canary, bake {_minutes(bake)}{late}, "
                f"alarms checked every {document.AlarmCheckSeconds}s: {watched}"
            )
        original = endpoint.config_name if endpoint else "?"
        lines.append(
            f"promote: endpoint config {names.FinalConfig} with only the new model "
            f"({instance_type} x{promoted_count(fleet, document.InstanceCount)}); any alarm → roll back to "
            f"{original}"
        )
        steps = len(document.CanaryWeights)
        lines.append(f"total bake: {_minutes((bake + delay) * steps)} plus endpoint updates")
    lines += capacity_lines(prepared)
    if document.AutoScaling.Enabled:
        scaling = document.AutoScaling
        lines.append(
            f"auto scaling after promotion: {scaling.MinCapacity}-{scaling.MaxCapacity} instances, "
            f"target {scaling.TargetValue:g} invocations per instance per minute"
        )
    if document.Notify:
        lines.append(
            f"notifications: SNS topic {document.Notify.TopicArn} at the start, each gate and the end"
        )
    lines.append("dry run: nothing was created or changed")
    return lines
