"""No silent safety gaps (issue 19): what the action used to accept without a word.

- A misspelled ``alarm-names`` entry: CloudWatch DescribeAlarms leaves out names that have no alarm,
  without an error (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html),
  so the deploy baked with a safety net that never existed. Now: exit 2 naming it, nothing created.
- An ECR image of another region: "the Docker image for inference container in Amazon EC2 Container
  Registry must be in the same region as the model or endpoint you are creating"
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html): exit 2.
- A missing endpoint: ``create-endpoint: never`` refuses it (exit 2, nothing created); with the
  default ``allow`` the first deploy is a warning before the start, a line of the summary and the
  ``kind`` output.
- A canary that served no request: its alarms are ``INSUFFICIENT_DATA`` and its numbers zero for the
  whole bake; the step passes (``min-canary-invocations`` 0) with a warning that nothing was judged.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from canary.emulator.traffic import TrafficFeed, VariantTraffic
from canary.settings_safety import ecr_region
from tests.action.conftest import ACCOUNT, REGION, ActionRun, Recorder, Runner, base_inputs, make_endpoint
from tests.presentation.runner_log import Command

FIRST_DEPLOY_TITLE = "SageMaker canary deploy: first deploy"
NOT_JUDGED_TITLE = "SageMaker canary deploy: not judged"


def _alarm(aws: Any, name: str) -> None:
    aws("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "churn-model"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1000,
        ComparisonOperator="GreaterThanThreshold",
    )


def _nothing_created(recorder: Recorder, aws: Any) -> None:
    assert recorder.writes == [], recorder.writes
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == [], "no state machine created"


def test_a_misspelled_alarm_exits_2_naming_it_before_anything_is_created(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    _alarm(aws, "churn-p99")
    result = runner.run_here(base_inputs(alarm_names="churn-p99\nchurn-p99-typo"))
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert error.properties.get("title") == "Invalid configuration"
    assert error.data.startswith("alarm-names: no alarm named churn-p99-typo in us-east-1"), error.data
    assert "churn-p99," not in error.data, "only the missing one is named"
    assert "correct the name" in error.data
    assert result.outputs["outcome"] == ""
    _nothing_created(recorder, aws)
    describes = [op for op in recorder.operations if op.endswith(".DescribeAlarms")]
    assert len(describes) == 1, "one DescribeAlarms call for up to 100 names"


def test_metric_and_composite_alarms_that_exist_pass_the_check(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    """DescribeAlarms without ``AlarmTypes`` returns metric alarms only: the check asks for both."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    _alarm(aws, "churn-p99")
    aws("cloudwatch").put_composite_alarm(AlarmName="churn-slo", AlarmRule='ALARM("churn-p99")')
    result = runner.run_here(base_inputs(alarm_names="churn-p99,churn-slo", dry_run="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["kind"] == "canary"


def test_an_ecr_image_of_another_region_exits_2_before_any_aws_call(
    runner: Runner, recorder: Recorder
) -> None:
    result = runner.run_here(base_inputs(aws_region="eu-west-1"))
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert error.properties.get("title") == "Invalid input"
    assert error.data.startswith(
        "image-uri: the image is in Amazon ECR of us-east-1 but aws-region is eu-west-1"
    ), error.data
    assert "push the image to ECR in eu-west-1" in error.data
    assert recorder.operations == []


@pytest.mark.parametrize(
    ("image", "region"),
    [
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/model:1", "eu-west-1"),
        (f"{ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/model:1", "us-gov-west-1"),
        (f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/model@sha256:{'a' * 64}", "cn-north-1"),
        (f"{ACCOUNT}.dkr-ecr.ap-south-1.on.aws/team/model:1", "ap-south-1"),
        ("registry.example.com:5000/model:1", None),
        ("public.ecr.aws/team/model:1", None),
        (f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com.evil.example/model:1", None),
    ],
)
def test_the_region_is_read_from_ecr_hosts_only(image: str, region: str | None) -> None:
    """Amazon ECR private registries: https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html"""
    assert ecr_region(image) == region


def test_create_endpoint_never_refuses_a_missing_endpoint_and_creates_nothing(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    inputs = base_inputs(endpoint="churn-modle", create_endpoint="never")
    del inputs["instance_type"]  # the refusal is create-endpoint's, not instance-type's (a first deploy's)
    result = runner.run_here(inputs)
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert error.data.startswith(
        "endpoint-name: endpoint churn-modle does not exist in us-east-1 and create-endpoint is never"
    ), error.data
    assert "set create-endpoint: allow" in error.data
    assert not result.log.named("warning"), "refused, not announced"
    _nothing_created(recorder, aws)
    assert aws("sagemaker").list_models()["Models"] == []


def test_create_endpoint_takes_allow_or_never(runner: Runner, recorder: Recorder) -> None:
    result = runner.run_here(base_inputs(create_endpoint="sometimes"))
    assert result.returncode == 2
    (error,) = result.log.named("error")
    assert error.data.startswith("create-endpoint: 'sometimes' is not an option: use allow")
    assert recorder.operations == []


def test_a_first_deploy_is_a_warning_before_the_start_a_summary_line_and_an_output(
    runner: Runner, aws: Any
) -> None:
    result = runner.run(base_inputs(instance_count="2"))
    assert result.returncode == 0, result.stdout + result.stderr
    (warning,) = [w for w in result.log.named("warning") if w.properties.get("title") == FIRST_DEPLOY_TITLE]
    text = (
        f"endpoint churn-model does not exist in {REGION}: "
        "this creates it, 2 new billable instances of ml.m5.large"
    )
    assert warning.data.startswith(text), warning.data
    log = result.stdout
    assert log.index(text) < log.index("started execution"), "said before the start"
    assert result.outputs["kind"] == "first-deploy"
    assert f"⚠️ First deploy: {text}" in result.summary


def _titled(result: ActionRun, title: str) -> list[Command]:
    return [w for w in result.log.named("warning") if w.properties.get("title") == title]


def test_a_canary_that_served_no_request_is_promoted_but_said_to_be_not_judged(
    runner: Runner, aws: Any
) -> None:
    """Nothing reached the canary (no metrics at all): its alarms stay INSUFFICIENT_DATA, which is shown
    as what it is, and the step passes with a warning pointing at min-canary-invocations (default 0).
    Also: an existing endpoint is ``kind: canary`` with no first-deploy warning."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    result = runner.run(base_inputs(create_endpoint="never"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["kind"] == "canary"
    assert not _titled(result, FIRST_DEPLOY_TITLE)
    assert "First deploy" not in result.summary
    (warning,) = _titled(result, NOT_JUDGED_TITLE)
    assert warning.data.startswith("not judged: 0 requests reached the canary in the 20% step"), warning.data
    assert "set min-canary-invocations" in warning.data
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # colours off
    assert "! not judged: 0 requests reached the canary in the 20% step" in log
    assert "⚠️ Not judged: 0 requests reached the canary in the 20% step" in result.summary
    assert "✓ alarms OK" not in log
    assert "• no alarm in ALARM; INSUFFICIENT_DATA (too little data to evaluate: not judged): " in log


def test_a_canary_that_served_requests_is_not_warned_about(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    traffic = {"Canary": VariantTraffic(40), "AllTraffic": VariantTraffic(160)}
    with TrafficFeed(aws("cloudwatch"), "churn-model", traffic):
        result = runner.run(base_inputs())
    assert result.returncode == 0, result.stdout + result.stderr
    assert not _titled(result, NOT_JUDGED_TITLE), result.stdout
    assert "Not judged" not in result.summary
