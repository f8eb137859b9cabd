"""The emulator starts, serves real HTTP, and resets between tests."""

from __future__ import annotations

from typing import Any


def test_serves_sts_identity_of_the_fixed_account(aws: Any) -> None:
    """docs/emulator.md: account 123456789012, any credentials."""
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


def test_reset_stops_executions_still_running(aws: Any, emulator: Any) -> None:
    """A running execution must not outlive a reset: its thread would act on the next test's resources."""
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="sleeper",
        definition='{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"End":true}}}',
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    arn = sfn.start_execution(stateMachineArn=machine, name="long")["executionArn"]
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    backend = stepfunctions_parser_backends["123456789012"]["us-east-1"]
    (execution,) = [e for sm in backend.state_machines for e in sm.executions if e.exec_arn == arn]
    emulator.reset()
    assert execution.exec_status.value == "ABORTED"
