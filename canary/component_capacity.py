"""What an inference component (IC) rollout needs beside the copies already placed (the log and the
dry run say it before the deploy starts).

A rolling update provisions a batch of new copies before it terminates as many old ones
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html),
and a rollback brings old copies back a rollback batch at a time: the endpoint's instances need room
for the larger of the two batches, each copy reserving its ``ComputeResourceRequirements``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html).
An update without a ``DeploymentConfig`` (under 2 copies) places every new copy beside the old ones; a
create places all its copies. The action adds no instances (no instance quota is involved): the room is
the endpoint's instances, and under managed instance scaling SageMaker may add some.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from canary.strategy_input import CapacitySize

if TYPE_CHECKING:
    from canary.settings import Settings

_DEFAULT_BATCH = CapacitySize(Type="CAPACITY_PERCENT", Value=5)


def extra_copies(copies: int, settings: Settings) -> int:
    """New copies placed beside the current ones at the rollout's peak."""
    if copies < 2:
        return copies  # all at once: every new copy beside the old
    batch = (settings.rolling_batch_size or _DEFAULT_BATCH).instances(copies)
    back = (settings.rolling_rollback_batch_size or settings.rolling_batch_size or _DEFAULT_BATCH).instances(
        copies
    )
    return max(batch, back)


def per_copy(component: dict[str, Any] | None, settings: Settings) -> dict[str, float]:
    """The new copies' reservation: the IC's, changed by the ``ic-*`` inputs (a new IC: the inputs'
    or the defaults, canary/settings_components.py)."""
    from canary.settings_components import DEFAULT_CPUS, DEFAULT_MEMORY_MB

    current = ((component or {}).get("Specification") or {}).get("ComputeResourceRequirements") or {}
    if component is None:
        current = {"NumberOfCpuCoresRequired": DEFAULT_CPUS, "MinMemoryRequiredInMb": DEFAULT_MEMORY_MB}
    given = {
        "NumberOfCpuCoresRequired": settings.ic_cpus,
        "NumberOfAcceleratorDevicesRequired": settings.ic_accelerators,
        "MinMemoryRequiredInMb": settings.ic_memory_mb,
    }
    merged = {**current, **{key: value for key, value in given.items() if value is not None}}
    return {key: float(value) for key, value in merged.items() if isinstance(value, int | float)}


def rollout_need(component: dict[str, Any] | None, settings: Settings) -> str:
    """``room needed beside the 4 placed copies: 1 new copy = 1 accelerator(s), 4096 MB, 1 CPU core(s)``."""
    if component is None:
        copies, placed = settings.ic_copies or 1, 0
    else:
        placed = int((component.get("RuntimeConfig") or {}).get("DesiredCopyCount") or 0)
        copies = extra_copies(placed, settings)
    need = per_copy(component, settings)
    parts = []
    if need.get("NumberOfAcceleratorDevicesRequired"):
        parts.append(f"{need['NumberOfAcceleratorDevicesRequired'] * copies:g} accelerator(s)")
    if need.get("MinMemoryRequiredInMb"):
        parts.append(f"{need['MinMemoryRequiredInMb'] * copies:g} MB")
    if need.get("NumberOfCpuCoresRequired"):
        parts.append(f"{need['NumberOfCpuCoresRequired'] * copies:g} CPU core(s)")
    return (
        f"room needed on the endpoint's instances beside the {placed} placed copies: {copies} new copies = "
        f"{', '.join(parts) or 'no reservation'} (a batch that finds no room is rolled back by SageMaker)"
    )
