"""The emulator starts, serves real HTTP, and resets between tests."""

from __future__ import annotations

from typing import Any


def test_serves_sts_identity_of_the_fixed_account(aws: Any) -> None:
    """SPEC §5: account 123456789012, any credentials."""
    assert aws("sts").get_caller_identity()["Account"] == "123456789012"


def test_reset_forgets_every_resource(aws: Any, emulator: Any) -> None:
    cw = aws("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="leftover",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    assert [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]] == ["leftover"]
    emulator.reset()
    assert cw.describe_alarms()["MetricAlarms"] == []
