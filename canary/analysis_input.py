"""The execution input's ``Analysis``: the canary judged against its baseline, the low-traffic rule, and
how late SageMaker's metrics reach CloudWatch (docs/state-machine.md, "Canary vs baseline"). A part of
:class:`canary.execution_input.ExecutionInput`, which re-exports it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_METRICS_DELAY_SECONDS = 180
"""How much longer a judged bake lasts so its last check reads every minute of it: SageMaker publishes
its invocation metrics per minute ("Metrics are available at a 1-minute frequency",
https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html), so a bake's last minute is
complete only up to 60 s after it ends, and CloudWatch serves data points only once they have arrived
(https://repost.aws/knowledge-center/cloudwatch-trigger-metric). AWS states no figure for that
arrival; 180 s is the closing minute plus two minutes of ingestion (docs/state-machine.md,
"Canary vs baseline"). The definition holds the same default."""


class AnalysisSettings(BaseModel):
    """The canary judged against the baseline (the current variant) at every check of a bake.

    Each check reads both variants' ``Invocations``, ``Invocation4XXErrors``, ``Invocation5XXErrors``
    and ``ModelLatency`` (p99 and Average) over the bake so far (docs/state-machine.md, "Canary vs
    baseline"). An absent gate is off.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    MaxErrorRateIncrease: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Percentage points of 5xx rate the canary may exceed the baseline by; absent: off.",
    )
    MaxLatencyIncrease: float | None = Field(
        default=None,
        ge=0,
        description="Percent of ModelLatency the canary may exceed the baseline by (p99 where CloudWatch has "
        "it for both variants, else Average); absent: off.",
    )
    MinSampleInvocations: int = Field(
        default=100,
        ge=1,
        description="Invocations canary and baseline must each have in a step before the gates judge it.",
    )
    MinCanaryInvocations: int = Field(
        default=0, ge=0, description="Invocations a step's canary must serve before it may pass; 0: off."
    )
    OnLowTraffic: Literal["fail", "extend", "promote"] = Field(
        default="fail",
        description="Below MinCanaryInvocations at the end of a bake: roll back (Canary.LowTraffic), "
        "bake BakeSeconds more (up to MaxExtensions times, then fail), or go on.",
    )
    MaxExtensions: int = Field(default=2, ge=0, le=10, description="Bakes added when OnLowTraffic is extend.")
    MetricsDelaySeconds: int = Field(
        default=DEFAULT_METRICS_DELAY_SECONDS,
        ge=0,
        le=3600,
        description="Seconds a bake that alarms, gates or MinCanaryInvocations judge lasts past BakeSeconds, "
        "so its last check reads the bake's metrics once CloudWatch has them; optional.",
    )

    @property
    def gated(self) -> bool:
        """A relative gate is on: the bake is checked every AlarmCheckSeconds."""
        return self.MaxErrorRateIncrease is not None or self.MaxLatencyIncrease is not None

    def delay(self, checked: bool) -> int:
        """Seconds each bake lasts past BakeSeconds: the metrics delay when anything judges it."""
        return self.MetricsDelaySeconds if checked or self.MinCanaryInvocations else 0

    @property
    def extensions(self) -> int:
        """The most bakes one step can add."""
        return self.MaxExtensions if self.MinCanaryInvocations and self.OnLowTraffic == "extend" else 0
