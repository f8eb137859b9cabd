"""Capacity is planned, and checked against the account's quota, before anything changes.

The quota of an instance type "for endpoint usage" (https://docs.aws.amazon.com/general/latest/gr/sagemaker.html),
read by name with ListServiceQuotas, then GetServiceQuota, or GetAWSDefaultServiceQuota when the
applied value "is not available"
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html); the
region's other endpoints counted with ListEndpoints, DescribeEndpoint and DescribeEndpointConfig
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). While an update
provisions, the old fleet and the new one both run
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html).
"""

from __future__ import annotations

import json
from typing import Any

from canary.emulator import Emulator, faults
from tests.action.conftest import ACCOUNT, REGION, ROLE, ROOT, Runner, base_inputs, wait_for
from tests.proxy import Proxy

G5 = "ml.g5.12xlarge"
ALL_AT_ONCE = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}


def fleet(aws: Any, name: str, instance_type: str, count: int) -> None:
    """An InService endpoint whose one variant runs ``count`` instances of ``instance_type``."""
    sagemaker = aws("sagemaker")
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:0.9"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-model",
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")
    wait_for(lambda: sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService", 30)


def _resources(aws: Any) -> tuple[list[str], list[str]]:
    sagemaker = aws("sagemaker")
    models = [m["ModelName"] for m in sagemaker.list_models()["Models"]]
    configs = [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]]
    return sorted(models), sorted(configs)


def test_a_peak_over_the_quota_is_refused_before_anything_changes(
    runner: Runner, aws: Any, emulator: Emulator, recorder: Proxy
) -> None:
    fleet(aws, "churn-model", G5, 4)
    fleet(aws, "other-team", G5, 2)
    code = emulator.set_quota(G5, 10)
    before = _resources(aws)
    recorder.clear()

    run = runner.run_here(base_inputs(instance_type=""))

    assert run.returncode == 2, run.stdout + run.stderr
    (error,) = run.errors()
    # 4 current + 4 + 1 new while the canary update provisions (or the promotion's 4 + 1 + 4)
    assert f'quota "{G5} for endpoint usage" ({code})' in error
    assert "is 10 (applied value)" in error
    assert "other endpoints run 2" in error
    assert "needs 9 at its peak (canary update), 11 in all" in error
    assert "nothing was changed" in error
    assert recorder.writes == []
    assert _resources(aws) == before
    assert run.outputs["outcome"] == ""


def test_a_first_deploy_over_the_quota_is_refused_before_anything_is_created(
    runner: Runner, emulator: Emulator, recorder: Proxy
) -> None:
    emulator.set_quota("ml.m5.large", 0)  # a new account's GPU-style quota of 0
    recorder.clear()

    run = runner.run_here(base_inputs(instance_type="ml.m5.large"))

    assert run.returncode == 2, run.stdout + run.stderr
    (error,) = run.errors()
    assert '"ml.m5.large for endpoint usage"' in error
    assert "is 0 (applied value); other endpoints run 0 and this deploy needs 1 at its peak (create)" in error
    assert recorder.writes == []


def test_a_peak_that_fits_is_shown_in_the_dry_run_with_the_quota_read(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    fleet(aws, "churn-model", G5, 4)
    fleet(aws, "other-team", G5, 2)
    emulator.set_quota(G5, 11)

    run = runner.run_here(base_inputs(instance_type="", instance_count="4", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"  step 20% of the traffic: 4 current + 1 canary {G5}" in run.stdout
    assert f"    promotion (provisions a new fleet): 9 {G5}" in run.stdout
    assert f'other endpoints run 2; quota "{G5} for endpoint usage"' in run.stdout
    assert "11 (applied): fits" in run.stdout


def test_an_applied_value_not_available_falls_back_to_the_default(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    fleet(aws, "churn-model", G5, 4)
    emulator.set_quota(G5, 1, available=False)  # GetServiceQuota: NoSuchResourceException

    run = runner.run_here(base_inputs(instance_type="", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "100 (default): fits" in run.stdout


def test_other_endpoints_that_cannot_be_listed_only_warn_saying_what_was_not_counted(
    runner: Runner, aws: Any, emulator: Emulator
) -> None:
    fleet(aws, "churn-model", G5, 4)
    emulator.set_quota(G5, 9)
    faults.inject("sagemaker", "ListEndpoints", error="AccessDeniedException", count=1)

    run = runner.run_here(base_inputs(instance_type="", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    warnings = [c.data for c in run.log.named("warning")]
    assert any(
        "other endpoints of this region were not counted" in w and "AccessDenied" in w for w in warnings
    )
    assert "other endpoints not counted" in run.stdout


def test_an_instance_type_without_a_quota_only_warns(runner: Runner, aws: Any) -> None:
    fleet(aws, "churn-model", "ml.m5.large", 4)

    run = runner.run_here(base_inputs(instance_type="ml.z9.large", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    warnings = [c.data for c in run.log.named("warning")]
    assert any('no Service Quotas quota named "ml.z9.large for endpoint usage"' in w for w in warnings)
    assert any("load per instance cannot be compared" in w for w in warnings)


def test_the_log_header_shows_the_plan_before_the_deploy_starts(runner: Runner, aws: Any) -> None:
    fleet(aws, "churn-model", "ml.m5.large", 4)

    run = runner.run(base_inputs(instance_type=""))

    assert run.returncode == 0, run.stdout + run.stderr
    header = run.stdout.split("started execution", 1)[0]
    assert "::group::Capacity" in header
    assert "capacity: current variant 4 ml.m5.large" in header
    assert "peak of the deploy:" in header


def test_the_endpoints_last_deployment_config_is_mentioned_and_not_passed_into_our_updates(
    runner: Runner, aws: Any
) -> None:
    """DescribeEndpoint's ``LastDeploymentConfig`` belongs to the endpoint's last update
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html); passing it
    to UpdateEndpoint would make ours SageMaker deployments with their own traffic shifting."""
    fleet(aws, "churn-model", "ml.m5.large", 2)
    sagemaker = aws("sagemaker")
    sagemaker.update_endpoint(
        EndpointName="churn-model",
        EndpointConfigName="churn-model-config",
        DeploymentConfig={"BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": ALL_AT_ONCE}},
    )
    wait_for(
        lambda: sagemaker.describe_endpoint(EndpointName="churn-model")["EndpointStatus"] == "InService", 30
    )

    run = runner.run_here(base_inputs(instance_type="", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    assert "the endpoint reports a LastDeploymentConfig (BlueGreenUpdatePolicy)" in run.stdout
    assert "does not pass it into its own updates" in run.stdout
    definition = json.loads((ROOT / "canary" / "statemachine.asl.json").read_text())
    updates = [
        s for s in _states(definition["States"]) if str(s.get("Resource", "")).endswith(":updateEndpoint")
    ]
    assert updates
    assert all("DeploymentConfig" not in json.dumps(s.get("Arguments", {})) for s in updates)


def _states(states: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for state in states.values():
        found.append(state)
        for branch in state.get("Branches", []):
            found += _states(branch["States"])
        if "ItemProcessor" in state:
            found += _states(state["ItemProcessor"]["States"])
    return found


def test_quotas_that_cannot_be_read_only_warn_and_leave_the_other_endpoints_unread(
    runner: Runner, aws: Any, recorder: Proxy
) -> None:
    fleet(aws, "churn-model", G5, 4)
    faults.inject("service-quotas", "ListServiceQuotas", error="AccessDeniedException", count=1)
    recorder.clear()

    run = runner.run_here(base_inputs(instance_type="", dry_run="true"))

    assert run.returncode == 0, run.stdout + run.stderr
    warnings = [c.data for c in run.log.named("warning")]
    assert any("the instance quotas were not checked" in w and "AccessDenied" in w for w in warnings)
    assert f'quota "{G5} for endpoint usage" not read' in run.stdout
    assert not any(op.endswith(".ListEndpoints") for op in recorder.operations)
