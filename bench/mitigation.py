"""How soon an alarm during the bake takes the canary out of traffic, and the endpoint back to its config.

The deploy: the standard one of :mod:`bench.transitions` (one 20 % step, checks every 60 s), with the
canary's own 5xx alarm set to ``ALARM`` (CloudWatch SetAlarmState) ``alarm_after_seconds`` into the
bake. The emulator's UpdateEndpoint takes :data:`bench.transitions.UPDATE_MINUTES` (a config update
provisions instances), a weight-only UpdateEndpointWeightsAndCapacities :data:`WEIGHTS_SECONDS` (no
new instances; `docs/emulator.md`).

Designs, run at the same time, one endpoint each:

- ``bundled``: ``canary/statemachine.asl.json`` as shipped: the rollback reads the endpoint, puts all
  traffic on the current variant first (``StopCanaryTraffic``), waits for that to settle, then updates
  back to the original config (``RollbackUpdate``);
- ``update straight back``: derived by :func:`direct_rollback` (the rollback's choice of
  ``StopCanaryTraffic`` removed): the rollback goes straight to ``RollbackUpdate``, as the definition
  before the JSONata rewrite did, so the canary keeps its weight until the original config is
  InService.

Figures, from the moment the bench set the alarm (the SetAlarmState request was sent), each measured
by a DescribeEndpoint watch of the bench's own (every :data:`WATCH_SECONDS` real seconds):

- ``alarm_to_zero``: the canary variant's ``CurrentWeight`` is 0, or the variant is gone;
- ``alarm_to_original``: the endpoint is ``InService`` on the original config;

A third run, ``during the scale-out``: the bundled design on a 10-instance endpoint with
``canary-weights`` 20,50, so the canary grows from 2 to 5 instances before the second step (an
UpdateEndpointWeightsAndCapacities that provisions instances: as long as an UpdateEndpoint), with the
alarm set :data:`ALARM_AFTER_SCALE_SECONDS` after the first alarm check of that scale-out. SageMaker
refuses any update while the endpoint is ``Updating``, so the traffic cut waits for the scale-out
to end (:func:`run_scale_out`).

and, from the execution's history: ``alarm_to_rollback`` (the ``Rollback`` state entered: the alarm
check's delay), ``alarm_to_cut`` (the first SageMaker update of the rollback scheduled: the weights
for ``bundled``, the config for the other), ``cut_to_zero`` (that schedule → the watch saw 0 %),
``alarm_to_update`` (the update back to the original config scheduled).

Time is scaled as in :mod:`bench.transitions` (every Wait, update and weight change shrinks alike), at
:data:`TIME_SCALE`; figures are in emulated seconds (real seconds / scale). Each state's own run time
(milliseconds, an HTTP call for a Task) is not scaled, so it weighs ``1 / TIME_SCALE`` times more in the
figures than on AWS.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.common import client, create_machine, full_history, wait_closed
from bench.latency import create_endpoint
from bench.transitions import UPDATE_MINUTES, deploy_input, scaled_waits
from canary.emulator import Emulator, EmulatorTimings
from canary.statemachine import load_definition

TIME_SCALE = 1 / 30
"""Real seconds per emulated second while this figure runs (1 s per 30 s)."""
WEIGHTS_SECONDS = 10.0
"""Emulated duration of a weight-only update (UpdateEndpointWeightsAndCapacities)."""
ALARM_AFTER_SECONDS = 150
"""When the alarm is set, in emulated seconds after the bake's first check (between two checks)."""
ALARM_AFTER_SCALE_SECONDS = 60
"""When the alarm is set in the scale-out run, emulated seconds after its first alarm check."""
WATCH_SECONDS = 0.02
"""Real seconds between two DescribeEndpoint reads of the bench's watch once the alarm is set."""
CANARY_VARIANT = "Canary"
"""The canary variant's name (``Names.CanaryVariant``'s default)."""


def direct_rollback(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition whose rollback updates straight back to the original config (no traffic cut)."""
    derived = copy.deepcopy(definition)
    removed = 0
    for state in derived["States"].values():
        choices = state.get("Choices", [])
        kept = [choice for choice in choices if choice.get("Next") != "StopCanaryTraffic"]
        removed += len(choices) - len(kept)
        if choices:
            state["Choices"] = kept
    if removed == 0:
        raise ValueError("no rollback choice of StopCanaryTraffic found to remove")
    return derived


@dataclass
class Watch:
    """What the bench saw of one design's endpoint, in real (``time.time()``) seconds."""

    endpoint: str
    original_config: str
    bake_began: float | None = None
    alarm_at: float | None = None
    zero_at: float | None = None
    original_at: float | None = None
    reads: int = 0
    weights: list[tuple[float, float | None]] = field(default_factory=list)
    """(time, canary CurrentWeight or None when the variant is gone), at each change seen."""


def _entered(history: list[dict[str, Any]], name: str, after: float = 0.0) -> float | None:
    """When state ``name`` was first entered at or after ``after``."""
    for event in history:
        details = event.get("stateEnteredEventDetails")
        if details and details["name"] == name and _t(event["timestamp"]) >= after:
            return _t(event["timestamp"])
    return None


def _scheduled(history: list[dict[str, Any]], operation: str, after: float) -> float | None:
    """When the first aws-sdk task calling ``operation`` was scheduled at or after ``after``."""
    for event in history:
        details = event.get("taskScheduledEventDetails")
        if details and details["resource"] == operation and _t(event["timestamp"]) >= after:
            return _t(event["timestamp"])
    return None


def _t(value: datetime) -> float:
    return value.timestamp()


def _poll_until(check: Callable[[], bool], timeout: float, interval: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


def watch(
    emulator: Emulator,
    arn: str,
    seen: Watch,
    *,
    alarm: str,
    alarm_after: float,
    timeout: float,
    moment: str = "CheckAlarms",
) -> None:
    """Set ``alarm`` ``alarm_after`` real seconds after state ``moment`` is first entered (the bake's
    first check; ``CheckScaleAlarms``: the scale-out's), then read the endpoint until it is back."""
    sfn = client(emulator, "stepfunctions")
    sagemaker = client(emulator, "sagemaker")
    cloudwatch = client(emulator, "cloudwatch")

    def bake_began() -> bool:
        events = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=20)["events"]
        seen.bake_began = _entered(list(reversed(events)), moment)
        return seen.bake_began is not None

    if not _poll_until(bake_began, timeout, 0.05) or seen.bake_began is None:
        raise TimeoutError(f"{seen.endpoint}: {moment} was never entered")
    time.sleep(max(0.0, seen.bake_began + alarm_after - time.time()))
    seen.alarm_at = time.time()
    cloudwatch.set_alarm_state(
        AlarmName=alarm, StateValue="ALARM", StateReason="bench: the canary's 5xx errors passed the threshold"
    )

    def back() -> bool:
        described = sagemaker.describe_endpoint(EndpointName=seen.endpoint)
        now = time.time()
        seen.reads += 1
        variants = described["ProductionVariants"]
        canary = next((v for v in variants if v["VariantName"] == CANARY_VARIANT), None)
        weight = None if canary is None else float(canary.get("CurrentWeight", 0.0))
        if not seen.weights or seen.weights[-1][1] != weight:
            seen.weights.append((now, weight))
        if seen.zero_at is None and not weight:
            seen.zero_at = now
        config = described["EndpointConfigName"]
        if described["EndpointStatus"] == "InService" and config == seen.original_config:
            seen.original_at = now
        return seen.original_at is not None

    if not _poll_until(back, timeout, WATCH_SECONDS):
        raise TimeoutError(f"{seen.endpoint}: not back on {seen.original_config} after {timeout:.0f} s")


def _figures(seen: Watch, history: list[dict[str, Any]], scale: float, cut: str) -> dict[str, Any]:
    if seen.alarm_at is None or seen.zero_at is None or seen.original_at is None:
        raise RuntimeError(f"{seen.endpoint}: the watch did not see the alarm, 0 % and the original config")
    alarm = seen.alarm_at

    def emulated(moment: float | None) -> float | None:
        return None if moment is None else round((moment - alarm) / scale, 1)

    cut_at = _scheduled(history, cut, alarm)
    return {
        "alarm_after_bake_began": round((alarm - (seen.bake_began or alarm)) / scale, 1),
        "alarm_to_zero": emulated(seen.zero_at),
        "alarm_to_original": emulated(seen.original_at),
        "alarm_to_rollback": emulated(_entered(history, "Rollback", alarm)),
        "alarm_to_cut": emulated(cut_at),
        "cut_to_zero": None if cut_at is None else round((seen.zero_at - cut_at) / scale, 1),
        "alarm_to_update": emulated(_scheduled(history, "updateEndpoint", alarm)),
        "alarm_to_end": emulated(_t(history[-1]["timestamp"])),
        "canary_weights_seen": [[emulated(at), weight] for at, weight in seen.weights],
        "endpoint_reads": seen.reads,
    }


def _start_and_watch(
    emulator: Emulator,
    *,
    started: dict[str, tuple[str, str]],
    watches: dict[str, Watch],
    bake_seconds: int,
    alarm_after: float,
    timeout: float,
) -> dict[str, str]:
    """Start every design's execution with its watch; the executions' ARNs once every watch is done."""
    sfn = client(emulator, "stepfunctions")
    arns: dict[str, str] = {}
    errors: list[BaseException] = []

    def guarded(arn: str, seen: Watch, alarm: str) -> None:
        try:
            watch(emulator, arn, seen, alarm=alarm, alarm_after=alarm_after, timeout=timeout)
        except BaseException as error:  # reported once every watch is done
            errors.append(error)

    threads = []
    for name, (machine, endpoint) in started.items():
        document = deploy_input(endpoint, bake_seconds=bake_seconds)
        arns[name] = sfn.start_execution(stateMachineArn=machine, input=document.to_json())["executionArn"]
        alarm = f"{document.Names.AlarmPrefix}-5xx"
        thread = threading.Thread(target=guarded, args=(arns[name], watches[name], alarm), daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeout=timeout + 10)
    for arn in arns.values():
        wait_closed(sfn, arn, timeout=timeout)
    if errors:
        raise errors[0]
    return arns


def run(
    emulator: Emulator,
    *,
    bake_minutes: float = 20,
    update_minutes: float = UPDATE_MINUTES,
    weights_seconds: float = WEIGHTS_SECONDS,
    alarm_after_seconds: float = ALARM_AFTER_SECONDS,
    scale: float = TIME_SCALE,
) -> dict[str, Any]:
    """Run both designs with an alarm during the bake, and the bundled one with an alarm during the
    canary's scale-out (``scale_out``); the figures of each, in emulated seconds."""
    bundled = json.loads(load_definition())
    designs = {
        "bundled": (bundled, "updateEndpointWeightsAndCapacities"),
        "update straight back": (direct_rollback(bundled), "updateEndpoint"),
    }
    sfn = client(emulator, "stepfunctions")
    started: dict[str, tuple[str, str]] = {}
    for index, (name, (definition, _)) in enumerate(designs.items()):
        endpoint = f"bench-mitigation-{index}"
        create_endpoint(emulator, endpoint)
        started[name] = (create_machine(sfn, definition, endpoint), endpoint)
    update = update_minutes * 60 * scale
    emulator.set_timings(
        EmulatorTimings(create_seconds=update, update_seconds=update, weights_seconds=weights_seconds * scale)
    )
    timeout = (2 * update_minutes * 60 + bake_minutes * 60 + 600) * scale + 120
    watches = {name: Watch(endpoint, f"{endpoint}-v1") for name, (_, endpoint) in started.items()}
    # moto logs every Fail state reached as an error, with the whole state: these rollbacks are expected.
    failures = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
    level = failures.level
    failures.setLevel(logging.CRITICAL)
    try:
        with scaled_waits(scale):
            arns = _start_and_watch(
                emulator,
                started=started,
                watches=watches,
                bake_seconds=round(bake_minutes * 60),
                alarm_after=alarm_after_seconds * scale,
                timeout=timeout,
            )
    finally:
        failures.setLevel(level)
    results: dict[str, Any] = {}
    for name, arn in arns.items():
        described = sfn.describe_execution(executionArn=arn)
        if described.get("error") != "Canary.RolledBack":
            raise RuntimeError(
                f"the {name} design ended {described['status']} {described.get('error')}: "
                f"{described.get('cause')}"
            )
        history = full_history(sfn, arn, 1000)
        results[name] = {
            "status": described["status"],
            "error": described["error"],
            **_figures(watches[name], history, scale, designs[name][1]),
        }
    scale_out = run_scale_out(
        emulator,
        update_minutes=update_minutes,
        weights_seconds=weights_seconds,
        alarm_after_seconds=min(ALARM_AFTER_SCALE_SECONDS, update_minutes * 60 / 4),
        scale=scale,
    )
    return {
        "scale_out": scale_out,
        "deploy": (
            f"one 20 % step, alarm checks every 60 s, the canary's 5xx alarm set {alarm_after_seconds:g} s "
            f"into the {bake_minutes:g}-min bake"
        ),
        "update_seconds": update_minutes * 60,
        "weights_seconds": weights_seconds,
        "time_scale": f"1 s per {1 / scale:g} s (Wait seconds x {scale:.4f}; UpdateEndpoint {update:g} s)",
        "watch_seconds": round(WATCH_SECONDS / scale, 2),
        "designs": results,
    }


def run_scale_out(
    emulator: Emulator,
    *,
    instances: int = 10,
    bake_minutes: float = 2,
    update_minutes: float = UPDATE_MINUTES,
    weights_seconds: float = WEIGHTS_SECONDS,
    alarm_after_seconds: float = ALARM_AFTER_SCALE_SECONDS,
    scale: float = TIME_SCALE,
) -> dict[str, Any]:
    """The bundled design with the alarm set while the canary scales out for its second step."""
    sfn = client(emulator, "stepfunctions")
    endpoint = "bench-mitigation-scale"
    create_endpoint(emulator, endpoint, instances=instances)
    machine = create_machine(sfn, json.loads(load_definition()), endpoint)
    update = update_minutes * 60 * scale
    emulator.set_timings(
        EmulatorTimings(create_seconds=update, update_seconds=update, weights_seconds=weights_seconds * scale)
    )
    document = deploy_input(endpoint, bake_seconds=round(bake_minutes * 60)).model_copy(
        update={"CanaryWeights": [20, 50]}
    )
    timeout = (3 * update_minutes * 60 + 2 * bake_minutes * 60 + 600) * scale + 120
    seen = Watch(endpoint, f"{endpoint}-v1")
    failures = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
    level = failures.level
    failures.setLevel(logging.CRITICAL)
    try:
        with scaled_waits(scale):
            arn = sfn.start_execution(stateMachineArn=machine, input=document.to_json())["executionArn"]
            watch(
                emulator,
                arn,
                seen,
                alarm=f"{document.Names.AlarmPrefix}-5xx",
                alarm_after=alarm_after_seconds * scale,
                timeout=timeout,
                moment="CheckScaleAlarms",
            )
            wait_closed(sfn, arn, timeout=timeout)
    finally:
        failures.setLevel(level)
    described = sfn.describe_execution(executionArn=arn)
    if described.get("error") != "Canary.RolledBack":
        raise RuntimeError(f"the scale-out run ended {described['status']} {described.get('error')}")
    history = full_history(sfn, arn, 1000)
    figures = _figures(seen, history, scale, "updateEndpointWeightsAndCapacities")
    scaled_at = _scheduled(history, "updateEndpointWeightsAndCapacities", 0.0)
    return {
        "deploy": (
            f"{instances} instances, canary-weights 20,50 (a canary of 2, then 5), the canary's 5xx alarm "
            f"set {alarm_after_seconds:g} s after the scale-out's first check"
        ),
        "status": described["status"],
        "error": described["error"],
        "alarm_after_scale_began": None
        if scaled_at is None
        else round(((seen.alarm_at or scaled_at) - scaled_at) / scale, 1),
        **figures,
    }
