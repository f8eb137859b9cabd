"""``inference-component-name``, end to end: ``entrypoint.py`` as the runner starts it, the guardrails
state machine's inference-component branch (canary/guardrails.asl.yaml) and the emulator's ICs.

SageMaker's pages these tests hold the product to:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html (a new
Specification, a rolling DeploymentConfig),
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html
(batches of COPY_COUNT or CAPACITY_PERCENT, rollback),
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html (a new IC on
an existing endpoint), https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html (the
IC's invocation metrics carry the InferenceComponentName dimension).

Timings: provisioning copies 0.3 s, moving traffic 0.05 s, DeploymentConfig waits at 1/500.
"""

from __future__ import annotations

from typing import Any

import pytest

from canary.emulator import Emulator
from canary.emulator.ic_runtime import copy_timeline
from tests.action.conftest import ACCOUNT, REGION, ROLE, ActionRun, Recorder, Runner, base_inputs
from tests.conftest import timings

ENDPOINT = "llm-endpoint"
REPO = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/llm"
NEEDS = {
    "NumberOfCpuCoresRequired": 1,
    "NumberOfAcceleratorDevicesRequired": 1,
    "MinMemoryRequiredInMb": 4096,
}
"""One A10G and 4 GB per copy: an ml.g5.12xlarge (4 GPUs) holds four copies."""
TARGET = {
    "ServiceNamespace": "sagemaker",
    "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
}


@pytest.fixture(autouse=True)
def _ic_timings(emulator: Emulator) -> None:
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=0.3, weights_seconds=0.05, deployment_wait_scale=0.002)
    )


def wait_in_service(sm: Any, name: str) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        out: dict[str, Any] = sm.describe_inference_component(InferenceComponentName=name)
        if out["InferenceComponentStatus"] != "Creating":
            return out
        time.sleep(0.05)
    raise AssertionError(f"{name} never left Creating")


def make_endpoint(aws: Any) -> None:
    """Two ml.g5.12xlarge instances for ICs; ``llm`` (a model, 4 copies, with auto scaling and a schedule)
    and ``embed`` (a container spec, 1 copy)."""
    sm = aws("sagemaker")
    sm.create_endpoint_config(
        EndpointConfigName=f"{ENDPOINT}-cfg",
        ExecutionRoleArn=ROLE,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "InstanceType": "ml.g5.12xlarge", "InitialInstanceCount": 2}
        ],
    )
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=f"{ENDPOINT}-cfg")
    sm.create_model(
        ModelName="llm-v1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{REPO}:1.0"},
        Tags=[{"Key": "cost-center", "Value": "llm"}],
    )
    sm.create_inference_component(
        InferenceComponentName="llm",
        EndpointName=ENDPOINT,
        VariantName="AllTraffic",
        Specification={
            "ModelName": "llm-v1",
            "ComputeResourceRequirements": NEEDS,
            "StartupParameters": {"ModelDataDownloadTimeoutInSeconds": 600},
        },
        RuntimeConfig={"CopyCount": 4},
        Tags=[{"Key": "team", "Value": "ml"}],
    )
    sm.create_inference_component(
        InferenceComponentName="embed",
        EndpointName=ENDPOINT,
        VariantName="AllTraffic",
        Specification={
            "Container": {"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/embed:3"},
            "ComputeResourceRequirements": {"NumberOfCpuCoresRequired": 2, "MinMemoryRequiredInMb": 2048},
        },
        RuntimeConfig={"CopyCount": 1},
    )
    wait_in_service(sm, "llm")
    wait_in_service(sm, "embed")
    scaling = aws("application-autoscaling")
    scaling.register_scalable_target(
        **TARGET, ResourceId="inference-component/llm", MinCapacity=1, MaxCapacity=6
    )
    scaling.put_scaling_policy(
        PolicyName="per-copy",
        PolicyType="TargetTrackingScaling",
        ResourceId="inference-component/llm",
        **TARGET,
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 5.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerInferenceComponentInvocationsPerCopy"
            },
        },
    )
    scaling.put_scheduled_action(
        ScheduledActionName="nightly",
        ResourceId="inference-component/llm",
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2},
        **TARGET,
    )


def inputs(component: str, **overrides: str) -> dict[str, str]:
    values = base_inputs(
        ENDPOINT,
        image_uri=f"{REPO}:2.0",
        inference_component_name=component,
        instance_type="",
        wait_minutes="5",
        endpoint_timeout_minutes="2",
    )
    values.update(overrides)
    return values


def described(sm: Any, name: str) -> dict[str, Any]:
    out = dict(sm.describe_inference_component(InferenceComponentName=name))
    out.pop("ResponseMetadata")
    return out


def log(result: ActionRun) -> str:
    return result.stdout + result.stderr


def scaling_of(aws: Any) -> tuple[Any, ...]:
    scaling = aws("application-autoscaling")
    ids = {"ResourceIds": ["inference-component/llm"]}
    strip = lambda items: [{k: v for k, v in i.items() if k not in {"CreationTime"}} for i in items]  # noqa: E731
    return (
        strip(scaling.describe_scalable_targets(**TARGET, **ids)["ScalableTargets"]),
        strip(
            scaling.describe_scaling_policies(**TARGET, ResourceId="inference-component/llm")[
                "ScalingPolicies"
            ]
        ),
        strip(
            scaling.describe_scheduled_actions(**TARGET, ResourceId="inference-component/llm")[
                "ScheduledActions"
            ]
        ),
    )


def test_an_ic_is_updated_in_rolling_batches_then_a_broken_image_rolls_back_and_the_other_ic_is_untouched(
    runner: Runner, aws: Any
) -> None:
    make_endpoint(aws)
    sm = aws("sagemaker")
    embed = described(sm, "embed")
    before = sm.describe_inference_component(InferenceComponentName="llm")
    scaling = scaling_of(aws)

    result = runner.run(inputs("llm", rolling_batch_size="1"))
    assert result.returncode == 0, log(result)
    assert result.outputs["outcome"] == "deployed"
    assert ":execution:sagemaker-guardrails-deploy:" in result.outputs["execution-arn"]
    after = sm.describe_inference_component(InferenceComponentName="llm")
    new_model = after["Specification"]["ModelName"]
    assert new_model != "llm-v1"
    assert new_model == result.outputs["model-name"]
    assert sm.describe_model(ModelName=new_model)["PrimaryContainer"]["Image"] == f"{REPO}:2.0"
    model_arn = sm.describe_model(ModelName=new_model)["ModelArn"]
    assert {"Key": "cost-center", "Value": "llm"} in sm.list_tags(ResourceArn=model_arn)["Tags"], (
        "model tags carried"
    )
    assert (
        after["Specification"]["ComputeResourceRequirements"]
        == before["Specification"]["ComputeResourceRequirements"]
    )
    assert after["Specification"]["StartupParameters"] == {"ModelDataDownloadTimeoutInSeconds": 600}
    assert after["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    timeline = copy_timeline("llm")
    assert max(m.old + m.new for m in timeline) == 5, f"4 copies + a batch of 1 at the peak: {timeline}"
    assert len([m for m in timeline if m.message.startswith("Batch") and "baking" in m.message]) == 4, (
        timeline
    )
    policy = after["LastDeploymentConfig"]["RollingUpdatePolicy"]
    assert policy["MaximumBatchSize"] == {"Type": "COPY_COUNT", "Value": 1}
    alarms = [a["AlarmName"] for a in after["LastDeploymentConfig"]["AutoRollbackConfiguration"]["Alarms"]]
    assert [a.rsplit("-", 1)[1] for a in alarms] == ["4xx", "5xx", "abort"]
    assert not aws("cloudwatch").describe_alarms(AlarmNames=alarms)["MetricAlarms"], "the deploy's alarms go"
    assert scaling_of(aws) == scaling, "the IC's scalable target, policies and schedule are not touched"
    assert "inference component llm: SageMaker's rolling update of its copies" in result.summary
    assert "Traffic to the new model" not in result.summary, "no traffic weights between ICs"
    tags = sm.list_tags(ResourceArn=after["InferenceComponentArn"])["Tags"]
    assert {"Key": "team", "Value": "ml"} in tags

    broken = runner.run(inputs("llm", image_uri=f"{REPO}:broken", rolling_batch_size="25%"))
    assert broken.returncode == 1, log(broken)
    assert broken.outputs["outcome"] == "rolled-back"
    back = sm.describe_inference_component(InferenceComponentName="llm")
    assert back["Specification"]["ModelName"] == new_model, "rolled back to the deployed model"
    assert back["RuntimeConfig"]["DesiredCopyCount"] == 4
    assert back["InferenceComponentStatus"] == "InService"
    with pytest.raises(Exception, match="Could not find model"):
        sm.describe_model(ModelName=broken.outputs.get("model-name") or "none")

    untouched = described(sm, "embed")
    assert untouched == embed, "the other IC: spec, copies and times identical"
    assert scaling_of(aws) == scaling


def test_a_missing_ic_is_created_on_the_existing_endpoint(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    make_endpoint(aws)
    emulator.set_timings(timings(create_seconds=0.0, update_seconds=3.5, weights_seconds=0.05))
    result = runner.run(
        inputs("rerank", ic_cpus="2", ic_accelerators="1", ic_memory_mb="8192", ic_copies="2")
    )
    assert result.returncode == 0, log(result)
    assert result.outputs["outcome"] == "deployed"
    created = aws("sagemaker").describe_inference_component(InferenceComponentName="rerank")
    assert created["EndpointName"] == ENDPOINT
    assert created["InferenceComponentStatus"] == "InService"
    assert created["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    assert created["Specification"]["ComputeResourceRequirements"] == {
        "NumberOfCpuCoresRequired": 2,
        "NumberOfAcceleratorDevicesRequired": 1,
        "MinMemoryRequiredInMb": 8192,
    }
    assert "does not exist: it is created" in result.stdout, log(result)
    reads = [
        line[line.index("inference component rerank ") :]
        for line in result.stdout.splitlines()
        if "• inference component rerank " in line
    ]
    assert reads[1].startswith("inference component rerank Creating"), reads
    assert len(reads) == len(set(reads)), f"polls of an unchanged IC are not repeated: {reads}"
    assert (
        "beside the 0 placed copies: 2 new copies = 2 accelerator(s), 16384 MB, 4 CPU core(s)"
        in result.stdout
    )


def test_create_endpoint_never_refuses_a_missing_ic_with_exit_2(runner: Runner, aws: Any) -> None:
    make_endpoint(aws)
    models = aws("sagemaker").list_models()["Models"]
    result = runner.run(inputs("rerank", create_endpoint="never"))
    assert result.returncode == 2, log(result)
    assert "inference-component-name" in log(result)
    assert "create-endpoint: never" in log(result)
    assert aws("sagemaker").list_models()["Models"] == models, "nothing created"


REFUSED: list[tuple[str, dict[str, str], str]] = [
    ("weights", {"canary_weights": "10,50"}, "canary-weights"),
    ("blue-green", {"strategy": "blue-green"}, "strategy"),
    ("instance-type", {"instance_type": "ml.g5.12xlarge"}, "instance-type"),
    ("smoke", {"smoke_test_payload": "{}"}, "smoke-test-payload"),
    ("approval", {"approval": "each-step"}, "approval"),
    ("gate", {"max_error_rate_increase": "1"}, "max-error-rate-increase"),
    ("copies-of-existing", {"ic_copies": "3"}, "ic-copies"),
    ("batch-past-half", {"rolling_batch_size": "3"}, "rolling-batch-size"),
    ("memory-words", {"ic_memory_mb": "lots"}, "ic-memory-mb"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "name"), [(o, n) for _, o, n in REFUSED], ids=[c for c, _, _ in REFUSED]
)
def test_bad_inputs_for_an_ic_exit_2_naming_the_input(
    runner: Runner, aws: Any, overrides: dict[str, str], name: str
) -> None:
    make_endpoint(aws)
    result = runner.run(inputs("llm", **overrides))
    assert result.returncode == 2, log(result)
    assert f"{name}:" in log(result), log(result)
    assert (
        aws("sagemaker").describe_inference_component(InferenceComponentName="llm")["Specification"][
            "ModelName"
        ]
        == "llm-v1"
    )


def test_ic_inputs_without_inference_component_name_exit_2(runner: Runner, aws: Any) -> None:
    result = runner.run(base_inputs(ENDPOINT, ic_copies="2"))
    assert result.returncode == 2, log(result)
    assert "ic-copies: applies to an inference component only" in log(result)


def updating(aws: Any, name: str = "llm", timeout: float = 30.0) -> None:
    """Wait until the IC is Updating (SageMaker's rolling update has begun)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = aws("sagemaker").describe_inference_component(InferenceComponentName=name)
        if status["InferenceComponentStatus"] == "Updating":
            return
        time.sleep(0.05)
    pytest.fail(f"{name} never started updating")


def test_an_alarm_on_the_ics_metrics_rolls_the_update_back_and_exits_1(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    """API_InferenceComponentDeploymentConfig: AutoRollbackConfiguration's alarms roll the update back.
    The deploy's own rate alarms are on the IC's metrics: AWS/SageMaker with the
    InferenceComponentName dimension (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html)."""
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=1.5, weights_seconds=0.05, deployment_wait_scale=0.002)
    )
    make_endpoint(aws)
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName="llm-p99",
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "llm"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1e6,
        ComparisonOperator="GreaterThanThreshold",
    )
    started = runner.start(inputs("llm", rolling_batch_size="1", alarm_names="llm-p99"))
    updating(aws)
    own = list(cloudwatch.describe_alarms(AlarmNamePrefix="llm-endpoint")["MetricAlarms"])
    rates = [a for a in own if a["AlarmName"].endswith(("-4xx", "-5xx"))]
    assert len(rates) == 2, own
    for alarm in rates:
        dimensions = [m["MetricStat"]["Metric"]["Dimensions"] for m in alarm["Metrics"] if "MetricStat" in m]
        assert dimensions == [[{"Name": "InferenceComponentName", "Value": "llm"}]] * 2, alarm
    cloudwatch.set_alarm_state(AlarmName="llm-p99", StateValue="ALARM", StateReason="p99 too high")
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    assert any("Canary.RolledBack" in e and "llm-p99" in e for e in result.errors()), result.errors()
    assert "inference component llm Updating" in result.stdout, "the IC's progress is streamed"
    assert "rolling update of inference component llm by SageMaker" in result.stdout, log(result)
    back = aws("sagemaker").describe_inference_component(InferenceComponentName="llm")
    assert back["Specification"]["ModelName"] == "llm-v1"
    assert back["RuntimeConfig"]["DesiredCopyCount"] == 4


def test_command_abort_rolls_an_ic_update_back_through_the_abort_alarm(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=1.0, weights_seconds=0.05, deployment_wait_scale=0.002)
    )
    make_endpoint(aws)
    started = runner.start(inputs("llm", rolling_batch_size="1"))
    updating(aws)
    aborted = runner.run({"command": "abort", "endpoint_name": ENDPOINT})
    assert aborted.returncode == 0, log(aborted)
    result = started.wait(90)
    assert result.returncode == 1, log(result)
    assert result.outputs["outcome"] == "rolled-back"
    assert any("-abort" in error for error in result.errors()), result.errors()
    assert (
        aws("sagemaker").describe_inference_component(InferenceComponentName="llm")["Specification"][
            "ModelName"
        ]
        == "llm-v1"
    )


def test_an_ic_of_one_copy_is_updated_all_at_once_with_a_warning(runner: Runner, aws: Any) -> None:
    """SageMaker's rolling batches are 5-50 % of the copy count
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html):
    one copy leaves no room, so the update goes without a DeploymentConfig (new copy beside the old),
    said in the log. A container-spec IC keeps its container form."""
    make_endpoint(aws)
    image = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/embed:4"
    result = runner.run(inputs("embed", image_uri=image, model_data="", ic_memory_mb="3072"))
    assert result.returncode == 0, log(result)
    assert "warning: inference component embed has 1 copies" in result.stdout, log(result)
    after = aws("sagemaker").describe_inference_component(InferenceComponentName="embed")
    assert after["Specification"]["Container"]["DeployedImage"]["SpecifiedImage"] == image
    assert "ModelName" not in after["Specification"]
    assert after["Specification"]["ComputeResourceRequirements"] == {
        "NumberOfCpuCoresRequired": 2,
        "MinMemoryRequiredInMb": 3072,
    }, "ic-memory-mb changes the memory; the CPU reservation is kept"
    assert "LastDeploymentConfig" not in after
    assert result.outputs["endpoint-config-name"] == f"{ENDPOINT}-cfg", "the endpoint's config is unchanged"
    assert (
        "Deployed: inference component embed of endpoint llm-endpoint serves its new container"
        in result.summary
    )
    assert after["RuntimeConfig"] == {"DesiredCopyCount": 1, "CurrentCopyCount": 1}


def test_dry_run_of_an_ic_deploy_says_what_sagemaker_will_do_and_changes_nothing(
    runner: Runner, aws: Any, recorder: Recorder
) -> None:
    make_endpoint(aws)
    recorder.clear()
    result = runner.run(inputs("llm", rolling_batch_size="1", dry_run="true"))
    assert result.returncode == 0, log(result)
    assert "rolling update of its 4 copies" in result.stdout, log(result)
    assert recorder.writes == [], recorder.operations
    assert "UpdateInferenceComponent with the new model" in result.stdout, log(result)
    assert "batches of 1 copies" in result.stdout, log(result)
    need = "beside the 4 placed copies: 1 new copies = 1 accelerator(s), 4096 MB, 1 CPU core(s)"
    assert need in result.stdout, log(result)
    assert "UpdateEndpoint" not in result.stdout, log(result)
    assert "instances (steady" not in result.stdout, log(result)


def test_an_ic_scaled_to_zero_is_updated_without_batches(runner: Runner, aws: Any) -> None:
    """UpdateInferenceComponentRuntimeConfig takes CopyCount 0 (scaled to zero,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponentRuntimeConfig.html):
    no copies to batch, so the update goes without a DeploymentConfig and stays at 0 copies."""
    make_endpoint(aws)
    sm = aws("sagemaker")
    sm.update_inference_component_runtime_config(
        InferenceComponentName="llm", DesiredRuntimeConfig={"CopyCount": 0}
    )
    import time

    deadline = time.monotonic() + 10
    while (
        sm.describe_inference_component(InferenceComponentName="llm")["InferenceComponentStatus"]
        != "InService"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    result = runner.run(inputs("llm"))
    assert result.returncode == 0, log(result)
    assert "has 0 copies" in result.stdout, log(result)
    after = sm.describe_inference_component(InferenceComponentName="llm")
    assert after["Specification"]["ModelName"] == result.outputs["model-name"]
    assert after["RuntimeConfig"]["DesiredCopyCount"] == 0


def test_an_adapter_ic_is_refused_by_name(runner: Runner, aws: Any) -> None:
    make_endpoint(aws)
    sm = aws("sagemaker")
    sm.create_inference_component(
        InferenceComponentName="llm-lora",
        EndpointName=ENDPOINT,
        VariantName="AllTraffic",
        Specification={
            "BaseInferenceComponentName": "llm",
            "Container": {"ArtifactUrl": "s3://b/lora.tar.gz"},
        },
    )
    wait_in_service(sm, "llm-lora")
    result = runner.run(inputs("llm-lora"))
    assert result.returncode == 2, log(result)
    assert "inference-component-name: llm-lora is an adapter of llm" in log(result), log(result)
