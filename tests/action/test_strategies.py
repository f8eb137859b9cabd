"""``strategy: blue-green`` and ``rolling``, end to end: ``entrypoint.py`` as the runner starts it, the
guardrails state machine (canary/guardrails.asl.json) and the emulator's SageMaker guardrails.

SageMaker's pages these tests hold the product to:
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html (blue/green and rolling,
auto-rollback alarms), https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html
(batches: the peak is the fleet plus one batch, rollback in RollbackMaximumBatchSize batches),
https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html (serverless
endpoints take blue/green only),
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html
(PendingDeploymentSummary, UpdateRollbackFailed).

Timings: provisioning 0.3 s, traffic shifts 0.05 s, every DeploymentConfig wait at 1/500 of its length
(``deployment_wait_scale``), so ``wait-minutes: 10`` bakes 1.2 s.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from canary.emulator import Emulator
from canary.emulator.guardrails_run import Moment, deployment_timeline, fail_next_rollback
from tests.action.conftest import ACCOUNT, REGION, ROLE, ActionRun, Recorder, Runner, base_inputs
from tests.conftest import timings

ENDPOINT = "churn-model"
OLD_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:0.9"


@pytest.fixture(autouse=True)
def _guardrail_timings(emulator: Emulator) -> None:
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=0.3, weights_seconds=0.05, deployment_wait_scale=0.002)
    )


def make_fleet(aws: Any, instances: int | None) -> str:
    """An InService endpoint on config ``churn-model-original``: ``instances`` ml.m5.large instances,
    or serverless (None) with memory, max and provisioned concurrency."""
    sagemaker = aws("sagemaker")
    sagemaker.create_model(
        ModelName="old-model", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": OLD_IMAGE}
    )
    variant: dict[str, Any] = {
        "VariantName": "AllTraffic",
        "ModelName": "old-model",
        "InitialVariantWeight": 1.0,
    }
    if instances is None:
        variant["ServerlessConfig"] = {
            "MemorySizeInMB": 2048,
            "MaxConcurrency": 5,
            "ProvisionedConcurrency": 2,
        }
    else:
        variant.update(InstanceType="ml.m5.large", InitialInstanceCount=instances)
    sagemaker.create_endpoint_config(EndpointConfigName=f"{ENDPOINT}-original", ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{ENDPOINT}-original")
    return f"{ENDPOINT}-original"


def inputs(strategy: str, **overrides: str) -> dict[str, str]:
    values = base_inputs(
        strategy=strategy,
        wait_minutes="10",
        endpoint_timeout_minutes="2",
        instance_type="",
        alarm_names="latency-p99",
    )
    values.update(overrides)
    return values


def put_alarm(aws: Any, name: str = "latency-p99") -> None:
    aws("cloudwatch").put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[
            {"Name": "EndpointName", "Value": ENDPOINT},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1e6,
        ComparisonOperator="GreaterThanThreshold",
    )


@pytest.fixture(autouse=True)
def _the_named_alarm_exists(aws: Any) -> None:
    """``inputs()`` names latency-p99, and every named alarm must exist (canary/preflight.py)."""
    put_alarm(aws)


def fire(aws: Any, name: str = "latency-p99") -> None:
    aws("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="p99 too high")


def stage_seen(aws: Any, stage: str, *, timeout: float = 30.0, batch: str = "") -> None:
    """Wait until the endpoint's pending deployment is in ``stage`` (its message containing ``batch``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            endpoint = aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
        except Exception:
            endpoint = {}
        for variant in (endpoint.get("PendingDeploymentSummary") or {}).get("ProductionVariants") or []:
            status = (variant.get("VariantStatus") or [{}])[0]
            if status.get("Status") == stage and batch in status.get("StatusMessage", ""):
                return
        time.sleep(0.05)
    pytest.fail(f"the deployment never reached {stage} {batch}")


def peak(timeline: list[Moment]) -> int:
    """The most instances the endpoint ran during its last guarded deployment."""
    return max(sum(moment.instances.values()) for moment in timeline)


def log(result: ActionRun) -> str:
    return result.stdout + result.stderr


def test_serverless_endpoint_deploys_blue_green_with_its_settings_kept(runner: Runner, aws: Any) -> None:
    make_fleet(aws, None)
    put_alarm(aws)
    result = runner.run(inputs("blue-green"))
    assert result.returncode == 0, log(result)
    assert result.outputs["outcome"] == "deployed"
    assert ":execution:sagemaker-guardrails-deploy:" in result.outputs["execution-arn"]
    sagemaker = aws("sagemaker")
    endpoint = sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == result.outputs["endpoint-config-name"] != f"{ENDPOINT}-original"
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    [variant] = config["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    assert variant["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 5,
        "ProvisionedConcurrency": 2,
    }
    policy = endpoint["LastDeploymentConfig"]
    assert policy["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["CanarySize"] == {
        "Type": "CAPACITY_PERCENT",
        "Value": 20,
    }
    alarms = [a["AlarmName"] for a in policy["AutoRollbackConfiguration"]["Alarms"]]
    assert alarms[0] == "latency-p99"
    assert [a.rsplit("-", 1)[1] for a in alarms[1:]] == ["4xx", "5xx", "abort"]
    # Streamed: SageMaker's stages in the log; the deploy's own alarms are gone after it.
    assert "Baking, step 1 of 2: 20% of traffic on the new fleet" in result.stdout, log(result)
    assert "Final baking period" in result.stdout, log(result)
    remaining = [a["AlarmName"] for a in aws("cloudwatch").describe_alarms()["MetricAlarms"]]
    assert remaining == ["latency-p99"]


def test_serverless_blue_green_rolls_back_on_an_alarm_and_exits_1(runner: Runner, aws: Any) -> None:
    original = make_fleet(aws, None)
    put_alarm(aws)
    started = runner.start(inputs("blue-green"))
    stage_seen(aws, "Baking")
    fire(aws)
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    assert aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == original
    assert any("latency-p99" in error for error in result.errors()), result.errors()
    assert "latency-p99 in ALARM" in result.stdout, log(result)
    models = [m["ModelName"] for m in aws("sagemaker").list_models()["Models"]]
    assert models == ["old-model"], "the new model is deleted after the rollback"
    configs = [c["EndpointConfigName"] for c in aws("sagemaker").list_endpoint_configs()["EndpointConfigs"]]
    assert configs == [original]


def test_serverless_endpoint_with_the_canary_strategy_is_refused_pointing_at_strategy(
    runner: Runner, aws: Any
) -> None:
    make_fleet(aws, None)
    result = runner.run(inputs("canary"))
    assert result.returncode == 2, log(result)
    assert any(e.startswith("strategy:") and "blue-green" in e for e in result.errors()), result.errors()
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []
    assert [m["ModelName"] for m in aws("sagemaker").list_models()["Models"]] == ["old-model"]


def test_rolling_deploy_of_4_instances_never_runs_more_than_4_plus_a_batch(runner: Runner, aws: Any) -> None:
    make_fleet(aws, 4)
    put_alarm(aws)
    result = runner.run(inputs("rolling", rolling_batch_size="1", wait_minutes="5"))
    assert result.returncode == 0, log(result)
    assert result.outputs["outcome"] == "deployed"
    timeline = deployment_timeline(ENDPOINT)
    assert peak(timeline) == 5, timeline
    endpoint = aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["ProductionVariants"][0]["CurrentInstanceCount"] == 4, "the fleet is kept"
    assert "batch 4 of 4" in result.stdout, log(result)
    assert "batch 4 of 4" in result.summary, "SageMaker's stages are in the step summary's timeline"
    assert "peak 5 instances (steady 4)" in result.stdout, log(result)


def test_rolling_rollback_of_4_instances_stays_within_4_plus_a_batch(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    """The rollback brings old instances back one at a time (RollbackMaximumBatchSize = the batch),
    so it too stays within 4 + 1; provisioning takes 1.5 s here, so the log sees the rollback run
    and names the alarm as it fires."""
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=1.5, weights_seconds=0.05, deployment_wait_scale=0.002)
    )
    original = make_fleet(aws, 4)
    put_alarm(aws)
    started = runner.start(inputs("rolling", rolling_batch_size="1", wait_minutes="5"))
    stage_seen(aws, "Baking", batch="batch 2")
    fire(aws)
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    timeline = deployment_timeline(ENDPOINT)
    assert any(moment.rolling_back for moment in timeline)
    assert peak(timeline) <= 5, timeline
    assert aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == original
    assert result.stdout.count("ALARM: latency-p99: p99 too high") == 1, log(result)
    assert "Rolling back (alarm)" in result.stdout, log(result)


def test_abort_while_a_batch_provisions_rolls_back_when_its_baking_begins(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    """SageMaker watches the rollback alarms during baking periods only: ``command: abort`` puts the
    deploy's own abort alarm (in AutoRollbackConfiguration from the start) in ALARM and keeps it there,
    so an abort while a batch provisions rolls back the moment that batch's baking begins."""
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=8.0, weights_seconds=0.05, deployment_wait_scale=0.002)
    )
    original = make_fleet(aws, 4)
    started = runner.start(inputs("rolling", rolling_batch_size="1", wait_minutes="5", alarm_names=""))
    stage_seen(aws, "Creating", batch="batch 1")
    aborted = runner.run(base_inputs(command="abort"))  # the answering job need not say the strategy
    assert aborted.returncode == 0, log(aborted)
    assert "next baking period" in aborted.stdout, log(aborted)
    [now] = aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["PendingDeploymentSummary"][
        "ProductionVariants"
    ]
    assert now["VariantStatus"][0]["Status"] == "Creating", "aborted while batch 1 provisions"
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    assert any("-abort" in error for error in result.errors()), result.errors()
    assert aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == original
    timeline = deployment_timeline(ENDPOINT)
    provisioned = [m for m in timeline if m.stage == "Creating" and not m.rolling_back]
    assert len(provisioned) == 1, f"only the first batch was provisioned: {timeline}"
    shifted = next(n for n, m in enumerate(timeline) if m.stage == "ActivatingTraffic")
    assert timeline[shifted + 1].rolling_back, f"the rollback is where batch 1's baking began: {timeline}"


def test_a_failed_rollback_is_failed_with_what_to_do(runner: Runner, aws: Any) -> None:
    make_fleet(aws, 4)
    put_alarm(aws)
    started = runner.start(inputs("rolling", rolling_batch_size="1", wait_minutes="5"))
    stage_seen(aws, "Creating", batch="batch 1")
    fail_next_rollback(ENDPOINT)
    stage_seen(aws, "Baking", batch="batch 1")
    fire(aws)
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "failed"
    errors = result.errors()
    assert any("UpdateRollbackFailed" in e and "update-endpoint" in e for e in errors), errors


def test_dry_run_of_a_rolling_deploy_says_what_sagemaker_will_do_and_changes_nothing(
    runner: Runner, aws: Any, recorder: Recorder
) -> None:
    make_fleet(aws, 4)
    recorder.clear()
    result = runner.run(inputs("rolling", rolling_batch_size="1", dry_run="true"))
    assert result.returncode == 0, log(result)
    assert "rolling update by SageMaker: batches of 1 instance(s)" in result.stdout, log(result)
    assert "peak: 5 ml.m5.large instances (steady: 4)" in result.stdout, log(result)
    assert "step 1: 20% to the canary" not in result.stdout
    assert "-abort" in result.stdout
    assert recorder.writes == [], recorder.operations


def test_a_new_model_that_fails_its_health_check_is_rolled_back_not_deployed(
    runner: Runner, aws: Any
) -> None:
    """SageMaker rolls a deployment whose new instances fail their health check back to the old
    config with a FailureReason (API_DescribeEndpoint): ``Canary.UpdateFailed``, rolled-back, exit 1."""
    original = make_fleet(aws, 4)
    broken = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:broken"
    result = runner.run(inputs("rolling", rolling_batch_size="1", wait_minutes="5", image_uri=broken))
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    assert any("Canary.UpdateFailed" in error for error in result.errors()), result.errors()
    assert aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == original
    assert [m["ModelName"] for m in aws("sagemaker").list_models()["Models"]] == ["old-model"]


def test_a_first_deploy_with_a_strategy_creates_the_endpoint(runner: Runner, aws: Any) -> None:
    result = runner.run(inputs("rolling", instance_type="ml.m5.large"))
    assert result.returncode == 0, log(result)
    assert result.outputs["outcome"] == "deployed"
    endpoint = aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == result.outputs["endpoint-config-name"]
    assert "LastDeploymentConfig" not in endpoint, "a first deploy is a CreateEndpoint, no guardrails"


def test_auto_scaling_and_its_schedule_are_put_back_exactly_after_a_rolling_deploy(
    runner: Runner, aws: Any
) -> None:
    """SageMaker refuses to update a variant with a scalable target, and "Deregistering a scalable
    target deletes the scaling policies and the scheduled actions that are associated with it"
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html):
    the target, its policy and its scheduled action are captured, and put back exactly."""
    make_fleet(aws, 4)
    scaling = aws("application-autoscaling")
    resource = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": f"endpoint/{ENDPOINT}/variant/AllTraffic",
        "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
    }
    scaling.register_scalable_target(**resource, MinCapacity=2, MaxCapacity=8)
    scaling.put_scaling_policy(
        **resource,
        PolicyName="SageMakerEndpointInvocationScalingPolicy",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )
    nightly = {"ScheduledActionName": "nightly-down", "Schedule": "cron(0 22 * * ? *)", "Timezone": "UTC"}
    scaling.put_scheduled_action(
        **resource, **nightly, ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 4}
    )
    result = runner.run(inputs("rolling", rolling_batch_size="1", wait_minutes="5"))
    assert result.returncode == 0, log(result)
    [target] = scaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 8)
    [policy] = scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 70.0
    [action] = scaling.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]
    assert {key: action[key] for key in nightly} == nightly
    assert action["ScalableTargetAction"] == {"MinCapacity": 2, "MaxCapacity": 4}
    sfn, arn = aws("stepfunctions"), result.outputs["execution-arn"]
    history = [
        e
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
        for e in page["events"]
    ]
    scheduled = [
        e["taskScheduledEventDetails"]["parameters"]
        for e in history
        if e["type"] == "TaskScheduled" and "putScheduledAction" in e["taskScheduledEventDetails"]["resource"]
    ]
    assert len(scheduled) == 1, "the scheduled action is put back (the deregistration deletes it on AWS)"
    assert "nightly-down" in scheduled[0]


def test_a_rerun_attaches_to_the_running_rolling_deploy_and_both_report_it(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    """A rerun of the same artifact attaches (docs/design.md, "Guarantees"); the strategy's machine is
    the one looked up. Notifications go out from the guardrails flow as from the canary's."""
    topic = aws("sns").create_topic(Name="deploys")["TopicArn"]
    make_fleet(aws, 4)
    values = inputs("rolling", rolling_batch_size="1", wait_minutes="5", notify_topic_arn=topic)
    first = runner.start(values)
    stage_seen(aws, "Creating", batch="batch 1")
    rerun = runner.start(values, {"GITHUB_RUN_ATTEMPT": "2"})
    second, original = rerun.wait(90), first.wait(90)
    assert (original.returncode, second.returncode) == (0, 0), log(original) + log(second)
    assert "attaching to execution" in second.stdout, log(second)
    assert second.outputs["execution-arn"] == original.outputs["execution-arn"]
    assert [p.subject for p in emulator.published(topic)] == [
        f"{ENDPOINT}: deploy started (rolling)",
        f"{ENDPOINT}: deployed",
    ]


def test_blue_green_all_at_once_with_canary_weights_100(runner: Runner, aws: Any) -> None:
    """``canary-weights: 100``: SageMaker's all-at-once traffic shifting, then the baking period
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-all-at-once.html)."""
    make_fleet(aws, 2)
    result = runner.run(inputs("blue-green", canary_weights="100"))
    assert result.returncode == 0, log(result)
    routing = aws("sagemaker").describe_endpoint(EndpointName=ENDPOINT)["LastDeploymentConfig"][
        "BlueGreenUpdatePolicy"
    ]["TrafficRoutingConfiguration"]
    assert routing == {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 600}
    assert "blue/green by SageMaker: all at once" in result.stdout, log(result)
    assert peak(deployment_timeline(ENDPOINT)) == 4
