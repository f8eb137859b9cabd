"""The demo's scenarios say what their numbers show (``make demo``, canary/demo.py)."""

from __future__ import annotations

import re

from canary import demo


def test_the_alarm_scenario_quotes_the_canarys_own_p99_past_the_alarms_threshold() -> None:
    """Scenario 3's alarm said "p99 latency 2.3 s" while every check showed the canary at 180 ms."""
    [tripped] = [s for s in demo.SCENARIOS if s.trip_alarm]
    said = re.search(r"p99 latency ([\d.]+) s > ([\d.]+) s", tripped.alarm_reason)
    assert said is not None, tripped.alarm_reason
    assert float(said[1]) * 1000 == tripped.canary_p99_ms
    assert float(said[2]) * 1000 == demo.ALARM_THRESHOLD_MS < tripped.canary_p99_ms
    for calm in (s for s in demo.SCENARIOS if not s.trip_alarm):
        assert calm.canary_p99_ms < demo.ALARM_THRESHOLD_MS, calm.title


def test_the_worse_than_baseline_scenario_is_past_its_limit() -> None:
    [worse] = [s for s in demo.SCENARIOS if "max-error-rate-increase" in s.inputs]
    limit = float(worse.inputs["max-error-rate-increase"])
    assert f"max-error-rate-increase: {worse.inputs['max-error-rate-increase']}" in worse.title
    assert (worse.canary_5xx - demo.BASELINE_5XX) * 100 > limit
