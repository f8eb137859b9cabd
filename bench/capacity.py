"""Instances a standard deploy runs on a 4-instance fleet, measured from the emulator's instance timeline.

The deploy: the standard one of :mod:`bench.transitions` (one 20 % step, a ``bake_minutes`` bake with
alarm checks every 60 s, no alarm), on an endpoint whose variant runs :data:`FLEET` instances, each
UpdateEndpoint taking :data:`bench.transitions.UPDATE_MINUTES` (SageMaker provisions a new fleet for
every update: "deploys the EndpointConfig ... to a new fleet of instances",
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html).

Designs, run at the same time, one endpoint each, both on the bundled definition:

- ``bundled``: the execution input as the action builds it by default (``instance-count`` and
  ``canary-instance-count`` left to their defaults);
- ``97f9ed3 (canary 1, fleet 1)``: the same with ``InstanceCount: 1`` and ``CanaryInstanceCount: 1``, what
  the design at 97f9ed3 deployed whatever the fleet was (a canary of 1, the promoted fleet shrunk to 1).

Figures, from the emulator's own record of the instances each endpoint ran
(:mod:`canary.emulator.instances`, not a model), between the execution's start and its end:

- ``peak``: the most instances running at once;
- ``extra_instance_minutes``: instance-minutes above the steady fleet (:data:`FLEET`), across both
  provisioning updates and the bake;
- ``fleet_after``: instances the endpoint runs once the deploy ended (the steady fleet from then on).

Time is scaled as in :mod:`bench.transitions` (1 s per emulated minute); the figures are in emulated
minutes (real seconds / scale / 60).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from bench.common import client, create_machine, wait_closed
from bench.latency import INSTANCE_TYPE, create_endpoint
from bench.transitions import UPDATE_MINUTES, deploy_input, scaled_waits
from canary.emulator import Emulator, EmulatorTimings
from canary.emulator.instances import instance_seconds, peak
from canary.statemachine import load_definition

TIME_SCALE = 1 / 60
"""Real seconds per emulated second (1 s per minute)."""
FLEET = 4
"""Instances of the endpoint's variant before the deploy."""


def create_fleet(emulator: Emulator, name: str, count: int = FLEET) -> None:
    """An endpoint InService on model v1 with ``count`` instances of :data:`INSTANCE_TYPE`."""
    create_endpoint(emulator, name, instances=count)


def figures(
    samples: list[Any], start: float, end: float, scale: float, steady: int = FLEET
) -> dict[str, Any]:
    """Peak, extra instance-minutes above ``steady`` and the fleet at the end, from timeline samples."""
    during = [s for s in samples if s.at <= end]
    window = [s for s in during if s.at >= start]
    before = [s for s in during if s.at < start][-1:]
    top = peak([*before, *window])
    return {
        "peak": sum(top.values()),
        "peak_by_type": top,
        "extra_instance_minutes": round(instance_seconds(during, start, end, above=steady) / scale / 60, 1),
        "fleet_after": during[-1].total if during else 0,
        "timeline": [[round((s.at - start) / scale / 60, 2), dict(s.instances)] for s in window],
    }


def run(
    emulator: Emulator,
    bake_minutes: float = 20,
    update_minutes: float = UPDATE_MINUTES,
    scale: float = TIME_SCALE,
) -> dict[str, Any]:
    """Run both designs side by side; the figures of each from the emulator's instance timeline."""
    from canary.emulator import instances

    definition = json.loads(load_definition())
    bake_seconds = round(bake_minutes * 60)
    sfn = client(emulator, "stepfunctions")
    designs: dict[str, tuple[str, str]] = {}
    for index, name in enumerate(("bundled", "97f9ed3 (canary 1, fleet 1)")):
        endpoint = f"bench-capacity-{index}"
        create_fleet(emulator, endpoint)
        document = deploy_input(endpoint, bake_seconds=bake_seconds)
        if index:
            document = document.model_copy(update={"InstanceCount": 1, "CanaryInstanceCount": 1})
        designs[name] = (create_machine(sfn, definition, endpoint), document.to_json())
    seconds = update_minutes * 60 * scale
    emulator.set_timings(EmulatorTimings(create_seconds=seconds, update_seconds=seconds))
    timeout = (2 * update_minutes * 60 + bake_minutes * 60 + 600) * scale + 120
    with scaled_waits(scale):
        started = time.monotonic()
        arns = {
            name: sfn.start_execution(stateMachineArn=machine, input=document)["executionArn"]
            for name, (machine, document) in designs.items()
        }
        ended: dict[str, float] = {}

        def follow(name: str, arn: str) -> None:
            wait_closed(sfn, arn, timeout, 0.05)
            ended[name] = time.monotonic()

        threads = [threading.Thread(target=follow, args=item, daemon=True) for item in arns.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout + 10)
    results: dict[str, Any] = {}
    for index, (name, arn) in enumerate(arns.items()):
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "SUCCEEDED":
            cause = described.get("cause") or described.get("error") or "no cause"
            raise RuntimeError(f"the {name} design ended {described['status']}: {cause}")
        samples = instances.timeline(f"bench-capacity-{index}")
        results[name] = {
            "status": described["status"],
            **figures(samples, started, ended.get(name, time.monotonic()), scale),
        }
    return {
        "deploy": (
            f"{FLEET} x {INSTANCE_TYPE}, one 20 % step, 2 endpoint updates of {update_minutes:g} min, one "
            f"{bake_minutes:g}-min bake"
        ),
        "fleet": FLEET,
        "update_minutes": update_minutes,
        "time_scale": f"{scale * 60:g} s per minute (UpdateEndpoint {seconds:g} s)",
        "designs": results,
    }
