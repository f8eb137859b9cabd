"""The history follower against the emulator: exactly once, in order, incremental, resilient.

GetExecutionHistory (maxResults, nextToken, reverseOrder, includeExecutionData):
https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
Throttling and retries: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
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
from canary.follow import (
    FAST_INTERVAL,
    IDLE_INTERVAL,
    LONG_IDLE_INTERVAL,
    MAX_WAIT_SLEEP,
    WAKE_AFTER_WAIT,
    Follower,
    FollowTimeout,
    HistoryEvent,
    sfn_client_config,
)
from canary.waits import json_path, wait_seconds

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
    return follower_client(emulator)


def follower_client(emulator: Emulator) -> Any:
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


class FakeClock:
    """The follower's ``clock``, ``sleep`` and ``wait`` on virtual time: a sleep advances it at once.

    It starts at the real time (Wait ends are computed from the emulator's event timestamps), and
    records when the follower called each operation, so a test asserts the schedule, not how long
    anything took.
    """

    def __init__(self, sfn: Any) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []
        self.calls: list[tuple[float, str]] = []
        sfn.meta.events.register("before-call.sfn.*", self._on_call)

    def _on_call(self, model: Any, **_: Any) -> None:
        self.calls.append((self.now, model.name))

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        if not stop.is_set():
            self.sleep(seconds)
        return stop.is_set()

    def polls(self, after: float = 0.0) -> list[float]:
        """Times of the GetExecutionHistory calls made at or after ``after``."""
        return [at for at, name in self.calls if name == "GetExecutionHistory" and at >= after]


def wait_entered(sfn: Any, arn: str) -> None:
    """Wait (really) until the execution is inside its Wait state."""
    deadline = time.time() + 60
    while not any(t == "WaitStateEntered" for _, t in full_history(sfn, arn)[-3:]):
        assert time.time() < deadline, "the execution never reached its Wait"
        time.sleep(0.05)


def assert_exactly_once_in_order(seen: list[HistoryEvent], expected: list[tuple[int, str]]) -> None:
    assert [(e.id, e.type) for e in seen] == expected
    assert [e.id for e in seen] == list(range(1, len(expected) + 1))
    assert seen[-1].terminal


def test_follows_a_closed_long_history_exactly_once_in_order(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 600, "w": 0})
    wait_closed(sfn, arn)
    follower = Follower(sfn, arn, include_data=False, sleep=no_sleep)
    seen = list(follower.events())
    assert_exactly_once_in_order(seen, full_history(sfn, arn))
    assert len(seen) > 2400, "three pages"
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
    """Follow an execution that made ``4 * iterations`` events and then waits: cost of later polls."""
    arn = start(sfn, LOOP, {"i": 0, "n": iterations, "w": 100}, name=name)
    wait_entered(sfn, arn)
    clock = FakeClock(sfn)
    follower = Follower(sfn, arn, include_data=True, clock=clock, sleep=clock.sleep)
    stream = follower.events(deadline=clock.now + 65)
    seen = list(itertools.takewhile(lambda e: e.type != "WaitStateEntered", stream))
    polls_before, bytes_before = follower.api_calls, follower.bytes_read
    with pytest.raises(FollowTimeout):
        seen.extend(stream)
    sfn.stop_execution(executionArn=arn)
    events = len(seen) + 1  # takewhile consumed the WaitStateEntered
    polls = follower.api_calls - polls_before
    assert polls >= 2
    return PollCost(events, bytes_before, polls, (follower.bytes_read - bytes_before) / polls)


def test_each_poll_costs_the_same_however_long_the_history(sfn: Any) -> None:
    short = per_poll_cost_after(sfn, 10, "short")
    long = per_poll_cost_after(sfn, 800, "long")
    assert long.events > 60 * short.events
    # Same calls and about the same bytes per poll, while the history is 60 times longer...
    assert long.polls <= short.polls + 2
    assert long.bytes_per_poll < 2 * short.bytes_per_poll + 500
    # ... and a small fraction of re-reading it (at least 50 times fewer bytes).
    assert long.bytes_per_poll * 50 < long.first_read_bytes


def _entered(seen: list[HistoryEvent]) -> HistoryEvent:
    return next(e for e in seen if e.type == "WaitStateEntered")


def test_sleeps_through_a_known_wait_and_polls_just_after_its_end(sfn: Any) -> None:
    """A 100 s Wait: sleeps of MAX_WAIT_SLEEP, then one poll WAKE_AFTER_WAIT after the Wait's end."""
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 100})
    wait_entered(sfn, arn)
    clock = FakeClock(sfn)
    follower = Follower(sfn, arn, include_data=True, clock=clock, sleep=clock.sleep)
    seen: list[HistoryEvent] = []
    with pytest.raises(FollowTimeout):
        seen.extend(follower.events(deadline=clock.now + 101))
    end = _entered(seen).timestamp.timestamp() + 100
    polls = clock.polls()
    first, *during, wake = polls[: 1 + math.ceil((end + WAKE_AFTER_WAIT - polls[0]) / MAX_WAIT_SLEEP)]
    assert wake == pytest.approx(end + WAKE_AFTER_WAIT, abs=1e-6)
    gaps = [b - a for a, b in itertools.pairwise([first, *during, wake])]
    assert gaps[:-1] == [pytest.approx(MAX_WAIT_SLEEP)] * (len(gaps) - 1)
    assert 0 < gaps[-1] <= MAX_WAIT_SLEEP
    assert len(during) == 3  # 100.3 s in sleeps of at most 30 s: wakes at 30, 60 and 90
    # the definition was read once, for the Wait; nothing else but history polls
    assert [name for _, name in clock.calls].count("DescribeStateMachineForExecution") == 1
    assert {name for _, name in clock.calls} == {"GetExecutionHistory", "DescribeStateMachineForExecution"}
    sfn.stop_execution(executionArn=arn)


def test_without_execution_data_a_wait_is_polled_not_guessed(sfn: Any) -> None:
    """No state input: the Wait's length is unknown, so the follower backs off as when idle."""
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 100})
    wait_entered(sfn, arn)
    clock = FakeClock(sfn)
    follower = Follower(sfn, arn, include_data=False, clock=clock, sleep=clock.sleep)
    seen: list[HistoryEvent] = []
    with pytest.raises(FollowTimeout):
        seen.extend(follower.events(deadline=clock.now + 75))
    sfn.stop_execution(executionArn=arn)
    assert seen[-1].type == "WaitStateEntered"
    assert all("input" not in e.details for e in seen)
    polls = clock.polls()
    gaps = [b - a for a, b in itertools.pairwise(polls)]
    assert gaps[0] == pytest.approx(FAST_INTERVAL)  # right after new events
    expected = gaps[0]
    for at, gap in zip(polls[1:], gaps[1:], strict=False):
        cap = LONG_IDLE_INTERVAL if at - polls[0] > 60 else IDLE_INTERVAL
        expected = min(cap, expected * 1.5)
        if at + gap < polls[0] + 75 - 1e-6:  # the last sleep is cut at the deadline
            assert gap == pytest.approx(expected), (at - polls[0], gaps)
    assert max(gaps) == pytest.approx(LONG_IDLE_INTERVAL)


def test_deadline_raises_follow_timeout_after_yielding_what_exists(sfn: Any) -> None:
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 100})
    wait_entered(sfn, arn)
    clock = FakeClock(sfn)
    follower = Follower(sfn, arn, include_data=True, clock=clock, sleep=clock.sleep)
    seen: list[str] = []
    deadline = clock.now + 1.0
    with pytest.raises(FollowTimeout):
        seen.extend(e.type for e in follower.events(deadline=deadline))
    assert clock.now == pytest.approx(deadline)  # slept up to the deadline, not into the Wait
    assert clock.sleeps == [pytest.approx(1.0)]
    assert len(clock.polls()) == 2
    assert "WaitStateEntered" in seen
    assert follower.describe()["status"] == "RUNNING"
    sfn.stop_execution(executionArn=arn)


def test_stop_event_returns_at_once_without_error(sfn: Any) -> None:
    """A stop set while the follower waits ends the wait (``Event.wait``) and the follow, no more calls."""
    arn = start(sfn, LOOP, {"i": 0, "n": 1, "w": 100})
    wait_entered(sfn, arn)
    clock = FakeClock(sfn)
    stop = threading.Event()
    waits: list[tuple[threading.Event, float]] = []

    def wait(event: threading.Event, seconds: float) -> bool:
        waits.append((event, seconds))
        event.set()  # the signal arrives during this wait
        return event.wait(0)

    follower = Follower(sfn, arn, include_data=True, clock=clock, sleep=clock.sleep, wait=wait)
    seen = list(follower.events(deadline=clock.now + 20, stop=stop))
    assert seen
    assert not seen[-1].terminal
    assert waits == [(stop, pytest.approx(20.0))]  # waited on the stop, up to the deadline
    assert len(clock.polls()) == 1
    assert clock.sleeps == []
    assert list(follower.events(deadline=clock.now + 20, stop=stop)) == []  # already set: no call
    assert len(clock.calls) == 2  # the poll and the definition read
    sfn.stop_execution(executionArn=arn)


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


def test_faults_on_a_closed_long_history_lose_and_repeat_nothing(aws: Any, emulator: Emulator) -> None:
    """Three fault schedules over the same long history (built once: it is the slow part)."""
    control = aws("stepfunctions")
    arn = start(control, LOOP, {"i": 0, "n": 700, "w": 0})
    wait_closed(control, arn)
    expected = full_history(control, arn)
    for seed in (1, 2, 3):
        sfn = follower_client(emulator)
        counts = inject_faults(sfn, rate=0.3, seed=seed)
        sleeps: list[float] = []
        follower = Follower(sfn, arn, include_data=False, sleep=sleeps.append, rng=seeded(seed))
        seen = list(follower.events(deadline=time.time() + 60))
        assert_exactly_once_in_order(seen, expected)
        injected = sum(counts().values()) - counts()["ok"]
        assert injected > 0, seed
        assert follower.transient_errors == injected, seed
        assert follower.throttled == counts()["throttle"], seed
        assert follower.api_calls == sum(counts().values()), seed


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
