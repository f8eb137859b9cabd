"""Delay schedules: one rule for every wait that grows, with injectable randomness and sleep.

A :class:`Backoff` is ``initial * factor ** n`` capped at ``cap``; with ``jitter`` each delay is
drawn uniformly from ``[0, that]`` ("full jitter",
https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/). The runtime uses three:

- :data:`canary.executions.WAIT_FOR_OTHER_DEPLOY`: polling another deploy's execution until it ends;
- the follower's idle polls (:mod:`canary.follow`), which grow while nothing changes;
- the follower's retries on throttling and 5xx, with full jitter.

Nothing here reads a clock or sleeps by itself: callers pass ``rng`` and ``sleep`` (tests pass
``random.Random(seed)`` and a recording sleep, so no test waits on a wall clock).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MAX_EXPONENT = 64
"""Exponents are clamped here (the cap is reached long before; no float overflow)."""


@dataclass(frozen=True)
class Backoff:
    """``initial * factor ** attempt``, at most ``cap`` seconds; drawn from ``[0, that]`` with jitter."""

    initial: float
    factor: float
    cap: float
    jitter: bool = False

    def ceiling(self, attempt: int) -> float:
        """The delay of attempt ``attempt`` (0-based) before any jitter."""
        return min(self.cap, self.initial * self.factor ** min(max(attempt, 0), MAX_EXPONENT))

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The delay before retry ``attempt``: :meth:`ceiling`, or uniform in ``[0, ceiling]``."""
        ceiling = self.ceiling(attempt)
        if not self.jitter:
            return ceiling
        return (rng or random).uniform(0, ceiling)

    def after(self, current: float, cap: float | None = None) -> float:
        """The delay that follows ``current`` (times ``factor``; at most ``cap``, default :attr:`cap`)."""
        return min(self.cap if cap is None else cap, current * self.factor)

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The endless schedule: attempt 0, 1, 2, …"""
        attempt = 0
        while True:
            yield self.delay(attempt, rng)
            attempt += 1


Sleep = Callable[[float], bool]
"""Waits up to the given seconds; True when woken early (``threading.Event.wait`` is one)."""
