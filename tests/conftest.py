"""Shared fixtures: the local AWS emulator, started once per test process, reset between tests, and
the recording (and, on demand, misbehaving) proxy of tests/proxy.py in front of it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from canary.emulator import Emulator, EmulatorTimings
from tests.proxy import Proxy, serve

REGION = "us-east-1"
RETRY_SCALE = 0.01
"""Retry back-off of the state machine runs at 1/100 of its real length in tests
(``EmulatorTimings.retry_scale``; docs/emulator.md): attempts and their order are unchanged."""


def timings(**seconds: float) -> EmulatorTimings:
    """Emulator timings for a test: the given durations, Retry back-off scaled by :data:`RETRY_SCALE`."""
    return EmulatorTimings(retry_scale=RETRY_SCALE, **seconds)


@pytest.fixture(scope="session")
def _emulator_server() -> Iterator[Emulator]:
    emulator = Emulator().start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator(_emulator_server: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """A running emulator with no resources, fast timings (instant SageMaker updates, scaled Retry
    back-off), and the AWS_* environment pointing at it."""
    _emulator_server.set_timings(timings())
    _emulator_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", _emulator_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert os.environ["MOTO_PORT"] == str(_emulator_server.port)
    return _emulator_server


@pytest.fixture
def aws(emulator: Emulator) -> Any:
    """``aws("sagemaker")`` → a boto3 client for that service talking HTTP to the emulator (one per
    service and region for the test: building a client costs tens of milliseconds of CPU)."""
    clients: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str = REGION) -> Any:
        if (service, region) not in clients:
            clients[(service, region)] = boto3.client(
                service,
                region_name=region,
                endpoint_url=emulator.url,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        return clients[(service, region)]

    return client


@pytest.fixture(scope="session")
def _proxy(_emulator_server: Emulator) -> Iterator[Proxy]:
    with serve(_emulator_server.port) as proxy:
        yield proxy


@pytest.fixture
def recorder(emulator: Emulator, _proxy: Proxy) -> Proxy:
    """The proxy with no rules and nothing recorded; the emulator behind it is reset."""
    _proxy.reset()
    return _proxy
