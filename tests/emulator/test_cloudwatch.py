"""CloudWatch alarms in the emulator behave as the CloudWatch API reference says."""

from __future__ import annotations

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
