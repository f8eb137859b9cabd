"""Cancellation, and calls that must not outlive it: the runtime's thread and signal utilities.

The runner cancels a job with SIGINT, then SIGTERM 7.5 s later, then kills the container
(https://docs.github.com/en/actions/managing-workflow-runs/canceling-a-workflow). So:

- :class:`Cancellation` turns the first SIGINT/SIGTERM into a flag and a deadline
  (:data:`CANCEL_BUDGET_SECONDS` from the signal, less :data:`CANCEL_RESERVE_SECONDS`);
- :func:`bounded` runs one blocking call in a daemon thread and stops waiting for it at its
  timeout or at that deadline (:class:`Abandoned`): a hanging AWS cannot hold the exit;
- :func:`follow_in_background` does the same for the follower's stream of events.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from canary.follow import HistoryEvent

CANCEL_BUDGET_SECONDS = 5.0
"""What the cancellation path may spend from the first signal: the runner sends SIGTERM 7.5 s after
SIGINT, then kills the container."""
CANCEL_RESERVE_SECONDS = 0.5
"""Kept back from the budget for the outcome, the summary and the exit."""
STOP_POLL_SECONDS = 0.1
"""How often the main thread, waiting on a call in a worker thread, looks at the cancellation flag."""

T = TypeVar("T")


class EventSource(Protocol):
    """What :func:`follow_in_background` reads: :class:`canary.follow.Follower` is one."""

    def events(
        self, deadline: float | None = None, stop: threading.Event | None = None
    ) -> Iterator[HistoryEvent]:
        """Every history event once, in order, until the execution closes, ``deadline`` or ``stop``."""
        ...


class Cancellation:
    """SIGINT/SIGTERM → a flag the loops watch; the first signal is remembered, later ones ignored."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name: str | None = None
        self.at: float | None = None

    @property
    def deadline(self) -> float | None:
        """``time.time()`` by which the way out must be done (None: not cancelled)."""
        if self.at is None:
            return None
        return self.at + CANCEL_BUDGET_SECONDS - CANCEL_RESERVE_SECONDS

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if not self.event.is_set():
            self.signal_name = signal.Signals(signum).name
            self.at = time.time()
        self.event.set()

    def install(self) -> Callable[[], None]:
        """Handle SIGINT and SIGTERM (main thread only); returns a function restoring the previous ones."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore


class Abandoned(Exception):
    """A call made in a worker thread did not end in time; it is left to end (or hang) on its own."""


def bounded(call: Callable[[], T], seconds: float, cancellation: Cancellation) -> T:
    """``call()`` in a daemon thread: its result (or exception), waited for ``seconds`` at most.

    Once the job is cancelled (now or while waiting), the wait also ends at the cancellation's
    :attr:`~Cancellation.deadline`. Raises :class:`Abandoned` when the wait ends first: the thread
    is left behind (a daemon: it does not hold up the exit).
    """
    if cancellation.deadline is not None and time.time() >= cancellation.deadline:
        raise Abandoned  # not even started: no request leaves after the budget
    box: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            box.append((True, call()))
        except BaseException as error:  # handed over to the waiting thread
            box.append((False, error))

    thread = threading.Thread(target=target, name="canary-aws-call", daemon=True)
    thread.start()
    until = time.time() + seconds
    while thread.is_alive():
        limit = until if cancellation.deadline is None else min(until, cancellation.deadline)
        remaining = limit - time.time()
        if remaining <= 0:
            break
        thread.join(min(remaining, STOP_POLL_SECONDS))
    if not box:
        raise Abandoned
    ok, value = box[0]
    if not ok:
        raise value
    return cast("T", value)


_END = object()


def follow_in_background(
    follower: EventSource, *, deadline: float, stop: threading.Event
) -> Iterator[HistoryEvent]:
    """``follower.events(deadline, stop)`` read by a worker thread, yielded here.

    Returns as soon as ``stop`` is set, even while a request of the follower is in flight (a hanging
    AWS would otherwise hold the caller for the client's read timeout): events already read are
    yielded first, the worker is left behind. Errors of the follower (:class:`FollowTimeout`, AWS
    errors) are raised here.
    """
    received: queue.Queue[object] = queue.Queue()

    def pump() -> None:
        try:
            for event in follower.events(deadline=deadline, stop=stop):
                received.put(event)
        except BaseException as error:  # handed over to the reading thread
            received.put(error)
        else:
            received.put(_END)

    threading.Thread(target=pump, name="canary-follow", daemon=True).start()
    while True:
        try:
            item = received.get(timeout=STOP_POLL_SECONDS) if not stop.is_set() else received.get_nowait()
        except queue.Empty:
            if stop.is_set():
                return
            continue
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield cast("HistoryEvent", item)
