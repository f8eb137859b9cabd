"""The emulator hosts SageMaker inference components (ICs) as the SageMaker API reference describes them.

Every test drives real boto3 over HTTP. Provisioning copies takes ``PROVISION`` seconds, moving traffic
or terminating copies ``SHIFT``, and DeploymentConfig waits run at 1/1000 of their length
(``deployment_wait_scale``), so a 100-second baking period lasts 0.1 s.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator
from canary.emulator.ic_runtime import ComponentTrafficFeed, copy_timeline, invocations
from canary.emulator.traffic import VariantTraffic
from tests.conftest import timings

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/llm"
PROVISION = 0.15
SHIFT = 0.03
SCALE = 0.001
SMALL = {
    "NumberOfCpuCoresRequired": 1,
    "NumberOfAcceleratorDevicesRequired": 1,
    "MinMemoryRequiredInMb": 4096,
}
"""One A10G and 4 GB per copy: an ml.g5.12xlarge (4 GPUs) holds four copies."""


@pytest.fixture
def sm(aws: Any, emulator: Emulator) -> Any:
    emulator.set_timings(
        timings(
            create_seconds=0.0, update_seconds=PROVISION, weights_seconds=SHIFT, deployment_wait_scale=SCALE
        )
    )
    return aws("sagemaker")


def model(sm: Any, name: str, tag: str) -> str:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:{tag}"})
    return name


def ic_endpoint(
    sm: Any, instances: int = 2, instance_type: str = "ml.g5.12xlarge", name: str = "ep", managed: int = 0
) -> str:
    """An InService endpoint whose variant AllTraffic hosts ICs (instances, no model); ``managed``:
    managed instance scaling up to that many instances."""
    sm.create_endpoint_config(
        EndpointConfigName=f"{name}-cfg",
        ExecutionRoleArn=ROLE,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "InstanceType": instance_type,
                "InitialInstanceCount": instances,
                "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
                **(
                    {
                        "ManagedInstanceScaling": {
                            "Status": "ENABLED",
                            "MinInstanceCount": 1,
                            "MaxInstanceCount": managed,
                        }
                    }
                    if managed
                    else {}
                ),
            }
        ],
    )
    sm.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-cfg")
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"
    return name


def create_ic(
    sm: Any, name: str, tag: str = "v1", copies: int = 4, needs: dict[str, Any] | None = None
) -> str:
    sm.create_inference_component(
        InferenceComponentName=name,
        EndpointName="ep",
        VariantName="AllTraffic",
        Specification={
            "ModelName": model(sm, f"{name}-{tag}", tag),
            "ComputeResourceRequirements": needs or SMALL,
        },
        RuntimeConfig={"CopyCount": copies},
    )
    return name


def wait(sm: Any, name: str, timeout: float = 10.0) -> dict[str, Any]:
    """DescribeInferenceComponent once it leaves Creating/Updating/Deleting."""
    deadline = time.monotonic() + timeout
    while True:
        out: dict[str, Any] = sm.describe_inference_component(InferenceComponentName=name)
        if out["InferenceComponentStatus"] in ("InService", "Failed") or time.monotonic() > deadline:
            return out
        time.sleep(0.02)


def rolling(
    batch: int = 1, wait_s: int = 100, rollback: int | None = None, alarms: tuple[str, ...] = ()
) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": batch},
        "WaitIntervalInSeconds": wait_s,
    }
    if rollback is not None:
        policy["RollbackMaximumBatchSize"] = {"Type": "COPY_COUNT", "Value": rollback}
    config: dict[str, Any] = {"RollingUpdatePolicy": policy}
    if alarms:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in alarms]}
    return config


def new_spec(sm: Any, name: str, tag: str, needs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"ModelName": model(sm, f"{name}-{tag}", tag), "ComputeResourceRequirements": needs or SMALL}


def test_endpoint_for_inference_components(sm: Any) -> None:
    """A config whose variant has an instance type and no ModelName hosts ICs; DescribeEndpoint shows
    its ManagedInstanceScaling and RoutingConfig
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). Measured on
    AWS (stdapi-ai/stdapi.ai#43): such a config needs ExecutionRoleArn."""
    ic_endpoint(sm, managed=4)
    variant = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"][0]
    assert variant["CurrentInstanceCount"] == 2
    assert variant["ManagedInstanceScaling"]["MaxInstanceCount"] == 4
    assert variant["RoutingConfig"] == {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
    assert "DeployedImages" not in variant
    spec = {"VariantName": "AllTraffic", "InstanceType": "ml.g5.xlarge", "InitialInstanceCount": 1}
    with pytest.raises(ClientError, match="ExecutionRoleArn is required"):
        sm.create_endpoint_config(EndpointConfigName="no-role", ProductionVariants=[spec])


def test_create_describe_list_tags(sm: Any) -> None:
    """CreateInferenceComponent: Creating, then InService with its copies; Describe shows the
    Specification (a container's image as DeployedImage) and RuntimeConfig's desired/current copies;
    List filters and sorts; tags are kept
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListInferenceComponents.html)."""
    ic_endpoint(sm)
    arn = sm.create_inference_component(
        InferenceComponentName="llm",
        EndpointName="ep",
        VariantName="AllTraffic",
        Specification={
            "Container": {
                "Image": f"{REPO}:v1",
                "ArtifactUrl": "s3://b/model.tar.gz",
                "Environment": {"A": "1"},
            },
            "ComputeResourceRequirements": {**SMALL, "MaxMemoryRequiredInMb": 8192},
            "StartupParameters": {"ModelDataDownloadTimeoutInSeconds": 600},
            "DataCacheConfig": {"EnableCaching": True},
        },
        RuntimeConfig={"CopyCount": 2},
        Tags=[{"Key": "team", "Value": "ml"}],
    )["InferenceComponentArn"]
    assert arn.endswith(":inference-component/llm")
    first = sm.describe_inference_component(InferenceComponentName="llm")
    assert first["InferenceComponentStatus"] == "Creating"
    assert first["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 0}
    done = wait(sm, "llm")
    assert done["InferenceComponentStatus"] == "InService"
    assert done["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    container = done["Specification"]["Container"]
    assert container["DeployedImage"]["SpecifiedImage"] == f"{REPO}:v1"
    assert container["Environment"] == {"A": "1"}
    assert done["Specification"]["DataCacheConfig"] == {"EnableCaching": True}
    assert done["Specification"]["ComputeResourceRequirements"]["MaxMemoryRequiredInMb"] == 8192
    create_ic(sm, "other", copies=1)
    listed = sm.list_inference_components(EndpointNameEquals="ep", SortBy="Name", SortOrder="Ascending")
    assert [c["InferenceComponentName"] for c in listed["InferenceComponents"]] == ["llm", "other"]
    creating = sm.list_inference_components(StatusEquals="Creating")["InferenceComponents"]
    assert [c["InferenceComponentName"] for c in creating] == ["other"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "ml"}]
    with pytest.raises(ClientError, match="already existing inference component"):
        create_ic(sm, "llm", tag="v9")


def test_create_refusals(sm: Any) -> None:
    """The endpoint must exist and host ICs, the model must exist, and a create needs at least one
    copy ("Inference components copy count an integer larger than 0", measured on AWS:
    stdapi-ai/stdapi.ai#43; scale to zero comes later)
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html)."""
    ic_endpoint(sm)
    with pytest.raises(ClientError, match="larger than 0"):
        create_ic(sm, "zero", copies=0)
    with pytest.raises(ClientError, match="Could not find endpoint"):
        sm.create_inference_component(
            InferenceComponentName="x",
            EndpointName="nope",
            VariantName="AllTraffic",
            Specification=new_spec(sm, "x", "v1"),
            RuntimeConfig={"CopyCount": 1},
        )
    with pytest.raises(ClientError, match="Could not find model"):
        sm.create_inference_component(
            InferenceComponentName="x",
            EndpointName="ep",
            VariantName="AllTraffic",
            Specification={"ModelName": "missing", "ComputeResourceRequirements": SMALL},
            RuntimeConfig={"CopyCount": 1},
        )
    m = model(sm, "plain", "v1")
    sm.create_endpoint_config(
        EndpointConfigName="plain-cfg",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": m,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.create_endpoint(EndpointName="plain", EndpointConfigName="plain-cfg")
    with pytest.raises(ClientError, match="not set up for inference components"):
        sm.create_inference_component(
            InferenceComponentName="x",
            EndpointName="plain",
            VariantName="AllTraffic",
            Specification=new_spec(sm, "x", "v2"),
            RuntimeConfig={"CopyCount": 1},
        )


def test_capacity_rule_and_broken_image(sm: Any) -> None:
    """Copies reserve their ComputeResourceRequirements on the variant's instances
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html);
    ml.g5.12xlarge has 4 GPUs (https://aws.amazon.com/sagemaker/ai/pricing/), so two instances hold
    eight one-GPU copies: a ninth fails. Under managed instance scaling copies have room up to
    MaxInstanceCount instances ("The maximum number of instances that the endpoint can provision",
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantManagedInstanceScaling.html;
    that copies get that room at once is the emulator's reading). A broken image fails its health check.
    Both failures end Failed with a FailureReason (the wording is the emulator's)."""
    ic_endpoint(sm, instances=2)
    create_ic(sm, "a", copies=6)
    assert wait(sm, "a")["InferenceComponentStatus"] == "InService"
    create_ic(sm, "b", copies=3)
    failed = wait(sm, "b")
    assert failed["InferenceComponentStatus"] == "Failed"
    assert "Insufficient capacity" in failed["FailureReason"]
    assert failed["RuntimeConfig"]["CurrentCopyCount"] == 0
    sm.delete_inference_component(InferenceComponentName="b")
    create_ic(sm, "c", copies=2)
    assert wait(sm, "c")["InferenceComponentStatus"] == "InService"
    create_ic(
        sm,
        "bad",
        tag="broken",
        copies=1,
        needs={"NumberOfCpuCoresRequired": 1, "MinMemoryRequiredInMb": 1024},
    )
    broken = wait(sm, "bad")
    assert broken["InferenceComponentStatus"] == "Failed"
    assert "ping health check" in broken["FailureReason"]
    ic_endpoint(sm, instances=1, managed=3, name="grows")
    sm.create_inference_component(
        InferenceComponentName="big",
        EndpointName="grows",
        Specification=new_spec(sm, "big", "v1"),
        RuntimeConfig={"CopyCount": 12},  # three instances' worth: room under managed scaling (max 3)
    )
    assert wait(sm, "big")["InferenceComponentStatus"] == "InService"


def test_rolling_update_replaces_copies_in_batches(sm: Any) -> None:
    """UpdateInferenceComponent with a RollingUpdatePolicy: per batch, new copies provisioned, a
    baking period, as many old copies terminated; the peak is the copies plus one batch; afterwards
    InService on the new spec with LastDeploymentConfig
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html)."""
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=4)
    wait(sm, "llm")
    config = rolling(batch=2)
    sm.update_inference_component(
        InferenceComponentName="llm", Specification=new_spec(sm, "llm", "v2"), DeploymentConfig=config
    )
    during = sm.describe_inference_component(InferenceComponentName="llm")
    assert during["InferenceComponentStatus"] == "Updating"
    assert during["Specification"]["ModelName"] == "llm-v2"
    done = wait(sm, "llm")
    assert done["InferenceComponentStatus"] == "InService"
    assert done["Specification"]["ModelName"] == "llm-v2"
    assert done["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    assert done["LastDeploymentConfig"] == config
    assert "FailureReason" not in done
    moments = copy_timeline("llm")
    assert [(m.old, m.new) for m in moments] == [(4, 2), (4, 2), (2, 2), (2, 4), (2, 4), (0, 4), (0, 4)]
    assert max(m.old + m.new for m in moments) == 6
    assert not any(m.rolling_back for m in moments)
    sm.update_inference_component(InferenceComponentName="llm", Specification=new_spec(sm, "llm", "v3"))
    plain = wait(sm, "llm")  # all at once: 4 old + 4 new copies fit the 8 GPUs
    assert plain["Specification"]["ModelName"] == "llm-v3"
    assert plain["LastDeploymentConfig"] == config  # the most recent one, kept by a plain update


def test_alarm_rolls_back_in_batches(sm: Any, aws: Any) -> None:
    """An AutoRollbackConfiguration alarm in ALARM during a baking period ("during which SageMaker AI
    monitors alarms for each batch") rolls the IC back: old copies return RollbackMaximumBatchSize at
    a time, the IC is InService on its old spec with a FailureReason
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html)."""
    cw = aws("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="llm-errors",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "llm"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=4)
    wait(sm, "llm")
    sm.update_inference_component(
        InferenceComponentName="llm",
        Specification=new_spec(sm, "llm", "v2"),
        DeploymentConfig=rolling(batch=2, wait_s=1000, rollback=1, alarms=("llm-errors",)),
    )
    # batch 1: provision, bake 1 s, terminate 2 old; batch 2 provisions, then bakes from 1.33 s to 2.33 s
    time.sleep(2 * PROVISION + 1.0 + SHIFT + 0.3)
    cw.set_alarm_state(AlarmName="llm-errors", StateValue="ALARM", StateReason="test")
    done = wait(sm, "llm")
    assert done["InferenceComponentStatus"] == "InService"
    assert done["Specification"]["ModelName"] == "llm-v1"
    assert "llm-errors" in done["FailureReason"]
    assert done["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    back = [(m.old, m.new) for m in copy_timeline("llm") if m.rolling_back]
    # one old copy back at a time, each followed by one new copy terminated; once all four old copies
    # are back the remaining new ones go
    assert back == [(3, 4), (3, 3), (4, 3), (4, 0)]


def test_broken_image_rolls_back_and_bounds(sm: Any) -> None:
    """A new image that fails its health check ends the first batch's provisioning and rolls back;
    MaximumBatchSize must be 5-50 % of the copy count (API_InferenceComponentRollingUpdatePolicy:
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html),
    so an IC of one copy has no valid batch."""
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=4)
    create_ic(sm, "solo", copies=1)
    wait(sm, "llm")
    wait(sm, "solo")
    with pytest.raises(ClientError, match="between 5% and 50%"):
        sm.update_inference_component(
            InferenceComponentName="llm",
            Specification=new_spec(sm, "llm", "v2"),
            DeploymentConfig=rolling(batch=3),
        )
    with pytest.raises(ClientError, match="between 5% and 50%"):
        sm.update_inference_component(
            InferenceComponentName="solo",
            Specification=new_spec(sm, "solo", "v2"),
            DeploymentConfig=rolling(batch=1),
        )
    sm.update_inference_component(
        InferenceComponentName="llm",
        Specification=new_spec(sm, "llm", "broken"),
        DeploymentConfig=rolling(batch=1),
    )
    done = wait(sm, "llm")
    assert done["Specification"]["ModelName"] == "llm-v1"
    assert "ping health check" in done["FailureReason"]
    assert all(m.new <= 1 for m in copy_timeline("llm"))


def test_default_update_needs_room_for_both(sm: Any) -> None:
    """Without a DeploymentConfig the update is blue/green all at once: every new copy beside the old
    ones (https://aws.amazon.com/blogs/machine-learning/enhance-deployment-guardrails-with-inference-component-rolling-updates-for-amazon-sagemaker-ai-inference/);
    with no room for both sets it fails and the IC stays on its old spec, while a rolling update of
    one copy per batch fits."""
    ic_endpoint(sm, instances=2)
    create_ic(sm, "llm", copies=6)
    wait(sm, "llm")
    sm.update_inference_component(InferenceComponentName="llm", Specification=new_spec(sm, "llm", "v2"))
    failed = wait(sm, "llm")
    assert failed["Specification"]["ModelName"] == "llm-v1"
    assert "Insufficient capacity" in failed["FailureReason"]
    sm.update_inference_component(
        InferenceComponentName="llm",
        Specification=new_spec(sm, "llm", "v3"),
        DeploymentConfig=rolling(batch=2, wait_s=0),
    )
    done = wait(sm, "llm")
    assert done["Specification"]["ModelName"] == "llm-v3"
    assert "FailureReason" not in done


def test_invoke_by_component_name(sm: Any, aws: Any) -> None:
    """InvokeEndpoint's InferenceComponentName reaches that IC's copies; during a rolling update old
    and new copies answer in proportion
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html)."""
    runtime = aws("sagemaker-runtime")
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=4)
    create_ic(sm, "other", tag="smoke-500", copies=1)
    wait(sm, "llm")
    wait(sm, "other")
    answer = runtime.invoke_endpoint(
        EndpointName="ep", InferenceComponentName="llm", Body=b"hi", ContentType="text/plain"
    )
    assert json.loads(answer["Body"].read()) | {"image": ""} == {
        "inferenceComponent": "llm",
        "variant": "AllTraffic",
        "model": "llm-v1",
        "image": "",
        "input": "hi",
    }
    with pytest.raises(ClientError, match="ModelError"):
        runtime.invoke_endpoint(EndpointName="ep", InferenceComponentName="other", Body=b"hi")
    with pytest.raises(ClientError, match="not found"):
        runtime.invoke_endpoint(EndpointName="ep", InferenceComponentName="nope", Body=b"hi")
    with pytest.raises(ClientError, match="Inference Component Name header is required"):
        runtime.invoke_endpoint(EndpointName="ep", Body=b"hi")
    sm.update_inference_component(
        InferenceComponentName="llm",
        Specification=new_spec(sm, "llm", "v2"),
        DeploymentConfig=rolling(batch=2, wait_s=500),
    )
    time.sleep(PROVISION + 0.05)  # batch 1 baking: 4 old + 2 new answer
    before = len(invocations())
    for _ in range(6):
        runtime.invoke_endpoint(EndpointName="ep", InferenceComponentName="llm", Body=b"x")
    answered = invocations()[before:]
    assert sum(i.new_copy for i in answered) == 2


def test_scale_to_zero_and_runtime_config(sm: Any, aws: Any, emulator: Emulator) -> None:
    """UpdateInferenceComponentRuntimeConfig sets the copy count, 0 included (scaled to zero: no copy
    answers); copies that do not fit are not placed: CurrentCopyCount stays below DesiredCopyCount
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponentRuntimeConfig.html).
    A scale-in or -out lasts 1 s here, so a loaded machine still reads it Updating."""
    emulator.set_timings(
        timings(create_seconds=0.0, update_seconds=1.0, weights_seconds=1.0, deployment_wait_scale=SCALE)
    )
    ic_endpoint(sm, instances=1)
    create_ic(sm, "llm", copies=2)
    wait(sm, "llm")
    sm.update_inference_component_runtime_config(
        InferenceComponentName="llm", DesiredRuntimeConfig={"CopyCount": 0}
    )
    assert (
        sm.describe_inference_component(InferenceComponentName="llm")["InferenceComponentStatus"]
        == "Updating"
    )
    assert wait(sm, "llm")["RuntimeConfig"] == {"DesiredCopyCount": 0, "CurrentCopyCount": 0}
    with pytest.raises(ClientError, match="no copies running"):
        aws("sagemaker-runtime").invoke_endpoint(EndpointName="ep", InferenceComponentName="llm", Body=b"x")
    sm.update_inference_component_runtime_config(
        InferenceComponentName="llm", DesiredRuntimeConfig={"CopyCount": 6}
    )
    assert wait(sm, "llm")["RuntimeConfig"] == {"DesiredCopyCount": 6, "CurrentCopyCount": 4}


def test_autoscaling_target_and_delete(sm: Any, aws: Any, emulator: Emulator) -> None:
    """Application Auto Scaling registers sagemaker:inference-component:DesiredCopyCount for ResourceId
    inference-component/NAME of an existing IC and keeps its policies and scheduled actions
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html);
    DeleteInferenceComponent goes Deleting, then the IC and its target are gone
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteInferenceComponent.html); the
    endpoint cannot be deleted before its ICs (aws/amazon-sagemaker-feedback#143). The delete lasts
    0.5 s here, so a loaded machine still reads it Deleting."""
    emulator.set_timings(
        timings(
            create_seconds=0.0, update_seconds=PROVISION, weights_seconds=0.5, deployment_wait_scale=SCALE
        )
    )
    scaling = aws("application-autoscaling")
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=2)
    wait(sm, "llm")
    target = {
        "ServiceNamespace": "sagemaker",
        "ScalableDimension": "sagemaker:inference-component:DesiredCopyCount",
    }
    scaling.register_scalable_target(
        **target, ResourceId="inference-component/llm", MinCapacity=0, MaxCapacity=4
    )
    scaling.put_scaling_policy(
        PolicyName="per-copy",
        PolicyType="TargetTrackingScaling",
        ResourceId="inference-component/llm",
        **target,
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 5.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerInferenceComponentInvocationsPerCopy"
            },
        },
    )
    scaling.put_scheduled_action(
        ServiceNamespace="sagemaker",
        ScheduledActionName="night",
        ResourceId="inference-component/llm",
        ScalableDimension=target["ScalableDimension"],
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 0, "MaxCapacity": 0},
    )
    assert len(scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]) == 1
    assert len(scaling.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]) == 1
    with pytest.raises(ClientError, match="does not exist"):
        scaling.register_scalable_target(
            **target, ResourceId="inference-component/nope", MinCapacity=0, MaxCapacity=1
        )
    with pytest.raises(ClientError, match="hosts inference component"):
        sm.delete_endpoint(EndpointName="ep")
    sm.delete_inference_component(InferenceComponentName="llm")
    assert (
        sm.describe_inference_component(InferenceComponentName="llm")["InferenceComponentStatus"]
        == "Deleting"
    )
    time.sleep(0.55)
    with pytest.raises(ClientError, match="Could not find inference component"):
        sm.describe_inference_component(InferenceComponentName="llm")
    assert scaling.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []
    assert scaling.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"] == []
    assert scaling.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"] == []
    sm.delete_endpoint(EndpointName="ep")


def test_adapter_component(sm: Any) -> None:
    """An adapter IC names its BaseInferenceComponentName and no compute requirements; it runs in its
    base's copies, and the base cannot be deleted while it exists
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentSpecification.html)."""
    ic_endpoint(sm)
    create_ic(sm, "base", copies=1)
    wait(sm, "base")
    sm.create_inference_component(
        InferenceComponentName="adapter",
        EndpointName="ep",
        VariantName="AllTraffic",
        Specification={
            "BaseInferenceComponentName": "base",
            "Container": {"ArtifactUrl": "s3://b/adapter.tar.gz"},
        },
    )
    adapter = wait(sm, "adapter")
    assert adapter["InferenceComponentStatus"] == "InService"
    assert adapter["Specification"]["BaseInferenceComponentName"] == "base"
    assert "RuntimeConfig" not in adapter
    with pytest.raises(ClientError, match="base of adapter"):
        sm.delete_inference_component(InferenceComponentName="base")


def test_component_metrics(sm: Any, aws: Any) -> None:
    """An IC's invocation metrics are in AWS/SageMaker with the InferenceComponentName dimension
    (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html)."""
    cw = aws("cloudwatch")
    feed = ComponentTrafficFeed(cw, "ep", {"llm": VariantTraffic(per_second=100, rate_5xx=0.1)})
    feed.write(1.0)
    now = dt.datetime.now(dt.UTC)
    dims = [{"Name": "InferenceComponentName", "Value": "llm"}]
    out = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "n",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocations", "Dimensions": dims},
                    "Period": 60,
                    "Stat": "Sum",
                },
            },
            {
                "Id": "e",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SageMaker",
                        "MetricName": "Invocation5XXErrors",
                        "Dimensions": dims,
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            },
        ],
        StartTime=now - dt.timedelta(minutes=5),
        EndTime=now + dt.timedelta(minutes=1),
    )
    sums = {r["Id"]: sum(r["Values"]) for r in out["MetricDataResults"]}
    assert sums == {"n": 100.0, "e": 10.0}


def test_timeout_and_new_copy_count(sm: Any) -> None:
    """An update longer than MaximumExecutionTimeoutInSeconds ("Exceeding this limit causes a timeout")
    rolls back; an update's RuntimeConfig sets the copy count it goes to; an IC that is still Creating
    cannot be updated or deleted
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html,
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html)."""
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=2)
    with pytest.raises(ClientError, match="in status Creating"):
        sm.update_inference_component(InferenceComponentName="llm", RuntimeConfig={"CopyCount": 3})
    with pytest.raises(ClientError, match="in status Creating"):
        sm.delete_inference_component(InferenceComponentName="llm")
    wait(sm, "llm")
    sm.update_inference_component(
        InferenceComponentName="llm",
        Specification=new_spec(sm, "llm", "v2"),
        RuntimeConfig={"CopyCount": 4},
        DeploymentConfig=rolling(batch=1, wait_s=0),
    )
    grown = wait(sm, "llm")
    assert grown["Specification"]["ModelName"] == "llm-v2"
    assert grown["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    assert [(m.old, m.new) for m in copy_timeline("llm")][-1] == (0, 4)
    slow = rolling(batch=1, wait_s=300)
    slow["RollingUpdatePolicy"]["MaximumExecutionTimeoutInSeconds"] = 600  # 0.6 s here; the plan takes 1.9 s
    sm.update_inference_component(
        InferenceComponentName="llm", Specification=new_spec(sm, "llm", "v3"), DeploymentConfig=slow
    )
    done = wait(sm, "llm")
    assert done["Specification"]["ModelName"] == "llm-v2"
    assert "MaximumExecutionTimeoutInSeconds" in done["FailureReason"]
    assert done["LastDeploymentConfig"] == slow


def test_state_machine_drives_inference_components(sm: Any, aws: Any) -> None:
    """The operations are reachable from aws-sdk Task states (the product's state machine drives
    them): errors are ``SageMaker.…`` and timestamps reach the state's JSON as ISO-8601 strings
    (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html)."""
    ic_endpoint(sm)
    create_ic(sm, "llm", copies=1)
    wait(sm, "llm")
    sfn = aws("stepfunctions")
    sdk = "arn:aws:states:::aws-sdk:sagemaker:"
    definition = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": sdk + "describeInferenceComponent",
                "Parameters": {"InferenceComponentName.$": "$.name"},
                "End": True,
            }
        },
    }
    arn = sfn.create_state_machine(
        name="ic-describe", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn"
    )["stateMachineArn"]

    def run(name: str) -> dict[str, Any]:
        started = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"name": name}))
        deadline = time.monotonic() + 30
        while True:
            out: dict[str, Any] = sfn.describe_execution(executionArn=started["executionArn"])
            if out["status"] != "RUNNING" or time.monotonic() > deadline:
                return out
            time.sleep(0.02)

    found = run("llm")
    assert found["status"] == "SUCCEEDED", found.get("cause")
    output = json.loads(found["output"])
    assert output["InferenceComponentStatus"] == "InService"
    assert output["RuntimeConfig"] == {"DesiredCopyCount": 1, "CurrentCopyCount": 1}
    assert output["CreationTime"].endswith("Z")
    missing = run("nope")
    assert missing["status"] == "FAILED"
    assert missing["error"].startswith("SageMaker.")
    assert "Could not find inference component" in missing["cause"]
