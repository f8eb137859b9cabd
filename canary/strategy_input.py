"""The execution input's ``Strategy`` block: a deploy driven by SageMaker's deployment guardrails.

With ``Strategy`` in the input the deploy runs ``canary/guardrails.asl.json`` (docs/strategies.md):
one UpdateEndpoint with a ``DeploymentConfig`` that SageMaker carries out itself (blue/green traffic
shifting or a rolling update), watched by the state machine. Without it, the canary flow runs.

What Python does well is done here, once, by the action: the ``canary-weights`` list becomes a
traffic routing type, ``rolling-batch-size`` a ``CapacitySize``. What depends on the fleet (a canary
in whole instances) is left to the state machine, which reads the fleet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_WAIT_SECONDS = 3600
"""SageMaker's longest ``WaitIntervalInSeconds`` and ``TerminationWaitInSeconds``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html)."""

MAX_ROLLBACK_ALARMS = 10
"""``AutoRollbackConfig.Alarms`` holds at most 10 alarms
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html)."""

OWN_ALARM_SUFFIXES = ("-4xx", "-5xx", "-abort")
"""The deploy's own alarms (``Names.AlarmPrefix`` + suffix): error rates, and the abort alarm."""

Strategy = Literal["canary", "blue-green", "rolling"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CapacitySize(_Doc):
    """SageMaker's ``CapacitySize``: instances, or percent of the fleet
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html)."""

    Type: Literal["INSTANCE_COUNT", "CAPACITY_PERCENT"]
    Value: int = Field(ge=1, le=100)

    def instances(self, fleet: int) -> int:
        """Instances of a fleet of ``fleet`` (a percentage rounded down, at least one)."""
        if self.Type == "CAPACITY_PERCENT":
            return max(1, math.floor(fleet * self.Value / 100))
        return self.Value


class StrategySettings(_Doc):
    """A deploy by SageMaker's deployment guardrails
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html)."""

    Kind: Literal["blue-green", "rolling"] = Field(
        description="BlueGreenUpdatePolicy or RollingUpdatePolicy."
    )
    Traffic: Literal["ALL_AT_ONCE", "CANARY", "LINEAR"] = Field(
        default="CANARY", description="blue-green: how traffic shifts to the new fleet."
    )
    StepPercent: int = Field(
        default=20,
        ge=1,
        le=50,
        description="blue-green CANARY or LINEAR: percent of the fleet per step (a canary is sized in "
        "whole instances, rounded up, where the fleet has instances).",
    )
    WaitSeconds: int = Field(
        ge=0, le=MAX_WAIT_SECONDS, description="Baking period after each traffic step or batch, seconds."
    )
    TerminationWaitSeconds: int = Field(
        ge=0, le=MAX_WAIT_SECONDS, description="blue-green: final baking period before the old fleet goes."
    )
    BatchSize: CapacitySize = Field(
        default_factory=lambda: CapacitySize(Type="CAPACITY_PERCENT", Value=5),
        description="rolling: MaximumBatchSize.",
    )
    RollbackBatchSize: CapacitySize = Field(
        default_factory=lambda: CapacitySize(Type="CAPACITY_PERCENT", Value=5),
        description="rolling: RollbackMaximumBatchSize (default: the batch size).",
    )
    ErrorRate4xx: float = Field(
        default=5, gt=0, le=100, description="The deploy's 4xx alarm: percent of invocations, per minute."
    )
    ErrorRate5xx: float = Field(
        default=1, gt=0, le=100, description="The deploy's 5xx alarm: percent of invocations, per minute."
    )


_SIZE = re.compile(r"^(\d+)\s*(%?)$")


def parse_batch_size(text: str) -> CapacitySize:
    """``1`` (instances) or ``25%`` (percent of the fleet) → CapacitySize; ValueError otherwise."""
    match = _SIZE.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise ValueError(
            f"{text!r} is not a batch size: give instances (e.g. 1) or a percentage of the fleet (e.g. 25%)"
        )
    value = int(match.group(1))
    if match.group(2):
        if not 5 <= value <= 50:
            raise ValueError(
                f"{value}% is outside SageMaker's bounds for a rolling batch: give 5% to 50% of the fleet"
            )
        return CapacitySize(Type="CAPACITY_PERCENT", Value=value)
    if value > 100:
        raise ValueError(f"{value} instances is too large a batch: give at most 100")
    return CapacitySize(Type="INSTANCE_COUNT", Value=value)


ALL_AT_ONCE = 100
"""``canary-weights: 100`` with strategy blue-green: all traffic shifts in one step, then the bake."""


def all_at_once(value: object, strategy: object) -> bool:
    """Is this ``canary-weights`` input blue/green's all-at-once shift (``100``)?"""
    return strategy == "blue-green" and str(value or "").strip().removesuffix("%").strip() == str(ALL_AT_ONCE)


def traffic_of(weights: Sequence[int]) -> tuple[Literal["ALL_AT_ONCE", "CANARY", "LINEAR"], int] | str:
    """``canary-weights`` as blue/green traffic shifting: ``100`` → ALL_AT_ONCE, one value ≤ 50 →
    CANARY, several equal steps of 10-50 that reach 100 % at the next one → LINEAR; else why not."""
    first = weights[0]
    if list(weights) == [ALL_AT_ONCE]:
        return "ALL_AT_ONCE", 20  # the step size does not apply
    if len(weights) == 1:
        if first > 50:
            return f"{first} is above 50: a blue/green canary is at most 50% of the fleet (100: all at once)"
        return "CANARY", first
    equal = all(weight == first * (number + 1) for number, weight in enumerate(weights))
    if not equal or not 10 <= first <= 50 or weights[-1] + first < 100:
        return (
            f"{','.join(map(str, weights))} are not equal linear steps: give one value of at most 50 (a "
            "canary step), equal steps of 10-50 that reach 100 (e.g. 25,50,75), or 100 (all at once)"
        )
    return "LINEAR", first


def rolling_batch_problem(size: CapacitySize, fleet: int, what: str) -> str | None:
    """Why SageMaker would refuse this batch for a fleet of ``fleet`` instances (5-50 %), or None."""
    batch = size.instances(fleet)
    if fleet < 2 or batch * 2 > fleet or (size.Type == "INSTANCE_COUNT" and batch * 100 < 5 * fleet):
        written = f"{size.Value}%" if size.Type == "CAPACITY_PERCENT" else str(size.Value)
        fix = (
            "a fleet of one instance cannot be updated in batches: use strategy: blue-green"
            if fleet < 2
            else f"choose at most {fleet // 2} instance(s) ({50}%), or strategy: blue-green"
        )
        return (
            f"{what}: {written} is {batch} of the variant's {fleet} instance(s), but SageMaker's rolling "
            f"batches are 5-50% of the fleet: {fix}"
        )
    return None
