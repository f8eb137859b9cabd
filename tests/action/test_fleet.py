"""The fleet is kept through the action (issue 17): with action.yml's defaults (instance-count and
canary-instance-count empty, as the runner passes them) a deploy to a 4-instance endpoint keeps 4
instances after promotion and runs a canary of ceil(4 x 20 / 100) = 1; an explicit instance-count
still overrides. docs/state-machine.md, "The fleet"."""

from __future__ import annotations

from typing import Any

from tests.action.conftest import ACCOUNT, REGION, ROLE, Runner, base_inputs, wait_for


def _endpoint(aws: Any, name: str, instances: int) -> None:
    sagemaker = aws("sagemaker")
    sagemaker.create_model(
        ModelName=f"{name}-v1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:0.9"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-v1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{name}-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": instances,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-v1")
    wait_for(lambda: sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService", 30)


def _promoted_instances(aws: Any, name: str) -> int:
    sagemaker = aws("sagemaker")
    config = sagemaker.describe_endpoint(EndpointName=name)["EndpointConfigName"]
    [variant] = sagemaker.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    return int(variant["InitialInstanceCount"])


def test_the_default_deploy_keeps_a_four_instance_fleet(runner: Runner, aws: Any) -> None:
    _endpoint(aws, "churn-model", 4)
    run = runner.run(base_inputs(instance_count="", canary_instance_count=""))
    assert run.returncode == 0, run.stdout + run.stderr
    assert _promoted_instances(aws, "churn-model") == 4
    assert "AllTraffic 80% x4, Canary 20% x1" in run.stdout, "the current variant keeps its 4 meanwhile"


def test_an_explicit_instance_count_still_overrides(runner: Runner, aws: Any) -> None:
    _endpoint(aws, "churn-model", 4)
    run = runner.run(base_inputs(instance_count="6"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert _promoted_instances(aws, "churn-model") == 6
