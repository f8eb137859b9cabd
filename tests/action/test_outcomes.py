"""Each outcome, end to end: ``entrypoint.py`` run as the runner does, against the emulator.

Exit status and outputs per docs/design.md, "Outcomes and exit status"; outputs and step summary
parsed back from the files the runner gives. Console link format: the Step Functions console's
execution details page.
"""

from __future__ import annotations

from typing import Any

from tests.action.conftest import (
    ACCOUNT,
    REGION,
    Recorder,
    Runner,
    base_inputs,
    make_endpoint,
)
from tests.conftest import timings

OUTPUTS = {"execution-arn", "status", "outcome", "model-name", "endpoint-config-name", "console-url", "kind"}


def _console(arn: str) -> str:
    return f"https://{REGION}.console.aws.amazon.com/states/home?region={REGION}#/v2/executions/details/{arn}"


def test_dry_run_prints_the_plan_and_changes_nothing(runner: Runner, recorder: Recorder, aws: Any) -> None:
    original = make_endpoint(aws, "churn-model", ["AllTraffic"])
    aws("cloudwatch").put_composite_alarm(AlarmName="p99-latency", AlarmRule="FALSE")  # it must exist
    recorder.clear()
    result = runner.run(base_inputs(dry_run="true", canary_weights="10,50", alarm_names="p99-latency"))
    assert result.returncode == 0, result.stdout + result.stderr
    text = result.stdout
    assert "step 1: 10% to the canary" in text
    assert "step 2: 50% to the canary" in text
    assert f"roll back to {original}" in text
    assert "p99-latency" in text
    assert "nothing was created or changed" in text
    assert recorder.writes == [], recorder.operations
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []
    assert len(aws("sagemaker").list_models()["Models"]) == 1
    assert set(result.outputs) == OUTPUTS
    assert result.outputs["outcome"] == "dry-run"
    assert result.outputs["model-name"].startswith("churn-model-")
    assert result.outputs["endpoint-config-name"] == original
    assert result.outputs["execution-arn"] == ""


def test_dry_run_of_a_first_deploy_says_what_it_would_create(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    result = runner.run(base_inputs(dry_run="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist: first deploy" in result.stdout
    assert "would be created" in result.stdout
    assert recorder.writes == []
    assert aws("sagemaker").list_endpoints()["Endpoints"] == []


def test_first_deploy_is_deployed_with_outputs_and_summary(runner: Runner, aws: Any) -> None:
    result = runner.run(base_inputs())
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = result.outputs
    assert set(outputs) == OUTPUTS
    assert outputs["outcome"] == "deployed"
    assert outputs["status"] == "SUCCEEDED"
    arn = outputs["execution-arn"]
    assert arn.startswith(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:sagemaker-canary-deploy:churn-model-")
    assert outputs["console-url"] == _console(arn)
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    assert endpoint["EndpointStatus"] == "InService"
    assert outputs["endpoint-config-name"] == endpoint["EndpointConfigName"]
    models = [m["ModelName"] for m in aws("sagemaker").list_models()["Models"]]
    assert outputs["model-name"] in models
    assert "deployed" in result.summary
    assert arn in result.summary or _console(arn) in result.summary
    assert result.errors() == []


def test_canary_that_bakes_cleanly_is_promoted(runner: Runner, aws: Any, emulator: Any) -> None:
    emulator.set_timings(timings(create_seconds=0.5, update_seconds=0.5))
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs(canary_weights="10,50"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["outcome"] == "deployed"
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    assert endpoint["EndpointConfigName"] == result.outputs["endpoint-config-name"]
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == ["AllTraffic"]


def test_canary_rolled_back_by_an_alarm_fails_the_job(runner: Runner, aws: Any) -> None:
    original = make_endpoint(aws, "churn-model", ["AllTraffic"])
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="churn-p99",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        ExtendedStatistic="p99",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1000,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName="churn-p99", StateValue="ALARM", StateReason="p99 over 1 s")
    result = runner.run(base_inputs(alarm_names="churn-p99", wait_minutes="0.1"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    assert result.outputs["status"] == "FAILED"
    assert result.outputs["endpoint-config-name"] == original
    assert aws("sagemaker").describe_endpoint(EndpointName="churn-model")["EndpointConfigName"] == original
    assert result.errors(), "a rollback is annotated as an error"
    assert "rolled-back" in result.summary or "rolled back" in result.summary.lower()


def test_first_deploy_of_a_broken_image_fails(runner: Runner) -> None:
    result = runner.run(base_inputs(image_uri=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:broken"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "failed"
    assert result.outputs["status"] == "FAILED"
    assert result.errors()


def test_past_timeout_minutes_the_job_fails_and_the_execution_goes_on(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs(wait_minutes="1", timeout_minutes="0.1"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "timed-out"
    assert result.outputs["status"] == "RUNNING"
    arn = result.outputs["execution-arn"]
    assert f"python -m canary follow {arn}" in result.stdout
    assert aws("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    assert result.seconds < 30
    aws("stepfunctions").stop_execution(executionArn=arn)
