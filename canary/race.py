"""The choice between racing starts: which of two executions that both saw a free endpoint goes on.

Two actions that both saw no running deploy on the endpoint both call StartExecution. The bundled
machine's first state after its input check is a Wait of ``StartHoldSeconds``, before any AWS call.
During that hold each starter lists the endpoint's running executions right after its start and
again halfway through the hold (:func:`older_racing_start`), and the younger one (later start, ties
broken by ARN) is stopped by its own starter, having touched nothing. See docs/design.md, "Racing
starts".

The hold and the check's schedule derive from one value, :func:`start_hold_seconds`:
:data:`START_HOLD_SECONDS`, or ``CANARY_START_HOLD_SECONDS`` from the environment (for tests against
the local emulator, whose ListExecutions is immediately consistent; against AWS keep the default).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from canary.errors import ConfigurationError
from canary.executions import Execution, describe_execution, running_executions

if TYPE_CHECKING:
    from types_boto3_stepfunctions.client import SFNClient

START_HOLD_SECONDS = 3
"""The execution's ``StartHoldSeconds``: how long it waits before its first AWS call.

The younger of two racing starts must be stopped within it. Its starter's check begins as soon as its
StartExecution returns (a ListExecutions and a DescribeExecution per running execution, ~0.1-0.3 s on
AWS) and is repeated at half the hold, which leaves ListExecutions 1.5 s to show a start it missed and
the repeat plus StopExecution over 1 s. It costs every deploy 3 s and one state transition."""
START_HOLD_ENV = "CANARY_START_HOLD_SECONDS"
"""Environment variable overriding :data:`START_HOLD_SECONDS` (whole seconds, 1-3600)."""
MAX_START_HOLD_SECONDS = 3600
"""``StartHoldSeconds``' bound in the execution input schema."""


def start_hold_seconds(env: Mapping[str, str]) -> int:
    """The hold of this run: ``CANARY_START_HOLD_SECONDS`` when set, else :data:`START_HOLD_SECONDS`.

    Zero is refused: without a hold the younger of two racing starts may begin deploying before it
    is stopped. Raises :class:`~canary.errors.ConfigurationError` naming the variable.
    """
    text = env.get(START_HOLD_ENV, "").strip()
    if not text:
        return START_HOLD_SECONDS
    if not re.fullmatch(r"\d+", text) or not 1 <= int(text) <= MAX_START_HOLD_SECONDS:
        raise ConfigurationError(
            f"{START_HOLD_ENV}: {text!r} is not a whole number of seconds between 1 and "
            f"{MAX_START_HOLD_SECONDS}: unset it to use the default {START_HOLD_SECONDS} s"
        )
    return int(text)


def check_times(hold: float) -> tuple[float, ...]:
    """When, in seconds after StartExecution was called, the starter lists the running executions."""
    return (0.0, hold / 2) if hold > 0 else (0.0,)


def older_racing_start(
    sfn: SFNClient,
    machine_arn: str,
    endpoint: str,
    execution_arn: str,
    *,
    called: float,
    hold: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Execution | None:
    """The oldest running execution on ``endpoint`` that started before ``execution_arn``, if any.

    Call it right after StartExecution returned; ``called`` is ``clock()`` just before that call and
    ``hold`` the execution's ``StartHoldSeconds``. The machine's running executions are read at once
    and, when none is older, again at ``called + hold / 2`` (:func:`check_times`): ListExecutions "is
    eventually consistent" and "may not reflect very recent updates"
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html), so a
    start that raced this one may show only on the second read. Two starters agree on which is older.
    """
    mine = describe_execution(sfn, execution_arn)
    if mine is None:
        return None
    for at in check_times(hold):
        delay = called + at - clock()
        if delay > 0:
            sleep(delay)  # at most hold / 2: well within the runner's grace on cancellation
        older = [
            e
            for e in running_executions(sfn, machine_arn, endpoint)
            if e.arn != mine.arn and e.older_than(mine)
        ]
        if older:
            return older[0]
    return None
