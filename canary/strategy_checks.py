"""Whether this endpoint can take this strategy: checked before any change (exit 2, nothing changed).

Called by :func:`canary.endpoint.check_endpoint` once the endpoint is known to be InService. A
serverless endpoint cannot hold a second variant, so the canary refuses it pointing at ``strategy``;
SageMaker's rolling deployments exclude serverless and multi-variant endpoints and take batches of
5-50 % of the fleet; Inf1 instances make SageMaker fall back to all at once without a baking period
(https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from canary.errors import ConfigurationError
from canary.strategy_input import CapacitySize, rolling_batch_problem

if TYPE_CHECKING:
    from canary.endpoint import EndpointState
    from canary.settings import Settings


def check_strategy(state: EndpointState, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` naming the input when the strategy cannot deploy here."""
    name, strategy = state.name, settings.strategy
    variants = state.variants
    serverless = [v.name for v in variants if v.instance_type is None and v.model is not None]
    if strategy == "canary":
        if serverless:
            raise ConfigurationError(
                f"strategy: endpoint {name} is serverless (variant {serverless[0]}), which holds one "
                "production variant, so a canary beside it is impossible: set strategy: blue-green "
                "(SageMaker's guardrails shift traffic within the variant)"
            )
        return
    on = f"(strategy: {strategy})"
    if len(variants) != 1:
        raise ConfigurationError(
            f"strategy: endpoint {name} has {len(variants)} production variants; {strategy} deploys "
            "single-variant endpoints here"
        )
    variant = variants[0]
    for input_name, given in (
        ("instance-count", settings.instance_count),
        ("canary-instance-count", settings.canary_instance_count),
    ):
        if given is not None:
            raise ConfigurationError(
                f"{input_name}: {given} is set, but {strategy} keeps the fleet of variant {variant.name} "
                f"as it is {on} (SageMaker's guardrails replace the instances, never resize them): leave "
                f"{input_name} empty, or use strategy: canary to change the fleet's size"
            )
    instance_type = settings.instance_type or variant.instance_type or ""
    if instance_type.startswith("ml.inf1."):
        raise ConfigurationError(
            f"instance-type: {instance_type} is an Inf1 type, for which SageMaker falls back to all at once "
            f"without a baking period {on}, so no alarm could roll it back: use strategy: canary"
        )
    if serverless and settings.autoscaling_enabled:
        raise ConfigurationError(
            f"autoscaling-max-capacity: variant {variant.name} of endpoint {name} is serverless: it has no "
            f"instance count to scale {on}; leave the autoscaling-* inputs empty (serverless scales itself)"
        )
    if strategy != "rolling":
        return
    if serverless:
        raise ConfigurationError(
            f"strategy: endpoint {name} is serverless; SageMaker's rolling deployments exclude serverless "
            "endpoints: use strategy: blue-green"
        )
    fleet = variant.instance_count or 1
    batch = settings.rolling_batch_size or CapacitySize(Type="CAPACITY_PERCENT", Value=5)
    for input_name, size in (
        ("rolling-batch-size", batch),
        ("rolling-rollback-batch-size", settings.rolling_rollback_batch_size or batch),
    ):
        problem = rolling_batch_problem(size, fleet, input_name)
        if problem:
            raise ConfigurationError(f"{problem} {on}")
