"""First deploy: the endpoint does not exist yet (docs/state-machine.md, "First deploy")."""

from __future__ import annotations

import pytest

from canary.execution_input import AutoScalingSettings, ContainerSpec
from tests.statemachine.conftest import DIMENSION, Deploys

pytestmark = pytest.mark.execution


def test_first_deploy_creates_model_config_and_endpoint_and_succeeds(deploys: Deploys) -> None:
    document = deploys.document(InstanceType="ml.m5.large", InstanceCount=2)
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", outcome.cause
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["EndpointConfigName"] == document.Names.FinalConfig
    config = deploys.sm.describe_endpoint_config(EndpointConfigName=document.Names.FinalConfig)
    [variant] = config["ProductionVariants"]
    assert (
        variant["VariantName"],
        variant["ModelName"],
        variant["InstanceType"],
        variant["InitialInstanceCount"],
    ) == (
        "AllTraffic",
        document.Names.Model,
        "ml.m5.large",
        2,
    )
    model = deploys.sm.describe_model(ModelName=document.Names.Model)
    assert model["PrimaryContainer"]["Image"] == "repo/model:v2"
    assert outcome.output is not None
    assert outcome.output["Kind"] == "first-deploy"
    assert outcome.output["EndpointConfigName"] == document.Names.FinalConfig
    assert outcome.calls("updateEndpoint") == 0
    deploys.assert_no_leftovers(document)


def test_first_deploy_applies_autoscaling_with_the_seed_policy_name(deploys: Deploys) -> None:
    document = deploys.document(
        InstanceType="ml.m5.large",
        AutoScaling=AutoScalingSettings(Enabled=True, MinCapacity=1, MaxCapacity=3, TargetValue=250.0),
    )
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", outcome.cause
    scaling = deploys.autoscaling("AllTraffic")
    assert [(t["MinCapacity"], t["MaxCapacity"], t["ScalableDimension"]) for t in scaling["targets"]] == [
        (1, 3, DIMENSION)
    ]
    [policy] = scaling["policies"]
    assert policy["PolicyName"] == "SageMakerEndpointInvocationScalingPolicy"
    assert policy["TargetTrackingScalingPolicyConfiguration"] == {
        "TargetValue": 250.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    }


def test_first_deploy_without_instance_type_fails_before_creating_anything(deploys: Deploys) -> None:
    document = deploys.document()
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.InvalidInput")
    assert outcome.cause is not None
    assert "InstanceType" in outcome.cause
    assert deploys.models() == set()
    assert deploys.configs() == set()


def test_failed_create_ends_create_failed_with_the_reason_and_leaves_nothing(deploys: Deploys) -> None:
    """A failed create ends `Failed`; the image tagged `broken` fails its health check (docs/emulator.md)."""
    document = deploys.document(
        InstanceType="ml.m5.large", Container=ContainerSpec(Image="repo/model:broken")
    )
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.CreateFailed")
    assert outcome.cause is not None
    assert "health check" in outcome.cause or "ping" in outcome.cause.lower()
    assert deploys.sm.list_endpoints()["Endpoints"] == []
    assert document.Names.FinalConfig not in deploys.configs()
    assert document.Names.Model not in deploys.models()


def test_a_missing_endpoint_is_known_from_the_first_read_without_retrying(deploys: Deploys) -> None:
    """DescribeEndpoint on a missing endpoint fails with SageMaker's generic exception, as throttling
    does; the first read does not retry it (a retry would cost the first deploy the throttling
    backoff), so the first deploy starts right after one failed read."""
    document = deploys.document(InstanceType="ml.m5.large")
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert outcome.attempts("ReadEndpoint") == ["SageMaker.SageMakerException"]
    entered = outcome.entered()
    assert entered[entered.index("ReadEndpoint") :][:3] == [
        "ReadEndpoint",
        "IsFirstDeploy",
        "CreateModel",
    ]
    assert "ReadEndpointAgain" not in entered
