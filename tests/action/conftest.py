"""Fixtures that run the action the way the GitHub runner does: ``entrypoint.py``, environment only.

``recorder`` (tests/conftest.py, the proxy of tests/proxy.py) records every AWS operation the
*action* makes (the state machine's own calls go straight to the emulator), so tests can count writes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from canary.race import START_HOLD_ENV
from tests.presentation.runner_log import RunnerLog, parse_output_file, process
from tests.proxy import Proxy as Recorder

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "entrypoint.py"
REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
SFN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/canary-state-machine"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:1.0"
OTHER_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:2.0"
"""A second artifact: a deploy of another image than :data:`IMAGE`."""
READ_PREFIXES = ("Describe", "List", "Get")


@dataclass
class ActionRun:
    """One finished run of the action."""

    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    seconds: float

    @property
    def log(self) -> RunnerLog:
        """The step's log as the runner reads it (commands it acted on)."""
        return process(self.stdout + self.stderr)

    def errors(self) -> list[str]:
        """Data of every ``::error`` the runner acted on."""
        return [command.data for command in self.log.named("error")]


def inputs_env(**inputs: str) -> dict[str, str]:
    """``INPUT_*`` variables as the runner sets them (name upper-cased, hyphens kept)."""
    return {f"INPUT_{name.replace('_', '-').upper()}": value for name, value in inputs.items()}


def base_inputs(endpoint: str = "churn-model", **overrides: str) -> dict[str, str]:
    """A valid set of inputs for a fast deploy against the emulator (keys use underscores)."""
    values = {
        "endpoint_name": endpoint,
        "image_uri": IMAGE,
        "model_data": f"s3://models-{ACCOUNT}/churn/model.tar.gz",
        "execution_role_arn": ROLE,
        "instance_type": "ml.m5.large",
        "canary_weights": "20",
        "wait_minutes": "0.02",
        "alarm_check_seconds": "1",
        "endpoint_poll_seconds": "1",
        "endpoint_poll_max_seconds": "1",
        "endpoint_timeout_minutes": "1",
        "state_machine_role_arn": SFN_ROLE,
        "timeout_minutes": "3",
        "metrics_delay_seconds": "0",
    }
    values.update(overrides)
    return values


class Runner:
    """Starts ``entrypoint.py`` as the runner would, in a temp dir with GITHUB_OUTPUT/STEP_SUMMARY."""

    def __init__(self, tmp_path: Path, aws_url: str) -> None:
        self.tmp_path = tmp_path
        self.aws_url = aws_url
        self.count = 0

    def env(self, inputs: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The container's environment: INPUT_*, GITHUB_*, AWS_* and nothing else of the host's."""
        self.count += 1
        work = self.tmp_path / f"run{self.count}"
        work.mkdir()
        (work / "output").touch()
        (work / "summary").touch()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "PYTHONPATH": str(ROOT),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_OUTPUT": str(work / "output"),
            "GITHUB_STEP_SUMMARY": str(work / "summary"),
            "GITHUB_SHA": "3f2c1b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
            "GITHUB_RUN_ID": "9876543210",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(work),
            "RUNNER_TEMP": str(work),
            "AWS_ENDPOINT_URL": self.aws_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "PYTHONUNBUFFERED": "1",
            # The start hold (docs/design.md, "Racing starts"): 1 s instead of 3 s per run here; the
            # racing-start tests set it back to the default.
            START_HOLD_ENV: "1",
        }
        env.update(inputs_env(**inputs))
        env.update(extra or {})
        return env

    def start(
        self,
        inputs: Mapping[str, str],
        extra: Mapping[str, str] | None = None,
        workspace: Callable[[Path], object] | None = None,
    ) -> Started:
        """Start the action; returns a handle to signal and wait for it. ``workspace`` is called with
        the run's ``GITHUB_WORKSPACE`` first (to put files in it)."""
        env = self.env(inputs, extra)
        if workspace is not None:
            workspace(Path(env["GITHUB_WORKSPACE"]))
        process_ = subprocess.Popen(
            [sys.executable, str(ENTRYPOINT)],
            cwd=env["GITHUB_WORKSPACE"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return Started(process_, env, time.monotonic())

    def run(
        self,
        inputs: Mapping[str, str],
        extra: Mapping[str, str] | None = None,
        timeout: float = 120,
        workspace: Callable[[Path], object] | None = None,
    ) -> ActionRun:
        """Run the action to its end."""
        return self.start(inputs, extra, workspace).wait(timeout)

    def run_here(self, inputs: Mapping[str, str], extra: Mapping[str, str] | None = None) -> ActionRun:
        """Run the action in this process: what ``entrypoint.py`` does (``main()`` with the container's
        environment as ``os.environ``), without starting an interpreter. For the many runs that end
        at the input check; every run that deploys goes through :meth:`run`."""
        from canary.action import main

        env = self.env(inputs, extra)
        saved = dict(os.environ)
        stdout, stderr = io.StringIO(), io.StringIO()
        started = time.monotonic()
        os.environ.clear()
        os.environ.update(env)
        try:
            with contextlib.redirect_stderr(stderr):
                returncode = main(out=stdout, env=env)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return finished(env, returncode, stdout.getvalue(), stderr.getvalue(), started)


@dataclass
class Started:
    """A running action process."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    started: float
    lines: list[str] = field(default_factory=list)

    def signal(self, signum: signal.Signals) -> None:
        """Send a signal, as the runner does on cancellation."""
        self.process.send_signal(signum)

    def wait(self, timeout: float = 120) -> ActionRun:
        """Wait for the end; collect log, outputs and summary."""
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            stdout, stderr = self.process.communicate()
            pytest.fail(f"the action did not finish in {timeout}s:\n{stdout}\n{stderr}")
        return finished(self.env, self.process.returncode, stdout, stderr, self.started)


def finished(env: Mapping[str, str], returncode: int, stdout: str, stderr: str, started: float) -> ActionRun:
    """A run that ended: its exit status and log, and the outputs and summary it wrote."""
    return ActionRun(
        returncode=returncode,
        stdout=stdout,
        stderr=stderr,
        outputs=parse_output_file(Path(env["GITHUB_OUTPUT"]).read_text()),
        summary=Path(env["GITHUB_STEP_SUMMARY"]).read_text(),
        seconds=time.monotonic() - started,
    )


@pytest.fixture
def runner(tmp_path: Path, recorder: Recorder) -> Runner:
    """Runs ``entrypoint.py`` against the emulator through the recording proxy."""
    return Runner(tmp_path, recorder.url)


def make_endpoint(aws: Any, name: str, variants: list[str], image_tag: str = "0.9") -> str:
    """Create an InService endpoint with these variants (one model each); returns its config name."""
    sagemaker = aws("sagemaker")
    for variant in variants:
        sagemaker.create_model(
            ModelName=f"{name}-{variant}",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:{image_tag}"},
        )
    config = f"{name}-original"
    sagemaker.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": f"{name}-{variant}",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
            for variant in variants
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
    wait_for(lambda: sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService", 30)
    return config


def wait_for(predicate: Any, timeout: float, interval: float = 0.2) -> None:
    """Poll ``predicate`` until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(f"condition not met in {timeout}s")


def describe(value: Any) -> str:
    """Pretty JSON for assertion messages."""
    return json.dumps(value, indent=2, default=str)
