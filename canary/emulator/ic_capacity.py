"""Whether inference component copies fit an endpoint's instances (the capacity rule).

An inference component reserves, per copy, the ``ComputeResourceRequirements`` it was given: CPU cores,
accelerator devices and (at least) ``MinMemoryRequiredInMb`` of memory
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html).
SageMaker places each copy on one instance of the variant that hosts it; a copy never spans instances,
so copies are packed per instance here (first fit, biggest first) against the instance type's vCPUs,
GPUs and memory.

The table holds the instance types tests need, as the SageMaker AI pricing page lists them
(https://aws.amazon.com/sagemaker/ai/pricing/, "On-Demand Pricing", Real-Time Inference: vCPU, GPU,
memory in GiB) and the EC2 pages of the same families (https://aws.amazon.com/ec2/instance-types/g5/,
https://aws.amazon.com/ec2/instance-types/g6/, https://aws.amazon.com/ec2/instance-types/m5/).
Any other type is treated as unknown: copies are not checked against it (the emulator cannot know its
size). The whole memory and every vCPU are counted as available to copies: how much SageMaker keeps
for its own agents on the instance is not documented, so this is a guess on the generous side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Size:
    """What one instance offers, or one copy needs."""

    cpus: float
    accelerators: float
    memory_mb: float

    def __add__(self, other: Size) -> Size:
        return Size(
            self.cpus + other.cpus,
            self.accelerators + other.accelerators,
            self.memory_mb + other.memory_mb,
        )

    def within(self, room: Size) -> bool:
        """This need fits ``room``."""
        return (
            self.cpus <= room.cpus + 1e-9
            and self.accelerators <= room.accelerators + 1e-9
            and self.memory_mb <= room.memory_mb + 1e-9
        )

    def minus(self, other: Size) -> Size:
        return Size(
            self.cpus - other.cpus,
            self.accelerators - other.accelerators,
            self.memory_mb - other.memory_mb,
        )


def _gib(vcpus: int, gpus: int, gib: int) -> Size:
    return Size(float(vcpus), float(gpus), float(gib * 1024))


INSTANCE_TYPES: Mapping[str, Size] = {
    # G5: NVIDIA A10G, 24 GiB each
    "ml.g5.xlarge": _gib(4, 1, 16),
    "ml.g5.2xlarge": _gib(8, 1, 32),
    "ml.g5.4xlarge": _gib(16, 1, 64),
    "ml.g5.8xlarge": _gib(32, 1, 128),
    "ml.g5.12xlarge": _gib(48, 4, 192),
    "ml.g5.16xlarge": _gib(64, 1, 256),
    "ml.g5.24xlarge": _gib(96, 4, 384),
    "ml.g5.48xlarge": _gib(192, 8, 768),
    # G6: NVIDIA L4, 24 GiB each
    "ml.g6.xlarge": _gib(4, 1, 16),
    "ml.g6.2xlarge": _gib(8, 1, 32),
    "ml.g6.4xlarge": _gib(16, 1, 64),
    "ml.g6.8xlarge": _gib(32, 1, 128),
    "ml.g6.12xlarge": _gib(48, 4, 192),
    "ml.g6.16xlarge": _gib(64, 1, 256),
    "ml.g6.24xlarge": _gib(96, 4, 384),
    "ml.g6.48xlarge": _gib(192, 8, 768),
    # M5: no accelerator
    "ml.m5.large": _gib(2, 0, 8),
    "ml.m5.xlarge": _gib(4, 0, 16),
    "ml.m5.2xlarge": _gib(8, 0, 32),
    "ml.m5.4xlarge": _gib(16, 0, 64),
    "ml.m5.12xlarge": _gib(48, 0, 192),
    "ml.m5.24xlarge": _gib(96, 0, 384),
}


def need(spec: Mapping[str, Any]) -> Size:
    """What one copy of an inference component with this ``Specification`` reserves."""
    req = spec.get("ComputeResourceRequirements") or {}
    return Size(
        float(req.get("NumberOfCpuCoresRequired") or 0),
        float(req.get("NumberOfAcceleratorDevicesRequired") or 0),
        float(req.get("MinMemoryRequiredInMb") or 0),
    )


def shortfall(instance_type: str | None, instances: int, copies: Iterable[tuple[Size, int]]) -> str | None:
    """None when every copy fits ``instances`` instances of ``instance_type``; else what is short.

    ``copies``: (need per copy, number of copies) for every copy that must run at once.
    """
    room = INSTANCE_TYPES.get(instance_type or "")
    if room is None:
        return None
    wanted = sorted(
        (size for size, count in copies for _ in range(max(0, count))),
        key=lambda s: (s.accelerators, s.memory_mb, s.cpus),
        reverse=True,
    )
    free = [room for _ in range(max(0, instances))]
    for size in wanted:
        for index, left in enumerate(free):
            if size.within(left):
                free[index] = left.minus(size)
                break
        else:
            total = Size(0, 0, 0)
            for s in wanted:
                total = total + s
            return (
                f"{len(wanted)} copies need {_describe(total)} in all, and one copy {_describe(size)} on "
                f"a single instance; the variant has {instances} {instance_type} instance(s) of "
                f"{_describe(room)} each"
            )
    return None


def _describe(size: Size) -> str:
    return f"{size.cpus:g} CPU core(s), {size.accelerators:g} accelerator(s), {size.memory_mb:g} MB of memory"
