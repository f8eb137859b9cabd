"""Command line: ``python -m canary {deploy,approve,abort,follow,emulator,demo,schema}``.

- ``deploy``: the action itself, its inputs as flags (``--endpoint-name``, ``--image-uri``, …);
- ``approve`` / ``abort --endpoint-name N``: answer the deploy of N waiting at a gate (or abort its
  bake), as the action's ``command: approve|abort`` does (canary/gates.py);
- ``follow EXECUTION_ARN``: stream any execution's history; exits with its outcome;
- ``emulator``: serve the local AWS;
- ``demo``: the whole product against the emulator (``make demo``);
- ``schema``: regenerate the execution input's JSON schema.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence


def _seconds(text: str) -> float:
    """An emulator duration flag: a finite number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0 (e.g. 2.5)")
    return value


def _emulator(args: argparse.Namespace) -> int:
    from canary.emulator import Emulator, EmulatorTimings

    timings = EmulatorTimings(
        create_seconds=args.create_seconds,
        update_seconds=args.update_seconds,
        weights_seconds=args.weights_seconds,
        deployment_wait_scale=args.deployment_wait_scale,
        metrics_delay_seconds=args.metrics_delay_seconds,
    )
    emulator = Emulator(port=args.port, timings=timings).start()
    sys.stderr.write(
        f"local AWS (moto, extended) on {emulator.url} — account 123456789012, any region, any credentials\n"
        f"  export AWS_ENDPOINT_URL={emulator.url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test\n"
        f"  create: {args.create_seconds:g}s, update: {args.update_seconds:g}s, "
        f"weights: {args.weights_seconds:g}s; Ctrl-C to stop\n"
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    emulator.stop()
    return 0


def _deploy(args: argparse.Namespace) -> int:
    from canary.action import main as action_main
    from canary.settings import INPUT_NAMES, settings_from_inputs

    inputs = {
        name: value
        for name in INPUT_NAMES
        if (value := getattr(args, name.replace("-", "_"), None)) is not None
    }
    return action_main(load=lambda: settings_from_inputs(inputs))


def _answer(args: argparse.Namespace) -> int:
    from canary.action import main as action_main
    from canary.settings import settings_from_inputs

    inputs = {"command": args.command, "endpoint-name": args.endpoint_name}
    for name in ("aws-region", "state-machine-name", "state-machine-arn", "execution-name"):
        value = getattr(args, name.replace("-", "_"))
        if value is not None:
            inputs[name] = value
    return action_main(load=lambda: settings_from_inputs(inputs))


def _follow(args: argparse.Namespace) -> int:
    import os
    import time

    from canary.aws import console_url
    from canary.cancellation import Cancellation
    from canary.follow import Follower, FollowTimeout
    from canary.github import Runner
    from canary.outcome import classify
    from canary.render import Renderer, make_console

    arn: str = args.execution_arn
    parts = arn.split(":")
    if len(parts) < 8 or parts[2] != "states" or parts[5] not in {"execution", "express"}:
        sys.stderr.write(
            f"not an execution ARN: {arn!r} (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)\n"
        )
        return 2
    import boto3

    from canary.follow import sfn_client_config

    sfn = boto3.session.Session(region_name=parts[3]).client("stepfunctions", config=sfn_client_config())
    runner = Runner(sys.stdout, os.environ)
    renderer = Renderer(make_console(runner.stream, os.environ), runner, verbose=args.verbose)
    cancellation = Cancellation()
    restore = cancellation.install()
    follower = Follower(sfn, arn, include_data=True)
    deadline = time.time() + args.timeout_minutes * 60 if args.timeout_minutes else None
    try:
        with runner.protect():
            try:
                for event in follower.events(deadline=deadline, stop=cancellation.event):
                    renderer.event(event)
            except FollowTimeout:
                pass
    finally:
        restore()
    if cancellation.event.is_set():
        runner.line(f"stopped following; the execution goes on: {console_url(arn)}")
        return 1
    outcome = classify(follower.describe())
    with runner.protect():
        renderer.outcome(outcome)
    return outcome.exit_code


def _demo(args: argparse.Namespace) -> int:
    from canary.demo import run_demo

    return run_demo(verbose=args.verbose)


def _schema(args: argparse.Namespace) -> int:
    from pathlib import Path

    from canary.execution_input import SCHEMA_PATH, write_schema

    path = Path(args.output) if args.output else SCHEMA_PATH
    write_schema(path)
    sys.stderr.write(f"wrote {path}\n")
    return 0


def _add_deploy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from canary.cli_help import input_help
    from canary.settings import INPUT_NAMES

    deploy = sub.add_parser(
        "deploy",
        help="canary-deploy an endpoint (the action's inputs as flags)",
        description="Canary-deploy a SageMaker endpoint; every flag is the action input of the same name "
        "(action.yml), given as a string.",
    )
    helps = input_help()
    required = {"endpoint-name", "image-uri", "execution-role-arn"}
    ordered = [name for name in helps if name in INPUT_NAMES] + [n for n in INPUT_NAMES if n not in helps]
    for name in ordered:  # in action.yml's order
        fallback = "required; see action.yml" if name in required else "see action.yml"
        deploy.add_argument(
            f"--{name}",
            dest=name.replace("-", "_"),
            metavar="VALUE",
            help=helps.get(name, fallback),
        )
    deploy.set_defaults(func=_deploy)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    from canary.cli_help import plain

    parser = argparse.ArgumentParser(
        prog="python -m canary",
        description=plain(__doc__ or ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    emu = sub.add_parser("emulator", help="serve the local AWS (moto, extended) on 127.0.0.1")
    emu.add_argument("--port", type=int, default=5000, help="TCP port (default 5000)")
    emu.add_argument("--create-seconds", type=_seconds, default=5.0, help="CreateEndpoint duration")
    emu.add_argument("--update-seconds", type=_seconds, default=5.0, help="UpdateEndpoint duration")
    emu.add_argument(
        "--weights-seconds",
        type=_seconds,
        default=0.0,
        help="UpdateEndpointWeightsAndCapacities duration (default 0: no new instances)",
    )
    emu.add_argument(
        "--deployment-wait-scale",
        type=_seconds,
        default=1.0,
        help="factor on the waits of an UpdateEndpoint DeploymentConfig (default 1: as configured)",
    )
    emu.add_argument(
        "--metrics-delay-seconds",
        type=_seconds,
        default=0.0,
        help="seconds after PutMetricData before GetMetricData reads a datapoint (default 0)",
    )
    emu.set_defaults(func=_emulator)
    _add_deploy(sub)
    for command, text in (
        ("approve", "resume the deploy of an endpoint waiting at its approval gate"),
        ("abort", "roll back the deploy of an endpoint, at its gate or during a bake"),
    ):
        answer = sub.add_parser(command, help=text, description=text + " (canary/gates.py).")
        answer.add_argument("--endpoint-name", required=True, metavar="NAME")
        answer.add_argument("--aws-region", metavar="REGION", help="default: AWS_REGION")
        answer.add_argument("--state-machine-name", metavar="NAME")
        answer.add_argument("--state-machine-arn", metavar="ARN")
        answer.add_argument(
            "--execution-name", metavar="NAME", help="only the deploy of this execution name (default: any)"
        )
        answer.set_defaults(func=_answer)
    follow = sub.add_parser("follow", help="stream an execution's history; exits with its outcome")
    follow.add_argument("execution_arn", metavar="EXECUTION_ARN")
    follow.add_argument("--verbose", action="store_true", help="every event with its payloads")
    follow.add_argument("--timeout-minutes", type=float, default=0, help="stop following after this long")
    follow.set_defaults(func=_follow)
    demo = sub.add_parser("demo", help="run the product end to end against the local emulator")
    demo.add_argument("--verbose", action="store_true", help="every event with its payloads")
    demo.set_defaults(func=_demo)
    schema = sub.add_parser("schema", help="write the execution input's JSON schema")
    schema.add_argument("--output", help="path (default canary/schema/execution-input.schema.json)")
    schema.set_defaults(func=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
