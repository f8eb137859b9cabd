"""The transitions figure states what the canary-vs-baseline read adds to each bake check."""

from __future__ import annotations

from bench.report import _transition_rows
from bench.transitions import per_check


def test_per_check_cost_is_the_metrics_reads_over_the_alarm_checks() -> None:
    counted = {"by_state": {"CheckAlarms": 21, "ReadMetrics": 21, "BakeVerdict": 21, "Bake": 20}}
    assert per_check(counted) == {
        "checks": 21,
        "metrics_reads": 21,
        "calls_per_check": 1.0,
        "transitions_per_check": 1.0,
        "events_per_check": 5.0,
    }
    assert per_check({"by_state": {"CheckAlarms": 4}})["calls_per_check"] == 0, "a machine without it"


def test_the_report_has_a_row_for_the_per_check_cost() -> None:
    counted = {
        "designs": {"bundled": {"transitions": 165, "events": 560}},
        "per_check": per_check({"by_state": {"CheckAlarms": 21, "ReadMetrics": 21}}),
    }
    rows = _transition_rows(counted)
    assert rows == [
        "| ↳ canary vs baseline, per check | +1 GetMetricData call, +1 transition (+5 events); "
        "21 reads for 21 checks | - | included above |"
    ]
