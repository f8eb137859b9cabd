"""One real canary deploy, watched by this project and by the baselines at the same time.

The action runs as the runner runs it (``python entrypoint.py`` with ``INPUT_*``), against the
emulator, deploying a new image to an endpoint that is ``InService`` on an old one: the bundled
state machine creates the model and the canary config, updates the endpoint, bakes one step while
checking alarms, promotes, cleans up. Timings are scaled (see :class:`Scale`).

As soon as the execution exists, these follow it concurrently, each on its own metered client:

- ``adaptive``: :class:`canary.follow.Follower`, as the action runs it;
- ``fixed 1 s`` / ``fixed 30 s``: GetExecutionHistory from the first event every 1 s / 30 s
  (30 s: aws-codebuild-run-build's default interval), pages of 1,000 (one call here);
- ``describe 15 s``: DescribeExecution every 15 s until the execution closes (the existing Step
  Functions "wait for execution" actions) — outcome only.

Figures: event latency (event timestamp → the reader has the event), API calls per minute of
following, outcome latency (execution ``stopDate`` → the reader knows / the action process exits),
and the wall-clock overhead of the whole action beyond the inherent time (the emulated update
durations plus the bake).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    IMAGE_PREFIX,
    REGION,
    SAGEMAKER_ROLE,
    STATES_ROLE,
    TERMINAL,
    WireMeter,
    client,
    full_history,
    percentile,
    wait_closed,
)
from canary.emulator import Emulator, EmulatorTimings
from canary.follow import Follower, sfn_client_config

ROOT = Path(__file__).resolve().parent.parent
MACHINE_NAME = "bench-canary-deploy"


@dataclass(frozen=True)
class Scale:
    """The deploy's timings, scaled down from AWS's minutes to seconds."""

    update_seconds: float = 3.0
    """Each SageMaker UpdateEndpoint (real: 5-15 min)."""
    bake_seconds: int = 60
    """The one bake step (real default: 20 min)."""
    alarm_check_seconds: int = 10
    """Alarm checks during the bake (real default: 60 s)."""
    poll_seconds: int = 1
    poll_max_seconds: int = 6
    """The state machine's endpoint polling: first wait, doubling to the cap (real: 10 s → 60 s)."""
    slow_interval: float = 30.0
    """The slow fixed poller's interval (not scaled: it is the baseline's real default)."""
    describe_interval: float = 15.0

    @property
    def inherent_seconds(self) -> float:
        """What no implementation can avoid: two endpoint updates (canary, promotion) and the bake."""
        return 2 * self.update_seconds + self.bake_seconds

    def describe(self) -> str:
        """One line for the output."""
        return (
            f"UpdateEndpoint {self.update_seconds:g} s, bake {self.bake_seconds} s with alarm checks every "
            f"{self.alarm_check_seconds} s, endpoint polling {self.poll_seconds} s doubling to "
            f"{self.poll_max_seconds} s; pollers at real intervals"
        )


@dataclass
class Reader:
    """What one reader saw and paid."""

    name: str
    latencies: list[float] = field(default_factory=list)
    calls: int = 0
    bytes: int = 0
    started: float = 0.0
    finished: float = 0.0
    outcome_at: float | None = None

    def summary(self, stop_date: float) -> dict[str, Any]:
        """Figures for the table and results.json."""
        minutes = max(1e-9, (self.finished - self.started) / 60)
        return {
            "events": len(self.latencies),
            "latency_p50": round(percentile(self.latencies, 50), 3) if self.latencies else None,
            "latency_p95": round(percentile(self.latencies, 95), 3) if self.latencies else None,
            "latency_max": round(max(self.latencies), 3) if self.latencies else None,
            "calls": self.calls,
            "bytes": self.bytes,
            "calls_per_minute": round(self.calls / minutes, 1),
            "following_seconds": round(self.finished - self.started, 1),
            "outcome_latency": round(self.outcome_at - stop_date, 3) if self.outcome_at else None,
        }


def _event_time(raw: dict[str, Any]) -> float:
    return float(raw["timestamp"].timestamp())


def follow_adaptive(emulator: Emulator, arn: str, reader: Reader) -> None:
    """The action's follower."""
    sfn = client(emulator, "stepfunctions", sfn_client_config())
    meter = WireMeter(sfn)
    reader.started = time.time()
    follower = Follower(sfn, arn, include_data=True)
    for event in follower.events(deadline=reader.started + 900):
        now = time.time()
        reader.latencies.append(now - event.timestamp.timestamp())
        if event.terminal:
            reader.outcome_at = now
    reader.finished = time.time()
    reader.calls, reader.bytes = meter.snapshot()


def follow_fixed(emulator: Emulator, arn: str, reader: Reader, interval: float) -> None:
    """Every ``interval`` seconds, the whole history from the first event."""
    sfn = client(emulator, "stepfunctions")
    meter = WireMeter(sfn)
    reader.started = time.time()
    seen = 0
    while reader.outcome_at is None and time.time() - reader.started < 900:
        began = time.time()
        events = full_history(sfn, arn, 1000)
        now = time.time()
        for raw in events[seen:]:
            reader.latencies.append(now - _event_time(raw))
            if raw["type"] in {
                "ExecutionSucceeded",
                "ExecutionFailed",
                "ExecutionAborted",
                "ExecutionTimedOut",
            }:
                reader.outcome_at = now
        seen = len(events)
        if reader.outcome_at is None:
            time.sleep(max(0.0, interval - (time.time() - began)))
    reader.finished = time.time()
    reader.calls, reader.bytes = meter.snapshot()


def follow_describe(emulator: Emulator, arn: str, reader: Reader, interval: float) -> None:
    """DescribeExecution every ``interval`` seconds until the execution closes."""
    sfn = client(emulator, "stepfunctions")
    meter = WireMeter(sfn)
    reader.started = time.time()
    while time.time() - reader.started < 900:
        began = time.time()
        if sfn.describe_execution(executionArn=arn)["status"] in TERMINAL:
            reader.outcome_at = time.time()
            break
        time.sleep(max(0.0, interval - (time.time() - began)))
    reader.finished = time.time()
    reader.calls, reader.bytes = meter.snapshot()


INSTANCE_TYPE = "ml.m5.large"
"""The bench's endpoints' instance type."""


def create_endpoint(emulator: Emulator, name: str, *, instances: int = 1) -> None:
    """An endpoint of ``instances`` InService on model v1 (created directly, instantly)."""
    emulator.set_timings(EmulatorTimings())
    sagemaker = client(emulator, "sagemaker")
    sagemaker.create_model(
        ModelName=f"{name}-v1",
        ExecutionRoleArn=SAGEMAKER_ROLE,
        PrimaryContainer={"Image": f"{IMAGE_PREFIX}:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-v1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-v1",
                "InstanceType": INSTANCE_TYPE,
                "InitialInstanceCount": instances,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-v1")
    deadline = time.monotonic() + 30
    while sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] != "InService":
        if time.monotonic() > deadline:
            raise TimeoutError(f"endpoint {name} not InService")
        time.sleep(0.1)


def action_env(emulator: Emulator, scale: Scale, endpoint: str, scratch: Path) -> dict[str, str]:
    """The runner's environment for one action run: ``INPUT_*``, ``AWS_*`` and the runner files."""
    inputs = {
        "endpoint-name": endpoint,
        "image-uri": f"{IMAGE_PREFIX}:2",
        "execution-role-arn": SAGEMAKER_ROLE,
        "state-machine-name": MACHINE_NAME,
        "state-machine-role-arn": STATES_ROLE,
        "canary-weights": "20",
        "wait-minutes": f"{scale.bake_seconds / 60:g}",
        "alarm-check-seconds": str(scale.alarm_check_seconds),
        "endpoint-poll-seconds": str(scale.poll_seconds),
        "endpoint-poll-max-seconds": str(scale.poll_max_seconds),
        "timeout-minutes": "10",
        "metrics-delay-seconds": "0",  # the emulator's metrics are not late: the bake ends on time
    }
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith(("INPUT_", "GITHUB_"))}
    env.update({f"INPUT_{name.upper()}": value for name, value in inputs.items()})
    env.update(
        {
            "AWS_ENDPOINT_URL": emulator.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "GITHUB_OUTPUT": str(scratch / "output"),
            "GITHUB_STEP_SUMMARY": str(scratch / "summary"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _find_execution(emulator: Emulator, timeout: float) -> str:
    sfn = client(emulator, "stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for machine in sfn.list_state_machines()["stateMachines"]:
            if machine["name"] == MACHINE_NAME:
                executions = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
                if executions:
                    return str(executions[0]["executionArn"])
        time.sleep(0.02)
    raise TimeoutError(f"no execution of {MACHINE_NAME} within {timeout:.0f} s")


def _pump(stream: Any, lines: list[tuple[float, str]]) -> None:
    for line in iter(stream.readline, ""):
        lines.append((time.time(), line.rstrip("\n")))


def run(emulator: Emulator, scale: Scale | None = None, endpoint: str = "bench-latency") -> dict[str, Any]:
    """Run the deploy with all readers; the figures."""
    scale = scale or Scale()
    create_endpoint(emulator, endpoint)
    emulator.set_timings(
        EmulatorTimings(create_seconds=scale.update_seconds, update_seconds=scale.update_seconds)
    )
    readers = {
        "adaptive": Reader("adaptive"),
        "fixed 1 s": Reader("fixed 1 s"),
        f"fixed {scale.slow_interval:g} s": Reader(f"fixed {scale.slow_interval:g} s"),
        f"describe {scale.describe_interval:g} s": Reader(f"describe {scale.describe_interval:g} s"),
    }
    lines: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        scratch = Path(tmp)
        began = time.time()
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "entrypoint.py")],
            env=action_env(emulator, scale, endpoint, scratch),
            cwd=scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        pump = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
        pump.start()
        try:
            arn = _find_execution(emulator, timeout=60)
        except TimeoutError:
            process.kill()
            process.wait()
            pump.join(timeout=5)
            raise RuntimeError(
                "the action never started an execution; its output:\n"
                + "\n".join(line for _, line in lines[-40:])
            ) from None
        discovered = time.time()
        names = list(readers)
        threads = [
            threading.Thread(target=follow_adaptive, args=(emulator, arn, readers[names[0]]), daemon=True),
            threading.Thread(target=follow_fixed, args=(emulator, arn, readers[names[1]], 1.0), daemon=True),
            threading.Thread(
                target=follow_fixed, args=(emulator, arn, readers[names[2]], scale.slow_interval), daemon=True
            ),
            threading.Thread(
                target=follow_describe,
                args=(emulator, arn, readers[names[3]], scale.describe_interval),
                daemon=True,
            ),
        ]
        for thread in threads:
            thread.start()
        exit_code = process.wait(timeout=900)
        exited = time.time()
        pump.join(timeout=10)
        for thread in threads:
            thread.join(timeout=120)
        outputs = (scratch / "output").read_text() if (scratch / "output").exists() else ""
    admin = client(emulator, "stepfunctions")
    described = wait_closed(admin, arn, timeout=30)
    start_date = described["startDate"].timestamp()
    stop_date = described["stopDate"].timestamp()
    history = admin.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    summaries = {name: reader.summary(stop_date) for name, reader in readers.items()}
    summaries["adaptive"]["calls_vs_fixed_1s"] = round(
        summaries["adaptive"]["calls"] / max(1, summaries["fixed 1 s"]["calls"]), 3
    )
    action_seconds = exited - began
    return {
        "scale": asdict(scale),
        "scale_text": scale.describe(),
        "execution": {
            "status": described["status"],
            "events": len(history),
            "waits": sum(1 for event in history if event["type"] == "WaitStateEntered"),
            "seconds": round(stop_date - start_date, 2),
            "discovered_after_start": round(discovered - start_date, 3),
        },
        "action": {
            "exit_code": exit_code,
            "outcome": _output(outputs, "outcome"),
            "seconds": round(action_seconds, 2),
            "exit_after_end": round(exited - stop_date, 3),
            "before_execution": round(start_date - began, 3),
            "lines": len(lines),
        },
        "inherent_seconds": scale.inherent_seconds,
        "overhead_seconds": round(action_seconds - scale.inherent_seconds, 2),
        "execution_overhead_seconds": round(stop_date - start_date - scale.inherent_seconds, 2),
        "readers": summaries,
        "tail": [line for _, line in lines[-5:]],
    }


def _output(text: str, name: str) -> str | None:
    """One output from a GITHUB_OUTPUT file (``name=value`` or heredoc form)."""
    rows = iter(text.splitlines())
    for row in rows:
        if row.startswith(f"{name}="):
            return row.split("=", 1)[1]
        if row.startswith(f"{name}<<"):
            delimiter = row.split("<<", 1)[1]
            values = []
            for value in rows:
                if value == delimiter:
                    break
                values.append(value)
            return "\n".join(values)
    return None


__all__ = ["Reader", "Scale", "create_endpoint", "run"]
