"""Whether Step Functions can run a deploy's plan to its end: its history and its duration.

An execution ends when its history reaches 25,000 events or it runs past the definition's
``TimeoutSeconds``; :func:`plan_problem` refuses a plan that could, naming what writes most of the
history (endpoint polling or bake checks) and the inputs that set it. Used by the action's settings
(canary/settings.py) and the execution input's own validation (canary/execution_input.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from canary.execution_input import PollingSettings

MAX_HISTORY_EVENTS = 25_000
"""Step Functions ends an execution whose history reaches 25,000 events (service quota)."""

MAX_EXECUTION_SECONDS = 604_800
"""The definition's top-level ``TimeoutSeconds``: a backstop the plan must stay well inside."""

_FIXED_EVENTS = 200
"""Events of a deploy outside its endpoint waits and bakes (prepare, creates, promotion, a full
rollback and cleanup, with room for retried calls); canary/statemachine.asl.yaml has ~45 states."""

_EVENTS_PER_POLL = 9
"""Wait (2) + DescribeEndpoint task (5) + Choice (2)."""

_EVENTS_PER_SCALE_CHECK = 7
"""CheckScaleAlarms task (5) + the Choice again (2), at each poll of a scale-out."""

_EVENTS_PER_CHECK = 14
"""CheckAlarms task (5) + ReadMetrics task (5) + BakeVerdict (2) + the Wait before the next check (2)."""


def _polls(polling: PollingSettings) -> int:
    """Most endpoint reads one wait can make before Polling.TimeoutSeconds ends it."""
    waited, seconds, polls = 0, polling.InitialSeconds, 1
    while waited < polling.TimeoutSeconds:
        waited += seconds
        seconds = min(seconds * 2, polling.MaxSeconds)
        polls += 1
    return polls


@dataclass(frozen=True)
class _Plan:
    """A plan's shape, as the public functions below take it (one parameter list, read once)."""

    steps: int
    bake_seconds: int
    check_seconds: int
    checks_alarms: bool
    polling: PollingSettings
    extensions: int = 0
    delay_seconds: int = 0
    """How much longer each bake lasts for late metrics (``Analysis.MetricsDelaySeconds``)."""

    @property
    def waits(self) -> int:
        """Endpoint waits: the canary update, two per later step (the canary's scale-out, whose polls
        also check the alarms, and the shift), the promotion and the two of a rollback."""
        return 2 * self.steps + 2

    @property
    def bakes(self) -> int:
        """Bakes: one per step, and the ``extensions`` each may add (``Analysis.OnLowTraffic`` extend)."""
        return self.steps * (1 + self.extensions)

    def events(self) -> tuple[int, int]:
        """History events of the endpoint polling (each wait at most ``Polling.TimeoutSeconds``) and of
        the bake checks (every ``check_seconds`` when alarms or a gate watch, else one read a bake)."""
        bake = self.bake_seconds + self.delay_seconds
        checks = (-(-bake // self.check_seconds) + 1) if self.checks_alarms else 1
        per_wait = self.waits * _EVENTS_PER_POLL + (self.steps - 1) * _EVENTS_PER_SCALE_CHECK
        return _polls(self.polling) * per_wait, self.bakes * checks * _EVENTS_PER_CHECK

    def seconds(self) -> int:
        """The longest the plan can run (approval gates aside)."""
        polling = self.polling
        bake = self.bake_seconds + self.delay_seconds
        return self.waits * (polling.TimeoutSeconds + polling.MaxSeconds) + self.bakes * bake


def plan_bounds(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int = 0,
    delay_seconds: int = 0,
) -> tuple[int, int]:
    """The most history events and seconds a deploy of this plan can take (retries aside)."""
    plan = _Plan(steps, bake_seconds, check_seconds, checks_alarms, polling, extensions, delay_seconds)
    polls, checks = plan.events()
    return _FIXED_EVENTS + polls + checks, plan.seconds()


def plan_culprit(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int = 0,
    delay_seconds: int = 0,
) -> str:
    """The action input that dominates :func:`plan_problem`'s problem: the endpoint polling's
    ``endpoint-poll-max-seconds`` or the bake checks' ``alarm-check-seconds`` when the history is
    too long, else ``wait-minutes`` (the run is too long)."""
    plan = _Plan(steps, bake_seconds, check_seconds, checks_alarms, polling, extensions, delay_seconds)
    polls, checks = plan.events()
    if _FIXED_EVENTS + polls + checks > MAX_HISTORY_EVENTS:
        return "endpoint-poll-max-seconds" if polls >= checks else "alarm-check-seconds"
    return "wait-minutes"


def plan_problem(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int = 0,
    gate_seconds: int = 0,
    delay_seconds: int = 0,
) -> str | None:
    """Why Step Functions could not run this plan to its end (too long a history or run), or None.

    A too long history is blamed on what writes most of it, endpoint polling or bake checks, with
    the inputs that set that part first. ``gate_seconds``: the longest the approval gates can wait,
    all together.
    """
    plan = _Plan(steps, bake_seconds, check_seconds, checks_alarms, polling, extensions, delay_seconds)
    polls, checks = plan.events()
    events, seconds = _FIXED_EVENTS + polls + checks, plan.seconds() + gate_seconds
    if events > MAX_HISTORY_EVENTS:
        polling_part = (
            f"endpoint polling: {plan.waits} endpoint waits of up to endpoint-timeout-minutes "
            f"{polling.TimeoutSeconds / 60:g} (Polling.TimeoutSeconds), each read every "
            f"endpoint-poll-seconds {polling.InitialSeconds} s doubling up to endpoint-poll-max-seconds "
            f"{polling.MaxSeconds} s"
        )
        checks_part = (
            f"bake checks: {steps} step(s) of a {bake_seconds} s bake checked every {check_seconds} s"
            + (f", up to {extensions} extension(s) each" if extensions else "")
        )
        if polls >= checks:
            most, other, fix = (
                f"{polls:,} from {polling_part}",
                f"bake checks: {checks:,}",
                "raise endpoint-poll-max-seconds (Polling.MaxSeconds) or shorten endpoint-timeout-minutes "
                "(Polling.TimeoutSeconds)",
            )
        else:
            most, other, fix = (
                f"{checks:,} from {checks_part}",
                f"endpoint polling: {polls:,}",
                "raise alarm-check-seconds (AlarmCheckSeconds), shorten wait-minutes (BakeSeconds), or use "
                "fewer canary-weights or max-extensions",
            )
        return (
            f"the plan could write {events:,} history events, more than the {MAX_HISTORY_EVENTS:,} Step "
            f"Functions allows one execution; most of them, {most} ({other}): {fix}"
        )
    if seconds > MAX_EXECUTION_SECONDS * 0.9:
        return (
            f"the plan could run {seconds / 3600:.0f} h, past the state machine's "
            f"{MAX_EXECUTION_SECONDS // 3600} h limit: shorten wait-minutes (BakeSeconds) or "
            "approval-timeout-minutes, or use fewer canary-weights"
        )
    return None
