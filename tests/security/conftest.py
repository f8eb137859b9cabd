"""Fixtures of the security tests: the action's runner fixtures, and the proxy misbehaving on purpose.

``runner`` comes from tests/action (``entrypoint.py`` run as the GitHub runner does, behind the
proxy of tests/proxy.py, ``recorder``). ``faulty`` is the same proxy, for tests that add rules: it
fails chosen AWS operations of the *action* with throttling, HTTP 5xx, dropped connections,
responses cut mid-body, responses lost after AWS acted, or requests held — on a seeded schedule,
counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from canary.emulator import Emulator
from tests.action.conftest import (  # noqa: F401 - the action's fixture, reused
    Runner,
    runner,
)
from tests.proxy import Proxy

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture(autouse=True)
def _stop_leftover_executions(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used the emulator, stop every execution still running.

    The emulator's reset does not stop executions in flight: one left running (a detached or failed
    test) would go on acting on the next test's resources, which share its names.
    """
    yield
    if "emulator" not in request.fixturenames:
        return
    import boto3

    emulator: Emulator = request.getfixturevalue("_emulator_server")
    sfn = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=emulator.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"], error="Test.Cleanup")


@pytest.fixture
def faulty(recorder: Proxy) -> Proxy:
    """The proxy, with no rules yet (tests add them); the emulator behind it is reset."""
    return recorder


@pytest.fixture
def faulty_runner(tmp_path: Path, faulty: Proxy) -> Runner:
    """Runs ``entrypoint.py`` against the emulator through the misbehaving proxy."""
    return Runner(tmp_path, faulty.url)


def plain(text: str) -> str:
    """Log text without ANSI colours."""
    return ANSI.sub("", text)


VERBOSE_EVENT = re.compile(r"#(\d+) ([A-Za-z]+) ")


def printed_events(stdout: str) -> list[tuple[int, str]]:
    """``(id, type)`` of every history event the action printed in verbose mode, in log order."""
    return [(int(m[1]), m[2]) for line in plain(stdout).splitlines() if (m := VERBOSE_EVENT.search(line))]


def history(aws: Any, arn: str) -> list[tuple[int, str]]:
    """``(id, type)`` of every event of the execution, read directly from the emulator."""
    sfn = aws("stepfunctions")
    events: list[tuple[int, str]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        page = sfn.get_execution_history(**kwargs)
        events += [(int(e["id"]), e["type"]) for e in page["events"]]
        if not page.get("nextToken"):
            return events
        kwargs["nextToken"] = page["nextToken"]
