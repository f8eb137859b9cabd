"""Whether Step Functions can run a deploy's plan to its end: its history and its duration.

An execution ends when its history reaches 25,000 events or it runs past the definition's
``TimeoutSeconds``; :func:`plan_problem` refuses a plan that could, naming what writes most of the
history (endpoint polling or bake checks) and the inputs that set it. Used by the action's settings
(canary/settings.py) and the execution input's own validation (canary/execution_input.py).
"""

from __future__ import annotations

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


def _plan_events(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int,
    delay_seconds: int = 0,
) -> tuple[int, int]:
    """History events of a plan's endpoint polling and of its bake checks (beside the fixed ones).

    Waits: the canary update, two per later step (the canary's scale-out, whose polls also check the
    alarms, and the shift), the promotion and the two of a rollback, each at most
    ``Polling.TimeoutSeconds``. ``checks_alarms``: alarms or a relative gate check each bake
    every ``check_seconds`` (else it is one wait and one metrics read); ``extensions``: bakes a
    step may add (``Analysis.OnLowTraffic`` extend), each checked like the first; ``delay_seconds``:
    how much longer each bake lasts for late metrics (``Analysis.MetricsDelaySeconds``).
    """
    waits = 2 * steps + 2
    bakes = steps * (1 + extensions)
    bake_seconds += delay_seconds
    checks = (-(-bake_seconds // check_seconds) + 1) if checks_alarms else 1
    waited = _polls(polling) * (waits * _EVENTS_PER_POLL + (steps - 1) * _EVENTS_PER_SCALE_CHECK)
    return waited, bakes * checks * _EVENTS_PER_CHECK


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
    """The most history events and seconds a deploy of this plan can take (retries aside); the
    events' parts are :func:`_plan_events`'."""
    polls, checks = _plan_events(
        steps,
        bake_seconds,
        check_seconds,
        checks_alarms,
        polling,
        extensions=extensions,
        delay_seconds=delay_seconds,
    )
    waits = 2 * steps + 2
    bakes = steps * (1 + extensions)
    seconds = waits * (polling.TimeoutSeconds + polling.MaxSeconds) + bakes * (bake_seconds + delay_seconds)
    return _FIXED_EVENTS + polls + checks, seconds


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
    polls, checks = _plan_events(
        steps,
        bake_seconds,
        check_seconds,
        checks_alarms,
        polling,
        extensions=extensions,
        delay_seconds=delay_seconds,
    )
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
    events, seconds = plan_bounds(
        steps,
        bake_seconds,
        check_seconds,
        checks_alarms,
        polling,
        extensions=extensions,
        delay_seconds=delay_seconds,
    )
    seconds += gate_seconds
    if events > MAX_HISTORY_EVENTS:
        polls, checks = _plan_events(
            steps,
            bake_seconds,
            check_seconds,
            checks_alarms,
            polling,
            extensions=extensions,
            delay_seconds=delay_seconds,
        )
        polling_part = (
            f"endpoint polling: {2 * steps + 2} endpoint waits of up to endpoint-timeout-minutes "
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
