"""Start-up to first AWS request: the action's entrypoint vs the AWS CLI, as the runner starts them.

A loopback HTTP server stands in for AWS (``AWS_ENDPOINT_URL``): it notes when the first request
arrives and answers ``AccessDeniedException``. Each program is started as a subprocess; the figure is
the time from just before ``Popen`` to the first request's arrival, median of several runs after one
warm-up (page cache) run. Programs:

- ``entrypoint``: ``python entrypoint.py`` from this checkout with valid ``INPUT_*`` (first request:
  ListStateMachines, after parsing the inputs and building the clients);
- ``entrypoint (image)``: the same, as the image runs it — only the ``shipped`` dependency tree
  (no ``.pyc``, pruned botocore; :mod:`bench.footprint`), ``PYTHONDONTWRITEBYTECODE=1``, the
  package copied without ``__pycache__``;
- ``aws cli``: ``aws stepfunctions list-state-machines`` (awscli from PyPI, in ``.venv``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.common import percentile

ROOT = Path(__file__).resolve().parent.parent
INPUTS = {
    "INPUT_ENDPOINT-NAME": "bench-startup",
    "INPUT_IMAGE-URI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:1",
    "INPUT_EXECUTION-ROLE-ARN": "arn:aws:iam::123456789012:role/bench-sagemaker",
    "INPUT_STATE-MACHINE-ROLE-ARN": "arn:aws:iam::123456789012:role/bench-states",
    "INPUT_INSTANCE-TYPE": "ml.m5.large",
}


class FirstRequest:
    """A loopback server that records when each run's first request arrives."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.at = 0.0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if not outer.arrived.is_set():
                    outer.at = time.perf_counter()
                    outer.arrived.set()
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = b'{"__type":"AccessDeniedException","message":"bench: first request seen"}'
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-RequestId", "bench")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Endpoint URL."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def time_to_first_request(self, command: list[str], env: dict[str, str], timeout: float = 30) -> float:
        """Seconds from launching ``command`` to its first request here."""
        self.arrived.clear()
        began = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if not self.arrived.wait(timeout):
                _, stderr = process.communicate(timeout=5) if process.poll() is not None else (b"", b"")
                raise RuntimeError(f"{command[0]}: no request within {timeout} s: {stderr[-800:]!r}")
            return self.at - began
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stderr is not None:
                process.stderr.close()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class Startup:
    """Seconds to the first request, per program."""

    program: str
    median: float
    best: float
    runs: list[float]

    def as_json(self) -> dict[str, Any]:
        """For results.json."""
        return asdict(self)


def _base_env(url: str, scratch: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(scratch),
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "GITHUB_OUTPUT": str(scratch / "output"),
        "GITHUB_STEP_SUMMARY": str(scratch / "summary"),
    }


def _measure(
    server: FirstRequest, program: str, command: list[str], env: dict[str, str], runs: int
) -> Startup:
    server.time_to_first_request(command, env)  # warm-up: page cache, first .pyc writes
    times = [server.time_to_first_request(command, env) for _ in range(runs)]
    return Startup(
        program, round(percentile(times, 50), 3), round(min(times), 3), [round(t, 3) for t in times]
    )


def run(
    shipped: Path | None,
    *,
    app: Path | None = None,
    runs: int = 5,
    label: str = "entrypoint (image)",
    cli: bool = True,
    local: bool = True,
) -> list[Startup]:
    """Measure each program; ``shipped``/``app`` are the image-like dependency tree and application
    directory (None: skip that row)."""
    server = FirstRequest()
    results: list[Startup] = []
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        scratch = Path(tmp)
        env = {**_base_env(server.url, scratch), **INPUTS}
        try:
            if local:
                command = [sys.executable, str(ROOT / "entrypoint.py")]
                results.append(_measure(server, "entrypoint", command, env, runs))
            if shipped is not None and app is not None:
                image_env = {**env, "PYTHONPATH": str(shipped), "PYTHONDONTWRITEBYTECODE": "1"}
                command = [sys.executable, "-S", str(app / "entrypoint.py")]
                results.append(_measure(server, label, command, image_env, runs))
            if cli:
                aws = Path(sys.executable).parent / "aws"
                command = [str(aws), "stepfunctions", "list-state-machines"]
                results.append(_measure(server, "aws cli", command, env, runs))
        finally:
            server.close()
    return results
