"""The log's lines for the fleet: scheduled scaling put back after a deploy (canary/schedule_lines.py)
and the canary's scale-out (canary/task_lines.py).

A one-time schedule is ``at(yyyy-mm-ddThh:mm:ss)`` in the action's ``Timezone`` (UTC when none):
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html
"""

from __future__ import annotations

import datetime as dt

from canary.schedule_lines import at_time, captured, restored_line

NOW = dt.datetime(2026, 12, 6, 21, 0, tzinfo=dt.UTC)


def test_a_one_time_action_is_read_in_its_time_zone() -> None:
    assert at_time("at(2026-12-06T21:30:00)", None) == dt.datetime(2026, 12, 6, 21, 30, tzinfo=dt.UTC)
    paris = at_time("at(2026-12-06T21:30:00)", "Europe/Paris")
    assert paris is not None
    assert paris.astimezone(dt.UTC) == dt.datetime(2026, 12, 6, 20, 30, tzinfo=dt.UTC)
    assert at_time("cron(0 22 * * ? *)", None) is None
    assert at_time("rate(1 day)", "Europe/Paris") is None


def test_a_past_one_time_action_warns_a_future_or_recurring_one_does_not() -> None:
    put = {"ScheduledActionName": "peak", "ResourceId": "endpoint/ep/variant/Blue"}
    level, text = restored_line(
        {**put, "Schedule": "at(2026-12-06T21:30:00)", "Timezone": "Europe/Paris"}, NOW
    )
    assert level == "warn"
    assert "peak (at(2026-12-06T21:30:00) Europe/Paris)" in text
    assert "will not run" in text
    assert restored_line({**put, "Schedule": "at(2026-12-06T21:30:00)"}, NOW)[0] == "info"
    assert restored_line({**put, "Schedule": "cron(0 22 * * ? *)"}, NOW) == (
        "info",
        "scheduled action peak (cron(0 22 * * ? *)) put back on endpoint/ep/variant/Blue",
    )


def test_the_captured_schedule_is_listed_and_none_is_silent() -> None:
    found = {"ScheduledActions": [{"ScheduledActionName": "nightly", "Schedule": "cron(0 22 * * ? *)"}]}
    assert captured({}, found) == ("info", "scheduled scaling: nightly (cron(0 22 * * ? *))")
    assert captured({}, {"ScheduledActions": []}) is None


def test_a_scale_out_is_not_shown_as_a_traffic_shift() -> None:
    from canary.task_lines import TASK_LINES

    line = TASK_LINES[("sagemaker", "updateEndpointWeightsAndCapacities")]
    grow = [
        {"VariantName": "Blue", "DesiredWeight": 80, "DesiredInstanceCount": 10},
        {"VariantName": "Canary", "DesiredWeight": 20, "DesiredInstanceCount": 5},
    ]
    assert line({"DesiredWeightsAndCapacities": grow}, {}) == (
        "info",
        "scaling out before the next step, weights unchanged: Blue 80% x10, Canary 20% x5",
    )
