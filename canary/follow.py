"""Follow a Step Functions execution's history incrementally, every event exactly once and in order.

Reading (GetExecutionHistory, https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html):
the first poll reads the history forward in pages of 1,000; every later poll reads it *backwards*
(``reverseOrder``) in small pages, stopping at the first event already seen, and yields the new events
ascending. Event ids are consecutive from 1, so only the run of ids right after the last one yielded is
emitted; anything beyond a gap waits for the next poll. Each poll therefore costs one small request
however long the history is.

Timing ("polling that knows the state machine"):
- after ``WaitStateEntered`` the follower reads the definition once (DescribeStateMachineForExecution)
  and sleeps until the Wait ends, in sleeps of at most :data:`MAX_WAIT_SLEEP`. The duration comes
  from ``Seconds``, ``SecondsPath`` evaluated against the state's input (needs ``include_data``),
  or ``Timestamp``/``TimestampPath``; a JSONata ``Seconds`` (or ``Timestamp``) that is one path,
  ``{% $wait.seconds %}`` or ``{% $states.input.StartHoldSeconds %}``, is read from the variables
  the history's ``…StateExited`` events assigned and from the state's input (needs ``include_data``
  too). When it cannot be known, from the last observed duration of the same Wait state; else the
  follower polls as when idle;
- right after new events, or while a task is in flight, it polls every :data:`FAST_INTERVAL`;
- when nothing changes it backs off by a factor of 1.5 up to :data:`IDLE_INTERVAL`
  (:data:`LONG_IDLE_INTERVAL` after a minute of silence);
- on throttling, 5xx and connection errors it backs off with full jitter (keeping the longer of that
  and the planned interval) and never gives up before the deadline.

The client should be built with :func:`sfn_client_config` (no SDK retries: the follower times its own).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import botocore.config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
)

from canary.aws import TERMINAL_EVENT_TYPES, error_code
from canary.backoff import Backoff
from canary.waits import assigned_variables, definition_states, wait_seconds

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient

FAST_INTERVAL = 0.3
"""Seconds between polls right after a step, or while a task is in flight."""
IDLE_INTERVAL = 1.0
"""Longest interval between polls when nothing is known to be pending."""
LONG_IDLE_INTERVAL = 3.0
"""Longest interval after a minute without any new event (outside a known Wait)."""
WAKE_AFTER_WAIT = 0.3
"""Seconds after a Wait's expected end at which the follower polls."""
MAX_WAIT_SLEEP = 30.0
"""Longest single sleep inside a known Wait: bounds how late an unexpected end (a StopExecution from
the console, an execution timeout) is seen, and any clock skew."""
THROTTLE_BASE = 1.0
THROTTLE_CAP = 20.0
"""Full-jitter backoff on throttling: uniform(0, min(cap, base * 2^n))."""
FIRST_PAGE = 1000
MIN_PAGE = 5
MAX_PAGE = 100
WAKE_PAGE = 50
"""Smallest page of the poll that wakes at a Wait's end (larger when that Wait led to more events last
time): the burst of events that follows a Wait is read in one call, however it branches."""

IDLE_POLLS = Backoff(FAST_INTERVAL, 1.5, LONG_IDLE_INTERVAL)
"""Polls while nothing changes grow by half each time, up to IDLE_INTERVAL (LONG_IDLE_INTERVAL after
a quiet minute)."""

TERMINAL_EVENTS = TERMINAL_EVENT_TYPES
_THROTTLING = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)
_RETRYABLE = frozenset({"InternalFailure", "InternalServerError", "ServiceUnavailable", "InvalidToken"})
"""Other codes worth another try (an expired ``nextToken`` is retried from the first page)."""
_TASK_STARTS = frozenset({"TaskScheduled", "ActivityScheduled"})
_TASK_ENDS = frozenset(
    {
        "TaskSucceeded",
        "TaskFailed",
        "TaskTimedOut",
        "TaskStartFailed",
        "TaskSubmitFailed",
        "ActivitySucceeded",
        "ActivityFailed",
        "ActivityTimedOut",
        "ActivityScheduleFailed",
    }
)
DESCRIBE_ATTEMPTS = 8
"""Attempts of DescribeExecution when no deadline bounds them."""


def sfn_client_config() -> botocore.config.Config:
    """botocore config for the follower's Step Functions client: no SDK retries, short timeouts.

    The follower retries transient errors itself, with jitter and up to its deadline. Other calls
    (StartExecution, …) are better made with a client that keeps the SDK's retries.
    """
    return botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": 1},
        connect_timeout=5,
        read_timeout=15,
        tcp_keepalive=True,
        user_agent_extra="sm-canary-action/follow",
    )


class FollowTimeout(Exception):
    """The deadline passed before the execution closed (the execution goes on)."""


@dataclass(frozen=True)
class HistoryEvent:
    """One history event: ``details`` is its ``*EventDetails`` document (untrusted text inside)."""

    id: int
    type: str
    timestamp: dt.datetime
    previous_id: int
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> HistoryEvent:
        """Build from one element of GetExecutionHistory's ``events``."""
        details: Mapping[str, Any] = {}
        for key, value in raw.items():
            if key.endswith("EventDetails") and isinstance(value, Mapping):
                details = value
                break
        timestamp = raw["timestamp"]
        if isinstance(timestamp, str):  # pragma: no cover - botocore parses timestamps
            timestamp = dt.datetime.fromisoformat(timestamp)
        return cls(
            id=int(raw["id"]),
            type=str(raw["type"]),
            timestamp=timestamp,
            previous_id=int(raw.get("previousEventId", 0)),
            details=details,
        )

    @property
    def terminal(self) -> bool:
        """True for the event that closes the execution."""
        return self.type in TERMINAL_EVENTS


def is_transient(error: BaseException) -> tuple[bool, bool]:
    """``(transient, throttled)``: whether to retry ``error``, and whether it is throttling."""
    if isinstance(error, ClientError):
        code = error_code(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        throttled = code in _THROTTLING or status == 429
        return throttled or status >= 500 or code in _RETRYABLE, throttled
    if isinstance(error, ConnectionError | HTTPClientError | IncompleteReadError):
        return True, False
    return False, False


class Follower:
    """Incremental, adaptive reader of one execution's history.

    ``clock`` returns POSIX seconds (``time.time``; deadlines use the same clock, and Wait ends are
    computed from event timestamps with it). ``sleep`` is used when no ``stop`` event is given to
    :meth:`events`; with one, the follower waits with ``wait(stop, seconds)`` (``Event.wait``: a
    signal wakes it at once; True when ``stop`` was set). Tests drive all three with a fake clock.
    """

    def __init__(
        self,
        sfn: SFNClient,
        execution_arn: str,
        *,
        include_data: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        wait: Callable[[threading.Event, float], bool] = threading.Event.wait,
        rng: random.Random | None = None,
        throttle_cap: float = THROTTLE_CAP,
        definition: str | None = None,
    ) -> None:
        """``sfn`` is a boto3 Step Functions client (see :func:`sfn_client_config`).

        ``throttle_cap`` bounds one backoff sleep after throttling (seconds). ``definition``: the
        state machine's definition (JSON), when the caller has it — saves reading it.
        """
        self._sfn = sfn
        self.execution_arn = execution_arn
        self.include_data = include_data
        self._clock = clock
        self._sleep = sleep
        self._wait = wait
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.last_id = 0
        self.closed = False
        self.api_calls = 0
        """API operations this follower called (one HTTP request each with :func:`sfn_client_config`)."""
        self.bytes_read = 0
        """Response body bytes this follower received."""
        self.throttled = 0
        """Requests answered with throttling."""
        self.transient_errors = 0
        """Requests that failed transiently (throttling, 5xx, connection) and were retried."""
        self._page = MIN_PAGE
        self._size = MIN_PAGE
        self._forward = True
        self._token: str | None = None
        self._in_poll = False
        self._fresh: dict[int, Mapping[str, Any]] = {}
        self._counting = threading.local()
        self._definition: dict[str, Mapping[str, Any]] | None = None
        if definition is not None:
            try:
                self._definition = definition_states(json.loads(definition))
            except (ValueError, AttributeError):
                self._definition = None
        self._wait_durations: dict[str, float] = {}
        self._variables: dict[str, Any] = {}
        self._open_wait: tuple[str, dt.datetime] | None = None
        self._cycle: tuple[str, int] | None = None
        self._cycle_lengths: dict[str, int] = {}
        self._wait_until: float | None = None
        self._in_flight = 0
        self._interval = FAST_INTERVAL
        self._last_change = clock()
        self._throttle_level = 0
        self._throttle_cap = throttle_cap
        sfn.meta.events.register("before-parse.sfn.*", self._on_parse)

    # -- accounting -------------------------------------------------------------------------------

    def _on_parse(self, response_dict: Mapping[str, Any], **_: Any) -> None:
        if getattr(self._counting, "active", False):
            body = response_dict.get("body") or b""
            self.bytes_read += len(body)
            expected = str((response_dict.get("headers") or {}).get("content-length", ""))
            if expected.isdigit() and len(body) < int(expected):
                self._counting.truncated = (len(body), int(expected))

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One API call; a response cut short raises :class:`IncompleteReadError` (transient).

        botocore parses a 200 response whose JSON body was cut off as an empty result (its JSON
        parser swallows the error), which would read as "no new events" or a DescribeExecution
        without a status.
        """
        self.api_calls += 1
        self._counting.active = True
        self._counting.truncated = None
        try:
            result: dict[str, Any] = getattr(self._sfn, operation)(**params)
        finally:
            self._counting.active = False
        if self._counting.truncated is not None:
            actual, expected = self._counting.truncated
            raise IncompleteReadError(actual_bytes=actual, expected_bytes=expected)
        return result

    # -- reading ----------------------------------------------------------------------------------

    def _poll(self) -> Iterator[HistoryEvent]:
        """One poll: yield the new events (ids after :attr:`last_id`, consecutive), ascending.

        Pagination state survives an exception: the next call resumes with the same ``nextToken``,
        keeping what was read, so a transient error never restarts a long read.
        """
        if not self._in_poll:
            self._in_poll = True
            self._forward = self.last_id == 0
            self._size = FIRST_PAGE if self._forward else self._page
        emitted = 0
        while True:
            params: dict[str, Any] = {
                "executionArn": self.execution_arn,
                "maxResults": self._size,
                "reverseOrder": not self._forward,
                "includeExecutionData": self.include_data,
            }
            if self._token:
                params["nextToken"] = self._token
            page = self._call("get_execution_history", **params)
            reached_seen = False
            for raw in page.get("events", []):
                event_id = int(raw["id"])
                if event_id > self.last_id:
                    self._fresh[event_id] = raw
                else:
                    reached_seen = True
            self._token = page.get("nextToken") or None
            if not self._forward and not reached_seen and self._token and self._fresh:
                # Far behind (a burst, or a slow consumer): ids are consecutive, so the gap is known;
                # read it again from the newest event in one page sized to it (up to 1,000).
                size = min(FIRST_PAGE, max(self._fresh) - self.last_id + MIN_PAGE)
                if size > self._size:
                    self._size, self._token = size, None
                    continue
            done = self._token is None or (reached_seen and not self._forward)
            if done:
                self._token = None
            if self._forward or done:
                while self.last_id + 1 in self._fresh:
                    event = HistoryEvent.from_api(self._fresh.pop(self.last_id + 1))
                    self.last_id = event.id
                    emitted += 1
                    yield event
            if done:
                self._fresh.clear()
                self._in_poll = False
                break
        expected = emitted
        if self._open_wait is not None and self._wait_until is not None:
            # the next poll wakes at the Wait's end: size it for the burst that follows
            expected = max(WAKE_PAGE, self._cycle_lengths.get(self._open_wait[0], 0))
        self._page = max(MIN_PAGE, min(MAX_PAGE, expected + 3))

    def _definition_states(self) -> dict[str, Mapping[str, Any]]:
        """The execution's states by name, read once (``{}`` when it cannot be read; retried if transient)."""
        if self._definition is None:
            try:
                described = self._call(
                    "describe_state_machine_for_execution", executionArn=self.execution_arn
                )
                self._definition = definition_states(json.loads(described["definition"]))
            except (ClientError, BotoCoreError) as error:
                transient, throttled = is_transient(error)
                self.transient_errors += int(transient)
                self.throttled += int(throttled)
                if not transient:
                    self._definition = {}  # e.g. no permission: observed durations and polling instead
                return {}
            except (ValueError, KeyError):
                self._definition = {}
        return self._definition

    # -- timing -----------------------------------------------------------------------------------

    def _observe(self, event: HistoryEvent) -> None:
        """Update what is pending from one event."""
        self._variables.update(assigned_variables(event.details))
        if self._cycle is not None:
            name, count = self._cycle
            self._cycle = (name, count + 1)
            if event.type == "WaitStateEntered" or event.terminal:
                self._cycle_lengths[name] = count + 1
                self._cycle = None
        if event.type == "WaitStateEntered":
            name = str(event.details.get("name", ""))
            self._open_wait = (name, event.timestamp)
            seconds = self._known_wait(name, event)
            now = self._clock()
            if seconds is None:
                self._wait_until = None
            else:
                age = max(0.0, now - event.timestamp.timestamp())
                self._wait_until = now + max(0.0, min(seconds, seconds - age)) + WAKE_AFTER_WAIT
        elif event.type == "WaitStateExited":
            if self._open_wait is not None:
                name, entered = self._open_wait
                self._wait_durations[name] = (event.timestamp - entered).total_seconds()
                self._cycle = (name, 1)
            self._open_wait = None
            self._wait_until = None
        elif event.type in _TASK_STARTS:
            self._in_flight += 1
        elif event.type in _TASK_ENDS:
            self._in_flight = max(0, self._in_flight - 1)
        if event.terminal:
            self.closed = True

    def _known_wait(self, name: str, event: HistoryEvent) -> float | None:
        state = self._definition_states().get(name)
        seconds = None
        if state is not None:
            state_input: Any = None
            raw_input = event.details.get("input")
            if isinstance(raw_input, str):
                try:
                    state_input = json.loads(raw_input)
                except ValueError:
                    state_input = None
            seconds = wait_seconds(state, state_input, event.timestamp, self._variables)
        if seconds is None:
            seconds = self._wait_durations.get(name)
        return seconds

    def _next_delay(self, changed: bool) -> float:
        now = self._clock()
        if changed:
            self._last_change = now
            self._interval = FAST_INTERVAL
        elif self._in_flight:
            self._interval = FAST_INTERVAL
        else:
            cap = LONG_IDLE_INTERVAL if now - self._last_change > 60 else IDLE_INTERVAL
            self._interval = IDLE_POLLS.after(self._interval, cap)
        if self._wait_until is not None and self._wait_until > now:
            return min(MAX_WAIT_SLEEP, self._wait_until - now)
        return self._interval

    def _throttle_delay(self, planned: float) -> float:
        self._throttle_level += 1
        retry = Backoff(THROTTLE_BASE, 2, self._throttle_cap, jitter=True)
        return max(planned, retry.delay(min(self._throttle_level, 10), self._rng))

    # -- public -----------------------------------------------------------------------------------

    def events(
        self, deadline: float | None = None, stop: threading.Event | None = None
    ) -> Iterator[HistoryEvent]:
        """Yield every event once, in order, until the execution closes (its terminal event included).

        Raises :class:`FollowTimeout` when ``deadline`` (``clock`` seconds) passes first; returns
        early, without error, when ``stop`` is set. Transient errors are retried until the deadline;
        any other AWS error (e.g. ``ExecutionDoesNotExist``, ``AccessDeniedException``) is raised.
        """
        while not self.closed:
            if stop is not None and stop.is_set():
                return
            delay: float
            changed = False
            try:
                for event in self._poll():
                    changed = True
                    self._observe(event)
                    yield event
            except (ClientError, BotoCoreError) as error:
                transient, throttled = is_transient(error)
                if not transient:
                    raise
                if isinstance(error, ClientError) and error_code(error) == "InvalidToken":
                    self._token, self._forward = None, False
                self.transient_errors += 1
                self.throttled += int(throttled)
                delay = self._throttle_delay(self._interval)
            else:
                self._throttle_level = max(0, self._throttle_level - 1)
                if self.closed:
                    return
                delay = self._next_delay(changed)
            now = self._clock()
            if deadline is not None:
                if now >= deadline:
                    raise FollowTimeout(f"stopped following {self.execution_arn}: deadline reached")
                delay = min(delay, deadline - now)
            if stop is not None:
                if self._wait(stop, delay):
                    return
            else:
                self._sleep(delay)

    def describe(self, deadline: float | None = None) -> Mapping[str, Any]:
        """DescribeExecution's fields, retrying transient errors until ``deadline``.

        Without a deadline, at most :data:`DESCRIBE_ATTEMPTS` attempts are made.
        """
        attempts = 0
        while True:
            attempts += 1
            try:
                described = self._call("describe_execution", executionArn=self.execution_arn)
            except (ClientError, BotoCoreError) as error:
                transient, throttled = is_transient(error)
                out_of_time = attempts >= DESCRIBE_ATTEMPTS if deadline is None else self._clock() >= deadline
                if not transient or out_of_time:
                    raise
                self.throttled += int(throttled)
                self.transient_errors += 1
                self._sleep(self._throttle_delay(FAST_INTERVAL))
                continue
            described.pop("ResponseMetadata", None)
            return described
