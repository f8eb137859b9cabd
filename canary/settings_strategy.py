"""The ``strategy`` inputs: SageMaker's deployment guardrails instead of the canary (docs/strategies.md).

A part of :class:`canary.settings.Settings`, which inherits these fields and validators. What SageMaker
would refuse, and the inputs a guardrails deploy cannot honour, are refused here (exit 2, nothing
changed), each naming the input and the strategy; what depends on the endpoint (serverless, several
variants, the fleet's size) is checked against it before any change (canary/strategy_checks.py).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from canary.input_fields import InputModel, input_alias
from canary.parsers import text_of
from canary.strategy_input import (
    MAX_ROLLBACK_ALARMS,
    MAX_WAIT_SECONDS,
    CapacitySize,
    Strategy,
    parse_batch_size,
    traffic_of,
)

CANARY_MACHINE = "sagemaker-canary-deploy"
GUARDRAILS_MACHINE = "sagemaker-guardrails-deploy"
"""Default state machine names: the canary flow, and SageMaker's guardrails (blue-green, rolling)."""


def default_machine_name(strategy: object) -> str:
    """The bundled state machine a strategy runs when ``state-machine-name`` is empty."""
    return GUARDRAILS_MACHINE if strategy in {"blue-green", "rolling"} else CANARY_MACHINE


class StrategyInputs(InputModel):
    """``strategy``, ``rolling-batch-size``, ``rolling-rollback-batch-size`` (action.yml)."""

    strategy: Strategy = Field(default="canary", alias=input_alias("strategy"))
    rolling_batch_size: CapacitySize | None = Field(default=None, alias=input_alias("rolling-batch-size"))
    rolling_rollback_batch_size: CapacitySize | None = Field(
        default=None, alias=input_alias("rolling-rollback-batch-size")
    )

    @field_validator("rolling_batch_size", "rolling_rollback_batch_size", mode="before")
    @classmethod
    def _batch(cls, value: object) -> CapacitySize | None:
        if isinstance(value, CapacitySize):
            return value
        text = text_of(value)
        return parse_batch_size(text) if text else None

    @property
    def guarded(self) -> bool:
        """SageMaker's guardrails run the deploy (blue-green or rolling)."""
        return self.strategy != "canary"

    @model_validator(mode="after")
    def _fits_the_strategy(self) -> StrategyInputs:
        problems = strategy_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        return self


def strategy_problems(inputs: object) -> list[str]:
    """Every input this strategy cannot take, each naming the input and the strategy."""
    get = inputs.__getattribute__
    component = getattr(inputs, "inference_component_name", None)
    strategy = "rolling" if component else get("strategy")  # an IC: SageMaker's rolling update of copies
    if strategy == "canary":
        return [
            f"{name}: applies to strategy: rolling only (strategy is canary): leave it empty or set "
            "strategy: rolling"
            for name, field in (
                ("rolling-batch-size", "rolling_batch_size"),
                ("rolling-rollback-batch-size", "rolling_rollback_batch_size"),
            )
            if get(field) is not None
        ]
    problems: list[str] = []
    on = f"(inference-component-name {component})" if component else f"(strategy: {strategy})"
    if strategy == "blue-green":
        for name, field in (
            ("rolling-batch-size", "rolling_batch_size"),
            ("rolling-rollback-batch-size", "rolling_rollback_batch_size"),
        ):
            if get(field) is not None:
                problems.append(f"{name}: applies to strategy: rolling only {on}: leave it empty")
        traffic = traffic_of(get("canary_weights"))
        if isinstance(traffic, str):
            problems.append(f"canary-weights: {traffic} {on}")
    if round(get("wait_minutes") * 60) > MAX_WAIT_SECONDS:
        problems.append(
            f"wait-minutes: {get('wait_minutes'):g} is past SageMaker's 60-minute wait interval {on}: "
            "give at most 60"
        )
    own = 3 if get("error_alarms") else 1
    if len(get("alarm_names")) + own > MAX_ROLLBACK_ALARMS:
        problems.append(
            f"alarm-names: {len(get('alarm_names'))} alarms plus the deploy's own {own} are more than the "
            f"{MAX_ROLLBACK_ALARMS} SageMaker watches {on}: give at most {MAX_ROLLBACK_ALARMS - own} "
            "(or a composite alarm)"
        )
    unsupported = (
        (
            "smoke-test-payload",
            get("smoke_test_payload") is not None,
            "a smoke test goes through a second variant",
        ),
        ("approval", get("approval") != "none", "SageMaker shifts traffic without a gate between steps"),
        ("max-error-rate-increase", get("max_error_rate_increase") is not None, "per-step relative gates"),
        ("max-latency-increase", get("max_latency_increase") is not None, "per-step relative gates"),
        ("min-canary-invocations", get("min_canary_invocations") > 0, "per-step traffic checks"),
    )
    for name, given, why in unsupported:
        if given:
            problems.append(
                f"{name}: cannot apply {on}: {why} need(s) the canary flow; leave it empty"
                + ("" if component else " or use strategy: canary")
            )
    return problems
