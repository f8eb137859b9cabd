"""CloudWatch alarms in the emulator behave as the CloudWatch API reference says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest


def _alarm(cw: Any, name: str, **extra: Any) -> None:
    settings: dict[str, Any] = {
        "MetricName": "Invocation5XXErrors",
        "Namespace": "AWS/SageMaker",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    cw.put_metric_alarm(AlarmName=name, **{**settings, **extra})


def _names(response: dict[str, Any]) -> list[str]:
    return [alarm["AlarmName"] for alarm in response["MetricAlarms"]]


@pytest.fixture
def cw(aws: Any) -> Any:
    """A CloudWatch client with alarms canary-4xx, canary-5xx (ALARM), user-latency (ALARM)."""
    client = aws("cloudwatch")
    for name in ("user-latency", "canary-5xx", "canary-4xx"):
        _alarm(client, name, AlarmActions=[f"arn:aws:sns:us-east-1:123456789012:{name}"])
    for name in ("canary-5xx", "user-latency"):
        client.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=f"{name} breached")
    return client


def test_describe_alarms_applies_alarm_names_and_state_value_together(cw: Any) -> None:
    """CloudWatch DescribeAlarms API reference: ``AlarmNames`` selects alarms by name and
    ``StateValue`` "specify this parameter to receive information only about alarms that are
    currently in the state that you specify" — both apply (moto 5.2.5 ignored StateValue).
    """
    firing = cw.describe_alarms(AlarmNames=["canary-4xx", "canary-5xx"], StateValue="ALARM")
    assert _names(firing) == ["canary-5xx"]
    quiet = cw.describe_alarms(AlarmNames=["canary-4xx"], StateValue="ALARM")
    assert _names(quiet) == []


def test_describe_alarms_applies_name_prefix_state_and_action_prefix_together(cw: Any) -> None:
    """CloudWatch DescribeAlarms: ``AlarmNamePrefix``, ``StateValue`` and ``ActionPrefix`` combine."""
    assert _names(cw.describe_alarms(AlarmNamePrefix="canary-", StateValue="ALARM")) == ["canary-5xx"]
    assert _names(cw.describe_alarms(AlarmNamePrefix="canary-", StateValue="OK")) == []
    assert _names(cw.describe_alarms(AlarmNamePrefix="user-", StateValue="INSUFFICIENT_DATA")) == []
    by_action = cw.describe_alarms(
        ActionPrefix="arn:aws:sns:us-east-1:123456789012:canary", StateValue="ALARM"
    )
    assert _names(by_action) == ["canary-5xx"]


def test_describe_alarms_lists_by_name_and_without_filters_lists_all(cw: Any) -> None:
    """CloudWatch DescribeAlarms: with no filter, every metric alarm (here in name order)."""
    assert _names(cw.describe_alarms()) == ["canary-4xx", "canary-5xx", "user-latency"]


def test_describe_alarms_rejects_names_with_a_name_prefix(cw: Any) -> None:
    """CloudWatch DescribeAlarms ``AlarmNamePrefix``: "If this parameter is specified, you cannot
    specify ``AlarmNames``."
    """
    with pytest.raises(cw.exceptions.ClientError) as raised:
        cw.describe_alarms(AlarmNames=["canary-4xx"], AlarmNamePrefix="canary-")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterCombination"


def test_describe_alarms_pages_with_max_records_and_next_token(cw: Any) -> None:
    """CloudWatch DescribeAlarms: ``MaxRecords`` per call, ``NextToken`` for the rest."""
    first = cw.describe_alarms(MaxRecords=2)
    assert _names(first) == ["canary-4xx", "canary-5xx"]
    second = cw.describe_alarms(MaxRecords=2, NextToken=first["NextToken"])
    assert _names(second) == ["user-latency"]
    assert "NextToken" not in second


def test_describe_alarms_by_name_pages_50_by_default_and_up_to_100(cw: Any) -> None:
    """CloudWatch DescribeAlarms
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html):
    ``MaxRecords`` "Valid Range: Minimum value of 1. Maximum value of 100", default 50, also when the
    alarms are named; ``AlarmNames`` "Maximum number of 100 items"."""
    names = [f"team-{i:03}" for i in range(100)]
    for name in names:
        _alarm(cw, name)
    first = cw.describe_alarms(AlarmNames=names)
    assert _names(first) == names[:50]
    assert "NextToken" in first
    assert _names(cw.describe_alarms(AlarmNames=names, MaxRecords=100)) == names
    with pytest.raises(cw.exceptions.ClientError) as raised:
        cw.describe_alarms(AlarmNames=[*names, "canary-4xx"], MaxRecords=100)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    with pytest.raises(cw.exceptions.ClientError) as raised:
        cw.describe_alarms(AlarmNames=names, MaxRecords=101)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_describe_alarms_of_composite_type_only_leaves_out_metric_alarms(cw: Any) -> None:
    """CloudWatch DescribeAlarms ``AlarmTypes``: only the alarm types listed are returned (omitted:
    only metric alarms).
    """
    composites_only = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])
    assert (composites_only["MetricAlarms"], composites_only["CompositeAlarms"]) == ([], [])
    assert len(cw.describe_alarms(AlarmTypes=["MetricAlarm"])["MetricAlarms"]) == 3


def test_new_alarm_starts_insufficient_data_and_an_update_keeps_the_state(cw: Any) -> None:
    """CloudWatch PutMetricAlarm: a new alarm starts in ``INSUFFICIENT_DATA``; "When you update an
    existing alarm, its state is left unchanged, but the update completely overwrites the previous
    configuration of the alarm."
    """
    fresh = cw.describe_alarms(AlarmNames=["canary-4xx"])["MetricAlarms"][0]
    assert fresh["StateValue"] == "INSUFFICIENT_DATA"
    _alarm(cw, "canary-5xx", Threshold=5)
    updated = cw.describe_alarms(AlarmNames=["canary-5xx"])["MetricAlarms"][0]
    assert (updated["StateValue"], updated["StateReason"]) == ("ALARM", "canary-5xx breached")
    assert updated["Threshold"] == 5


def test_set_alarm_state_reason_is_returned_by_describe_alarms(cw: Any) -> None:
    """CloudWatch SetAlarmState: ``StateReason`` and ``StateReasonData`` become the alarm's."""
    cw.set_alarm_state(
        AlarmName="canary-4xx", StateValue="ALARM", StateReason="4xx above 1", StateReasonData='{"v": 3}'
    )
    alarm = cw.describe_alarms(AlarmNames=["canary-4xx"])["MetricAlarms"][0]
    assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "4xx above 1")
    assert alarm["StateReasonData"] == '{"v": 3}'


def test_set_alarm_state_of_a_missing_alarm_is_resource_not_found(cw: Any) -> None:
    """CloudWatch SetAlarmState errors: ``ResourceNotFound`` — the named resource does not exist."""
    with pytest.raises(cw.exceptions.ClientError) as raised:
        cw.set_alarm_state(AlarmName="nope", StateValue="ALARM", StateReason="x")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"


def test_delete_alarms_of_a_missing_alarm_is_no_error(cw: Any) -> None:
    """CloudWatch DeleteAlarms: deleting a name that does not exist succeeds (as AWS answers; cleanup
    after a rollback may delete alarms that are already gone), and deletes the others named.
    """
    cw.delete_alarms(AlarmNames=["canary-4xx", "already-gone"])
    assert _names(cw.describe_alarms()) == ["canary-5xx", "user-latency"]


# -- GetMetricData ----------------------------------------------------------------------------------

SAGEMAKER = "AWS/SageMaker"


def _dims(variant: str | None, endpoint: str = "ep") -> list[dict[str, str]]:
    dims = [{"Name": "EndpointName", "Value": endpoint}]
    return dims + ([{"Name": "VariantName", "Value": variant}] if variant else [])


def _stat(qid: str, name: str, stat: str, period: int, variant: str | None = "Canary") -> dict[str, Any]:
    metric = {"Namespace": SAGEMAKER, "MetricName": name, "Dimensions": _dims(variant)}
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": period, "Stat": stat}}


@pytest.fixture
def base() -> dt.datetime:
    """A whole minute half an hour ago (start times under 15 days old round down to the minute)."""
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    return now - dt.timedelta(minutes=30)


def _values(response: dict[str, Any]) -> dict[str, list[float]]:
    return {result["Id"]: result["Values"] for result in response["MetricDataResults"]}


def test_get_metric_data_sums_one_metric_of_one_exact_dimension_set(aws: Any, base: dt.datetime) -> None:
    """CloudWatch concepts: a metric is its namespace, name and full set of dimensions — datapoints
    of the endpoint alone, of another variant or of another namespace are other metrics."""
    cw = aws("cloudwatch")
    at = base + dt.timedelta(seconds=10)
    for variant, value in (("Canary", 40), ("Canary", 2), ("AllTraffic", 900), (None, 7)):
        cw.put_metric_data(
            Namespace=SAGEMAKER,
            MetricData=[
                {"MetricName": "Invocations", "Dimensions": _dims(variant), "Value": value, "Timestamp": at}
            ],
        )
    cw.put_metric_data(
        Namespace="Custom",
        MetricData=[
            {"MetricName": "Invocations", "Dimensions": _dims("Canary"), "Value": 1000, "Timestamp": at}
        ],
    )
    response = cw.get_metric_data(
        StartTime=base,
        EndTime=base + dt.timedelta(minutes=5),
        MetricDataQueries=[
            _stat("canary", "Invocations", "Sum", 300),
            _stat("baseline", "Invocations", "Sum", 300, "AllTraffic"),
            _stat("count", "Invocations", "SampleCount", 300),
            _stat("other", "Invocations", "Sum", 300, "Nobody"),
        ],
    )
    assert _values(response) == {"canary": [42.0], "baseline": [900.0], "count": [2.0], "other": []}


def test_get_metric_data_p99_is_the_nearest_rank_of_the_raw_values(aws: Any, base: dt.datetime) -> None:
    """GetMetricData ``Stat`` takes percentiles (``p99``): over the values PutMetricData gave with
    ``Values``/``Counts``, and a statistic set whose Minimum equals its Maximum, which holds
    ``SampleCount`` samples of that value (API_PutMetricData)."""
    cw = aws("cloudwatch")
    at = base + dt.timedelta(seconds=5)
    latency = {
        "MetricName": "ModelLatency",
        "Dimensions": _dims("Canary"),
        "Timestamp": at,
        "Unit": "Microseconds",
    }
    # 98 requests at 1 ms, one at 50 ms, one at 900 ms: the 99th of 100 is 50 ms.
    cw.put_metric_data(
        Namespace=SAGEMAKER,
        MetricData=[{**latency, "Values": [1000, 50000, 900000], "Counts": [98, 1, 1]}],
    )
    cw.put_metric_data(
        Namespace=SAGEMAKER,
        MetricData=[
            {**latency, "StatisticValues": {"SampleCount": 10, "Sum": 10, "Minimum": 1, "Maximum": 1}}
        ],
    )
    response = cw.get_metric_data(
        StartTime=base,
        EndTime=base + dt.timedelta(minutes=1),
        MetricDataQueries=[
            _stat("p99", "ModelLatency", "p99", 60),
            _stat("p50", "ModelLatency", "p50", 60),
            _stat("max", "ModelLatency", "Maximum", 60),
            _stat("count", "ModelLatency", "SampleCount", 60),
        ],
    )
    assert _values(response) == {"p99": [50000.0], "p50": [1000.0], "max": [900000.0], "count": [110.0]}


def test_get_metric_data_gives_one_value_per_period_with_data_newest_first(
    aws: Any, base: dt.datetime
) -> None:
    """GetMetricData: a datapoint per ``Period`` that has data, ``TimestampDescending`` by default;
    ``StartTime`` inclusive (rounded down to the minute), ``EndTime`` exclusive."""
    cw = aws("cloudwatch")
    for minute, value in ((-1, 500), (0, 1), (0, 2), (2, 5), (3, 600)):
        cw.put_metric_data(
            Namespace=SAGEMAKER,
            MetricData=[
                {
                    "MetricName": "Invocation5XXErrors",
                    "Dimensions": _dims("Canary"),
                    "Value": value,
                    "Timestamp": base + dt.timedelta(minutes=minute, seconds=30),
                }
            ],
        )
    query = [_stat("e", "Invocation5XXErrors", "Sum", 60)]
    window = {"StartTime": base + dt.timedelta(seconds=42), "EndTime": base + dt.timedelta(minutes=3)}
    newest_first = cw.get_metric_data(MetricDataQueries=query, **window)["MetricDataResults"][0]
    assert newest_first["Values"] == [5.0, 3.0]
    assert [t.replace(tzinfo=None) for t in newest_first["Timestamps"]] == [
        (base + dt.timedelta(minutes=2)).replace(tzinfo=None),
        base.replace(tzinfo=None),
    ]
    oldest_first = cw.get_metric_data(MetricDataQueries=query, ScanBy="TimestampAscending", **window)
    assert _values(oldest_first) == {"e": [3.0, 5.0]}
    whole = cw.get_metric_data(MetricDataQueries=[_stat("e", "Invocation5XXErrors", "Sum", 180)], **window)
    assert _values(whole) == {"e": [8.0]}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"Period": 45}, "InvalidParameterValue"),
        ({"Stat": "tm99"}, "InvalidParameterValue"),
        ({"EndTime": 0}, "ValidationError"),
    ],
)
def test_get_metric_data_refuses_what_cloudwatch_refuses(
    aws: Any, base: dt.datetime, change: dict[str, Any], code: str
) -> None:
    """MetricStat.Period: "1, 5, 10, 20, 30, 60, and any multiple of 60"; EndTime after StartTime.
    (``tm99`` is a real CloudWatch statistic that the emulator does not compute: refused, not faked.)"""
    cw = aws("cloudwatch")
    query = _stat("e", "Invocations", change.get("Stat", "Sum"), change.get("Period", 60))
    end = base if "EndTime" in change else base + dt.timedelta(minutes=1)
    with pytest.raises(cw.exceptions.ClientError) as raised:
        cw.get_metric_data(StartTime=base, EndTime=end, MetricDataQueries=[query])
    assert raised.value.response["Error"]["Code"] == code


def test_describe_alarms_leaves_out_names_that_do_not_exist_without_an_error(cw: Any) -> None:
    """https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html:
    DescribeAlarms "retrieves the specified alarms"; its only documented error is
    ``InvalidNextToken``. A name with no alarm is not an error: it is absent from both lists, so a
    caller must compare what it asked for with what came back (canary/preflight.py). With
    ``AlarmTypes`` both, a composite alarm comes back by name in ``CompositeAlarms``.
    """
    cw.put_composite_alarm(AlarmName="user-composite", AlarmRule='ALARM("user-latency")')
    asked = ["user-latency", "user-latency-typo", "user-composite", "never-created"]
    found = cw.describe_alarms(AlarmNames=asked, AlarmTypes=["MetricAlarm", "CompositeAlarm"], MaxRecords=100)
    assert _names(found) == ["user-latency"]
    assert [alarm["AlarmName"] for alarm in found["CompositeAlarms"]] == ["user-composite"]
    assert "NextToken" not in found
    nothing = cw.describe_alarms(AlarmNames=["never-created"], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    assert (nothing["MetricAlarms"], nothing["CompositeAlarms"]) == ([], [])


PUT_METRIC_DATA = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html"


def test_get_metric_data_has_no_percentile_from_a_statistic_set_of_unknown_samples(
    aws: Any, base: dt.datetime
) -> None:
    """API_PutMetricData: "CloudWatch needs raw data points to calculate percentile statistics. If you
    publish data using a statistic set instead, you can only retrieve percentile statistics for this
    data if ... The SampleCount value of the statistic set is 1 [or] The Min and the Max values of the
    statistic set are equal." A period holding another set has no percentile; the five statistics
    SageMaker lists for ModelLatency (Average, Sum, Min, Max, SampleCount) are still there."""
    cw = aws("cloudwatch")
    latency = {"MetricName": "ModelLatency", "Dimensions": _dims("Canary"), "Unit": "Microseconds"}

    def put(minute: int, stats: dict[str, float]) -> None:
        at = base + dt.timedelta(minutes=minute, seconds=5)
        cw.put_metric_data(
            Namespace=SAGEMAKER, MetricData=[{**latency, "Timestamp": at, "StatisticValues": stats}]
        )

    put(0, {"SampleCount": 1, "Sum": 7000, "Minimum": 7000, "Maximum": 7000})
    put(1, {"SampleCount": 4, "Sum": 8000, "Minimum": 2000, "Maximum": 2000})
    put(2, {"SampleCount": 2, "Sum": 2000, "Minimum": 500, "Maximum": 1500})
    response = cw.get_metric_data(
        StartTime=base,
        EndTime=base + dt.timedelta(minutes=3),
        ScanBy="TimestampAscending",
        MetricDataQueries=[
            _stat("p99", "ModelLatency", "p99", 60),
            _stat("avg", "ModelLatency", "Average", 60),
            _stat("all_p99", "ModelLatency", "p99", 180),
        ],
    )
    assert _values(response) == {"p99": [7000.0, 2000.0], "avg": [7000.0, 2000.0, 1000.0], "all_p99": []}


def test_statistic_set_mode_stores_sagemaker_metrics_without_their_samples(
    aws: Any, base: dt.datetime
) -> None:
    """SageMaker's metrics page lists Average, Sum, Min, Max and Sample Count for ModelLatency and no
    percentile (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html): in this
    mode PutMetricData stores AWS/SageMaker datapoints as statistic sets, so a p99 of varied latencies
    is absent (API_PutMetricData) while Sum and Average are as before."""
    from canary.emulator import cloudwatch

    cloudwatch.store_as_statistic_sets("AWS/SageMaker")
    cw = aws("cloudwatch")
    at = base + dt.timedelta(seconds=5)
    cw.put_metric_data(
        Namespace=SAGEMAKER,
        MetricData=[
            {
                "MetricName": "ModelLatency",
                "Dimensions": _dims("Canary"),
                "Timestamp": at,
                "Values": [1000, 9000],
                "Counts": [3, 1],
            },
            {"MetricName": "Invocations", "Dimensions": _dims("Canary"), "Timestamp": at, "Value": 4},
        ],
    )
    response = cw.get_metric_data(
        StartTime=base,
        EndTime=base + dt.timedelta(minutes=1),
        MetricDataQueries=[
            _stat("p99", "ModelLatency", "p99", 60),
            _stat("avg", "ModelLatency", "Average", 60),
            _stat("count", "ModelLatency", "SampleCount", 60),
            _stat("calls", "Invocations", "Sum", 60),
        ],
    )
    assert _values(response) == {"p99": [], "avg": [3000.0], "count": [4.0], "calls": [4.0]}


def test_a_datapoint_is_readable_only_after_the_metrics_delay(aws: Any, emulator: Any) -> None:
    """SageMaker's invocation metrics "are available at a 1-minute frequency"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html), and CloudWatch
    evaluates "data points available at a specific moment ... new data points continue to flow into
    the CloudWatch metric" (https://repost.aws/knowledge-center/cloudwatch-trigger-metric): data
    arrives late. With ``metrics_delay_seconds`` a datapoint stored now is not read until then."""
    import time

    from tests.conftest import timings

    emulator.set_timings(timings(metrics_delay_seconds=0.6))
    cw = aws("cloudwatch")
    now = dt.datetime.now(dt.UTC)
    cw.put_metric_data(
        Namespace=SAGEMAKER,
        MetricData=[
            {"MetricName": "Invocations", "Dimensions": _dims("Canary"), "Value": 5, "Timestamp": now}
        ],
    )
    window = {
        "StartTime": now - dt.timedelta(minutes=1),
        "EndTime": now + dt.timedelta(minutes=1),
        "MetricDataQueries": [_stat("calls", "Invocations", "Sum", 120)],
    }
    assert _values(cw.get_metric_data(**window)) == {"calls": []}, "not yet published"
    time.sleep(0.7)
    assert _values(cw.get_metric_data(**window)) == {"calls": [5.0]}
