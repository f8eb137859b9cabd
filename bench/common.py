"""What every figure shares: the in-process emulator, clients, a wire meter, small statistics."""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.config

from canary.emulator import Emulator, EmulatorTimings

REGION = "us-east-1"
ACCOUNT = "123456789012"
STATES_ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench-states"
SAGEMAKER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/bench-sagemaker"
IMAGE_PREFIX = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/bench-model"
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})


def start_emulator(timings: EmulatorTimings | None = None) -> Emulator:
    """Start the emulator in this process and point the ``AWS_*`` environment at it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
    emulator = Emulator(timings=timings).start()
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": emulator.url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    return emulator


def client(emulator: Emulator, service: str, config: botocore.config.Config | None = None) -> Any:
    """A boto3 client of ``service`` talking HTTP to the emulator (a fresh one: meters are per client)."""
    session: Any = boto3.session.Session()  # any service name, not only the stubs' literals
    return session.client(
        service,
        region_name=REGION,
        endpoint_url=emulator.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator takes any credentials
        config=config,
    )


class WireMeter:
    """Counts one client's HTTP requests and response body bytes, as they cross the wire.

    Hooks botocore's ``before-send`` (one per attempt, retries included) and ``before-parse`` (the raw
    response body, before any parsing). Only what the meter's client does is counted.
    """

    def __init__(self, sfn: Any) -> None:
        self.calls = 0
        self.bytes = 0
        self._lock = threading.Lock()
        sfn.meta.events.register("before-send", self._on_send)
        sfn.meta.events.register("before-parse", self._on_parse)

    def _on_send(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1

    def _on_parse(self, response_dict: Mapping[str, Any], **_: Any) -> None:
        body = response_dict.get("body") or b""
        with self._lock:
            self.bytes += len(body)

    def snapshot(self) -> tuple[int, int]:
        """``(calls, bytes)`` so far."""
        with self._lock:
            return self.calls, self.bytes


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def wait_closed(sfn: Any, execution_arn: str, timeout: float, interval: float = 0.1) -> dict[str, Any]:
    """DescribeExecution until the execution closes; its description. TimeoutError past ``timeout``."""
    began = time.monotonic()
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] in TERMINAL:
            return described
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout:.0f} s")
        time.sleep(interval)


def create_machine(sfn: Any, definition: Mapping[str, Any] | str, prefix: str) -> str:
    """Create a state machine with a unique name; its ARN."""
    text = definition if isinstance(definition, str) else json.dumps(definition)
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    return str(sfn.create_state_machine(name=name, definition=text, roleArn=STATES_ROLE)["stateMachineArn"])


@dataclass(frozen=True)
class Skipped:
    """A figure that could not be measured in this run, and why."""

    reason: str

    def as_json(self) -> dict[str, str]:
        """For results.json."""
        return {"skipped": self.reason}


def full_history(sfn: Any, arn: str, page_size: int) -> list[dict[str, Any]]:
    """The naive baseline's read: the whole history from the first event, ``page_size`` at a time."""
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"executionArn": arn, "maxResults": page_size}
    while True:
        page = sfn.get_execution_history(**params)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        params["nextToken"] = page["nextToken"]
