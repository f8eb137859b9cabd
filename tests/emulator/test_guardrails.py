"""The emulator runs SageMaker's deployment guardrails (UpdateEndpoint with a DeploymentConfig) as
the SageMaker developer guide and API reference describe them.

Every test drives real boto3 over HTTP. Provisioning takes ``PROVISION`` seconds, shifting traffic
``SHIFT``, and each DeploymentConfig wait runs at 1/1000 of its length (``deployment_wait_scale``), so
a 100-second baking period lasts 0.1 s. DescribeEndpoint is polled to watch the stages.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator
from canary.emulator.guardrails_run import deployment_timeline, fail_next_rollback, running_instances
from tests.conftest import timings

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model"
TYPE = "ml.m5.large"
PROVISION = 0.15
SHIFT = 0.03
SCALE = 0.001
"""DeploymentConfig seconds → real seconds: 100 s of baking is 0.1 s here."""


@pytest.fixture
def sm(aws: Any, emulator: Emulator) -> Any:
    emulator.set_timings(
        timings(
            create_seconds=0.0,
            update_seconds=PROVISION,
            weights_seconds=SHIFT,
            deployment_wait_scale=SCALE,
        )
    )
    return aws("sagemaker")


@pytest.fixture
def cw(aws: Any) -> Any:
    return aws("cloudwatch")


def model(sm: Any, name: str, tag: str) -> str:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:{tag}"})
    return name


def variant(
    model_name: str, count: int, name: str = "AllTraffic", instance_type: str = TYPE
) -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model_name,
        "InstanceType": instance_type,
        "InitialInstanceCount": count,
        "InitialVariantWeight": 1.0,
    }


def serverless(model_name: str, name: str = "AllTraffic") -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model_name,
        "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
    }


def endpoint(sm: Any, *variants: dict[str, Any], name: str = "ep") -> str:
    """An InService endpoint on config ``cfg-old`` with these variants."""
    sm.create_endpoint_config(EndpointConfigName="cfg-old", ProductionVariants=list(variants))
    sm.create_endpoint(EndpointName=name, EndpointConfigName="cfg-old")
    assert sm.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"
    return name


def fleet(sm: Any, count: int = 4, instance_type: str = TYPE) -> str:
    """An InService endpoint ``ep`` whose variant AllTraffic runs ``count`` instances of model v1."""
    return endpoint(sm, variant(model(sm, "m-v1", "v1"), count, instance_type=instance_type))


def new_config(sm: Any, *variants: dict[str, Any], name: str = "cfg-new") -> str:
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=list(variants))
    return name


def v2_config(sm: Any, count: int = 4, tag: str = "v2", instance_type: str = TYPE) -> str:
    """Config ``cfg-new``: the same variant name, model ``m-<tag>``, ``count`` instances."""
    return new_config(sm, variant(model(sm, f"m-{tag}", tag), count, instance_type=instance_type))


def blue_green(kind: str, wait: int = 100, final: int = 100, **routing: Any) -> dict[str, Any]:
    return {
        "TrafficRoutingConfiguration": {"Type": kind, "WaitIntervalInSeconds": wait, **routing},
        "TerminationWaitInSeconds": final,
    }


def alarms(*names: str) -> dict[str, Any]:
    return {"Alarms": [{"AlarmName": name} for name in names]}


def put_alarm(cw: Any, name: str) -> str:
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": "ep"}, {"Name": "VariantName", "Value": "AllTraffic"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return name


def fire(cw: Any, name: str, state: str = "ALARM") -> None:
    cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")


@dataclass
class Seen:
    """One DescribeEndpoint during a deployment."""

    status: str
    stage: str | None
    message: str
    new_instances: int | None
    instances: dict[str, int]


def watch(
    sm: Any, name: str = "ep", timeout: float = 8.0, until: Any = None
) -> tuple[list[Seen], dict[str, Any]]:
    """Poll DescribeEndpoint (and the instance count) until the deployment is over, or ``until(seen)``."""
    seen: list[Seen] = []
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sm.describe_endpoint(EndpointName=name)
        status = described["EndpointStatus"]
        if status not in ("Updating", "RollingBack"):
            return seen, described
        [pending] = described["PendingDeploymentSummary"]["ProductionVariants"]
        [variant_status] = pending["VariantStatus"]
        seen.append(
            Seen(
                status,
                variant_status["Status"],
                variant_status.get("StatusMessage", ""),
                pending.get("CurrentInstanceCount"),
                running_instances(name),
            )
        )
        if until is not None and until(seen[-1]):
            return seen, described
        assert time.monotonic() < deadline, f"{name} still {status}: {seen[-1]}"
        time.sleep(0.005)


def stages(seen: list[Seen]) -> list[tuple[str, str | None, str]]:
    """The distinct (endpoint status, variant status, message) in the order seen."""
    out: list[tuple[str, str | None, str]] = []
    for item in seen:
        key = (item.status, item.stage, item.message)
        if not out or out[-1] != key:
            out.append(key)
    return out


def observed_in_order(seen: list[Seen], planned: list[Any]) -> bool:
    """Every stage polled is one of the planned stages, in their order (short ones may be missed)."""
    order = [(moment.stage, moment.message) for moment in planned]
    positions = [order.index((stage, message)) for _, stage, message in stages(seen)]
    return positions == sorted(positions)


def peak(name: str = "ep") -> int:
    return max(sum(moment.instances.values()) for moment in deployment_timeline(name))


def models_of(described: dict[str, Any]) -> list[str]:
    return [image["SpecifiedImage"] for v in described["ProductionVariants"] for image in v["DeployedImages"]]


# --- blue/green ---------------------------------------------------------------------------------


def test_blue_green_canary_provisions_green_shifts_a_canary_bakes_then_terminates_blue(sm: Any) -> None:
    """deployment-guardrails-blue-green-canary.html: "Once SageMaker AI provisions the green fleet,
    SageMaker AI routes a portion of the incoming traffic (for example, 25%) to the canary"; after the
    baking period the rest shifts; deployment-guardrails-blue-green.html: "Once the green fleet
    operates smoothly for a set evaluation period (called the baking period), SageMaker AI terminates
    the blue fleet". API_DescribeEndpoint: ``PendingDeploymentSummary`` while it runs,
    ``LastDeploymentConfig`` after. (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html)"""
    fleet(sm, 4)
    config = {
        "BlueGreenUpdatePolicy": blue_green("CANARY", CanarySize={"Type": "INSTANCE_COUNT", "Value": 1})
    }
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)

    seen, done = watch(sm)

    planned = deployment_timeline("ep")
    assert [moment.stage for moment in planned] == [
        "Creating",
        "ActivatingTraffic",
        "Baking",
        "ActivatingTraffic",
        "Baking",
        "Baking",
        "Deleting",
        "",
    ]
    assert "step 1 of 2: 25% of traffic on the new fleet" in planned[2].message
    assert "step 2 of 2: 100% of traffic on the new fleet" in planned[4].message
    assert planned[5].message.startswith("Final baking period")
    assert observed_in_order(seen, planned)
    assert {"Creating", "Baking"} <= {item.stage for item in seen}  # the long stages are seen
    assert {item.status for item in seen} == {"Updating"}
    assert {item.new_instances for item in seen} == {4}
    assert {tuple(item.instances.items()) for item in seen[:-1]} == {((TYPE, 8),)}  # blue runs to the end
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "cfg-new"
    assert models_of(done) == [f"{REPO}:v2"]
    assert "PendingDeploymentSummary" not in done
    assert "FailureReason" not in done
    assert done["LastDeploymentConfig"] == config
    assert running_instances("ep") == {TYPE: 4}


def test_blue_green_linear_shifts_equal_steps_of_capacity(sm: Any) -> None:
    """deployment-guardrails-blue-green-linear.html: "You can choose either the number of instances or
    the percentage of the green fleet's capacity to activate during each step"; each step bakes.
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-linear.html)"""
    fleet(sm, 4)
    config = {
        "BlueGreenUpdatePolicy": blue_green(
            "LINEAR", final=0, LinearStepSize={"Type": "CAPACITY_PERCENT", "Value": 25}
        )
    }
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)

    seen, done = watch(sm)

    baking = [moment.message for moment in deployment_timeline("ep") if moment.stage == "Baking"]
    assert [m.split(", ", 1)[1] for m in baking] == [
        f"step {n} of 4: {25 * n}% of traffic on the new fleet." for n in range(1, 5)
    ]
    assert observed_in_order(seen, deployment_timeline("ep"))
    assert done["EndpointConfigName"] == "cfg-new"


def test_no_update_policy_is_blue_green_all_at_once(sm: Any) -> None:
    """API_BlueGreenUpdatePolicy: "If no update policy is specified, SageMaker uses a blue/green
    deployment strategy with all at once traffic shifting by default."
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html)"""
    fleet(sm, 2)
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=v2_config(sm, 2),
        DeploymentConfig={"AutoRollbackConfiguration": alarms("none-such")},
    )

    seen, done = watch(sm)

    planned = deployment_timeline("ep")
    assert [moment.stage for moment in planned] == ["Creating", "ActivatingTraffic", "Deleting", ""]
    assert "step 1 of 1: 100%" in planned[1].message
    assert observed_in_order(seen, planned)
    assert done["EndpointConfigName"] == "cfg-new"


# --- alarm-triggered rollback -------------------------------------------------------------------


def test_an_alarm_during_a_baking_period_rolls_all_traffic_back_to_blue(sm: Any, cw: Any) -> None:
    """deployment-guardrails-blue-green-canary.html: "If any alarms trip during the baking period,
    then SageMaker AI initiates a rollback, and all traffic returns to the blue fleet"; API_DescribeEndpoint
    EndpointStatus ``RollingBack``, then ``InService`` on the previous configuration.
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html)"""
    fleet(sm, 4)
    put_alarm(cw, "errors")
    config = {
        "BlueGreenUpdatePolicy": blue_green(
            "CANARY", wait=500, CanarySize={"Type": "CAPACITY_PERCENT", "Value": 50}
        ),
        "AutoRollbackConfiguration": alarms("errors"),
    }
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)
    watch(sm, until=lambda seen: seen.stage == "Baking")
    fire(cw, "errors")

    seen, done = watch(sm)

    assert seen[-1].status == "RollingBack"
    assert "all traffic back on the old fleet" in seen[-1].message
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "cfg-old"
    assert models_of(done) == [f"{REPO}:v1"]
    assert "errors" in done["FailureReason"]
    assert done["LastDeploymentConfig"] == config
    assert running_instances("ep") == {TYPE: 4}


def test_an_alarm_that_fired_and_cleared_between_two_reads_still_rolls_back(sm: Any, cw: Any) -> None:
    """deployment-guardrails-blue-green.html: "If any of the pre-specified alarms trip during any
    baking period, then all endpoint traffic rolls back to the blue fleet" — whether or not anyone
    read the endpoint while it was in ALARM. (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html)"""
    fleet(sm, 2)
    put_alarm(cw, "errors")
    config = {
        "BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE", wait=500),
        "AutoRollbackConfiguration": alarms("errors"),
    }
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm, 2), DeploymentConfig=config)
    watch(sm, until=lambda seen: seen.stage == "Baking")
    fire(cw, "errors")
    fire(cw, "errors", "OK")

    _, done = watch(sm)

    assert done["EndpointConfigName"] == "cfg-old"
    assert "errors" in done["FailureReason"]


def test_an_alarm_outside_the_baking_periods_does_not_roll_back(sm: Any, cw: Any, emulator: Emulator) -> None:
    """VariantStatus ``Baking``: "Waiting period to monitor the CloudWatch alarms in the automatic
    rollback configuration" (API_ProductionVariantStatus): alarms are watched while baking, not while
    the green fleet is being provisioned. (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantStatus.html)"""
    fleet(sm, 2)
    emulator.set_timings(
        timings(update_seconds=1.0, weights_seconds=SHIFT, deployment_wait_scale=SCALE)
    )  # time to fire and clear the alarm while provisioning
    put_alarm(cw, "errors")
    config = {
        "BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE"),
        "AutoRollbackConfiguration": alarms("errors"),
    }
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm, 2), DeploymentConfig=config)
    fire(cw, "errors")
    fire(cw, "errors", "OK")
    assert (
        sm.describe_endpoint(EndpointName="ep")["PendingDeploymentSummary"]["ProductionVariants"][0][
            "VariantStatus"
        ][0]["Status"]
        == "Creating"
    )

    _, done = watch(sm)

    assert done["EndpointConfigName"] == "cfg-new"
    assert "FailureReason" not in done


def test_the_execution_timeout_rolls_the_deployment_back(sm: Any) -> None:
    """API_BlueGreenUpdatePolicy ``MaximumExecutionTimeoutInSeconds``: "Maximum execution timeout for
    the deployment"; API_RollingUpdatePolicy: "Exceeding this limit causes a timeout."
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_BlueGreenUpdatePolicy.html)"""
    fleet(sm, 2)
    policy = {**blue_green("ALL_AT_ONCE", wait=3600), "MaximumExecutionTimeoutInSeconds": 600}
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=v2_config(sm, 2),
        DeploymentConfig={"BlueGreenUpdatePolicy": policy},
    )

    started = time.monotonic()
    _, done = watch(sm)

    assert time.monotonic() - started < 2.0  # 600 s scaled, not the 3600 s wait
    assert done["EndpointConfigName"] == "cfg-old"
    assert "MaximumExecutionTimeoutInSeconds" in done["FailureReason"]


def test_a_broken_image_fails_the_guarded_deployment_before_any_traffic_shifts(sm: Any) -> None:
    """API_UpdateEndpoint: a failed update returns the endpoint to its previous configuration with a
    ``FailureReason``; the new instances never pass their health check, so no stage after provisioning
    runs. (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html)"""
    fleet(sm, 4)
    rolling = {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 100}
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=v2_config(sm, tag="broken"),
        DeploymentConfig={"RollingUpdatePolicy": rolling},
    )

    seen, done = watch(sm)

    assert {item.stage for item in seen} == {"Creating"}
    assert done["EndpointConfigName"] == "cfg-old"
    assert "ping health check" in done["FailureReason"]


# --- rolling ------------------------------------------------------------------------------------


def test_rolling_replaces_the_fleet_batch_by_batch_never_above_fleet_plus_batch(sm: Any) -> None:
    """deployment-guardrails-rolling.html: SageMaker provisions the first batch of new instances,
    shifts a portion of traffic to it, and after the baking period terminates a batch of old
    instances, batch after batch: "fewer instances are active at a time".
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html)"""
    fleet(sm, 4)
    rolling = {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 60}
    sm.update_endpoint(
        EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig={"RollingUpdatePolicy": rolling}
    )

    seen, done = watch(sm)

    baking = [moment.message for moment in deployment_timeline("ep") if moment.stage == "Baking"]
    assert observed_in_order(seen, deployment_timeline("ep"))
    assert [m.split(", ", 1)[1] for m in baking] == [
        "batch 1 of 4: 20% of traffic on the new fleet.",
        "batch 2 of 4: 40% of traffic on the new fleet.",  # 2 new instances beside 3 old ones
        "batch 3 of 4: 60% of traffic on the new fleet.",
        "batch 4 of 4: 80% of traffic on the new fleet.",
    ]
    assert max(sum(item.instances.values()) for item in seen) == 5
    assert peak() == 5
    assert done["EndpointConfigName"] == "cfg-new"
    assert running_instances("ep") == {TYPE: 4}


@pytest.mark.parametrize(
    ("rollback", "rollback_peak"), [(None, 6), ({"Type": "INSTANCE_COUNT", "Value": 1}, 5)]
)
def test_a_rolling_rollback_brings_old_instances_back_in_rollback_batches(
    sm: Any, cw: Any, rollback: dict[str, Any] | None, rollback_peak: int
) -> None:
    """API_RollingUpdatePolicy ``RollbackMaximumBatchSize``: "Batch size for rollback to the old
    endpoint fleet ... If this field is absent, the default value will be set to 100% of total
    capacity which means to bring up the whole capacity of the old fleet at once during rollback."
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html)"""
    fleet(sm, 4)
    put_alarm(cw, "errors")
    rolling: dict[str, Any] = {
        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
        "WaitIntervalInSeconds": 400,
    }
    if rollback is not None:
        rolling["RollbackMaximumBatchSize"] = rollback
    config = {"RollingUpdatePolicy": rolling, "AutoRollbackConfiguration": alarms("errors")}
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)
    watch(sm, until=lambda seen: "Baking, batch 2 of 2" in seen.message)
    fire(cw, "errors")

    seen, done = watch(sm)

    assert "RollingBack" in {item.status for item in seen}
    assert done["EndpointConfigName"] == "cfg-old"
    assert "errors" in done["FailureReason"]
    timeline = deployment_timeline("ep")
    assert max(sum(moment.instances.values()) for moment in timeline if not moment.rolling_back) == 6
    rolled_back = [sum(moment.instances.values()) for moment in timeline if moment.rolling_back]
    assert max(rolled_back) == rollback_peak
    assert timeline[-1].instances == {TYPE: 4}


def test_a_rollback_that_fails_leaves_the_endpoint_update_rollback_failed(sm: Any, cw: Any) -> None:
    """API_DescribeEndpoint EndpointStatus ``UpdateRollbackFailed``: "Both the rolling deployment and
    auto-rollback failed. Your endpoint is in service with a mix of the old and new endpoint
    configurations." The failure itself is injected (``fail_next_rollback``).
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html)"""
    fleet(sm, 4)
    put_alarm(cw, "errors")
    rolling = {"MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1}, "WaitIntervalInSeconds": 400}
    config = {"RollingUpdatePolicy": rolling, "AutoRollbackConfiguration": alarms("errors")}
    fail_next_rollback("ep")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)
    watch(sm, until=lambda seen: "Baking, batch 2 of 4" in seen.message)
    fire(cw, "errors")

    _, done = watch(sm)

    assert done["EndpointStatus"] == "UpdateRollbackFailed"
    assert "errors" in done["FailureReason"]
    assert "rollback failed" in done["FailureReason"]
    assert "PendingDeploymentSummary" not in done
    assert deployment_timeline("ep")[-1].instances == {TYPE: 5}  # 2 new beside 3 old, as it was left
    with pytest.raises(ClientError):
        sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-old")


# --- refusals -----------------------------------------------------------------------------------

CANARY_1 = {"Type": "INSTANCE_COUNT", "Value": 1}


@pytest.mark.parametrize(
    ("config", "words"),
    [
        (
            {"BlueGreenUpdatePolicy": blue_green("CANARY", wait=3601, CanarySize=CANARY_1)},
            "waitIntervalInSeconds' failed to satisfy constraint: "
            "Member must have value less than or equal to 3600",
        ),
        (
            {"BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE", final=4000)},
            "terminationWaitInSeconds' failed to satisfy constraint",
        ),
        (
            {
                "BlueGreenUpdatePolicy": {
                    **blue_green("ALL_AT_ONCE"),
                    "MaximumExecutionTimeoutInSeconds": 30000,
                }
            },
            "less than or equal to 28800",
        ),
        (
            {"AutoRollbackConfiguration": alarms(*(f"a{n}" for n in range(11)))},
            "Member must have length less than or equal to 10",
        ),
        (
            {
                "BlueGreenUpdatePolicy": blue_green(
                    "CANARY", CanarySize={"Type": "INSTANCE_COUNT", "Value": 3}
                )
            },
            "CanarySize must be between 0% and 50% of the 4 instance(s)",
        ),
        (
            {
                "BlueGreenUpdatePolicy": blue_green(
                    "LINEAR", LinearStepSize={"Type": "CAPACITY_PERCENT", "Value": 5}
                )
            },
            "LinearStepSize must be between 10% and 50%",
        ),
        (
            {"BlueGreenUpdatePolicy": blue_green("CANARY")},
            "CanarySize is required",
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 3},
                    "WaitIntervalInSeconds": 0,
                }
            },
            "MaximumBatchSize must be between 5% and 50% of the 4 instance(s)",
        ),
        (
            {
                "BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE"),
                "RollingUpdatePolicy": {"MaximumBatchSize": CANARY_1, "WaitIntervalInSeconds": 0},
            },
            "Only one update policy",
        ),
    ],
    ids=[
        "wait",
        "termination-wait",
        "timeout",
        "alarms",
        "canary",
        "linear",
        "no-canary-size",
        "batch",
        "two-policies",
    ],
)
def test_a_deployment_config_outside_the_limits_is_refused_and_nothing_changes(
    sm: Any, config: dict[str, Any], words: str
) -> None:
    """API_TrafficRoutingConfig: WaitIntervalInSeconds 0-3600; CanarySize "less than or equal to 50%
    of the variant's total instance count"; LinearStepSize "10-50%"; API_RollingUpdatePolicy
    MaximumBatchSize "between 5% to 50% of the variant's total instance count"; API_AutoRollbackConfig
    at most 10 alarms; API_BlueGreenUpdatePolicy: "Only one update policy should be used".
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html, https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html)"""
    fleet(sm, 4)
    with pytest.raises(ClientError) as caught:
        sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)

    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert words in caught.value.response["Error"]["Message"]
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "cfg-old")
    assert "LastDeploymentConfig" not in described


def test_guardrails_need_the_same_variant_names(sm: Any) -> None:
    """deployment-guardrails-exclusions.html: "When doing a blue/green or rolling deployment, your new
    endpoint configuration must have the same variant name as the old endpoint configuration."
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html)"""
    fleet(sm, 2)
    renamed = new_config(sm, variant(model(sm, "m-v2", "v2"), 2, name="Renamed"))
    with pytest.raises(ClientError) as caught:
        sm.update_endpoint(
            EndpointName="ep",
            EndpointConfigName=renamed,
            DeploymentConfig={"BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE")},
        )
    assert "same variant names" in caught.value.response["Error"]["Message"]
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=renamed)  # without guardrails: allowed
    assert watch(sm)[1]["EndpointConfigName"] == renamed


def test_rolling_is_refused_for_serverless_multi_variant_and_single_instance_endpoints(sm: Any) -> None:
    """deployment-guardrails-exclusions.html: "If you're doing a rolling deployment, there are
    additional feature-based exclusions: Serverless inference endpoints; Multi-variant inference
    endpoints"; a fleet of one instance has no batch of 5-50 % (API_RollingUpdatePolicy).
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html)"""
    rolling = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 0,
        }
    }
    old, new = model(sm, "m-v1", "v1"), model(sm, "m-v2", "v2")
    cases = [
        ([serverless(old)], [serverless(new)], "serverless"),
        (
            [variant(old, 2, "A"), variant(old, 2, "B")],
            [variant(new, 2, "A"), variant(new, 2, "B")],
            "multiple",
        ),
        ([variant(old, 1)], [variant(new, 1)], "of the 1 instance(s)"),
    ]
    for number, (before, after, words) in enumerate(cases):
        name = f"ep{number}"
        sm.create_endpoint_config(EndpointConfigName=f"old{number}", ProductionVariants=before)
        sm.create_endpoint(EndpointName=name, EndpointConfigName=f"old{number}")
        sm.describe_endpoint(EndpointName=name)
        sm.create_endpoint_config(EndpointConfigName=f"new{number}", ProductionVariants=after)
        with pytest.raises(ClientError) as caught:
            sm.update_endpoint(EndpointName=name, EndpointConfigName=f"new{number}", DeploymentConfig=rolling)
        assert words in caught.value.response["Error"]["Message"], words
        assert sm.describe_endpoint(EndpointName=name)["EndpointConfigName"] == f"old{number}"


def test_inf1_falls_back_to_all_at_once_without_baking_or_alarms(sm: Any, cw: Any) -> None:
    """deployment-guardrails-exclusions.html: with "Endpoints that use Inf1 (Inferentia-based)
    instances" you "cannot use deployment guardrails on your endpoint, and your endpoint will fall back
    to using a blue/green deployment with all at once traffic shifting and no final baking period".
    (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html)"""
    fleet(sm, 2, instance_type="ml.inf1.xlarge")
    put_alarm(cw, "errors")
    fire(cw, "errors")
    config = {
        "BlueGreenUpdatePolicy": blue_green("CANARY", CanarySize=CANARY_1),
        "AutoRollbackConfiguration": alarms("errors"),
    }
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=v2_config(sm, 2, instance_type="ml.inf1.xlarge"),
        DeploymentConfig=config,
    )

    seen, done = watch(sm)

    assert "Baking" not in {item.stage for item in seen}
    assert done["EndpointConfigName"] == "cfg-new"
    assert "FailureReason" not in done


# --- serverless -----------------------------------------------------------------------------------


def test_a_serverless_endpoint_deploys_all_at_once_with_baking_and_rolls_back_on_an_alarm(
    sm: Any, cw: Any
) -> None:
    """deployment-guardrails-exclusions.html keeps serverless endpoints out of rolling deployments only;
    blue/green all at once: "Once the green fleet starts receiving traffic, the baking period begins
    ... If any alarms trip during the baking period, then an auto-rollback initiates and 100% of the
    traffic shifts back to the blue fleet." (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-all-at-once.html)"""
    endpoint(sm, serverless(model(sm, "m-v1", "v1")))
    put_alarm(cw, "errors")
    config = {
        "BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE", wait=200),
        "AutoRollbackConfiguration": alarms("errors"),
    }
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=new_config(sm, serverless(model(sm, "m-v2", "v2"))),
        DeploymentConfig=config,
    )
    seen, _ = watch(sm, until=lambda seen: seen.stage == "Baking")
    assert seen[-1].new_instances is None  # no instances to count
    assert seen[-1].instances == {}
    fire(cw, "errors")

    _, done = watch(sm)

    assert done["EndpointConfigName"] == "cfg-old"
    assert "errors" in done["FailureReason"]


def test_a_serverless_canary_takes_a_percentage_of_capacity_not_instances(sm: Any) -> None:
    """API_CapacitySize: ``INSTANCE_COUNT`` activates "based on the number of instances",
    ``CAPACITY_PERCENT`` "based on the specified percentage of capacity"; a serverless variant has no
    instances. (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CapacitySize.html)"""
    endpoint(sm, serverless(model(sm, "m-v1", "v1")))
    cfg = new_config(sm, serverless(model(sm, "m-v2", "v2")))
    with pytest.raises(ClientError) as caught:
        sm.update_endpoint(
            EndpointName="ep",
            EndpointConfigName=cfg,
            DeploymentConfig={"BlueGreenUpdatePolicy": blue_green("CANARY", CanarySize=CANARY_1)},
        )
    assert "does not apply to serverless variant AllTraffic" in caught.value.response["Error"]["Message"]

    percent = {"Type": "CAPACITY_PERCENT", "Value": 10}
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName=cfg,
        DeploymentConfig={"BlueGreenUpdatePolicy": blue_green("CANARY", CanarySize=percent)},
    )
    seen, done = watch(sm)
    assert any("10% of traffic on the new fleet" in item.message for item in seen)
    assert done["EndpointConfigName"] == cfg


# --- last deployment config, traffic ------------------------------------------------------------


def test_retain_deployment_config_reuses_the_last_one(sm: Any) -> None:
    """API_UpdateEndpoint ``RetainDeploymentConfig``: "Specifies whether to reuse the last deployment
    configuration"; DescribeEndpoint ``LastDeploymentConfig``: "The most recent deployment
    configuration for the endpoint." (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html)"""
    fleet(sm, 2)
    config = {"BlueGreenUpdatePolicy": blue_green("ALL_AT_ONCE", wait=50, final=0)}
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm, 2), DeploymentConfig=config)
    watch(sm)

    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-old", RetainDeploymentConfig=True)
    seen, done = watch(sm)

    assert "Baking" in {item.stage for item in seen}
    assert done["EndpointConfigName"] == "cfg-old"
    assert done["LastDeploymentConfig"] == config


def test_invocations_during_a_canary_reach_the_new_model_in_proportion(sm: Any, aws: Any) -> None:
    """deployment-guardrails-blue-green-canary.html: the canary "receives traffic" for its portion of
    the fleet while the blue fleet serves the rest. (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html)"""
    fleet(sm, 4)
    config = {"BlueGreenUpdatePolicy": blue_green("CANARY", wait=2000, CanarySize=CANARY_1)}
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=v2_config(sm), DeploymentConfig=config)
    watch(sm, until=lambda seen: seen.stage == "Baking")

    runtime = aws("sagemaker-runtime")
    served = [
        json.loads(
            runtime.invoke_endpoint(EndpointName="ep", Body=b"{}", ContentType="application/json")[
                "Body"
            ].read()
        )["model"]
        for _ in range(8)
    ]

    assert sorted(served) == ["m-v1"] * 6 + ["m-v2"] * 2
