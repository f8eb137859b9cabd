"""The canary beside its baseline in the job log and the step summary (canary/comparison.py)."""

from __future__ import annotations

import re
from typing import Any

from canary.comparison import Check, Numbers, check_line, comparison_markdown, verdict_line
from canary.emulator.traffic import TrafficFeed, VariantTraffic
from canary.summary_charts import TimeAxis, comparison_charts, time_axis
from canary.summary_facts import DeployFacts


def test_a_worse_canary_is_shown_beside_its_baseline_at_every_check_then_rolled_back(
    tmp_path: Any, aws: Any, emulator: Any
) -> None:
    """Through the action as the runner starts it: each check's line has both variants' numbers, the
    verdict names the gate, the summary has a per-step table and canary-vs-baseline charts."""
    from tests.action.conftest import Runner, base_inputs, make_endpoint

    make_endpoint(aws, "churn-model", ["AllTraffic"])
    runner = Runner(tmp_path, emulator.url)
    inputs = base_inputs(
        wait_minutes="0.5",
        max_error_rate_increase="1",
        gate_min_invocations="20",
        endpoint_poll_max_seconds="2",
    )
    traffic = {"Canary": VariantTraffic(400, rate_5xx=0.10, p99_ms=900), "AllTraffic": VariantTraffic(1600)}
    with TrafficFeed(aws("cloudwatch"), "churn-model", traffic):
        result = runner.run(inputs)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    shown = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in result.log.lines]
    checks = [line for line in shown if "• canary 5xx " in line]
    assert checks, "\n".join(shown)
    assert re.search(
        r"canary 5xx 10\.00 % \([\d,]+/[\d,]+\) vs baseline 0\.00 % \(0/[\d,]+\); "
        r"4xx 0\.00 % vs 0\.00 %; p99 900 ms vs 50 ms \(\d+s into the bake\)",
        checks[0],
    ), checks[0]
    verdicts = [
        line for line in shown if "✗ Canary.WorseThanBaseline: Canary 5xx rate is 10.00 points" in line
    ]
    assert len(verdicts) == 1, "\n".join(shown)
    summary = result.summary
    assert "<summary>Canary vs baseline</summary>" in summary
    assert re.search(
        r"\| 20% \| \d+ \| [\d,]+ \| 10\.00 % \([\d,]+\) \| 0\.00 % \(0\) \| 900 ms \| 50 ms \|", summary
    )
    assert summary.count('title "5xx rate (%)"') == 1
    assert summary.count('title "p99 ModelLatency (ms)"') == 1


def _numbers(invocations: float, errors: float, p99_ms: float | None = None) -> Numbers:
    return Numbers(invocations, 0, errors, None if p99_ms is None else p99_ms * 1000)


def test_the_check_line_reads_like_the_issue_asked() -> None:
    line = check_line(_numbers(1500, 3, 812), _numbers(1250, 1, 790))
    assert line == (
        "canary 5xx 0.20 % (3/1,500) vs baseline 0.08 % (1/1,250); 4xx 0.00 % vs 0.00 %; p99 812 ms vs 790 ms"
    )
    assert check_line(_numbers(0, 0), _numbers(0, 0)).endswith("p99 n/a vs n/a"), "no traffic: no division"


def test_low_traffic_decisions_are_warnings_with_their_numbers_and_a_pass_says_nothing() -> None:
    extend = {"action": "extend", "invocations": 42, "minimum": 100, "extensions": 0}
    assert verdict_line(extend) == (
        "warn",
        "low traffic: the canary served 42 invocations, fewer than min-canary-invocations 100: "
        "baking longer (extension 1)",
    )
    promote = verdict_line({"action": "promote", "invocations": 7, "minimum": 100})
    assert promote is not None
    assert promote[1].endswith("promoting anyway (on-low-traffic: promote)")
    assert verdict_line({"action": "pass", "invocations": 500, "minimum": 100}) is None


def test_the_summary_has_one_row_per_step_with_its_last_check_and_charts_on_the_time_axis() -> None:
    checks = [
        Check(10, "Bake 10%", _numbers(10, 0, 40), _numbers(90, 1, 41)),
        Check(20, "Bake 10%", _numbers(20, 1, 45), _numbers(180, 1, 40)),
        Check(40, "Bake 50%", _numbers(100, 2, 50), _numbers(100, 1, 40)),
    ]
    markdown = "\n".join(comparison_markdown(checks))
    rows = [line for line in markdown.splitlines() if line.startswith("| 10%") or line.startswith("| 50%")]
    assert rows == [
        "| 10% | 2 | 20 | 5.00 % (1) | 0.56 % (1) | 45 ms | 40 ms |",
        "| 50% | 1 | 100 | 2.00 % (2) | 1.00 % (1) | 50 ms | 40 ms |",
    ]
    assert comparison_markdown([]) == []
    charts = "\n".join(comparison_charts(checks, TimeAxis("seconds", 10, 4), DeployFacts()))
    assert charts.count('    x-axis "seconds since the start" 0 --> 40') == 2, "the summary's one time axis"
    # 0 before the first check, then each check's value from its time on (the axis: 0, 10, … 40 s)
    assert "    line [0, 0, 5, 5, 2]" in charts
    assert "    line [0, 1.111, 0.556, 0.556, 1]" in charts
    assert "    line [0, 40, 45, 45, 50]" in charts
    assert "limit" not in charts, "no gate set: no limit line"


def test_a_set_gate_is_drawn_as_the_baselines_value_plus_its_limit() -> None:
    checks = [
        Check(10, "Bake 10%", _numbers(100, 1, 40), _numbers(100, 1, 40)),
        Check(20, "Bake 10%", _numbers(200, 2, 45), _numbers(200, 4, 50)),
    ]
    facts = DeployFacts(max_error_rate_increase=1, max_latency_increase=50)
    charts = comparison_charts(checks, TimeAxis("seconds", 10, 2), facts)
    assert "    line [0, 2, 3]" in charts, "5xx: the baseline's 1 % then 2 %, plus 1 point"
    assert "    line [0, 60, 75]" in charts, "p99: the baseline's 40 ms then 50 ms, plus 50 %"
    legends = [line for line in charts if line.startswith("Legend: ")]
    assert legends[0].endswith(
        "⬜ grey: limit, the baseline's rate + 1 point (max-error-rate-increase) "
        "(0 before the first check, at +00:10)"
    )
    assert "⬜ grey: limit, the baseline's p99 + 50 % (max-latency-increase)" in legends[1]


def test_the_summary_table_escapes_a_phase_title() -> None:
    hostile = Check(1, "Bake <b>|</b> @octocat", _numbers(1, 0), _numbers(1, 0))
    markdown = "\n".join(comparison_markdown([hostile]))
    assert "<b>" not in markdown
    assert "@octocat" not in markdown


def test_without_a_p99_the_line_shows_the_average_the_definition_judges() -> None:
    """CloudWatch has no p99 of statistic sets (API_PutMetricData); the definition then judges the
    Average, and the log line says so (docs/state-machine.md, "Canary vs baseline")."""
    canary = Numbers(invocations=100, errors4xx=0, errors5xx=0, p99_us=None, average_us=208_000)
    baseline = Numbers(invocations=400, errors4xx=0, errors5xx=0, p99_us=None, average_us=51_000)
    assert check_line(canary, baseline).endswith("; Average 208 ms vs 51 ms")
    with_p99 = Numbers(invocations=400, errors4xx=0, errors5xx=0, p99_us=90_000, average_us=51_000)
    assert check_line(with_p99, with_p99).endswith("; p99 90 ms vs 90 ms")


def test_the_summary_shows_the_average_when_cloudwatch_has_no_p99() -> None:
    canary = Numbers(invocations=100, errors4xx=0, errors5xx=0, p99_us=None, average_us=208_000)
    baseline = Numbers(invocations=400, errors4xx=0, errors5xx=0, p99_us=None, average_us=51_000)
    markdown = "\n".join(comparison_markdown([Check(10, "Bake 20%", canary, baseline)]))
    assert "| 20% | 1 | 100 | 0.00 % (0) | 0.00 % (0) | 208 ms (Average) | 51 ms (Average) |" in markdown
    axis = time_axis(60)
    assert axis is not None
    charts = "\n".join(comparison_charts([Check(10, "Bake 20%", canary, baseline)], axis, DeployFacts()))
    assert 'title "Average ModelLatency (ms)"' in charts
