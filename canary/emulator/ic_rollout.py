"""UpdateInferenceComponent over time: the rolling deployment, its alarms and its rollback.

A rolling ``DeploymentConfig`` (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html):
"For each step, SageMaker AI provisions capacity on the new endpoint fleet, routes traffic to that
fleet, and terminates capacity on the old endpoint fleet"; ``MaximumBatchSize`` "must be between 5% to
50% of the copy count"; ``WaitIntervalInSeconds`` is "the length of the baking period, during which
SageMaker AI monitors alarms for each batch on the new fleet"; ``MaximumExecutionTimeoutInSeconds``
bounds the deployment; ``RollbackMaximumBatchSize`` absent means "100% of the total capacity ...
SageMaker AI provisions the entire capacity of the old fleet at once during rollback". The alarms are
the ``AutoRollbackConfiguration``'s
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html).

Without a DeploymentConfig the update is blue/green, all at once: every new copy is provisioned beside
the old ones, traffic moves to them, the old ones are terminated (AWS's launch post for IC rolling
updates describes blue/green as what updates did before, needing room for both sets:
https://aws.amazon.com/blogs/machine-learning/enhance-deployment-guardrails-with-inference-component-rolling-updates-for-amazon-sagemaker-ai-inference/).

Durations come from ``EmulatorTimings``: provisioning a batch of copies ``update_seconds``, moving
traffic or terminating copies ``weights_seconds``, the baking periods and the timeout scaled by
``deployment_wait_scale``. Triggers of a rollback, the earliest wins: the new image failing its health
check (``…:broken``, at the end of the first provisioning), a batch that does not fit the endpoint's
instances (when it would be provisioned), the execution timeout, a rollback alarm in ALARM during a
baking period (read from the emulator's CloudWatch alarm history, as ``guardrails_run`` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

COPY_COUNT = "COPY_COUNT"
CAPACITY_PERCENT = "CAPACITY_PERCENT"


@dataclass(frozen=True)
class Step:
    """One step of a rollout or of its rollback."""

    seconds: float
    old: int
    """Old-spec copies running."""
    new: int
    """New-spec copies placed (provisioning ones included)."""
    serving_new: int
    """New-spec copies that answer requests."""
    monitored: bool
    message: str
    provisioning: int = 0
    """New copies this step provisions (placed beside the rest: the capacity check)."""


@dataclass
class Rollout:
    """One UpdateInferenceComponent in flight (or the last one)."""

    started: datetime
    old_spec: dict[str, Any]
    new_spec: dict[str, Any]
    old_count: int
    new_count: int
    steps: tuple[Step, ...]
    alarms: tuple[str, ...]
    timeout: float | None
    rollback_batch: int | None
    provision: float
    shift: float
    account: str
    region: str
    failure: str | None = None
    """The new image's health-check failure (known from the start; ends the first provisioning)."""
    capacity: tuple[float, str] | None = None
    """When (seconds after the start) a batch would not fit the instances, and what is short."""
    rollback_at: float | None = None
    reason: str | None = None
    rollback: tuple[Step, ...] = ()
    done: bool = False
    credit: float = 0.0

    def timeline(self) -> list[tuple[float, Step]]:
        """Each step that runs with its start (seconds after ``started``), rollback included."""
        out: list[tuple[float, Step]] = []
        at = 0.0
        for step in self.steps:
            if self.rollback_at is not None and at >= self.rollback_at and out:
                break
            out.append((at, step))
            at += step.seconds
        if self.rollback_at is not None:
            at = self.rollback_at
            for step in self.rollback:
                out.append((at, step))
                at += step.seconds
        return out

    def end(self) -> float:
        if self.rollback_at is not None:
            return self.rollback_at + sum(step.seconds for step in self.rollback)
        return sum(step.seconds for step in self.steps)

    def step_at(self, offset: float) -> Step:
        current = self.timeline()[0][1]
        for start, step in self.timeline():
            if start <= offset:
                current = step
        return current


class Moment(NamedTuple):
    """From ``seconds`` after UpdateInferenceComponent on: the copies running."""

    seconds: float
    old: int
    new: int
    rolling_back: bool
    message: str = ""


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def _now() -> datetime:
    from moto.core.utils import utcnow

    return utcnow()  # type: ignore[no-any-return]


def batch_size(size: dict[str, Any], copies: int, what: str) -> int:
    """Copies in ``size`` for an IC of ``copies`` copies, refused outside 5-50 % of them."""
    kind, value = size.get("Type"), int(size.get("Value") or 0)
    count = max(1, math.floor(copies * value / 100)) if kind == CAPACITY_PERCENT else value
    if kind == CAPACITY_PERCENT and not 5 <= value <= 50:
        count = 0
    if copies < 2 or not 5 * copies <= 100 * count <= 50 * copies:
        shown = f"{value}%" if kind == CAPACITY_PERCENT else f"{value} copies"
        raise _invalid(
            f"{what} must be between 5% and 50% of the copy count of the inference component "
            f"({copies} copies); got {shown}."
        )
    return count


def rolling_steps(old: int, target: int, batch: int, clock: tuple[float, float, float]) -> list[Step]:
    """Batches of ``batch`` new copies: provision, bake (alarms watched), terminate as many old."""
    provision, shift, wait = clock
    steps: list[Step] = []
    new, number = 0, 0
    while new < target:
        number += 1
        add = min(batch, target - new)
        steps.append(
            Step(provision, old, new + add, new, False, f"Batch {number}: provisioning {add} new copies", add)
        )
        new += add
        steps.append(Step(wait, old, new, new, True, f"Batch {number}: baking {new} new copies"))
        removed = old if new >= target else min(batch, old)
        if removed:
            steps.append(
                Step(
                    shift, old - removed, new, new, False, f"Batch {number}: terminating {removed} old copies"
                )
            )
            old -= removed
    return steps


def all_at_once_steps(old: int, target: int, clock: tuple[float, float, float]) -> list[Step]:
    """The default update: every new copy beside the old ones, then traffic moves and the old go."""
    provision, shift, _ = clock
    if old == 0 and target == 0:  # scaled to zero: only the spec changes
        return [Step(shift, 0, 0, 0, False, "Updating the specification (no copies)")]
    return [
        Step(provision, old, target, 0, False, f"Provisioning {target} new copies", target),
        Step(shift, old, target, target, False, f"Routing traffic to {target} new copies"),
    ]


def rollback_steps(
    state: Step, restore: int, batch: int | None, shift: float, provision: float, *, served: bool
) -> list[Step]:
    """Back to ``restore`` old copies from ``state``, ``batch`` old copies at a time (None: all)."""
    old, new = state.old, state.new
    serving = new if served else 0
    size = batch or max(1, restore)
    steps: list[Step] = []
    while old < restore or new > 0:
        add = min(size, restore - old)
        if add:
            old += add
            steps.append(
                Step(provision, old, new, serving, False, f"Rollback: provisioning {add} old copies")
            )
        removed = new if old >= restore else min(size, new)
        if removed:
            new -= removed
            serving = min(serving, new)
            steps.append(Step(shift, old, new, serving, False, f"Rollback: terminating {removed} new copies"))
    return steps


def advance(rollout: Rollout) -> bool:
    """Bring the rollout up to now; True once it is over (rolled back or not)."""
    if rollout.done:
        return True
    now = (_now() - rollout.started).total_seconds()
    if rollout.rollback_at is None:
        _find_rollback(rollout, now)
    if now < rollout.end():
        return False
    rollout.done = True
    return True


def _find_rollback(rollout: Rollout, now: float) -> None:
    found: list[tuple[float, str, Step, bool]] = []
    first = rollout.steps[0]
    if rollout.failure is not None:
        state = Step(0, first.old, first.new, 0, False, "")
        found.append((first.seconds, rollout.failure, state, False))
    if rollout.capacity is not None:
        at, why = rollout.capacity
        failing = rollout.step_at(at)
        state = Step(0, failing.old, failing.new - failing.provisioning, failing.serving_new, False, "")
        found.append((at, why, state, True))
    if rollout.timeout is not None and rollout.timeout < rollout.end():
        why = "The deployment did not finish within its MaximumExecutionTimeoutInSeconds."
        found.append((rollout.timeout, why, rollout.step_at(rollout.timeout), True))
    periods = alarm_periods(rollout)
    at = 0.0
    for step in rollout.steps:
        if step.monitored:
            for start, end in (p for spans in periods.values() for p in spans):
                low, high = max(at, start), min(at + step.seconds, end)
                if low < high:
                    firing = sorted(n for n, spans in periods.items() if any(s <= low < e for s, e in spans))
                    why = (
                        f"Deployment rolled back: CloudWatch alarm(s) {', '.join(firing)} in ALARM during "
                        "a baking period (AutoRollbackConfiguration)."
                    )
                    found.append((low, why, step, True))
        at += step.seconds
    found = [item for item in found if item[0] <= now]
    if not found:
        return
    when, why, state, served = min(found, key=lambda item: item[0])
    rollout.rollback_at, rollout.reason = when, why
    rollout.rollback = tuple(
        rollback_steps(
            state, rollout.old_count, rollout.rollback_batch, rollout.shift, rollout.provision, served=served
        )
    )


def alarm_periods(rollout: Rollout) -> dict[str, list[tuple[float, float]]]:
    """Per rollback alarm, its periods in ALARM (seconds after the start), read as a guarded
    endpoint deployment reads them (:func:`canary.emulator.guardrails_run.alarm_periods`)."""
    from canary.emulator import guardrails_run

    return guardrails_run.alarm_periods(rollout.account, rollout.region, rollout.alarms, rollout.started)


def current(rollout: Rollout) -> Step:
    """The step running now."""
    return rollout.step_at((_now() - rollout.started).total_seconds())


def serves_new(rollout: Rollout) -> bool:
    """Whether this request goes to a new-spec copy: in proportion to the copies serving now, spread
    evenly and deterministically."""
    step = current(rollout)
    serving = step.old + step.serving_new
    share = step.serving_new / serving if serving else 0.0
    rollout.credit += share
    if rollout.credit >= 1.0 - 1e-9:
        rollout.credit -= 1.0
        return True
    return False


def timeline(rollout: Rollout) -> list[Moment]:
    """Copies old/new from each step's start, and after the end."""
    back = math.inf if rollout.rollback_at is None else rollout.rollback_at
    moments = [
        Moment(start, step.old, step.new, start >= back, step.message) for start, step in rollout.timeline()
    ]
    if rollout.rollback_at is None:
        moments.append(Moment(rollout.end(), 0, rollout.new_count, False))
    else:
        moments.append(Moment(rollout.end(), rollout.old_count, 0, False))
    return moments
