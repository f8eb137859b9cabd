"""``python -m bench`` (``make bench``): measure every figure, print the table, write .bench/results.json."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import render_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / ".bench" / "results.json"


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _timed(results: dict[str, Any], key: str, function: Callable[[], Any], log: Callable[[str], None]) -> Any:
    began = time.monotonic()
    log(f"bench: {key} …")
    try:
        value = function()
    except Exception as error:  # a broken figure is reported, the others still run
        results[key] = {"error": f"{type(error).__name__}: {error}"}
        log(f"bench: {key} FAILED: {error}")
        value = None
    results.setdefault("seconds", {})[key] = round(time.monotonic() - began, 1)
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the bench; 0 when every figure was measured."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="results file (default .bench/results.json)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help=(
            "figures to skip, comma separated "
            "(history,deploy,transitions,mitigation,capacity,strategies,startup,footprint)"
        ),
    )
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}

    from bench import capacity, footprint, history, latency, mitigation, startup, strategies, transitions
    from bench.common import start_emulator

    def log(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    began = time.monotonic()
    emulator = start_emulator()
    results: dict[str, Any] = {
        "meta": {
            "commit": _commit(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "command": "make bench",
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        scratch = Path(tmp)
        holder: dict[str, Any] = {}
        footprint_thread = threading.Thread(
            target=lambda: holder.update(
                fp=_timed(
                    results, "footprint", lambda: footprint.run(scratch / "installs", emulator.url), log
                )
            ),
            daemon=True,
        )
        if "footprint" not in skip:
            footprint_thread.start()
        if "history" not in skip:
            costs = _timed(results, "history", lambda: history.run(emulator), log)
            if costs is not None:
                results["history"] = [cost.as_json() for cost in costs]
        if "deploy" not in skip:
            deploy = _timed(results, "deploy", lambda: latency.run(emulator), log)
            if deploy is not None:
                results["deploy"] = deploy
        if "transitions" not in skip:
            counted = _timed(results, "transitions", lambda: transitions.run(emulator), log)
            if counted is not None:
                results["transitions"] = counted
        if "mitigation" not in skip:
            mitigated = _timed(results, "mitigation", lambda: mitigation.run(emulator), log)
            if mitigated is not None:
                results["mitigation"] = mitigated
        if "capacity" not in skip:
            planned = _timed(results, "capacity", lambda: capacity.run(emulator), log)
            if planned is not None:
                results["capacity"] = planned
        if "strategies" not in skip:
            guarded = _timed(results, "strategies", lambda: strategies.run(emulator), log)
            if guarded is not None:
                results["strategies"] = guarded
        if "footprint" not in skip:
            footprint_thread.join(timeout=600)
        fp = holder.get("fp")
        if "startup" not in skip:

            def measure_startup() -> list[dict[str, Any]]:
                rows = []
                if fp is not None:
                    shipped, app = Path(fp.shipped.path), Path(fp.app)
                    rows += startup.run(
                        shipped, app=app, label="entrypoint (image, no .pyc)", cli=False, local=False
                    )
                    holder["fp"] = dataclasses.replace(fp, warmed=footprint.precompile(shipped, app))
                    rows += startup.run(shipped, app=app, label="entrypoint (image)")
                else:
                    rows += startup.run(None)
                return [row.as_json() for row in rows]

            measured = _timed(results, "startup", measure_startup, log)
            if measured is not None:
                results["startup"] = measured
        if holder.get("fp") is not None:
            results["footprint"] = holder["fp"].as_json()
    emulator.stop()
    results["meta"]["total_seconds"] = round(time.monotonic() - began, 1)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    sys.stdout.write(render_table(results) + "\n")
    log(f"bench: wrote {args.output} in {results['meta']['total_seconds']:.0f} s")
    failed = [key for key, value in results.items() if isinstance(value, dict) and "error" in value]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
