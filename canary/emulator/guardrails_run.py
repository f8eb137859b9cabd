"""A guarded SageMaker deployment played over time: stages, alarm-triggered rollback, what it shows.

``guardrails.prepare`` checks an UpdateEndpoint and plans it; ``start`` hands the plan to the endpoint.
From then on every read of the endpoint (``advance``, from ``sagemaker._settle``) works out where the
deployment stands at that moment: which stage, whether a rollback alarm was in ``ALARM`` during a
baking period (from the alarm's state history in the emulator's CloudWatch, so an alarm that fired and
cleared between two reads still counts), whether the execution timed out or the new image failed its
health check. A rollback is laid out from the stage it interrupts; the endpoint is ``Updating``, then
``RollingBack`` while the rollback runs, then ``InService`` on the new config, or on the old one with a
``FailureReason``.

``running_instances`` and ``instance_timeline`` tell how many instances of each type an endpoint runs
(old and new fleets together), now and at each stage of its last guarded deployment;
``serving_config`` lets InvokeEndpoint send each variant's requests to the old or the new fleet in
proportion to the traffic shifted.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from canary.emulator.guardrails import LAST_CONFIG, Plan
from canary.emulator.guardrails_stages import Stage, rollback_stages

STATE = "emulator_guarded_deployment"
"""Attribute of a moto ``FakeEndpoint``: its current or last guarded deployment (``Guarded``)."""
ROLLBACK_FAILS = "emulator_rollback_fails"
"""Attribute of a moto ``FakeEndpoint``: its next rollback fails (``fail_next_rollback``)."""


@dataclass
class Guarded:
    """One guarded deployment of an endpoint."""

    plan: Plan
    started: datetime
    """When UpdateEndpoint was called (naive UTC, as moto's clocks)."""
    config_name: str
    account: str
    region: str
    failure: str | None
    """The new image's health-check failure, known from the start (it ends the provisioning)."""
    rollback_at: float | None = None
    """Seconds after ``started`` when the rollback began (None: none so far)."""
    reason: str | None = None
    rollback: tuple[Stage, ...] = ()
    done: bool = False
    rollback_failed: bool = False
    credit: dict[str, float] = field(default_factory=dict)

    def timeline(self) -> list[tuple[float, Stage]]:
        """Each stage that runs with its start (seconds after ``started``), rollback included."""
        out: list[tuple[float, Stage]] = []
        at = 0.0
        for stage in self.plan.stages:
            if self.rollback_at is not None and at >= self.rollback_at and out:
                break
            out.append((at, stage))
            at += stage.seconds
        if self.rollback_at is not None:
            at = self.rollback_at
            for stage in self.rollback:
                out.append((at, stage))
                at += stage.seconds
        return out

    def end(self) -> float:
        """Seconds after ``started`` when the deployment (or its rollback) is over."""
        if self.rollback_at is not None:
            return self.rollback_at + sum(stage.seconds for stage in self.rollback)
        return sum(stage.seconds for stage in self.plan.stages)

    def stage_at(self, offset: float) -> tuple[float, Stage]:
        """The stage running ``offset`` seconds after the start, and when it started."""
        timeline = self.timeline()
        current = timeline[0]
        for start, stage in timeline:
            if start <= offset:
                current = (start, stage)
        return current


def _now() -> datetime:
    from moto.core.utils import utcnow

    return utcnow()  # type: ignore[no-any-return]


def _elapsed(guarded: Guarded) -> float:
    return (_now() - guarded.started).total_seconds()


def start(backend: Any, tracked: Any, plan: Plan, config: dict[str, Any]) -> None:
    """Take over the update ``sagemaker._begin`` just recorded on ``tracked``: it ends when the plan
    (or its rollback) does, not after ``update_seconds``."""
    pending = tracked.pending
    setattr(tracked.endpoint, LAST_CONFIG, config)
    setattr(
        tracked.endpoint,
        STATE,
        Guarded(
            plan=plan,
            started=pending.started_at,
            config_name=pending.config_name,
            account=backend.account_id,
            region=backend.region_name,
            failure=pending.failure,
        ),
    )
    tracked.pending = dataclasses.replace(pending, due=math.inf, failure=None)
    advance(tracked)


def active(endpoint: Any) -> Guarded | None:
    """The endpoint's guarded deployment while it runs (None otherwise)."""
    guarded: Guarded | None = getattr(endpoint, STATE, None)
    return None if guarded is None or guarded.done else guarded


def advance(tracked: Any) -> None:
    """Bring the endpoint's guarded deployment up to now (called on every read of the endpoint)."""
    guarded = active(tracked.endpoint)
    if guarded is None or tracked.pending is None:
        return
    now = _elapsed(guarded)
    if guarded.rollback_at is None:
        _find_rollback(guarded, now)
    end = guarded.end()
    if now < end:
        rolling_back = guarded.rollback_at is not None and now >= guarded.rollback_at
        tracked.endpoint.endpoint_status = "RollingBack" if rolling_back else "Updating"
        return
    guarded.done = True
    if guarded.rollback and getattr(tracked.endpoint, ROLLBACK_FAILS, False):
        _rollback_failed(tracked, guarded, end)
        return
    tracked.pending = dataclasses.replace(
        tracked.pending,
        due=-math.inf,
        failure=guarded.reason,
        finishes_at=guarded.started + timedelta(seconds=end),
    )


def _rollback_failed(tracked: Any, guarded: Guarded, end: float) -> None:
    """The injected fault: the rollback fails, the endpoint is left ``UpdateRollbackFailed``."""
    endpoint = tracked.endpoint
    delattr(endpoint, ROLLBACK_FAILS)
    tracked.pending = None
    endpoint.endpoint_status = "UpdateRollbackFailed"
    endpoint.failure_reason = (
        f"{guarded.reason} The rollback failed: the endpoint serves old and new instances."
    )
    endpoint.last_modified_time = guarded.started + timedelta(seconds=end)
    guarded.rollback_failed = True


def fail_next_rollback(endpoint_name: str, region: str = "us-east-1", account: str | None = None) -> None:
    """Fault injection (not an AWS behaviour on demand): the next rollback of this endpoint's guarded
    deployment fails, leaving it ``UpdateRollbackFailed`` ("Both the rolling deployment and
    auto-rollback failed. Your endpoint is in service with a mix of the old and new endpoint
    configurations", API_DescribeEndpoint ``EndpointStatus``)."""
    _, endpoint = _lookup(endpoint_name, region, account)
    if endpoint is None:
        raise KeyError(endpoint_name)
    setattr(endpoint, ROLLBACK_FAILS, True)


def _find_rollback(guarded: Guarded, now: float) -> None:
    """Start the rollback if something triggered one by ``now``: the earliest of a failed health
    check (at the end of provisioning), the execution timeout, an alarm in ALARM while baking."""
    plan = guarded.plan
    found: list[tuple[float, str]] = []
    if guarded.failure is not None:
        found.append((plan.stages[0].seconds, guarded.failure))
    if plan.timeout_seconds is not None and plan.timeout_seconds < guarded.end():
        found.append(
            (
                plan.timeout_seconds,
                "The deployment did not finish within its MaximumExecutionTimeoutInSeconds.",
            )
        )
    at = 0.0
    alarms = _alarm_periods(guarded)
    for stage in plan.stages:
        if stage.monitored:
            for period_start, period_end in (p for periods in alarms.values() for p in periods):
                low, high = max(at, period_start), min(at + stage.seconds, period_end)
                if low < high:
                    found.append((low, ""))
        at += stage.seconds
    found = [(when, why) for when, why in found if when <= now]
    if not found:
        return
    when, why = min(found, key=lambda item: item[0])
    if not why:
        firing = sorted(
            name for name, periods in alarms.items() if any(start <= when < end for start, end in periods)
        )
        why = (
            f"Deployment rolled back: CloudWatch alarm(s) {', '.join(firing)} in ALARM during a "
            "baking period (AutoRollbackConfiguration)."
        )
    guarded.rollback_at, guarded.reason = when, why
    if why == guarded.failure:  # the new instances never served: nothing to bring back
        return
    _, stage = guarded.stage_at(when)
    rolling = plan.fleets[0] if plan.kind == "rolling" else None
    batch = plan.rollback_batch.get(rolling.name) if rolling is not None else None
    reason = "alarm" if why.startswith("Deployment rolled back") else "timeout"
    guarded.rollback = tuple(rollback_stages(rolling, batch, stage, plan.clock, reason))


def _alarm_periods(guarded: Guarded) -> dict[str, list[tuple[float, float]]]:
    """Per rollback alarm of this deployment: the periods (seconds after its start) it spent in ALARM."""
    return alarm_periods(guarded.account, guarded.region, guarded.plan.alarms, guarded.started)


def alarm_periods(
    account: str, region: str, alarms: Sequence[str], started: datetime
) -> dict[str, list[tuple[float, float]]]:
    """Per alarm, the periods (seconds after ``started``) it spent in ALARM, read from the emulator's
    CloudWatch alarm history (an alarm that fired and cleared between two reads still counts); also
    what an inference component's rolling update watches (canary/emulator/ic_rollout.py)."""
    if not alarms:
        return {}
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends[account][region]
    periods: dict[str, list[tuple[float, float]]] = {}
    for name in alarms:
        alarm = backend.alarms.get(name)
        if alarm is None:
            continue
        changes = [(entry[4], entry[3]) for entry in alarm.history if entry and entry[0] == "StateUpdate"]
        changes.append((alarm.state_updated_timestamp, alarm.state_value))
        for number, (since, state) in enumerate(changes):
            if state != "ALARM":
                continue
            until = changes[number + 1][0] if number + 1 < len(changes) else None
            begin = (since - started).total_seconds()
            end = math.inf if until is None else (until - started).total_seconds()
            periods.setdefault(name, []).append((begin, end))
    return periods


def describe(tracked: Any, out: dict[str, Any]) -> None:
    """Add to a DescribeEndpoint response the last DeploymentConfig and, while a guarded deployment
    runs, each pending variant's stage (``VariantStatus``) and new instances."""
    endpoint = tracked.endpoint
    last = getattr(endpoint, LAST_CONFIG, None)
    if last is not None:
        out["LastDeploymentConfig"] = copy.deepcopy(last)
    guarded = active(endpoint)
    summary = out.get("PendingDeploymentSummary")
    if guarded is None or summary is None:
        return
    start_offset, stage = guarded.stage_at(_elapsed(guarded))
    since = guarded.started + timedelta(seconds=start_offset)
    serverless = {fleet.name for fleet in guarded.plan.fleets if fleet.serverless}
    for variant in summary.get("ProductionVariants") or []:
        name = variant["VariantName"]
        variant["VariantStatus"] = [
            {"Status": stage.status, "StatusMessage": stage.message, "StartTime": since}
        ]
        if name not in serverless:
            variant["CurrentInstanceCount"] = int(stage.new.get(name, 0))


def serving_config(endpoint: Any, variant: str) -> str | None:
    """The config whose model serves this request to ``variant``: the new one for the share of
    traffic shifted (spread evenly, deterministically), else None (the endpoint's current config)."""
    from canary.emulator import sagemaker

    with sagemaker._lock:  # concurrent invocations share the credit
        guarded = active(endpoint)
        if guarded is None:
            return None
        _, stage = guarded.stage_at(_elapsed(guarded))
        credit = guarded.credit.get(variant, 0.0) + float(stage.shares.get(variant, 0.0))
        if credit >= 1.0 - 1e-9:
            guarded.credit[variant] = credit - 1.0
            return guarded.config_name
        guarded.credit[variant] = credit
        return None


class Moment(NamedTuple):
    """From ``seconds`` after UpdateEndpoint on, until the next moment: the instances running."""

    seconds: float
    instances: dict[str, int]
    """Per instance type, old and new fleets together."""
    rolling_back: bool
    stage: str = ""
    """The new fleet's VariantStatus then ("" once the deployment is over)."""
    message: str = ""
    """Its StatusMessage (the step or batch, the traffic on the new fleet)."""


def instance_timeline(endpoint: Any) -> list[Moment]:
    """The endpoint's last guarded deployment: instances per type from each stage's start, and after
    its end; empty when it had none."""
    guarded: Guarded | None = getattr(endpoint, STATE, None)
    if guarded is None:
        return []
    back = math.inf if guarded.rollback_at is None or not guarded.rollback else guarded.rollback_at
    timeline = [
        Moment(start, guarded.plan.instances(stage), start >= back, stage.status, stage.message)
        for start, stage in guarded.timeline()
    ]
    fleets = guarded.plan.fleets
    if guarded.rollback_at is None:
        after = {fleet.name: 0 for fleet in fleets}, {fleet.name: fleet.new_count for fleet in fleets}
    elif guarded.rollback_failed:  # left as the rollback found it
        _, stage = guarded.stage_at(max(0.0, guarded.rollback_at - 1e-9))
        after = dict(stage.old), dict(stage.new)
    else:
        after = {fleet.name: fleet.old_count for fleet in fleets}, {fleet.name: 0 for fleet in fleets}
    timeline.append(Moment(guarded.end(), guarded.plan.instances(Stage(0, "", "", {}, *after)), False))
    return timeline


def current_instances(endpoint: Any) -> dict[str, int] | None:
    """Instances per type of a running guarded deployment now (None when none runs)."""
    guarded = active(endpoint)
    if guarded is None:
        return None
    _, stage = guarded.stage_at(_elapsed(guarded))
    return guarded.plan.instances(stage)


def _lookup(endpoint_name: str, region: str, account: str | None) -> tuple[Any, Any]:
    from moto.sagemaker.models import sagemaker_backends

    from canary.emulator.server import ACCOUNT_ID

    backend = sagemaker_backends[account or ACCOUNT_ID][region]
    return backend, backend.endpoints.get(endpoint_name)


def deployment_timeline(
    endpoint_name: str, region: str = "us-east-1", account: str | None = None
) -> list[Moment]:
    """``instance_timeline`` of the endpoint named ``endpoint_name`` (brought up to now first)."""
    from canary.emulator import sagemaker

    backend, endpoint = _lookup(endpoint_name, region, account)
    if endpoint is None:
        return []
    sagemaker.settle_endpoint(backend, endpoint)
    return instance_timeline(endpoint)


def running_instances(
    endpoint_name: str, region: str = "us-east-1", account: str | None = None
) -> dict[str, int]:
    """Instances per type the endpoint runs now: old and new fleets during a guarded deployment or a
    plain UpdateEndpoint (which provisions the new fleet beside the old), its variants' otherwise."""
    from canary.emulator import sagemaker

    backend, endpoint = _lookup(endpoint_name, region, account)
    if endpoint is None:
        return {}
    with sagemaker._lock:
        tracked = sagemaker._settle(backend, endpoint)
        guarded = current_instances(endpoint)
        if guarded is not None:
            return guarded
        counts: dict[str, int] = {}
        fleets = [(endpoint.production_variants if tracked.live else [], tracked.instance_types)]
        pending = tracked.pending
        if pending is not None and pending.kind in ("create", "update"):
            fleets.append((pending.variants, pending.instance_types))
        for variants, types in fleets:
            for variant in variants:
                instance_type = types.get(variant["VariantName"])
                running = int(variant.get("CurrentInstanceCount") or 0)
                if instance_type and running:
                    counts[instance_type] = counts.get(instance_type, 0) + running
        return counts
