"""The stages of a guarded SageMaker deployment and of its rollback (see ``guardrails``).

Each stage says how long it lasts, what the new fleet's ``VariantStatus`` is, the share of traffic on
the new fleet, the old and new instances running, and whether the rollback alarms are watched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stage:
    """One stage of a guarded deployment (or of its rollback)."""

    seconds: float
    """How long it lasts (real seconds, already scaled)."""
    status: str
    """The new fleet's ``VariantStatus``: Creating, ActivatingTraffic, Baking, Deleting."""
    message: str
    """Its ``StatusMessage``: what happens, the step, the traffic on the new fleet."""
    shares: Mapping[str, float]
    """Per variant: the share of its traffic served by the new fleet (0-1)."""
    old: Mapping[str, int]
    """Per variant: old instances running."""
    new: Mapping[str, int]
    """Per variant: new instances running (provisioning ones included)."""
    monitored: bool = False
    """SageMaker watches the rollback alarms during it (a baking period)."""


@dataclass(frozen=True)
class Fleet:
    """One variant's old and new fleets."""

    name: str
    old_type: str | None
    """None for a serverless variant."""
    old_count: int
    new_type: str | None
    new_count: int

    @property
    def serverless(self) -> bool:
        """A serverless variant has no instances to count."""
        return self.new_type is None


@dataclass(frozen=True)
class Clock:
    """The emulator's durations, in real seconds."""

    provision: float
    shift: float
    scale: float

    def wait(self, seconds: Any) -> float:
        """A DeploymentConfig duration in real seconds."""
        return float(seconds or 0) * self.scale


def count_instances(
    fleets: tuple[Fleet, ...], old: Mapping[str, int], new: Mapping[str, int]
) -> dict[str, int]:
    """Instances per type for these per-variant old and new counts (serverless variants have none)."""
    counts: dict[str, int] = {}
    for fleet in fleets:
        for instance_type, running in (
            (fleet.old_type, old.get(fleet.name, 0)),
            (fleet.new_type, new.get(fleet.name, 0)),
        ):
            if instance_type is not None and running:
                counts[instance_type] = counts.get(instance_type, 0) + running
    return counts


def blue_green_stages(
    fleets_: tuple[Fleet, ...],
    shares: list[dict[str, float]],
    clock: Clock,
    *,
    wait: Any = 0,
    final: Any = 0,
    baked: bool = True,
) -> list[Stage]:
    """Provision the whole green fleet; shift each step of ``shares`` and bake ``wait``; bake
    ``final``; terminate the blue fleet (which runs, deactivated, until then)."""
    old = {f.name: f.old_count for f in fleets_}
    new = {f.name: f.new_count for f in fleets_}
    none = {f.name: 0.0 for f in fleets_}
    stages = [Stage(clock.provision, "Creating", "Provisioning the new fleet.", none, old, new)]
    for number, step in enumerate(shares, start=1):
        percent = _percent(step)
        where = f"step {number} of {len(shares)}: {percent} of traffic on the new fleet"
        stages.append(Stage(clock.shift, "ActivatingTraffic", f"Shifting traffic, {where}.", step, old, new))
        if baked:
            stages.append(
                Stage(clock.wait(wait), "Baking", f"Baking, {where}.", step, old, new, monitored=True)
            )
    if baked:
        stages.append(
            Stage(
                clock.wait(final),
                "Baking",
                "Final baking period: 100% of traffic on the new fleet.",
                shares[-1],
                old,
                new,
                monitored=True,
            )
        )
    stages.append(Stage(clock.shift, "Deleting", "Terminating the old fleet.", shares[-1], old, new))
    return [s for s in stages if s.seconds > 0 or s.status == "Creating"]


def _percent(shares: Mapping[str, float]) -> str:
    values = sorted({round(100 * s) for s in shares.values()})
    return "/".join(f"{v}%" for v in values)


def rolling_stages(fleet: Fleet, batch: int, clock: Clock, wait: Any) -> list[Stage]:
    """Per batch: provision it, shift its share of traffic, bake ``wait``, terminate as many old
    instances (the last batch: all that remain)."""
    name, old, new = fleet.name, fleet.old_count, 0
    batches = math.ceil(fleet.new_count / batch)
    stages: list[Stage] = []
    for number in range(1, batches + 1):
        size = min(batch, fleet.new_count - new)
        where = f"batch {number} of {batches}"
        stages.append(
            Stage(
                clock.provision,
                "Creating",
                f"Provisioning {size} new instance(s), {where}.",
                {name: _share(new, old)},
                {name: old},
                {name: new + size},
            )
        )
        new += size
        share = {name: _share(new, old)}
        shifted = f"{where}: {_percent(share)} of traffic on the new fleet"
        stages.append(
            Stage(
                clock.shift,
                "ActivatingTraffic",
                f"Shifting traffic, {shifted}.",
                share,
                {name: old},
                {name: new},
            )
        )
        stages.append(
            Stage(
                clock.wait(wait),
                "Baking",
                f"Baking, {shifted}.",
                share,
                {name: old},
                {name: new},
                monitored=True,
            )
        )
        retired = min(size, old) if number < batches else old
        old -= retired
        stages.append(
            Stage(
                clock.shift,
                "Deleting",
                f"Terminating {retired} old instance(s), {where}.",
                {name: _share(new, old)},
                {name: old},
                {name: new},
            )
        )
    return [s for s in stages if s.seconds > 0 or s.status == "Creating"]


def _share(new: int, old: int) -> float:
    return new / (new + old) if new + old else 1.0


def rollback_stages(
    rolling: Fleet | None, rollback_batch: int | None, at: Stage, clock: Clock, reason: str
) -> list[Stage]:
    """The stages that bring traffic and capacity back to the old fleet from ``at``.

    Blue/green: the blue fleet still runs; all traffic returns to it and the green fleet is terminated.
    Rolling: new instances whose old counterparts still run are terminated first (their traffic goes
    back to those); then old instances come back in batches of ``RollbackMaximumBatchSize`` (default:
    the whole fleet at once), each followed by terminating as many new ones.
    """
    old, new = dict(at.old), dict(at.new)
    if rolling is None:
        message = f"Rolling back ({reason}): all traffic back on the old fleet, terminating the new fleet."
        return [Stage(clock.shift, "Deleting", message, dict.fromkeys(old, 0.0), old, new)]
    name, target = rolling.name, rolling.old_count
    step = rollback_batch or target
    stages: list[Stage] = []
    while new[name] > 0:
        excess = old[name] + new[name] - target
        if excess > 0 or old[name] >= target:
            removed = min(new[name], max(excess, 0) or new[name])
            new[name] -= removed
            message = (
                f"Rolling back ({reason}): traffic back on the old instances, "
                f"terminating {removed} new instance(s)."
            )
            stages.append(
                Stage(
                    clock.shift,
                    "Deleting",
                    message,
                    {name: _share(new[name], old[name])},
                    dict(old),
                    dict(new),
                )
            )
        else:
            added = min(step, target - old[name])
            share = {name: _share(new[name], old[name])}
            old[name] += added
            message = f"Rolling back ({reason}): provisioning {added} old instance(s)."
            stages.append(Stage(clock.provision, "Creating", message, share, dict(old), dict(new)))
    return stages
