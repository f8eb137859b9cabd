"""The guardrails definition's inference-component branch, run for real on the emulator from a
hand-started execution input (no action in front of it): what it refuses before any change, and a
create. Pages: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html
(a new IC on an endpoint whose variant has no model),
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html
(``BaseInferenceComponentName`` marks an adapter)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from canary.component_input import ComponentCompute, ComponentSettings
from canary.emulator import Emulator
from canary.statemachine import ensure_state_machine
from canary.strategy_input import StrategySettings
from tests.conftest import timings
from tests.statemachine.conftest import MODEL_ROLE, ROLE, make_document

pytestmark = pytest.mark.execution

NEEDS = {"NumberOfCpuCoresRequired": 1, "MinMemoryRequiredInMb": 1024}


@pytest.fixture
def world(aws: Any, emulator: Emulator) -> dict[str, Any]:
    emulator.set_timings(timings(create_seconds=0.0, update_seconds=0.2, weights_seconds=0.05))
    sm = aws("sagemaker")
    sm.create_endpoint_config(
        EndpointConfigName="ic-cfg",
        ExecutionRoleArn=MODEL_ROLE,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}
        ],
    )
    sm.create_endpoint(EndpointName="ic", EndpointConfigName="ic-cfg")
    sm.create_model(
        ModelName="base-v1", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": "repo/llm:1"}
    )
    sm.create_inference_component(
        InferenceComponentName="base",
        EndpointName="ic",
        VariantName="AllTraffic",
        Specification={"ModelName": "base-v1", "ComputeResourceRequirements": NEEDS},
        RuntimeConfig={"CopyCount": 1},
    )
    _settle(sm, "base")
    machine = ensure_state_machine(
        aws("stepfunctions"), "sagemaker-guardrails-deploy", ROLE, family="guardrails"
    )
    return {"sm": sm, "sfn": aws("stepfunctions"), "machine": machine.arn}


def _settle(sm: Any, name: str) -> None:
    deadline = time.monotonic() + 10
    while (
        sm.describe_inference_component(InferenceComponentName=name)["InferenceComponentStatus"]
        != "InService"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)


def _run(world: dict[str, Any], component: str, **changes: Any) -> dict[str, Any]:
    document = make_document(
        "ic",
        Strategy=StrategySettings(Kind="rolling", WaitSeconds=1, TerminationWaitSeconds=1),
        Component=ComponentSettings(Name=component, NewCompute=ComponentCompute(**NEEDS)),
        **changes,
    )
    sfn = world["sfn"]
    arn = sfn.start_execution(stateMachineArn=world["machine"], input=document.to_json())["executionArn"]
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return dict(described)


def test_create_endpoint_never_refuses_a_missing_ic_before_any_change(world: dict[str, Any]) -> None:
    out = _run(world, "new-one", CreateEndpoint="never")
    assert out["status"] == "FAILED"
    assert out["error"] == "Canary.EndpointNotFound"
    assert "create-endpoint: never" in out["cause"]
    assert [m["ModelName"] for m in world["sm"].list_models()["Models"]] == ["base-v1"], "nothing created"


def test_an_adapter_is_refused_by_name(world: dict[str, Any]) -> None:
    sm = world["sm"]
    sm.create_inference_component(
        InferenceComponentName="lora",
        EndpointName="ic",
        VariantName="AllTraffic",
        Specification={
            "BaseInferenceComponentName": "base",
            "Container": {"ArtifactUrl": "s3://b/lora.tar.gz"},
        },
    )
    _settle(sm, "lora")
    out = _run(world, "lora")
    assert out["status"] == "FAILED"
    assert out["error"] == "Canary.UnsupportedEndpoint"
    assert "adapter of base" in out["cause"]


def test_a_missing_ic_is_created_with_the_new_model(world: dict[str, Any]) -> None:
    out = _run(world, "new-one")
    assert out["status"] == "SUCCEEDED", out
    output = json.loads(out["output"])
    assert output["InferenceComponentName"] == "new-one"
    assert output["Kind"] == "component-create"
    created = world["sm"].describe_inference_component(InferenceComponentName="new-one")
    assert created["Specification"]["ModelName"] == output["ModelName"]
    assert created["Specification"]["ComputeResourceRequirements"] == NEEDS


def test_an_ic_of_a_multi_container_model_is_refused_before_any_change(world: dict[str, Any]) -> None:
    """Only a single-container model is carried over exactly (as for variants): a pipeline is refused."""
    sm = world["sm"]
    sm.create_model(
        ModelName="pipe-v1",
        ExecutionRoleArn=MODEL_ROLE,
        Containers=[{"Image": "repo/pre:1"}, {"Image": "repo/llm:1"}],
    )
    sm.create_inference_component(
        InferenceComponentName="pipe",
        EndpointName="ic",
        VariantName="AllTraffic",
        Specification={"ModelName": "pipe-v1", "ComputeResourceRequirements": NEEDS},
        RuntimeConfig={"CopyCount": 1},
    )
    _settle(sm, "pipe")
    out = _run(world, "pipe")
    assert out["status"] == "FAILED"
    assert "multi-container" in out["cause"]
    assert (
        sm.describe_inference_component(InferenceComponentName="pipe")["Specification"]["ModelName"]
        == "pipe-v1"
    )


def test_a_hand_started_component_block_missing_its_name_is_refused_before_any_aws_call(
    world: dict[str, Any],
) -> None:
    document = json.loads(
        make_document(
            "ic",
            Strategy=StrategySettings(Kind="rolling", WaitSeconds=1, TerminationWaitSeconds=1),
            Component=ComponentSettings(Name="base", NewCompute=ComponentCompute(**NEEDS)),
        ).to_json()
    )
    del document["Component"]["Name"]
    sfn = world["sfn"]
    arn = sfn.start_execution(stateMachineArn=world["machine"], input=json.dumps(document))["executionArn"]
    deadline = time.monotonic() + 30
    while (out := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert out["error"] == "Canary.InvalidInput"
