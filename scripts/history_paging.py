"""Measure GetExecutionHistory paging on a long history against a running endpoint.

Starts nothing itself: point it at an emulator (``python -m canary emulator --port 5123``) or any
Step Functions endpoint. It builds an execution of about ``--events`` history events with a Pass/Choice
counter loop, then pages the history ``--page-size`` events at a time, forwards and in reverse, checks
that every event comes exactly once and in order, and prints each page's wall time.

    .venv/bin/python -m scripts.history_paging --endpoint-url http://127.0.0.1:5123
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from typing import Any

import boto3

from canary.emulator.workloads import COUNTER_LOOP, EVENTS_PER_LAP

ROLE = "arn:aws:iam::123456789012:role/StatesRole"
# Events outside the loop: ExecutionStarted, Init entered/exited, Done entered/exited, ExecutionSucceeded.
FIXED_EVENTS = 6


def laps_for(events: int) -> int:
    """Laps of COUNTER_LOOP that give at least ``events`` history events."""
    return max(1, -(-(events - FIXED_EVENTS) // EVENTS_PER_LAP))


def build_long_execution(sfn: Any, events: int, timeout: float = 300.0) -> tuple[str, float]:
    """Run COUNTER_LOOP to completion; return its execution ARN and the seconds it took."""
    name = f"history-paging-{uuid.uuid4().hex[:8]}"
    machine = sfn.create_state_machine(name=name, definition=json.dumps(COUNTER_LOOP), roleArn=ROLE)
    began = time.perf_counter()
    execution_arn: str = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"laps": laps_for(events)})
    )["executionArn"]
    while (status := sfn.describe_execution(executionArn=execution_arn)["status"]) == "RUNNING":
        if time.perf_counter() - began > timeout:
            raise TimeoutError(f"{execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.1)
    if status != "SUCCEEDED":
        raise RuntimeError(f"{execution_arn} ended {status}")
    return execution_arn, time.perf_counter() - began


def page_through(sfn: Any, execution_arn: str, page_size: int, reverse: bool) -> list[tuple[int, float]]:
    """Page the whole history; check order and completeness; return (events, seconds) per page."""
    ids: list[int] = []
    timings: list[tuple[int, float]] = []
    kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": page_size, "reverseOrder": reverse}
    while True:
        began = time.perf_counter()
        page = sfn.get_execution_history(**kwargs)
        timings.append((len(page["events"]), time.perf_counter() - began))
        ids.extend(event["id"] for event in page["events"])
        if "nextToken" not in page:
            break
        kwargs["nextToken"] = page["nextToken"]
    expected = list(range(1, len(ids) + 1))
    if ids != (expected[::-1] if reverse else expected):
        raise AssertionError("history pages are not every event exactly once, in order")
    return timings


def main(argv: list[str] | None = None) -> int:
    """Build a long history, page it both ways, print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="http://127.0.0.1:5123")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--events", type=int, default=5000, help="history events to build (at least)")
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args(argv)

    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - the emulator takes any credentials
    )
    execution_arn, build_seconds = build_long_execution(sfn, args.events)
    print(f"built {execution_arn} in {build_seconds:.2f} s")
    for reverse in (False, True):
        for attempt in ("first read", "second read"):
            timings = page_through(sfn, execution_arn, args.page_size, reverse)
            total = sum(count for count, _ in timings)
            pages = ", ".join(f"{seconds * 1000:.1f}" for _, seconds in timings)
            direction = "reverse" if reverse else "forward"
            print(f"{direction:7} {attempt}: {total} events in {len(timings)} pages; ms per page: {pages}")
    began = time.perf_counter()
    whole = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, includeExecutionData=False)
    print(f"one 1000-event page without execution data: {(time.perf_counter() - began) * 1000:.1f} ms")
    return 0 if whole["events"] else 1


if __name__ == "__main__":
    sys.exit(main())
