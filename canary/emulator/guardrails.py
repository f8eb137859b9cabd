"""SageMaker's deployment guardrails on UpdateEndpoint: the checks and the plan of a deployment.

An UpdateEndpoint with a ``DeploymentConfig`` (or ``RetainDeploymentConfig`` and a last one) is a
guarded deployment (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html).
This module checks the request as SageMaker documents it and turns it into a plan: the stages the
endpoint goes through, each with how long it lasts, the traffic on the new fleet, the instances of
the old and new fleets that run, and whether SageMaker watches the rollback alarms during it.
``guardrails_run`` plays the plan over time, rolls it back on an alarm, and answers DescribeEndpoint.

- Blue/green (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html):
  the whole new (green) fleet is provisioned beside the old (blue) one, traffic shifts all at once, in
  a canary and the rest, or in linear steps, each step followed by a baking period of
  ``WaitIntervalInSeconds``; then ``TerminationWaitInSeconds`` (the final baking period) before the
  blue fleet is terminated. No update policy: blue/green, all at once.
- Rolling (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html): one
  batch of new instances at a time is provisioned, takes its share of traffic, bakes, then as many old
  instances are terminated; the peak is the fleet plus one batch.
- Exclusions (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html):
  the variant names must stay the same; Inf1 instances (and Marketplace containers, which the
  emulator cannot recognise) fall back to blue/green all at once with no final baking period, so no
  alarm is watched; a rolling deployment refuses serverless and multi-variant endpoints.

Durations: provisioning a fleet or a batch takes the emulator's ``update_seconds``; shifting traffic
or terminating instances ``weights_seconds``; every wait, baking period and the execution timeout of
the DeploymentConfig is multiplied by ``deployment_wait_scale`` (``EmulatorTimings``).
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from canary.emulator.guardrails_stages import (
    Clock,
    Fleet,
    Stage,
    blue_green_stages,
    count_instances,
    rolling_stages,
)

MAX_WAIT_SECONDS = 3600
"""WaitIntervalInSeconds and TerminationWaitInSeconds: "Valid Range: Minimum value of 0. Maximum
value of 3600" (API_TrafficRoutingConfig, API_BlueGreenUpdatePolicy, API_RollingUpdatePolicy)."""
TIMEOUT_RANGE = (600, 28800)
"""MaximumExecutionTimeoutInSeconds: "Minimum value of 600. Maximum value of 28800"."""
MAX_ALARMS = 10
"""AutoRollbackConfig.Alarms: "Array Members: Minimum number of 1 item. Maximum number of 10 items"."""

INSTANCE_COUNT = "INSTANCE_COUNT"
CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True)
class Plan:
    """A checked guarded deployment, ready to play."""

    kind: str
    """"blue/green" or "rolling"."""
    routing: str
    """ALL_AT_ONCE, CANARY or LINEAR (rolling: LINEAR-like batches)."""
    fleets: tuple[Fleet, ...]
    stages: tuple[Stage, ...]
    alarms: tuple[str, ...]
    timeout_seconds: float | None
    """Real seconds after which the deployment times out and rolls back (None: no limit)."""
    rollback_batch: Mapping[str, int] = field(default_factory=dict)
    """Rolling: instances per rollback batch, per variant (absent: the whole fleet at once)."""
    fell_back: str | None = None
    """Why SageMaker fell back to all at once with no baking (an exclusion), if it did."""
    clock: Clock = field(default_factory=lambda: Clock(provision=0.0, shift=0.0, scale=1.0))
    """The durations it was planned with (a rollback is laid out with the same)."""

    def instances(self, stage: Stage) -> dict[str, int]:
        """Instances running per instance type during ``stage``."""
        return count_instances(self.fleets, stage.old, stage.new)


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def _constraint(value: Any, path: str, rule: str) -> Exception:
    """A ValidationException in the AWS JSON protocol's wording for a modeled constraint."""
    return _invalid(
        f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {rule}"
    )


def _check_range(value: Any, path: str, low: int, high: int) -> None:
    if value is None:
        return
    if int(value) > high:
        raise _constraint(value, path, f"Member must have value less than or equal to {high}")
    if int(value) < low:
        raise _constraint(value, path, f"Member must have value greater than or equal to {low}")


def check_shape(config: dict[str, Any]) -> None:
    """The limits botocore leaves to the service (it checks minimums only): maximum waits, timeout
    range, at most 10 alarms, and one update policy."""
    blue_green = config.get("BlueGreenUpdatePolicy")
    rolling = config.get("RollingUpdatePolicy")
    base = "deploymentConfig"
    if blue_green is not None:
        routing = blue_green.get("TrafficRoutingConfiguration") or {}
        path = f"{base}.blueGreenUpdatePolicy"
        _check_range(
            routing.get("WaitIntervalInSeconds"),
            f"{path}.trafficRoutingConfiguration.waitIntervalInSeconds",
            0,
            MAX_WAIT_SECONDS,
        )
        _check_range(
            blue_green.get("TerminationWaitInSeconds"),
            f"{path}.terminationWaitInSeconds",
            0,
            MAX_WAIT_SECONDS,
        )
        _check_range(
            blue_green.get("MaximumExecutionTimeoutInSeconds"),
            f"{path}.maximumExecutionTimeoutInSeconds",
            *TIMEOUT_RANGE,
        )
    if rolling is not None:
        path = f"{base}.rollingUpdatePolicy"
        _check_range(
            rolling.get("WaitIntervalInSeconds"), f"{path}.waitIntervalInSeconds", 0, MAX_WAIT_SECONDS
        )
        _check_range(
            rolling.get("MaximumExecutionTimeoutInSeconds"),
            f"{path}.maximumExecutionTimeoutInSeconds",
            *TIMEOUT_RANGE,
        )
    alarms = (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    if len(alarms) > MAX_ALARMS:
        names = ", ".join(str(a.get("AlarmName")) for a in alarms)
        raise _constraint(
            f"[{names}]",
            f"{base}.autoRollbackConfiguration.alarms",
            f"Member must have length less than or equal to {MAX_ALARMS}",
        )
    if blue_green is not None and rolling is not None:
        raise _invalid(
            "Only one update policy can be specified: BlueGreenUpdatePolicy or RollingUpdatePolicy."
        )


def _resolve(size: dict[str, Any], total: int) -> int:
    """Instances in a CapacitySize of a fleet of ``total``: a count, or a percentage of it rounded
    down (at least 1)."""
    value = int(size["Value"])
    if size.get("Type") == CAPACITY_PERCENT:
        return max(1, math.floor(total * value / 100))
    return value


def _check_size(size: dict[str, Any] | None, what: str, fleet: Fleet, low: int, high: int) -> int | None:
    """The CapacitySize ``size`` in instances, refused unless within ``low``-``high`` % of the fleet.

    For a serverless variant (no instances) only CAPACITY_PERCENT applies; it returns None there.
    """
    if size is None:
        raise _invalid(f"{what} is required for this traffic routing type.")
    kind, value = size.get("Type"), int(size.get("Value", 0))
    if kind == CAPACITY_PERCENT:
        if not low <= value <= high:
            raise _invalid(
                f"{what} must be between {low}% and {high}% of the capacity of variant {fleet.name}; "
                f"got {value}%."
            )
        return None if fleet.serverless else _resolve(size, fleet.new_count)
    if fleet.serverless:
        raise _invalid(
            f"{what} of type {INSTANCE_COUNT} does not apply to serverless variant {fleet.name}: "
            f"use {CAPACITY_PERCENT}."
        )
    if not low * fleet.new_count <= value * 100 <= high * fleet.new_count:
        raise _invalid(
            f"{what} must be between {low}% and {high}% of the {fleet.new_count} instance(s) of variant "
            f"{fleet.name}; got {value} instance(s)."
        )
    return value


def exclusion(specs: list[dict[str, Any]]) -> str | None:
    """Why deployment guardrails cannot apply to this config, if so: an Inf1 instance type. (The other
    exclusion, AWS Marketplace containers, needs a Marketplace subscription the emulator cannot know.)"""
    for spec in specs:
        if str(spec.get("InstanceType") or "").startswith("ml.inf1."):
            return f"variant {spec['VariantName']} uses an Inf1 instance type ({spec['InstanceType']})"
    return None


def fleets(
    endpoint: Any,
    instance_types: Mapping[str, str],
    specs: list[dict[str, Any]],
    variants: list[dict[str, Any]],
) -> tuple[Fleet, ...]:
    """Old and new fleets per variant; the variant names must be the same in the old and new config."""
    old = {v["VariantName"]: v for v in endpoint.production_variants}
    new = {v["VariantName"]: v for v in variants}
    if set(old) != set(new):
        raise _invalid(
            "A deployment with a DeploymentConfig requires the same variant names in the new endpoint "
            f"configuration as in the current one: current [{', '.join(sorted(old))}], "
            f"new [{', '.join(sorted(new))}]."
        )
    types = {s["VariantName"]: s.get("InstanceType") for s in specs}
    return tuple(
        Fleet(
            name=name,
            old_type=instance_types.get(name),
            old_count=int(old[name].get("CurrentInstanceCount") or 0),
            new_type=types.get(name),
            new_count=int(new[name].get("DesiredInstanceCount") or 0),
        )
        for name in old
    )


def plan(config: dict[str, Any], fleets_: tuple[Fleet, ...], clock: Clock, fell_back: str | None) -> Plan:
    """Check ``config`` against the fleets and lay out its stages."""
    alarms = tuple(
        str(a["AlarmName"]) for a in (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    )
    rolling = config.get("RollingUpdatePolicy")
    if fell_back is not None:  # all at once, no baking period, so no alarm is ever watched
        everything = [{f.name: 1.0 for f in fleets_}]
        stages = blue_green_stages(fleets_, everything, clock, baked=False)
        return Plan("blue/green", "ALL_AT_ONCE", fleets_, tuple(stages), (), None, fell_back=fell_back)
    if rolling is not None:
        return _rolling_plan(rolling, fleets_, clock, alarms)
    policy = config.get("BlueGreenUpdatePolicy") or {}
    routing = policy.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
    kind = str(routing.get("Type", "ALL_AT_ONCE"))
    steps: dict[str, list[float]] = {}
    for fleet in fleets_:
        if kind == "CANARY":
            size = _check_size(routing.get("CanarySize"), "CanarySize", fleet, 0, 50)
            first = (
                (size / fleet.new_count) if size is not None else int(routing["CanarySize"]["Value"]) / 100
            )
            steps[fleet.name] = [first, 1.0]
        elif kind == "LINEAR":
            size = _check_size(routing.get("LinearStepSize"), "LinearStepSize", fleet, 10, 50)
            step = (
                (size / fleet.new_count)
                if size is not None
                else int(routing["LinearStepSize"]["Value"]) / 100
            )
            count = math.ceil(1 / step - 1e-9)
            steps[fleet.name] = [min(1.0, step * (i + 1)) for i in range(count)]
        else:
            steps[fleet.name] = [1.0]
    length = max(len(s) for s in steps.values())
    shares = [{name: s[min(i, len(s) - 1)] for name, s in steps.items()} for i in range(length)]
    timeout = policy.get("MaximumExecutionTimeoutInSeconds")
    return Plan(
        "blue/green",
        kind,
        fleets_,
        tuple(
            blue_green_stages(
                fleets_,
                shares,
                clock,
                wait=routing.get("WaitIntervalInSeconds"),
                final=policy.get("TerminationWaitInSeconds"),
            )
        ),
        alarms,
        clock.wait(timeout) if timeout is not None else None,
    )


def _rolling_plan(
    policy: dict[str, Any], fleets_: tuple[Fleet, ...], clock: Clock, alarms: tuple[str, ...]
) -> Plan:
    if len(fleets_) != 1:
        raise _invalid(
            "Rolling deployments do not support endpoints with multiple production variants "
            f"({', '.join(f.name for f in fleets_)}). Use a BlueGreenUpdatePolicy."
        )
    [fleet] = fleets_
    if fleet.serverless or fleet.old_type is None:
        raise _invalid(
            f"Rolling deployments do not support serverless endpoints (variant {fleet.name}). "
            "Use a BlueGreenUpdatePolicy."
        )
    batch = _check_size(policy.get("MaximumBatchSize"), "MaximumBatchSize", fleet, 5, 50)
    assert batch is not None  # noqa: S101 - instance-based here
    if batch * 2 > fleet.new_count:  # a percentage rounded to whole instances: 50 % of 1 is 1 (100 %)
        raise _invalid(
            f"MaximumBatchSize must be between 5% and 50% of the {fleet.new_count} instance(s) of variant "
            f"{fleet.name}; {policy['MaximumBatchSize']['Value']}% is {batch} instance(s)."
        )
    rollback: dict[str, int] = {}
    if policy.get("RollbackMaximumBatchSize") is not None:
        size = policy["RollbackMaximumBatchSize"]
        count = _resolve(size, fleet.old_count)
        if count < fleet.old_count and not (
            size.get("Type") == CAPACITY_PERCENT and int(size["Value"]) >= 100
        ):
            rollback[fleet.name] = count
    timeout = policy.get("MaximumExecutionTimeoutInSeconds")
    return Plan(
        "rolling",
        "LINEAR",
        fleets_,
        tuple(rolling_stages(fleet, batch, clock, policy.get("WaitIntervalInSeconds"))),
        alarms,
        clock.wait(timeout) if timeout is not None else None,
        rollback_batch=rollback,
    )


LAST_CONFIG = "emulator_last_deployment_config"
"""Attribute of a moto ``FakeEndpoint``: the DeploymentConfig of its last guarded update."""


def prepare(
    backend: Any,
    endpoint: Any,
    instance_types: Mapping[str, str],
    specs: list[dict[str, Any]],
    variants: list[dict[str, Any]],
    *,
    deployment_config: dict[str, Any] | None,
    retain_deployment_config: bool,
) -> tuple[Plan, dict[str, Any]] | None:
    """The checked plan of an UpdateEndpoint and the DeploymentConfig it uses; None when the update
    is not a guarded deployment (no DeploymentConfig, nothing retained). Raises the refusal otherwise.

    ``variants`` are the new ProductionVariantSummaries (instance counts as the update sets them).
    """
    from canary.emulator import patches

    config = deployment_config
    if config is None and retain_deployment_config:
        config = getattr(endpoint, LAST_CONFIG, None)
    if config is None:
        return None
    check_shape(config)
    timings = patches.timings()
    clock = Clock(
        provision=float(timings.update_seconds),
        shift=float(timings.weights_seconds),
        scale=float(timings.deployment_wait_scale),
    )
    found = fleets(endpoint, instance_types, specs, variants)
    planned = plan(config, found, clock, exclusion(specs))
    return dataclasses.replace(planned, clock=clock), copy.deepcopy(config)
