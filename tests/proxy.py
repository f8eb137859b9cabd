"""A loopback HTTP proxy between the action and the emulator: it records, and misbehaves on demand.

Tests point the *action* at it (``AWS_ENDPOINT_URL``); the state machine's own calls go straight to
the emulator. It records every AWS operation it forwards (as ``Service.Operation``: the
``X-Amz-Target`` of JSON protocols, ``query.Action`` of query protocols) so tests can count calls and
writes, and fails the requests that match a :class:`Rule` — throttling, HTTP 5xx, an HTML 502,
dropped connections, responses cut mid-body, responses lost after AWS acted, or requests held
unanswered — on a seeded schedule, counted. With no rule it is a plain recording proxy.

:func:`serve` runs one for a test session; ``tests/conftest.py`` has the ``recorder`` fixture.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import random
import socket
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from canary.emulator.server import free_port

Kind = Literal["throttle", "5xx", "502-html", "drop", "truncate", "lose-response", "hang"]
READ_PREFIXES = ("Describe", "List", "Get")


def operation_of(headers: Mapping[str, str], body: bytes) -> str:
    """``Service.Operation`` of one AWS request (JSON target header, or the query ``Action``)."""
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    if target:
        return target
    if body.startswith(b"Action=") or b"&Action=" in body:
        for part in body.decode(errors="replace").split("&"):
            if part.startswith("Action="):
                return f"query.{part[7:]}"
    return f"unknown.{headers.get('Content-Type', '')}"


@dataclass
class Rule:
    """Fail requests whose operation (``Service.Operation``) ends with one of ``operations``."""

    operations: tuple[str, ...]
    kind: Kind
    rate: float = 1.0
    count: int | None = None
    seconds: float = 30.0
    """For ``hang``: how long to hold the request before closing it (a reset ends it sooner)."""
    fired: int = 0
    holding: int = 0
    """For ``hang``: requests held unanswered right now."""

    def matches(self, operation: str) -> bool:
        """True for one of this rule's operations (by suffix: ``GetExecutionHistory``)."""
        return any(operation.endswith("." + op) or operation == op for op in self.operations)


@dataclass
class Proxy:
    """State of the proxy: what it saw, its rules, what it did."""

    url: str
    upstream_port: int
    operations: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311 - schedule
    released: threading.Event = field(default_factory=threading.Event)
    """Set by :meth:`reset`: requests held by a ``hang`` rule are let go (closed) at once."""

    def clear(self) -> None:
        """Forget what was recorded (rules stay)."""
        with self.lock:
            self.operations.clear()

    def reset(self, seed: int = 0) -> None:
        """No rules, nothing recorded, held requests let go, a fresh seeded schedule."""
        with self.lock:
            self.released.set()
            self.released = threading.Event()
            self.rules.clear()
            self.operations.clear()
            self.injected.clear()
            self.rng = random.Random(seed)  # noqa: S311 - schedule

    @property
    def writes(self) -> list[str]:
        """Operations that are not reads (Describe*, List*, Get*)."""
        with self.lock:
            return [op for op in self.operations if not op.split(".")[-1].startswith(READ_PREFIXES)]

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

    def hold(self, rule: Rule) -> None:
        """Hold a request for ``rule.seconds``, or until the next :meth:`reset`."""
        with self.lock:
            released = self.released
            rule.holding += 1
        try:
            released.wait(rule.seconds)
        finally:
            with self.lock:
                rule.holding -= 1


def _json_error(code: str, message: str) -> bytes:
    return json.dumps({"__type": code, "message": message}).encode()


def _handler(proxy: Proxy) -> type[http.server.BaseHTTPRequestHandler]:
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
            rule = proxy.decide(operation_of(dict(self.headers.items()), body))
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
                proxy.hold(rule)
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


@contextlib.contextmanager
def serve(upstream_port: int) -> Iterator[Proxy]:
    """Run a proxy on a free loopback port in front of ``upstream_port`` for the block."""
    port = free_port()
    proxy = Proxy(url=f"http://127.0.0.1:{port}", upstream_port=upstream_port)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(proxy))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.reset()
        server.shutdown()
