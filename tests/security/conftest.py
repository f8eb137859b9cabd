"""Fixtures of the security tests: the action's runner fixtures, and a proxy that misbehaves on purpose.

``runner``/``recorder`` come from tests/action (``entrypoint.py`` run as the GitHub runner does,
behind the recording proxy). ``faulty`` is a second loopback HTTP proxy in front of the emulator
that fails chosen AWS operations of the *action* with throttling, HTTP 5xx, dropped connections,
responses cut mid-body, or responses lost after AWS acted — on a seeded schedule, counted.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from canary.emulator import Emulator
from canary.emulator.server import free_port
from tests.action.conftest import (  # noqa: F401 - the action's fixtures, reused
    Runner,
    _operation,
    _proxy,
    recorder,
    runner,
)

Kind = Literal["throttle", "5xx", "502-html", "drop", "truncate", "lose-response", "hang"]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Rule:
    """Fail requests whose operation (``Service.Operation``) ends with one of ``operations``."""

    operations: tuple[str, ...]
    kind: Kind
    rate: float = 1.0
    count: int | None = None
    seconds: float = 30.0
    """For ``hang``: how long to hold the request before closing it."""
    fired: int = 0

    def matches(self, operation: str) -> bool:
        """True for one of this rule's operations (by suffix: ``GetExecutionHistory``)."""
        return any(operation.endswith("." + op) or operation == op for op in self.operations)


@dataclass
class FaultProxy:
    """State of the misbehaving proxy: rules, what it saw, what it did."""

    url: str
    upstream_port: int
    rules: list[Rule] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311 - schedule

    def reset(self, seed: int = 0) -> None:
        """No rules, nothing recorded, a fresh seeded schedule."""
        with self.lock:
            self.rules.clear()
            self.operations.clear()
            self.injected.clear()
            self.rng = random.Random(seed)  # noqa: S311 - schedule

    def add(
        self, *operations: str, kind: Kind, rate: float = 1.0, count: int | None = None, **kw: Any
    ) -> Rule:
        """Add a rule; the first matching rule whose dice say so fails the request."""
        rule = Rule(tuple(operations), kind, rate, count, **kw)
        with self.lock:
            self.rules.append(rule)
        return rule

    def decide(self, operation: str) -> Rule | None:
        """Record the request; the rule that fails it, if any."""
        with self.lock:
            self.operations.append(operation)
            for rule in self.rules:
                if not rule.matches(operation) or (rule.count is not None and rule.fired >= rule.count):
                    continue
                if rule.rate < 1.0 and self.rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                self.injected[rule.kind] += 1
                return rule
        return None

    @property
    def total_injected(self) -> int:
        """Faults injected so far, all kinds."""
        with self.lock:
            return sum(self.injected.values())


def _json_error(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode()


def _handler(proxy: FaultProxy) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, content_type: str = "application/x-amz-json-1.0") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "fault-proxy")
            self.end_headers()
            self.wfile.write(body)

        def _drop(self) -> None:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _upstream(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            connection.close()
            return response.status, response.getheaders(), payload

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            rule = proxy.decide(_operation(dict(self.headers.items()), body))
            kind = rule.kind if rule else None
            if kind == "throttle":
                return self._reply(400, _json_error("ThrottlingException", "Rate exceeded"))
            if kind == "5xx":
                return self._reply(500, _json_error("InternalFailure", "injected server error"))
            if kind == "502-html":
                return self._reply(502, b"<html><body>502 Bad Gateway</body></html>", "text/html")
            if kind == "drop":
                return self._drop()
            if kind == "hang" and rule is not None:
                time.sleep(rule.seconds)
                return self._drop()
            status, headers, payload = self._upstream(body)
            if kind == "lose-response":
                return self._drop()
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if kind == "truncate":
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                return self._drop()
            self.wfile.write(payload)
            return None

        do_GET = do_POST = do_PUT = do_DELETE = _forward

    return Handler


@pytest.fixture(scope="session")
def _fault_proxy(_emulator_server: Emulator) -> Iterator[FaultProxy]:
    port = free_port()
    proxy = FaultProxy(url=f"http://127.0.0.1:{port}", upstream_port=_emulator_server.port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield proxy
    server.shutdown()


@pytest.fixture(autouse=True)
def _stop_leftover_executions(_emulator_server: Emulator) -> Iterator[None]:
    """After each test, stop every execution still running.

    The emulator's reset does not stop executions in flight: one left running (a detached or failed
    test) would go on acting on the next test's resources, which share its names.
    """
    yield
    import boto3

    sfn = boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=_emulator_server.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    for machine in sfn.list_state_machines()["stateMachines"]:
        arn = machine["stateMachineArn"]
        for execution in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"], error="Test.Cleanup")


@pytest.fixture
def faulty(emulator: Emulator, _fault_proxy: FaultProxy) -> FaultProxy:
    """The misbehaving proxy, with no rules yet; the emulator behind it is reset."""
    _fault_proxy.reset()
    return _fault_proxy


@pytest.fixture
def faulty_runner(tmp_path: Path, faulty: FaultProxy) -> Runner:
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
