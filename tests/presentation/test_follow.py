"""The history follower against the emulator: exactly once, in order, incremental, resilient.

GetExecutionHistory (maxResults, nextToken, reverseOrder, includeExecutionData):
https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
Throttling and retries: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

import dataclasses
import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from canary.emulator import Emulator
from canary.follow import Follower, FollowTimeout, HistoryEvent, json_path, sfn_client_config, wait_seconds

ROLE = "arn:aws:iam::123456789012:role/sfn"

LOOP = {
    "Comment": "Pass/Choice loop: 4 events per iteration, then an optional Wait and a second short loop.",
    "StartAt": "Inc",
    "States": {
        "Inc": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n", "w.$": "$.w"},
            "Next": "More",
        },
        "More": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Inc"}],
            "Default": "Pause",
        },
        "Pause": {"Type": "Wait", "SecondsPath": "$.w", "Next": "Tail"},
        "Tail": {"Type": "Pass", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture
def sfn(emulator: Emulator) -> Any:
    """A Step Functions client configured as the action configures the follower's client."""
    return boto3.client(
        "stepfunctions",
        region_name="us-east-1",
        endpoint_url=emulator.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=sfn_client_config(),
    )


def start(sfn: Any, definition: dict[str, Any], payload: dict[str, Any], name: str = "m") -> str:
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return str(
        sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input=json.dumps(payload))[
            "executionArn"
        ]
    )


def wait_closed(sfn: Any, arn: str, timeout: float = 120) -> None:
    end = time.time() + timeout
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        assert time.time() < end, "execution did not finish"
        time.sleep(0.1)


def full_history(sfn: Any, arn: str) -> list[tuple[int, str]]:
    events: list[tuple[int, str]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(
        executionArn=arn, includeExecutionData=False
    ):
        events.extend((int(e["id"]), str(e["type"])) for e in page["events"])
    return events


def seeded(seed: int) -> random.Random:
    """A reproducible random source for fault injection and jitter."""
    return random.Random(seed)  # noqa: S311 - reproducible test randomness


def no_sleep(_: float) -> None:
    """The follower's sleep, for executions that are already closed."""


def assert_exactly_once_in_order(seen: list[HistoryEvent], expected: list[tuple[int, str]]) -> None:
    assert [(e.id, e.type) for e in seen] == expected
    assert [e.id for e in seen] == list(range(1, len(expected) + 1))
    assert seen[-1].terminal


def test_follows_a_closed_long_history_exactly_once_in_order(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1500, "w": 0})
    wait_closed(sfn, arn)
    follower = Follower(sfn, arn, include_data=False, sleep=no_sleep)
    seen = list(follower.events())
    assert_exactly_once_in_order(seen, full_history(sfn, arn))
    assert len(seen) > 6000
    # forward pages of 1,000, and the definition read once (for the Wait), nothing more
    assert follower.api_calls == -(-len(seen) // 1000) + 1


def test_event_carries_its_details_and_timestamp(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 0})
    wait_closed(sfn, arn)
    seen = list(Follower(sfn, arn, include_data=True, sleep=no_sleep).events())
    entered = next(e for e in seen if e.type == "PassStateEntered")
    assert entered.details["name"] == "Inc"
    assert json.loads(entered.details["input"]) == {"i": 0, "n": 1, "w": 0}
    assert entered.timestamp.tzinfo is not None


@dataclasses.dataclass(frozen=True)
class PollCost:
    """What following one execution cost, before and after it reached its Wait."""

    events: int
    first_read_bytes: int
    """The whole history, read once (what a naive follower pays on every poll)."""
    polls: int
    bytes_per_poll: float


def per_poll_cost_after(sfn: Any, iterations: int, name: str) -> PollCost:
    """Follow an execution that made ``4 * iterations`` events and then waits 2 s: cost of later polls."""
    arn = start(sfn, LOOP, {"i": 0, "n": iterations, "w": 2}, name=name)
    deadline = time.time() + 60
    while not any(t == "WaitStateEntered" for _, t in full_history(sfn, arn)[-3:]):
        assert time.time() < deadline
        time.sleep(0.05)
    follower = Follower(sfn, arn, include_data=True)
    polls_before = bytes_before = 0
    events = 0
    for event in follower.events(deadline=time.time() + 30):
        events += 1
        if event.type == "WaitStateEntered":
            polls_before, bytes_before = follower.api_calls, follower.bytes_read
    polls = follower.api_calls - polls_before
    assert polls >= 1
    return PollCost(events, bytes_before, polls, (follower.bytes_read - bytes_before) / polls)


def test_each_poll_costs_the_same_however_long_the_history(sfn: Any) -> None:
    short = per_poll_cost_after(sfn, 25, "short")
    long = per_poll_cost_after(sfn, 1500, "long")
    assert long.events > 25 * short.events
    # Same calls and about the same bytes per poll, while the history is 60 times longer...
    assert long.polls <= short.polls + 2
    assert long.bytes_per_poll < 2 * short.bytes_per_poll + 500
    # ... and a small fraction of re-reading it (issue 5: at least 50 times fewer bytes).
    assert long.bytes_per_poll * 50 < long.first_read_bytes


def test_sleeps_through_a_known_wait_and_sees_its_end_within_a_second(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 3})
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    follower = Follower(sfn, arn, include_data=True, sleep=sleep)
    latencies = {}
    for event in follower.events(deadline=time.time() + 30):
        latencies[event.type] = time.time() - event.timestamp.timestamp()
    assert max(sleeps) > 2.0  # slept through the 3 s Wait in one go
    assert latencies["WaitStateExited"] < 1.0
    assert latencies["ExecutionSucceeded"] < 1.0
    # A fixed 1 s poller makes ≥ 4 calls over this execution; we read the definition once on top.
    assert follower.api_calls <= 8


def test_without_execution_data_a_wait_is_polled_not_guessed(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 2})
    follower = Follower(sfn, arn, include_data=False)
    seen = list(follower.events(deadline=time.time() + 30))
    assert seen[-1].type == "ExecutionSucceeded"
    assert all("input" not in e.details for e in seen)


def test_deadline_raises_follow_timeout_after_yielding_what_exists(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 30})
    follower = Follower(sfn, arn, include_data=True)
    seen: list[str] = []
    started = time.time()
    with pytest.raises(FollowTimeout):
        seen.extend(e.type for e in follower.events(deadline=time.time() + 1.0))
    assert time.time() - started < 2.0
    assert "WaitStateEntered" in seen
    assert follower.describe()["status"] == "RUNNING"


def test_stop_event_returns_promptly_without_error(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 30})
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.time()
    seen = list(Follower(sfn, arn, include_data=True).events(deadline=time.time() + 20, stop=stop))
    assert time.time() - started < 1.5
    assert seen
    assert not seen[-1].terminal


def test_unknown_execution_is_an_error_not_a_retry(sfn: Any) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:none:none"
    with pytest.raises(ClientError, match="ExecutionDoesNotExist"):
        list(Follower(sfn, arn, include_data=False, sleep=no_sleep).events(deadline=time.time() + 5))


# -- faults on the wire ---------------------------------------------------------------------------


def error_response(status: int, code: str) -> AWSResponse:
    body = json.dumps({"__type": code, "message": "injected"}).encode()
    return AWSResponse(
        "https://injected", status, {"Content-Type": "application/x-amz-json-1.0"}, _RawBody(body)
    )


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def inject_faults(sfn: Any, rate: float, seed: int) -> Callable[[], dict[str, int]]:
    """Fail ``rate`` of the client's requests with throttling, 5xx or a dropped connection."""
    rng = seeded(seed)
    counts = {"throttle": 0, "5xx": 0, "dropped": 0, "refused": 0, "ok": 0}

    def before_send(request: Any, **_: Any) -> AWSResponse | None:
        if rng.random() >= rate:
            counts["ok"] += 1
            return None
        kind = rng.choice(["throttle", "5xx", "dropped", "refused"])
        counts[kind] += 1
        if kind == "throttle":
            return error_response(400, "ThrottlingException")
        if kind == "5xx":
            return error_response(rng.choice([500, 502, 503]), "ServiceUnavailable")
        if kind == "dropped":
            raise ConnectionClosedError(endpoint_url=request.url)
        raise EndpointConnectionError(endpoint_url=request.url)

    sfn.meta.events.register_first("before-send.sfn.*", before_send)
    return lambda: counts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_faults_on_a_closed_long_history_lose_and_repeat_nothing(sfn: Any, aws: Any, seed: int) -> None:
    control = aws("stepfunctions")
    arn = start(control, LOOP, {"i": 0, "n": 700, "w": 0})
    wait_closed(control, arn)
    counts = inject_faults(sfn, rate=0.3, seed=seed)
    sleeps: list[float] = []
    follower = Follower(sfn, arn, include_data=False, sleep=sleeps.append, rng=seeded(seed))
    seen = list(follower.events(deadline=time.time() + 60))
    assert_exactly_once_in_order(seen, full_history(control, arn))
    injected = sum(counts().values()) - counts()["ok"]
    assert injected > 0
    assert follower.transient_errors == injected
    assert follower.throttled == counts()["throttle"]
    assert follower.api_calls == sum(counts().values())


def test_faults_while_following_a_live_execution_lose_and_repeat_nothing(sfn: Any, aws: Any) -> None:
    control = aws("stepfunctions")
    arn = start(control, LOOP, {"i": 0, "n": 300, "w": 2})
    counts = inject_faults(sfn, rate=0.3, seed=7)
    follower = Follower(sfn, arn, include_data=True, throttle_cap=1.0, rng=seeded(7))
    seen = list(follower.events(deadline=time.time() + 60))
    assert_exactly_once_in_order(seen, full_history(control, arn))
    assert counts()["ok"] > 0
    assert follower.transient_errors == sum(counts().values()) - counts()["ok"] > 0


def test_throttling_backs_off_with_jitter_and_keeps_the_longer_interval(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 0})
    wait_closed(sfn, arn)
    failures = iter(range(4))

    def throttle_four_times(**_: Any) -> AWSResponse | None:
        return error_response(400, "ThrottlingException") if next(failures, None) is not None else None

    sfn.meta.events.register_first("before-send.sfn.*", throttle_four_times)
    sleeps: list[float] = []
    follower = Follower(sfn, arn, include_data=False, sleep=sleeps.append, rng=seeded(0))
    assert list(follower.events())[-1].terminal
    assert follower.throttled == 4
    assert len(sleeps) == 4
    assert all(s >= 0.3 for s in sleeps)  # never shorter than the planned poll interval
    assert len(set(sleeps)) == 4  # jittered
    assert max(sleeps) <= 16


# -- definition helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [("$", {"a": [{"b": 3}]}), ("$.a[0].b", 3), ("$['a'][0]", {"b": 3})],
)
def test_json_path_evaluates_reference_paths(path: str, expected: Any) -> None:
    assert json_path({"a": [{"b": 3}]}, path) == expected


@pytest.mark.parametrize(
    ("state", "state_input", "expected"),
    [
        ({"Seconds": 10}, None, 10.0),
        ({"SecondsPath": "$.wait.s"}, {"wait": {"s": 7}}, 7.0),
        ({"InputPath": "$.wait", "SecondsPath": "$.s"}, {"wait": {"s": 5}}, 5.0),
        ({"SecondsPath": "$.missing"}, {}, None),
        ({"SecondsPath": "$.s"}, None, None),
        ({"Timestamp": "2026-01-01T00:01:00Z"}, None, 60.0),
    ],
)
def test_wait_seconds_reads_the_wait_state(
    state: dict[str, Any], state_input: Any, expected: float | None
) -> None:
    import datetime as dt

    entered = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert wait_seconds(state, state_input, entered) == expected
