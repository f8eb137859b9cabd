"""The capacity a deploy needs: instances per step, and the peak count per instance type in each phase.

Pure (no AWS call): :func:`plan_capacity` takes what the preflight read and the two overrides, and
returns a :class:`CapacityPlan` that the dry run and the log's header print and that
:mod:`canary.quotas` checks against the account's quota.

The model (docs/state-machine.md, "Capacity"), with N the current variant's ``CurrentInstanceCount``
(0 on a first deploy), c the canary's instances and F the promoted fleet:

- **an update provisions a new fleet**: UpdateEndpoint "deploys the EndpointConfig ... to a new fleet
  of instances" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html), so
  until it completes the old fleet and the new one both run. The canary update runs N + (N + c₁), the
  promotion (N + cₖ) + F, a rollback (N + c) + N: about 2N + c;
- **a bake** runs N + cᵢ;
- **a scale-out** between steps (UpdateEndpointWeightsAndCapacities with ``DesiredInstanceCount``)
  adds instances to the canary only: N + cᵢ₊₁.

Sizes follow the fleet semantics (action.yml, ``instance-count`` and ``canary-instance-count``): without
``instance-count`` the promoted fleet keeps N (1 on a first deploy); without ``canary-instance-count``
each step's canary runs ``max(1, ceil(N x weight / 100))`` instances, so no canary instance carries more
than one instance carried before the deploy. A fixed canary count, a smaller fixed fleet, or a change
of instance type can break that: :data:`LOAD_WARNING_RATIO` sets when the plan warns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from canary.fleet import canary_sizes, promoted_count

LOAD_WARNING_RATIO = 1.5
"""Warn when one instance would carry more than this many times the load one instance carried before."""


@dataclass(frozen=True)
class Step:
    """One canary step: its traffic share and the instances of each variant while it bakes."""

    weight: int
    """Percent of traffic to the canary (0: the smoke test, before any traffic)."""
    current: int
    """Instances of the current variant."""
    canary: int
    """Instances of the canary variant."""

    def load_ratio(self, before: int) -> float | None:
        """Load on one canary instance over the load one of ``before`` instances carried; None: no load
        to compare (no traffic, or no fleet before)."""
        if self.weight == 0 or before <= 0:
            return None
        return (self.weight / 100 / self.canary) / (1 / before)


@dataclass(frozen=True)
class Phase:
    """A stretch of the deploy, and how many instances of each type run at its peak."""

    name: str
    instances: Mapping[str, int]
    """Instance type → instances running at the phase's peak (both fleets while an update provisions)."""
    provisioning: bool = False
    """True while an update provisions a new fleet beside the old one."""

    @property
    def total(self) -> int:
        """Instances of every type at the phase's peak."""
        return sum(self.instances.values())

    def describe(self) -> str:
        """``canary update (provisions): 8 ml.m5.large + 1 ml.m5.xlarge``."""
        counts = " + ".join(f"{n} {t}" for t, n in sorted(self.instances.items()))
        return f"{self.name}{' (provisions a new fleet)' if self.provisioning else ''}: {counts or '0'}"


@dataclass(frozen=True)
class CapacityPlan:
    """What a deploy runs, step by step and phase by phase."""

    current_count: int
    """N: the current variant's instances (0 on a first deploy)."""
    current_type: str | None
    new_type: str
    final_count: int
    """Instances of the promoted variant (or of a first deploy's)."""
    steps: tuple[Step, ...] = ()
    phases: tuple[Phase, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def first_deploy(self) -> bool:
        """No current variant: the deploy creates the endpoint."""
        return self.current_type is None

    def peak(self) -> dict[str, int]:
        """Instance type → the most instances of it running at once, over every phase."""
        peaks: dict[str, int] = {}
        for phase in self.phases:
            for instance_type, count in phase.instances.items():
                peaks[instance_type] = max(peaks.get(instance_type, 0), count)
        return peaks

    def peak_phase(self, instance_type: str) -> Phase | None:
        """The first phase at which ``instance_type`` peaks."""
        top = self.peak().get(instance_type)
        return next((p for p in self.phases if p.instances.get(instance_type) == top), None)

    def lines(self) -> list[str]:
        """The plan for the log: instances per step, the peak per type in each phase, the warnings."""
        if self.first_deploy:
            lines = [f"capacity: first deploy, {self.final_count} {self.new_type}"]
        else:
            lines = [f"capacity: current variant {self.current_count} {self.current_type}"]
            for step in self.steps:
                what = f"{step.weight}% of the traffic" if step.weight else "0% (smoke-test request only)"
                lines.append(f"  step {what}: {step.current} current + {step.canary} canary {self.new_type}")
            lines.append(f"  promoted: {self.final_count} {self.new_type}")
        lines.append("  peak instances per phase:")
        lines += [f"    {phase.describe()}" for phase in self.phases]
        peaks = ", ".join(f"{n} {t}" for t, n in sorted(self.peak().items()))
        lines.append(f"  peak of the deploy: {peaks}")
        return lines


def _add(counts: dict[str, int], instance_type: str, n: int) -> dict[str, int]:
    out = dict(counts)
    if n:
        out[instance_type] = out.get(instance_type, 0) + n
    return out


def _fleet(*parts: tuple[str, int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for instance_type, n in parts:
        counts = _add(counts, instance_type, n)
    return counts


def plan_capacity(
    *,
    current_count: int,
    current_type: str | None,
    new_type: str | None,
    weights: Sequence[int],
    smoke_test: bool = False,
    instance_count: int | None = None,
    canary_instance_count: int | None = None,
) -> CapacityPlan:
    """The plan of a deploy.

    ``current_count``/``current_type``: the current variant (``current_type`` None: a first deploy);
    ``new_type``: the ``instance-type`` input (None: the current variant's); ``weights``: the canary
    steps; ``smoke_test``: a weight-0 step before the first (the canary runs, with no traffic);
    ``instance_count``/``canary_instance_count``: the overrides (None: sized from N).
    """
    target = new_type or current_type
    if target is None:
        raise ValueError("a first deploy needs an instance type")
    if current_type is None:
        final = instance_count if instance_count is not None else 1
        create = Phase("create", _fleet((target, final)), provisioning=True)
        return CapacityPlan(0, None, target, final, phases=(create,))
    n = max(0, current_count)
    final = promoted_count(n, instance_count)
    sizes = canary_sizes(n, weights, canary_instance_count)
    steps = [Step(w, n, c) for w, c in zip(weights, sizes, strict=True)]
    if smoke_test and steps:
        steps.insert(0, Step(0, n, steps[0].canary))
    old = _fleet((current_type, n))
    first, last = steps[0].canary, steps[-1].canary
    phases = [Phase("canary update", _add(_add(old, current_type, n), target, first), provisioning=True)]
    previous = first
    for step in steps:
        if step.canary > previous:
            phases.append(Phase(f"scale-out to {step.canary} canary", _add(old, target, step.canary)))
        previous = max(previous, step.canary)
        label = "smoke-test" if step.weight == 0 else f"bake {step.weight}%"
        phases.append(Phase(label, _add(old, target, step.canary)))
    phases.append(Phase("promotion", _add(_add(old, target, last), target, final), provisioning=True))
    phases.append(Phase("rollback", _add(_add(old, target, last), current_type, n), provisioning=True))
    phases.append(Phase("after promotion", _fleet((target, final))))
    plan = CapacityPlan(n, current_type, target, final, tuple(steps), tuple(phases))
    return replace(plan, warnings=tuple(load_warnings(plan, canary_fixed=canary_instance_count is not None)))


def load_warnings(plan: CapacityPlan, *, canary_fixed: bool) -> list[str]:
    """Where one instance would carry more than :data:`LOAD_WARNING_RATIO` x the load of one before."""
    n = plan.current_count
    if plan.first_deploy or n <= 0:
        return []
    if plan.new_type != plan.current_type:
        return [
            f"instance-type changes {plan.current_type} → {plan.new_type}: the canary runs "
            f"{', '.join(str(s.canary) for s in plan.steps if s.weight)} and the promoted fleet "
            f"{plan.final_count} instance(s) of another size than the current {n}; the action knows no "
            "instance sizes, so the load per instance cannot be compared: check that they carry their "
            "share of the traffic (or set canary-instance-count and instance-count)"
        ]
    warnings = []
    for step in plan.steps:
        ratio = step.load_ratio(n)
        if ratio is not None and ratio > LOAD_WARNING_RATIO:
            cause = "canary-instance-count" if canary_fixed else "the canary's size"
            warnings.append(
                f"{cause} {step.canary} at {step.weight}%: each canary instance carries {ratio:.1f}x the "
                f"load one of the {n} current instances carried before ({step.weight}% over {step.canary} "
                f"vs 100% over {n}); leave canary-instance-count empty to size the canary "
                f"({canary_sizes(n, [step.weight], None)[0]} at {step.weight}%)"
            )
    ratio = n / plan.final_count
    if ratio > LOAD_WARNING_RATIO:
        warnings.append(
            f"instance-count {plan.final_count}: after promotion each instance carries {ratio:.1f}x the load "
            f"one of the {n} current instances carried (100% over {plan.final_count} vs 100% over {n}); "
            "leave instance-count empty to keep the current count"
        )
    return warnings
