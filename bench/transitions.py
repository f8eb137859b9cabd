"""State transitions and history events of a standard deploy: bundled state machine vs fixed 30 s loops.

The standard deploy: an endpoint InService, a new model, one canary step (so two endpoint updates:
the canary and the promotion), each UpdateEndpoint taking :data:`UPDATE_MINUTES` minutes, a bake of
``bake_minutes`` with alarm checks every 60 s (the action's defaults), no alarm firing.

Designs, all run to completion on the emulator at the same time, one endpoint each:

- ``bundled``: ``canary/statemachine.asl.json`` as shipped (the endpoint-wait loop ``WaitForEndpoint``
  → ``DescribeEndpoint`` → ``EndpointSettled`` waits 10 s doubling to 60 s; alarms checked every 60 s
  through the bake by ``CheckAlarms`` → ``BakeVerdict`` → ``Bake``);
- ``fixed 30 s, seed bake``: the seed's design, derived from the bundled definition by
  :func:`seed_like` — the endpoint-wait loop's Wait a fixed 30 s, and each bake one Wait of the whole
  bake followed by one alarm check (no early rollback);
- ``fixed 30 s, 60 s checks``: only the endpoint-wait loop fixed at 30 s (:func:`fixed_polling`), the
  bake as bundled — isolates what the growing waits save.

Time is scaled: moto sleeps Wait states in real time (``WaitFunction._wait_interval``, which the
JSONata ``Seconds`` of every Wait here goes through as a literal ``Seconds`` does), so while this
figure runs every Wait sleeps ``seconds * TIME_SCALE`` (1 s per minute) and the emulator's
UpdateEndpoint takes ``UPDATE_MINUTES`` seconds. Counts are unchanged by the scaling (waits and
updates shrink alike), but for the last poll of an update: each state's own run time is not scaled,
so a poll that lands within a few emulated seconds of the update's end can fall on either side.
A state transition is counted as one ``…StateEntered`` event (what Step Functions bills).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import IMAGE_PREFIX, SAGEMAKER_ROLE, client, create_machine, full_history, wait_closed
from bench.latency import create_endpoint
from canary.emulator import Emulator, EmulatorTimings
from canary.execution_input import ContainerSpec, DeployNames, ExecutionInput
from canary.statemachine import load_definition

TIME_SCALE = 1 / 60
"""Real seconds per emulated second while this figure runs (1 s per minute)."""
UPDATE_MINUTES = 8.0
"""Emulated duration of each UpdateEndpoint (real SageMaker: typically 5-15 minutes)."""
FIXED_POLL_SECONDS = 30

PREVIOUS_DEFINITION = {"transitions": 151, "events": 514, "commit": "4bd0eb9"}
"""The JSONPath definition before the JSONata rewrite, measured by this figure (docs/performance.md)."""
TARGET = {"transitions": 145, "events": 496}
"""The rewrite's target for the standard deploy: at most this many transitions and events."""

_BAKE_LEFT = re.compile(r'"left":\s*\$in\.BakeSeconds(?: \+ \$metricsDelay)?')
_BAKE_WAIT = re.compile(r'"wait":\s*0\b')


@contextmanager
def scaled_waits(scale: float) -> Iterator[None]:
    """Make the emulator's Wait states sleep ``seconds * scale`` (this process only; restored after).

    Every Wait function of moto's interpreter (``Seconds``, ``SecondsPath``, the JSONata ``Seconds``
    expression, timestamps) sleeps in ``WaitFunction._wait_interval``; this replaces it.
    """
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    original = wait_function.WaitFunction._wait_interval

    def _wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds * scale)

    wait_function.WaitFunction._wait_interval = _wait_interval
    try:
        yield
    finally:
        wait_function.WaitFunction._wait_interval = original


def _walk(states: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, dict[str, Any]]]:
    """Every (owning States dict, name, state), nested Map processors and Parallel branches included."""
    for name, state in states.items():
        yield states, name, state
        for branch in state.get("Branches", []):
            yield from _walk(branch["States"])
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from _walk(state[key]["States"])


def _holders(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every state and every Choice rule: what can carry ``Assign`` and ``Next``."""
    for _, _, state in _walk(states):
        yield state
        yield from state.get("Choices", [])


def fixed_polling(definition: dict[str, Any], seconds: int = FIXED_POLL_SECONDS) -> dict[str, Any]:
    """The definition with the endpoint-wait loop's Wait fixed at ``seconds``, its growth removed.

    The loop's Wait is the one whose ``Seconds`` reads ``$wait.seconds``; the growth is the ``Assign``
    that writes ``seconds`` back into ``$wait`` (doubling it up to ``Polling.MaxSeconds``).
    """
    derived = copy.deepcopy(definition)
    waits = grown = 0
    for _, _, state in _walk(derived["States"]):
        if state["Type"] == "Wait" and "$wait.seconds" in str(state.get("Seconds", "")):
            state["Seconds"] = seconds
            waits += 1
    for holder in _holders(derived["States"]):
        assign = holder.get("Assign", {})
        expression = str(assign.get("wait", ""))
        if "$merge([$wait" in expression and '"seconds"' in expression:
            del assign["wait"]
            if not assign:
                del holder["Assign"]
            grown += 1
    if waits == 0 or grown == 0:
        raise ValueError(f"no endpoint-wait loop found to fix ({waits} Wait(s), {grown} growth Assign(s))")
    return derived


def seed_like(definition: dict[str, Any], seconds: int = FIXED_POLL_SECONDS) -> dict[str, Any]:
    """Fixed polling, and each bake one Wait of ``BakeSeconds`` (and the metrics delay) then a single
    alarm check (the seed, judging as late as the bundled bake's last check).

    Every entry into the bake loop (``Next: CheckAlarms`` with the bake's start ``Assign``, which sets
    ``left`` to ``$in.BakeSeconds + $metricsDelay`` and ``wait`` to 0) goes to the loop's Wait instead
    (the Wait whose ``Next`` is ``CheckAlarms``), with ``wait`` the whole bake and nothing ``left``: one
    wait, one check, then the verdict goes on as after the last check of a bundled bake.
    """
    derived = fixed_polling(definition, seconds)
    loop_waits = [
        name
        for _, name, state in _walk(derived["States"])
        if state["Type"] == "Wait" and state.get("Next") == "CheckAlarms"
    ]
    if len(loop_waits) != 1:
        raise ValueError(f"expected one Wait before CheckAlarms, found {loop_waits}")
    entries = 0
    for holder in _holders(derived["States"]):
        bake = str(holder.get("Assign", {}).get("bake", ""))
        if holder.get("Next") != "CheckAlarms" or not _BAKE_LEFT.search(bake) or not _BAKE_WAIT.search(bake):
            continue
        bake = _BAKE_LEFT.sub('"left": 0', bake)
        holder["Assign"]["bake"] = _BAKE_WAIT.sub('"wait": $in.BakeSeconds + $metricsDelay', bake)
        holder["Next"] = loop_waits[0]
        entries += 1
    if entries == 0:
        raise ValueError("no entry into the bake loop found to make seed-like")
    return derived


def standard_input(endpoint: str, bake_minutes: float) -> str:
    """The execution input of the standard deploy on ``endpoint``."""
    return deploy_input(endpoint, bake_seconds=round(bake_minutes * 60)).to_json()


def deploy_input(endpoint: str, bake_seconds: int, alarm_check_seconds: int = 60) -> ExecutionInput:
    """A one-step (20 %) canary of image ``:2`` on ``endpoint``, the action's other defaults."""
    return ExecutionInput(
        EndpointName=endpoint,
        ExecutionRoleArn=SAGEMAKER_ROLE,
        Container=ContainerSpec(Image=f"{IMAGE_PREFIX}:2"),
        CanaryWeights=[20],
        BakeSeconds=bake_seconds,
        AlarmCheckSeconds=alarm_check_seconds,
        Names=DeployNames(
            Model=f"{endpoint}-v2",
            CanaryConfig=f"{endpoint}-v2-canary",
            FinalConfig=f"{endpoint}-v2",
            AlarmPrefix=f"{endpoint}-v2-canary",
        ),
    )


def count(history: list[dict[str, Any]]) -> dict[str, Any]:
    """Transitions (``…StateEntered``), events, Waits and Tasks of one history, and transitions per state."""
    types = Counter(event["type"] for event in history)
    states = Counter(
        event["stateEnteredEventDetails"]["name"]
        for event in history
        if event["type"].endswith("StateEntered")
    )
    return {
        "by_state": dict(states.most_common()),
        "transitions": sum(n for t, n in types.items() if t.endswith("StateEntered")),
        "events": len(history),
        "waits": types.get("WaitStateEntered", 0),
        "tasks": types.get("TaskScheduled", 0),
    }


def per_check(counted: dict[str, Any]) -> dict[str, Any]:
    """What each bake check adds for the canary-vs-baseline numbers: the ReadMetrics task (one
    GetMetricData call, one transition, five history events) per CheckAlarms, as counted."""
    by_state = counted["by_state"]
    checks = by_state.get("CheckAlarms", 0)
    reads = by_state.get("ReadMetrics", 0)
    return {
        "checks": checks,
        "metrics_reads": reads,
        "calls_per_check": round(reads / max(1, checks), 2),
        "transitions_per_check": round(reads / max(1, checks), 2),
        "events_per_check": round(5 * reads / max(1, checks), 2),
    }


def run(
    emulator: Emulator,
    bake_minutes: float = 20,
    update_minutes: float = UPDATE_MINUTES,
    scale: float = TIME_SCALE,
) -> dict[str, Any]:
    """Run the designs side by side; their counts and each one's ratio to the bundled design."""
    bundled = json.loads(load_definition())
    designs = {
        "bundled": bundled,
        "fixed 30 s, seed bake": seed_like(bundled),
        "fixed 30 s, 60 s checks": fixed_polling(bundled),
    }
    sfn = client(emulator, "stepfunctions")
    machines: dict[str, tuple[str, str]] = {}
    for index, (name, definition) in enumerate(designs.items()):
        endpoint = f"bench-transitions-{index}"
        create_endpoint(emulator, endpoint)
        machines[name] = (create_machine(sfn, definition, endpoint), endpoint)
    seconds = update_minutes * 60 * scale
    emulator.set_timings(EmulatorTimings(create_seconds=seconds, update_seconds=seconds))
    results: dict[str, Any] = {}
    with scaled_waits(scale):
        arns = {
            name: sfn.start_execution(stateMachineArn=machine, input=standard_input(endpoint, bake_minutes))[
                "executionArn"
            ]
            for name, (machine, endpoint) in machines.items()
        }
        threads = [
            threading.Thread(target=wait_closed, args=(sfn, arn, 600, 0.5), daemon=True)
            for arn in arns.values()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    for name, arn in arns.items():
        described = wait_closed(sfn, arn, timeout=5)
        results[name] = {"status": described["status"], **count(full_history(sfn, arn, 1000))}
        if described["status"] != "SUCCEEDED":
            cause = described.get("cause") or described.get("error") or "no cause"
            raise RuntimeError(f"the {name} design ended {described['status']}: {cause}")
    base = results["bundled"]["transitions"]
    for result in results.values():
        result["vs_bundled"] = round(result["transitions"] / max(1, base), 2)
    return {
        "per_check": per_check(results["bundled"]),
        "deploy": (
            f"2 endpoint updates of {update_minutes:g} min, one {bake_minutes:g}-min bake with alarm checks "
            "every 60 s, no alarm"
        ),
        "time_scale": (
            f"{scale * 60:g} s per minute (Wait seconds x {scale:.4f}; UpdateEndpoint {seconds:g} s)"
        ),
        "designs": results,
        "previous": PREVIOUS_DEFINITION,
        "target": TARGET,
    }
