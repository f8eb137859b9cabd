"""History read cost per poll at a given history length: incremental follower vs naive full re-read.

One execution per length: a Pass/Choice counter loop builds the history up to the length (4 events
a lap, as in ``scripts/history_paging.py``), then a *tail* loop (Wait 1 s, Pass, Choice) keeps adding
six events a second for a few seconds. Two readers follow it at the same time, each on its own
client with a :class:`~bench.common.WireMeter`:

- this project's :class:`canary.follow.Follower` (``include_data=True``, as the action runs it);
  a poll is everything it does between two sleeps;
- the naive reader: every second, GetExecutionHistory from the first event, paged with the largest
  page AWS allows (``maxResults=1000``; the default, 100, would cost ten times the calls).

The cost per poll is taken over the polls made once the history had reached the length (the tail),
so it is the steady-state price of one more look at a long history.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from bench.common import WireMeter, client, create_machine, full_history, wait_closed
from canary.emulator import Emulator
from canary.follow import Follower, sfn_client_config

FIXED_EVENTS = 3
"""ExecutionStarted, Init entered/exited: before the first lap."""
EVENTS_PER_LAP = 4
TAIL_WAIT_SECONDS = 1
NAIVE_INTERVAL = 1.0
NAIVE_PAGE = 1000

_CARRY = {"laps.$": "$.laps", "tails.$": "$.tails"}
HISTORY_MACHINE: dict[str, Any] = {
    "Comment": "Builds a history of 4 events a lap to $.laps, then adds 6 events a second for $.tails s.",
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0, "t": 0, **_CARRY}, "Next": "Lap"},
        "Lap": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)", "t": 0, **_CARRY},
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.laps", "Next": "Lap"}],
            "Default": "Tail",
        },
        "Tail": {"Type": "Wait", "Seconds": TAIL_WAIT_SECONDS, "Next": "Tick"},
        "Tick": {
            "Type": "Pass",
            "Parameters": {"i.$": "$.i", "t.$": "States.MathAdd($.t, 1)", **_CARRY},
            "Next": "TailCheck",
        },
        "TailCheck": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.t", "NumericLessThanPath": "$.tails", "Next": "Tail"}],
            "Default": "Done",
        },
        "Done": {"Type": "Pass", "End": True},
    },
}


def laps_for(events: int) -> int:
    """Laps of the counter loop that bring the history to at least ``events`` events."""
    return max(1, -(-(events - FIXED_EVENTS) // EVENTS_PER_LAP))


@dataclass(frozen=True)
class ReaderCost:
    """What one reader paid per steady-state poll."""

    polls: int
    calls_per_poll: float
    bytes_per_poll: float
    max_bytes_per_poll: int
    first_read_calls: int
    first_read_bytes: int


@dataclass(frozen=True)
class HistoryCost:
    """One history length: both readers' costs per poll."""

    events: int
    """History length when the steady-state polls began (the first tail Wait entered)."""
    follower: ReaderCost
    naive: ReaderCost

    @property
    def bytes_ratio(self) -> float:
        """How many times more bytes the naive reader moves per poll."""
        return self.naive.bytes_per_poll / max(1.0, self.follower.bytes_per_poll)

    @property
    def calls_ratio(self) -> float:
        """How many times more calls the naive reader makes per poll."""
        return self.naive.calls_per_poll / max(1e-9, self.follower.calls_per_poll)

    def as_json(self) -> dict[str, Any]:
        """For results.json."""
        return {
            **asdict(self),
            "bytes_ratio": round(self.bytes_ratio, 1),
            "calls_ratio": round(self.calls_ratio, 2),
        }


@dataclass(frozen=True)
class _Poll:
    seen_before: int
    """Events the reader had when the poll began."""
    calls: int
    bytes: int


def _cost(polls: list[_Poll], steady_from: int) -> ReaderCost:
    steady = [p for p in polls if p.seen_before >= steady_from]
    first = polls[0] if polls else _Poll(0, 0, 0)
    calls = [float(p.calls) for p in steady]
    sizes = [float(p.bytes) for p in steady]
    return ReaderCost(
        polls=len(steady),
        calls_per_poll=round(sum(calls) / len(calls), 2) if calls else float("nan"),
        bytes_per_poll=round(sum(sizes) / len(sizes), 1) if sizes else float("nan"),
        max_bytes_per_poll=int(max(sizes)) if sizes else 0,
        first_read_calls=first.calls,
        first_read_bytes=first.bytes,
    )


def _follow(emulator: Emulator, arn: str, polls: list[_Poll], first_wait: list[int]) -> None:
    sfn = client(emulator, "stepfunctions", sfn_client_config())
    meter = WireMeter(sfn)
    state = {"calls": 0, "bytes": 0, "seen": 0}

    def end_poll() -> None:
        calls, size = meter.snapshot()
        polls.append(_Poll(state["seen"], calls - state["calls"], size - state["bytes"]))
        state.update(calls=calls, bytes=size, seen=follower.last_id)

    def sleep(seconds: float) -> None:
        end_poll()
        time.sleep(seconds)

    follower = Follower(sfn, arn, include_data=True, sleep=sleep)
    for event in follower.events(deadline=time.time() + 120):
        if event.type == "WaitStateEntered" and not first_wait:
            first_wait.append(event.id)
    end_poll()


def _naive(emulator: Emulator, arn: str, polls: list[_Poll], interval: float) -> None:
    sfn = client(emulator, "stepfunctions")
    meter = WireMeter(sfn)
    seen = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        began = time.monotonic()
        before = meter.snapshot()
        events = full_history(sfn, arn, NAIVE_PAGE)
        after = meter.snapshot()
        polls.append(_Poll(seen, after[0] - before[0], after[1] - before[1]))
        seen = len(events)
        if events and events[-1]["type"].startswith("Execution") and events[-1]["type"] != "ExecutionStarted":
            return
        time.sleep(max(0.0, interval - (time.monotonic() - began)))


def measure(emulator: Emulator, events: int, tail_seconds: int = 5) -> HistoryCost:
    """Build a history of ``events`` events, then measure both readers per poll over ``tail_seconds``."""
    admin = client(emulator, "stepfunctions")
    machine = create_machine(admin, HISTORY_MACHINE, "bench-history")
    arn = admin.start_execution(
        stateMachineArn=machine, input=json.dumps({"laps": laps_for(events), "tails": tail_seconds})
    )["executionArn"]
    follower_polls: list[_Poll] = []
    naive_polls: list[_Poll] = []
    first_wait: list[int] = []
    threads = [
        threading.Thread(target=_follow, args=(emulator, arn, follower_polls, first_wait), daemon=True),
        threading.Thread(target=_naive, args=(emulator, arn, naive_polls, NAIVE_INTERVAL), daemon=True),
    ]
    for thread in threads:
        thread.start()
    wait_closed(admin, arn, timeout=120 + tail_seconds)
    for thread in threads:
        thread.join(timeout=30)
    if not first_wait:
        raise RuntimeError(f"the follower never saw the tail of {arn}")
    steady_from = first_wait[0]
    return HistoryCost(
        events=steady_from,
        follower=_cost(follower_polls, steady_from),
        naive=_cost(naive_polls, steady_from),
    )


def run(
    emulator: Emulator, sizes: tuple[int, ...] = (100, 1000, 10000), tail_seconds: int = 5
) -> list[HistoryCost]:
    """Measure each history length in turn."""
    return [measure(emulator, size, tail_seconds) for size in sizes]


__all__ = ["HISTORY_MACHINE", "HistoryCost", "ReaderCost", "laps_for", "measure", "run"]
