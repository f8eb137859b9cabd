"""Peak instances of SageMaker's own strategies: the seam where the capacity plan takes them.

The capacity plan (canary/capacity.py, issue 17) sizes the canary flow's phases; for ``blue-green``
and ``rolling`` it asks :func:`peak_instances` (docs/strategies.md, "Capacity").
"""

from __future__ import annotations

from canary.capacity import CapacityPlan, Phase
from canary.strategy_input import CapacitySize, Strategy


def peak_instances(strategy: Strategy, fleet: int, batch: CapacitySize | None = None) -> int:
    """The most instances a deploy of this strategy runs on a fleet of ``fleet`` instances: the seam
    where the capacity plan (canary/capacity.py) takes SageMaker's strategies. blue-green provisions
    the whole new fleet beside the old one (2N); rolling one batch at a time (N + batch); canary is
    planned by canary/capacity.py itself."""
    if strategy == "blue-green":
        return 2 * fleet
    if strategy == "rolling":
        return fleet + (batch or CapacitySize(Type="CAPACITY_PERCENT", Value=5)).instances(fleet)
    raise ValueError("the canary's peak is planned by canary/capacity.py")


def guarded_plan(
    strategy: Strategy,
    fleet: int,
    instance_type: str,
    batch: CapacitySize | None = None,
    rollback_batch: CapacitySize | None = None,
) -> CapacityPlan:
    """The capacity plan of a blue-green or rolling deploy, for the quota check and the log: one
    guarded update at its :func:`peak_instances`, its rollback too (blue/green shifts traffic back to
    the blue fleet it kept; rolling rolls back ``rollback_batch`` instances at a time), then the
    fleet unchanged (the guardrails keep the variant's instance count)."""
    phases = (
        Phase(
            f"{strategy} deployment",
            {instance_type: peak_instances(strategy, fleet, batch)},
            provisioning=True,
        ),
        Phase(
            f"{strategy} rollback",
            {instance_type: peak_instances(strategy, fleet, rollback_batch or batch)},
            provisioning=True,
        ),
        Phase("after the deployment", {instance_type: fleet}),
    )
    return CapacityPlan(fleet, instance_type, instance_type, fleet, phases=phases)
