"""``alarm-names`` takes at most 97 alarms (canary/alarm_limits.py): every check names them and the
deploy's own -4xx, -5xx and -abort in one CloudWatch DescribeAlarms call, which takes at most 100
names (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html)."""

from __future__ import annotations

from typing import Any

from tests.action.conftest import Runner, base_inputs
from tests.proxy import Proxy as Recorder


def test_98_alarm_names_exit_2_naming_the_input_before_any_aws_call(
    runner: Runner, recorder: Recorder
) -> None:
    names = "\n".join(f"team-{i:03}" for i in range(98))
    run = runner.run_here(base_inputs(alarm_names=names))
    assert run.returncode == 2, run.stdout + run.stderr
    (error,) = run.errors()
    assert error.startswith("alarm-names:")
    assert "98 alarms" in error
    assert "at most 97" in error
    assert recorder.operations == []


def test_97_alarm_names_pass_the_input_check(runner: Runner, aws: Any) -> None:
    """97 alarms that exist (each named alarm must: canary/preflight.py) pass the dry run's checks."""
    for i in range(97):
        aws("cloudwatch").put_metric_alarm(
            AlarmName=f"team-{i:03}",
            Namespace="AWS/SageMaker",
            MetricName="Invocation5XXErrors",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    names = ",".join(f"team-{i:03}" for i in range(97))
    run = runner.run_here(base_inputs(alarm_names=names, dry_run="true"))
    assert "alarm-names" not in " ".join(run.errors()), run.stdout + run.stderr
