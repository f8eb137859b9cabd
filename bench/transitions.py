"""State transitions and history events of a standard deploy: bundled state machine vs fixed 30 s loops.

The standard deploy: an endpoint InService, a new model, one canary step (so two endpoint updates:
the canary and the promotion), each UpdateEndpoint taking :data:`UPDATE_MINUTES` minutes, a bake of
``bake_minutes`` with alarm checks every 60 s (the action's defaults), no alarm firing.

Designs, all run to completion on the emulator at the same time, one endpoint each:

- ``bundled``: ``canary/statemachine.asl.json`` as shipped (endpoint polling waits 10 s doubling to
  60 s; alarms checked every 60 s through the bake);
- ``fixed 30 s, seed bake``: the seed's design, derived from the bundled definition by
  :func:`seed_like` — every endpoint polling Wait a fixed 30 s, and each bake one Wait of the whole
  bake followed by one alarm check (no early rollback);
- ``fixed 30 s, 60 s checks``: only the polling Waits fixed at 30 s (:func:`fixed_polling`), the
  bake as bundled — isolates what the growing waits save.

Time is scaled: moto sleeps Wait states in real time, so while this figure runs every Wait sleeps
``seconds * TIME_SCALE`` (1 s per minute) and the emulator's UpdateEndpoint takes
``UPDATE_MINUTES`` seconds. Counts are unchanged by the scaling (waits and updates shrink alike).
A state transition is counted as one ``…StateEntered`` event (what Step Functions bills).
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import IMAGE_PREFIX, SAGEMAKER_ROLE, client, create_machine, wait_closed
from bench.latency import create_endpoint
from canary.emulator import Emulator, EmulatorTimings
from canary.execution_input import ContainerSpec, DeployNames, ExecutionInput
from canary.statemachine import load_definition

TIME_SCALE = 1 / 60
"""Real seconds per emulated second while this figure runs (1 s per minute)."""
UPDATE_MINUTES = 8.0
"""Emulated duration of each UpdateEndpoint (real SageMaker: typically 5-15 minutes)."""
FIXED_POLL_SECONDS = 30


@contextmanager
def scaled_waits(scale: float) -> Iterator[None]:
    """Make the emulator's Wait states sleep ``seconds * scale`` (this process only; restored after)."""
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


def fixed_polling(definition: dict[str, Any], seconds: int = FIXED_POLL_SECONDS) -> dict[str, Any]:
    """The definition with every endpoint polling Wait (``SecondsPath: $.X.Seconds``) fixed at ``seconds``."""
    derived = copy.deepcopy(definition)
    changed = 0
    for _, _, state in _walk(derived["States"]):
        path = state.get("SecondsPath", "")
        if state["Type"] == "Wait" and path.count(".") == 2 and path.endswith(".Seconds"):
            del state["SecondsPath"]
            state["Seconds"] = seconds
            changed += 1
    if changed == 0:
        raise ValueError("no endpoint polling Wait found to fix")
    return derived


def seed_like(definition: dict[str, Any], seconds: int = FIXED_POLL_SECONDS) -> dict[str, Any]:
    """Fixed polling, and each bake one Wait of ``BakeSeconds`` then a single alarm check (the seed)."""
    derived = fixed_polling(definition, seconds)
    found = False
    for _, name, state in _walk(derived["States"]):
        processor = state.get("ItemProcessor", {}).get("States", {})
        if state["Type"] != "Map" or "Bake" not in processor:
            continue
        found = True
        state.setdefault("ItemSelector", {})["Bake"] = {
            "Checks.$": "States.Array($.BakeSeconds)",
            "Every.$": "$.BakeSeconds",
        }
        for inner in processor.values():
            if inner.get("Next") == "Bake":
                inner["Next"] = "SeedBake"
            if inner.get("Default") == "Bake":
                inner["Default"] = "SeedBake"
            for choice in inner.get("Choices", []):
                if choice.get("Next") == "Bake":
                    choice["Next"] = "SeedBake"
            if "Checks.$" in inner.get("Parameters", {}):
                inner["Parameters"]["Checks.$"] = "States.Array($.BakeSeconds)"
        if processor.get("StartAt") == "Bake":  # pragma: no cover - not the bundled layout
            processor["StartAt"] = "SeedBake"
        processor["SeedBake"] = {
            "Type": "Wait",
            "Comment": f"bench: the seed's bake, one wait of the whole bake ({name})",
            "SecondsPath": "$.BakeSeconds",
            "Next": "Bake",
        }
    if not found:
        raise ValueError("no bake Map found to make seed-like")
    return derived


def standard_input(endpoint: str, bake_minutes: int) -> str:
    """The execution input of the standard deploy on ``endpoint``."""
    document = ExecutionInput(
        EndpointName=endpoint,
        ExecutionRoleArn=SAGEMAKER_ROLE,
        Container=ContainerSpec(Image=f"{IMAGE_PREFIX}:2"),
        CanaryWeights=[20],
        BakeSeconds=bake_minutes * 60,
        AlarmCheckSeconds=60,
        Names=DeployNames(
            Model=f"{endpoint}-v2",
            CanaryConfig=f"{endpoint}-v2-canary",
            FinalConfig=f"{endpoint}-v2",
            AlarmPrefix=f"{endpoint}-v2-canary",
        ),
    )
    return document.to_json()


def _count(history: list[dict[str, Any]]) -> dict[str, Any]:
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


def run(emulator: Emulator, bake_minutes: int = 20, update_minutes: float = UPDATE_MINUTES) -> dict[str, Any]:
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
    seconds = update_minutes * 60 * TIME_SCALE
    emulator.set_timings(EmulatorTimings(create_seconds=seconds, update_seconds=seconds))
    results: dict[str, Any] = {}
    with scaled_waits(TIME_SCALE):
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
        history: list[dict[str, Any]] = []
        params: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**params)
            history.extend(page["events"])
            if not page.get("nextToken"):
                break
            params["nextToken"] = page["nextToken"]
        results[name] = {"status": described["status"], **_count(history)}
        if described["status"] != "SUCCEEDED":
            cause = described.get("cause") or described.get("error") or "no cause"
            raise RuntimeError(f"the {name} design ended {described['status']}: {cause}")
    base = results["bundled"]["transitions"]
    for result in results.values():
        result["vs_bundled"] = round(result["transitions"] / max(1, base), 2)
    return {
        "per_check": per_check(results["bundled"]),
        "deploy": (
            f"2 endpoint updates of {update_minutes:g} min, one {bake_minutes}-min bake with alarm checks "
            "every 60 s, no alarm"
        ),
        "time_scale": f"1 s per minute (Wait seconds x {TIME_SCALE:.4f}; UpdateEndpoint {seconds:g} s)",
        "designs": results,
    }
