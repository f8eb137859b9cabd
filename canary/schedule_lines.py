"""The job log's lines for the variant's scheduled scaling: captured, and put back after the deploy.

Deregistering a scalable target deletes its scheduled actions
(https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html),
so the state machine puts each one back exactly (``RestoreScheduledActions``). A one-time action,
``at(yyyy-mm-ddThh:mm:ss)`` in its ``Timezone`` (UTC when none;
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html), whose
time passed while the deploy ran could not run (the target was deregistered): the state machine
leaves it out when it is surely past (in UTC; with a time zone, 12 hours past, as JSONata knows no
time zones) and lists it in ``$schedulesPassed``, and each is warned about here, named. One within
its time zone's uncertainty is put back, and its line warns the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from canary.summary import Level

_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def at_time(schedule: str, timezone: str | None) -> dt.datetime | None:
    """When a one-time ``at(...)`` schedule runs (aware), or None for cron/rate or an unreadable one."""
    found = _AT.match(schedule.strip())
    if not found:
        return None
    try:
        zone: dt.tzinfo = ZoneInfo(timezone) if timezone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return dt.datetime.fromisoformat(found.group(1)).replace(tzinfo=zone)


def restored_line(params: Mapping[str, Any], now: dt.datetime) -> tuple[Level, str]:
    """The line of one PutScheduledAction that put a captured action back, as of ``now`` (aware)."""
    name = str(params.get("ScheduledActionName", "?"))
    schedule = str(params.get("Schedule", "?"))
    timezone = params.get("Timezone")
    when = f"{schedule} {timezone}" if timezone else schedule
    runs = at_time(schedule, str(timezone) if timezone else None)
    if runs is not None and runs <= now:
        return "warn", (
            f"scheduled action {name} ({when}) put back, but its time passed during the deploy: it will "
            "not run; apply its capacity by hand or delete it"
        )
    return "info", f"scheduled action {name} ({when}) put back on {params.get('ResourceId', '?')}"


def put_back(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    """:func:`restored_line` as of now (the follower renders the history as it happens)."""
    return restored_line(params, dt.datetime.now(dt.UTC))


def captured(_: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str] | None:
    """DescribeScheduledActions: the schedule the deploy will put back (nothing when there is none)."""
    actions = [a for a in result.get("ScheduledActions") or [] if isinstance(a, Mapping)]
    if not actions:
        return None
    names = ", ".join(f"{a.get('ScheduledActionName', '?')} ({a.get('Schedule', '?')})" for a in actions)
    return "info", f"scheduled scaling: {names}"


def left_out(actions: object) -> list[tuple[Level, str]]:
    """One warning per scheduled action the state machine left out (``$schedulesPassed``)."""
    if not isinstance(actions, list):
        return []
    return [
        (
            "warn",
            f"scheduled action {a.get('ScheduledActionName', '?')} ({a.get('Schedule', '?')}"
            + (f" {a['Timezone']}" if a.get("Timezone") else "")
            + ") not put back: its time passed during the deploy, while auto scaling was suspended, so it "
            "did not run; apply its capacity by hand if it is still needed",
        )
        for a in actions
        if isinstance(a, Mapping)
    ]
