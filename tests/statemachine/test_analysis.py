"""The canary judged against its baseline at every check, and the low-traffic rule at a step's end.

Traffic is simulated: both variants' SageMaker metrics are written with PutMetricData while the
deploy runs (canary/emulator/traffic.py), and the state machine's GetMetricData reads them back
(docs/state-machine.md, "Canary vs baseline").
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator import Emulator, cloudwatch, faults
from canary.emulator.traffic import TrafficFeed, VariantTraffic
from canary.execution_input import AnalysisSettings, ErrorAlarmSettings
from tests.conftest import timings
from tests.statemachine.conftest import Deploys, Outcome, make_document

pytestmark = pytest.mark.execution

BASELINE = "Blue"
"""The existing endpoint's variant (Deploys.existing_endpoint)."""


def _feed(deploys: Deploys, canary: VariantTraffic, baseline: VariantTraffic) -> TrafficFeed:
    return TrafficFeed(deploys.cw, deploys.endpoint, {"Canary": canary, BASELINE: baseline})


def _assigned(outcome: Outcome, state: str, variable: str) -> list[Any]:
    """Each value ``state`` assigned to ``variable``, in order (from the history's assignedVariables)."""
    values = []
    for event in outcome.events:
        details = event.get("stateExitedEventDetails") or {}
        if details.get("name") == state and variable in (details.get("assignedVariables") or {}):
            values.append(json.loads(details["assignedVariables"][variable]))
    return values


def _analysis(**changes: Any) -> AnalysisSettings:
    return AnalysisSettings(**{"MinSampleInvocations": 20, "MetricsDelaySeconds": 0, **changes})


TOLERANT_ALARMS = ErrorAlarmSettings(Threshold4xx=1_000_000, Threshold5xx=1_000_000)
"""Error alarms that a canary with a few 5xx a minute does not trip (the default, 1 a minute, would:
on AWS its alarm fires, here the last check judges the same rule from the numbers)."""


def test_a_canary_with_more_5xx_than_its_baseline_is_rolled_back_with_both_numbers(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=30, Analysis=_analysis(MaxErrorRateIncrease=1.0))
    with _feed(deploys, VariantTraffic(400, rate_5xx=0.10), VariantTraffic(1600, rate_5xx=0.01)):
        outcome = deploys.run(document, timeout=60)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.WorseThanBaseline")
    assert outcome.cause is not None
    assert "max-error-rate-increase 1" in outcome.cause
    assert "canary 5xx 10.00 %" in outcome.cause
    assert "vs baseline 1.00 %" in outcome.cause
    assert f"Rolled back: endpoint ep is on {original} again." in outcome.cause
    assert outcome.entered().count("ReadMetrics") < 10, (
        "rolled back at a check, long before the 30 s bake ends"
    )
    assert deploys.wait_in_service()["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)


def test_a_canary_no_worse_than_its_baseline_is_promoted_and_every_check_has_numbers(
    deploys: Deploys,
) -> None:
    deploys.existing_endpoint()
    document = deploys.document(
        BakeSeconds=2,
        ErrorAlarms=TOLERANT_ALARMS,
        Analysis=_analysis(MaxErrorRateIncrease=1.0, MaxLatencyIncrease=20.0),
    )
    with _feed(
        deploys,
        VariantTraffic(100, rate_5xx=0.01, latency_ms=40, p99_ms=800),
        VariantTraffic(400, rate_5xx=0.01, latency_ms=40, p99_ms=790),
    ):
        outcome = deploys.run(document, timeout=60)
    assert outcome.status == "SUCCEEDED", outcome.cause
    checks = _assigned(outcome, "ReadMetrics", "metrics")
    assert len(checks) == outcome.entered().count("CheckAlarms") >= 3
    last = checks[-1]
    assert last["canary"]["invocations"] > 0
    assert last["baseline"]["invocations"] > last["canary"]["invocations"], "the baseline takes 80 %"
    assert last["canary"]["p99"] == 800_000, "ModelLatency is in microseconds"
    assert last["baseline"]["p99"] == 790_000
    assert 0 < last["latencyIncrease"] < 20
    assert last["latencyStatistic"] == "p99", "raw values: CloudWatch has the p99"
    assert "breach" not in last
    assert _assigned(outcome, "BakeVerdict", "verdict")[-1]["action"] == "pass"


def test_a_canary_slower_than_its_baseline_by_more_than_allowed_is_rolled_back(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=30, Analysis=_analysis(MaxLatencyIncrease=20.0))
    with _feed(
        deploys,
        VariantTraffic(100, latency_ms=40, p99_ms=1200),
        VariantTraffic(400, latency_ms=40, p99_ms=800),
    ):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.WorseThanBaseline"
    assert outcome.cause is not None
    assert "p99 ModelLatency is 50.0 % above" in outcome.cause
    assert "p99 1,200 ms vs 800 ms" in outcome.cause


def test_the_gates_wait_for_the_minimum_sample_so_one_early_error_does_not_decide(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(
        BakeSeconds=2,
        ErrorAlarms=TOLERANT_ALARMS,
        Analysis=_analysis(MaxErrorRateIncrease=0.0, MinSampleInvocations=1_000_000),
    )
    with _feed(deploys, VariantTraffic(100, rate_5xx=0.5), VariantTraffic(400)):
        outcome = deploys.run(document, timeout=60)
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert _assigned(outcome, "ReadMetrics", "metrics")[-1]["errorIncrease"] > 10, "worse, but not judged"


def test_gates_without_alarms_still_check_every_interval(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(
        BakeSeconds=30,
        ErrorAlarms=ErrorAlarmSettings(Enabled=False),
        Analysis=_analysis(MaxErrorRateIncrease=1.0),
    )
    with _feed(deploys, VariantTraffic(100, rate_5xx=0.2), VariantTraffic(400)):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.WorseThanBaseline"
    assert "CheckAlarms" not in outcome.entered()
    assert outcome.entered().count("BakeQuietly") < 10
    assert deploys.wait_in_service()["EndpointConfigName"] == original


def test_too_little_canary_traffic_fails_the_step_by_default(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=1, Analysis=_analysis(MinCanaryInvocations=1_000_000))
    with _feed(deploys, VariantTraffic(10), VariantTraffic(40)):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.LowTraffic"
    assert outcome.cause is not None
    assert "fewer than min-canary-invocations 1000000 (on-low-traffic fail)" in outcome.cause
    assert deploys.wait_in_service()["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)


def test_too_little_traffic_extends_the_bake_up_to_max_extensions_then_fails(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(
        BakeSeconds=1,
        Analysis=_analysis(MinCanaryInvocations=1_000_000, OnLowTraffic="extend", MaxExtensions=2),
    )
    with _feed(deploys, VariantTraffic(10), VariantTraffic(40)):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.LowTraffic"
    extended = [v for v in _assigned(outcome, "BakeVerdict", "verdict") if v["action"] == "extend"]
    assert [v["extensions"] for v in extended] == [0, 1], "two extensions, then the rule fails the step"
    assert outcome.cause is not None
    assert "2 extension(s)" in outcome.cause


def test_enough_traffic_during_an_extension_lets_the_step_pass(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(
        BakeSeconds=2, Analysis=_analysis(MinCanaryInvocations=300, OnLowTraffic="extend", MaxExtensions=5)
    )
    with _feed(deploys, VariantTraffic(50), VariantTraffic(200)):
        outcome = deploys.run(document, timeout=90)
    assert outcome.status == "SUCCEEDED", outcome.cause
    verdicts = _assigned(outcome, "BakeVerdict", "verdict")
    assert verdicts[0]["action"] == "extend"
    assert verdicts[-1]["action"] == "pass"
    assert verdicts[-1]["invocations"] >= 300


def test_too_little_traffic_with_promote_goes_on_and_says_so(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(
        CanaryWeights=[20, 50],
        BakeSeconds=1,
        Analysis=_analysis(MinCanaryInvocations=1_000_000, OnLowTraffic="promote"),
    )
    with _feed(deploys, VariantTraffic(10), VariantTraffic(40)):
        outcome = deploys.run(document, timeout=60)
    assert outcome.status == "SUCCEEDED", outcome.cause
    verdicts = _assigned(outcome, "BakeVerdict", "verdict")
    assert [(v["action"], v["step"], v["minimum"]) for v in verdicts] == [
        ("promote", 0, 1_000_000),
        ("promote", 1, 1_000_000),
    ]


def test_unreadable_metrics_fail_a_gated_bake_but_not_one_that_only_shows_them(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    faults.inject("cloudwatch", "GetMetricData", error="AccessDenied", message="not authorized", status=400)
    shown = deploys.run(deploys.document(BakeSeconds=1), timeout=60)
    assert shown.status == "SUCCEEDED", shown.cause
    assert "unreadable" in _assigned(shown, "ReadMetrics", "metrics")[-1]
    gated = deploys.run(
        deploys.document(BakeSeconds=1, Analysis=_analysis(MaxLatencyIncrease=10)), timeout=60
    )
    assert gated.error == "Canary.DeployFailed"
    assert gated.cause is not None
    assert "ReadMetrics failed" in gated.cause
    assert "not authorized" in gated.cause, "AWS's reason"


def _bake_verdict_cause(aws: Any, metrics: dict[str, Any], analysis: dict[str, Any]) -> str:
    """The cause BakeVerdict's relative-gate choice writes for these numbers: its own Assign
    expression, from the bundled definition, run in a two-state JSONata machine by the emulator."""
    from canary.statemachine import load_definition
    from tests.emulator.test_stepfunctions import _run

    verdict = json.loads(load_definition())["States"]["BakeVerdict"]
    [choice] = [c for c in verdict["Choices"] if c["Condition"] == "{% $exists($metrics.breach) %}"]
    given = {
        "metrics": metrics,
        "in": {"CanaryWeights": [20], "Analysis": analysis},
        "step": 0,
        "bake": {"startedAt": 0},
    }
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Given",
        "States": {
            "Given": {"Type": "Pass", "Assign": given, "Next": "BakeVerdict"},
            "BakeVerdict": {"Type": "Pass", "Assign": choice["Assign"], "Next": "Said"},
            "Said": {"Type": "Pass", "Output": "{% $failure %}", "End": True},
        },
    }
    described = _run(aws("stepfunctions"), machine)
    assert described["status"] == "SUCCEEDED", described
    return str(json.loads(described["output"])["cause"])


def test_a_breach_just_past_the_limit_prints_enough_digits_to_show_it(aws: Any) -> None:
    """1.0034 points above with max-error-rate-increase 1 read "1.00 points above … (… 1)": equal to
    the limit, not past it. JSONata's $formatNumber picture "0.00####" keeps up to six decimals
    (https://docs.jsonata.org/numeric-functions#formatnumber)."""
    side = {"invocations": 1000, "errors5xx": 10, "rate5xx": 1.0034, "p99": 800_000}
    base = {"invocations": 1000, "errors5xx": 0, "rate5xx": 0, "p99": 800_000}
    error = {"breach": "error", "errorIncrease": 1.0034, "canary": side, "baseline": base}
    cause = _bake_verdict_cause(aws, error, {"MaxErrorRateIncrease": 1})
    assert "Canary 5xx rate is 1.0034 points above the baseline's (max-error-rate-increase 1)" in cause
    latency = {
        "breach": "latency",
        "latencyIncrease": 20.04,
        "latencyStatistic": "p99",
        "canary": side,
        "baseline": base,
    }
    cause = _bake_verdict_cause(aws, latency, {"MaxLatencyIncrease": 20})
    assert "p99 ModelLatency is 20.04 % above the baseline's (max-latency-increase 20 %)" in cause
    whole = {**error, "errorIncrease": 2.5}
    assert "is 2.50 points above" in _bake_verdict_cause(aws, whole, {"MaxErrorRateIncrease": 1})


@pytest.mark.parametrize(("delay", "status"), [(0, "SUCCEEDED"), (3, "FAILED")])
def test_a_canary_whose_errors_begin_late_in_its_bake_is_caught_after_the_metrics_delay(
    deploys: Deploys, emulator: Emulator, delay: int, status: str
) -> None:
    """SageMaker's invocation metrics "are available at a 1-minute frequency"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html) and reach CloudWatch
    after the minute they describe (https://repost.aws/knowledge-center/cloudwatch-trigger-metric); the
    canary's own 5xx alarm treats missing data as not breaching. Here datapoints are readable 1.5 s after
    they are written and the canary's 5xx begin 2 s into a 3 s bake: judged at the bake's end (delay 0,
    as before) they are not there yet and the canary is promoted; with MetricsDelaySeconds the step's
    last check reads them and the alarm's own rule (5xx per minute >= Threshold5xx) rolls it back."""
    emulator.set_timings(timings(create_seconds=0.2, update_seconds=0.2, metrics_delay_seconds=1.5))
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=3, Analysis=_analysis(MetricsDelaySeconds=delay))
    with _feed(deploys, VariantTraffic(100), VariantTraffic(400)) as feed:
        arn = deploys.start(document)
        deploys.wait_until(arn, "CheckAlarms", occurrence=3)
        feed.set("Canary", VariantTraffic(100, rate_5xx=0.5))
        outcome = deploys.finish(arn, timeout=60)
    assert outcome.status == status, outcome.cause
    if delay:
        assert outcome.error == "Canary.RolledBack"
        assert outcome.cause is not None
        assert "Canary Invocation5XXErrors reached " in outcome.cause
        assert (
            f"(alarm {document.Names.AlarmPrefix}-5xx, threshold 1), read 3 s after the 20% bake"
            in outcome.cause
        )
        assert deploys.wait_in_service()["EndpointConfigName"] == original
        deploys.assert_no_leftovers(document)


def test_a_canary_four_times_slower_on_average_is_rolled_back_when_cloudwatch_has_no_p99(
    deploys: Deploys,
) -> None:
    """SageMaker's metrics page lists Average, Sum, Min, Max and Sample Count for ModelLatency
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html), and CloudWatch computes
    no percentile from statistic sets (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html).
    Stored as statistic sets, p99 comes back empty: the latency gate judges the Average, and says so."""
    cloudwatch.store_as_statistic_sets("AWS/SageMaker")
    deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=30, Analysis=_analysis(MaxLatencyIncrease=20.0))
    slow, fast = (
        VariantTraffic(100, latency_ms=200, p99_ms=400),
        VariantTraffic(400, latency_ms=50, p99_ms=100),
    )
    with _feed(deploys, slow, fast):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.WorseThanBaseline", outcome.cause
    assert outcome.cause is not None
    assert (
        "Canary Average ModelLatency is 307.8 % above the baseline's (max-latency-increase 20 %)"
        in outcome.cause
    )
    assert "Average 208 ms vs 51 ms" in outcome.cause, "(24 x 200 + 400) / 25 vs (98 x 50 + 2 x 100) / 100"
    checks = _assigned(outcome, "ReadMetrics", "metrics")
    assert "p99" not in checks[-1]["canary"], "no percentile from statistic sets"
    assert checks[-1]["latencyStatistic"] == "Average"


def test_a_hand_written_document_may_leave_the_metrics_delay_out_and_gets_the_same_default() -> None:
    """``Analysis.MetricsDelaySeconds`` is optional in the schema (documents written before it still
    validate) and the definition's own default is the action's (docs/state-machine.md)."""
    import re

    from canary.analysis_input import DEFAULT_METRICS_DELAY_SECONDS
    from canary.execution_input import json_schema
    from canary.statemachine import load_definition

    assert "MetricsDelaySeconds" not in json_schema()["$defs"]["AnalysisSettings"]["required"]
    assigned = json.loads(load_definition())["States"]["StartHold"]["Assign"]["metricsDelay"]
    default = re.search(r"\$i\.Analysis\.MetricsDelaySeconds : (\d+);", assigned)
    assert default is not None
    assert int(default[1]) == DEFAULT_METRICS_DELAY_SECONDS == 180


class _WithoutModelLatency:
    """A CloudWatch client that publishes every metric but ModelLatency (SageMaker publishes none for a
    variant that answered nothing, and a role or pipeline may drop it)."""

    def __init__(self, cloudwatch: Any) -> None:
        self.cloudwatch = cloudwatch

    def put_metric_data(self, *, Namespace: str, MetricData: list[dict[str, Any]]) -> Any:
        kept = [datum for datum in MetricData if datum["MetricName"] != "ModelLatency"]
        return self.cloudwatch.put_metric_data(Namespace=Namespace, MetricData=kept)


def test_a_latency_gate_without_any_latency_fails_the_bake_rather_than_pass_it(deploys: Deploys) -> None:
    """No ModelLatency statistic (p99 or Average) for both variants: the gate cannot judge, and a gate
    never passes on missing data (docs/state-machine.md, "Statistics that may not exist")."""
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=30, Analysis=_analysis(MaxLatencyIncrease=20.0))
    feed = TrafficFeed(
        _WithoutModelLatency(deploys.cw),
        deploys.endpoint,
        {"Canary": VariantTraffic(100), BASELINE: VariantTraffic(400)},
    )
    with feed:
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == "Canary.DeployFailed", outcome.cause
    assert outcome.cause is not None
    assert "ModelLatency has neither a p99 nor an Average for both variants" in outcome.cause
    assert deploys.wait_in_service()["EndpointConfigName"] == original


@pytest.mark.parametrize(("delay", "error"), [(0, "Canary.LowTraffic"), (2, None)])
def test_the_low_traffic_rule_counts_the_invocations_that_arrive_after_the_bake(
    deploys: Deploys, emulator: Emulator, delay: int, error: str | None
) -> None:
    """min-canary-invocations undercounts a bake judged at its end: its last minutes are not in CloudWatch
    yet (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html, "available at a
    1-minute frequency"). Datapoints here are readable 1.5 s after they are written; the canary serves
    100 a second from the bake's start: at a 2 s bake's end about 50 are readable, 2 s later about 250."""
    emulator.set_timings(timings(create_seconds=0.2, update_seconds=0.2, metrics_delay_seconds=1.5))
    deploys.existing_endpoint()
    analysis = _analysis(MinCanaryInvocations=150, MetricsDelaySeconds=delay)
    document = deploys.document(BakeSeconds=2, ErrorAlarms=TOLERANT_ALARMS, Analysis=analysis)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    with _feed(deploys, VariantTraffic(100), VariantTraffic(400)):
        outcome = deploys.finish(arn, timeout=60)
    assert outcome.error == error, outcome.cause
    verdicts = _assigned(outcome, "BakeVerdict", "verdict")
    if error is None:
        assert verdicts[-1]["action"] == "pass"
        assert verdicts[-1]["invocations"] >= 150


def test_the_plan_bounds_count_the_checks_of_the_metrics_delay() -> None:
    """docs/state-machine.md, "Bounds": each judged bake makes ceil((BakeSeconds + MetricsDelaySeconds) /
    AlarmCheckSeconds) + 1 checks, and a document whose delay would pass the history limit is refused."""
    from canary.execution_input import PollingSettings
    from canary.plan_limits import plan_bounds

    polling = PollingSettings()
    plain, _ = plan_bounds(1, 1200, 60, True, polling)
    late, _ = plan_bounds(1, 1200, 60, True, polling, delay_seconds=180)
    assert late - plain == 3 * 14, "three more checks of 14 events"
    long_bake = {"BakeSeconds": 99_000, "AlarmCheckSeconds": 60}  # just inside, without the delay
    make_document("ep", **long_bake, Analysis=_analysis(MetricsDelaySeconds=0))
    with pytest.raises(ValueError, match="history events"):
        make_document("ep", **long_bake, Analysis=_analysis(MetricsDelaySeconds=3600))
