"""Command line: ``python -m canary {emulator,deploy,follow,demo}``."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence


def _emulator(args: argparse.Namespace) -> int:
    from canary.emulator import Emulator, EmulatorTimings

    timings = EmulatorTimings(create_seconds=args.create_seconds, update_seconds=args.update_seconds)
    emulator = Emulator(port=args.port, timings=timings).start()
    sys.stderr.write(
        f"local AWS (moto, extended) on {emulator.url} — account 123456789012, any region, any credentials\n"
        f"  export AWS_ENDPOINT_URL={emulator.url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test\n"
        f"  create: {args.create_seconds:g}s, update: {args.update_seconds:g}s; Ctrl-C to stop\n"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emulator.stop()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(prog="python -m canary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    emu = sub.add_parser("emulator", help="serve the local AWS (moto, extended) on 127.0.0.1")
    emu.add_argument("--port", type=int, default=5000, help="TCP port (default 5000)")
    emu.add_argument("--create-seconds", type=float, default=5.0, help="CreateEndpoint duration")
    emu.add_argument("--update-seconds", type=float, default=5.0, help="UpdateEndpoint duration")
    emu.set_defaults(func=_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
