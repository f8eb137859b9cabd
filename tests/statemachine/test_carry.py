"""Only the model changes: every other setting of the endpoint config, its variant and its model is
carried into the canary and final configs and the new model (docs/state-machine.md, "Carried over").

The endpoints here carry what real ones do: data capture, a KMS key, a VPC-bound model with network
isolation, a 64 GB volume, long download and start-up time-outs, routing, SSM access, tags.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator.jsonata_eval import evaluate
from canary.execution_input import (
    ConfigSettings,
    DataCapture,
    EndpointSettings,
    VariantSettings,
)
from canary.statemachine import load_definition
from tests.statemachine.conftest import MODEL_ROLE, Deploys, make_document

pytestmark = pytest.mark.execution

VPC = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]}
CAPTURE = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 25,
    "DestinationS3Uri": "s3://team-capture/ep",
    "KmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/capture",
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    "CaptureContentTypeHeader": {"JsonContentTypes": ["application/json"]},
}
VOLUME_KEY = "arn:aws:kms:us-east-1:123456789012:key/volume"
VARIANT_SETTINGS = {
    "VolumeSizeInGB": 64,
    "ModelDataDownloadTimeoutInSeconds": 900,
    "ContainerStartupHealthCheckTimeoutInSeconds": 600,
    "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
    "EnableSSMAccess": True,
    "InferenceAmiVersion": "al2-ami-sagemaker-inference-gpu-2",
}
MODEL_TAGS = [{"Key": "team", "Value": "ranking"}, {"Key": "cost-center", "Value": "ml-42"}]
CONFIG_TAGS = [{"Key": "team", "Value": "ranking"}, {"Key": "data-class", "Value": "pii"}]


def _real_endpoint(deploys: Deploys) -> str:
    """An InService endpoint configured as production endpoints are; returns its config name."""
    deploys.sm.create_model(
        ModelName="ep-v1",
        ExecutionRoleArn=MODEL_ROLE,
        PrimaryContainer={
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ranker:v1",
            "ModelDataUrl": "s3://team-models/ranker/v1/model.tar.gz",
            "Environment": {"OLD": "1"},
        },
        VpcConfig=VPC,
        EnableNetworkIsolation=True,
        Tags=MODEL_TAGS,
    )
    deploys.sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "ep-v1",
                "InstanceType": "ml.p3.2xlarge",
                "InitialInstanceCount": 2,
                "InitialVariantWeight": 1.0,
                **VARIANT_SETTINGS,
            }
        ],
        DataCaptureConfig=CAPTURE,
        KmsKeyId=VOLUME_KEY,
        Tags=CONFIG_TAGS,
    )
    deploys.sm.create_endpoint(EndpointName=deploys.endpoint, EndpointConfigName="ep-orig")
    deploys.wait_in_service()
    return "ep-orig"


def _config(deploys: Deploys, name: str) -> dict[str, Any]:
    described = deploys.sm.describe_endpoint_config(EndpointConfigName=name)
    return {k: v for k, v in described.items() if k != "ResponseMetadata"}


def _tags(deploys: Deploys, arn: str) -> list[dict[str, str]]:
    return sorted(deploys.sm.list_tags(ResourceArn=arn)["Tags"], key=lambda t: t["Key"])


def _subset(variant: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: variant.get(key) for key in expected}


def test_canary_and_promoted_configs_and_the_new_model_keep_every_setting(deploys: Deploys) -> None:
    original = _real_endpoint(deploys)
    before = _config(deploys, original)
    document = deploys.document(BakeSeconds=2)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")

    canary = _config(deploys, document.Names.CanaryConfig)
    assert (canary["DataCaptureConfig"], canary["KmsKeyId"]) == (CAPTURE, VOLUME_KEY)
    variants = {v["VariantName"]: v for v in canary["ProductionVariants"]}
    for name in ("Blue", "Canary"):
        assert _subset(variants[name], VARIANT_SETTINGS) == VARIANT_SETTINGS, name
    assert (variants["Blue"]["ModelName"], variants["Blue"]["InstanceType"]) == ("ep-v1", "ml.p3.2xlarge")
    assert _tags(deploys, canary["EndpointConfigArn"]) == sorted(CONFIG_TAGS, key=lambda t: t["Key"])

    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    final = _config(deploys, document.Names.FinalConfig)
    assert (final["DataCaptureConfig"], final["KmsKeyId"]) == (CAPTURE, VOLUME_KEY)
    [variant] = final["ProductionVariants"]
    assert _subset(variant, VARIANT_SETTINGS) == VARIANT_SETTINGS
    assert (variant["VariantName"], variant["InstanceType"]) == ("Blue", "ml.p3.2xlarge")
    assert _tags(deploys, final["EndpointConfigArn"]) == sorted(CONFIG_TAGS, key=lambda t: t["Key"])

    model = deploys.sm.describe_model(ModelName=document.Names.Model)
    assert (model["VpcConfig"], model["EnableNetworkIsolation"]) == (VPC, True)
    assert model["PrimaryContainer"]["Image"] == "repo/model:v2"
    assert model["PrimaryContainer"].get("Environment", {}) == {}, (
        "the new model's environment is the input's"
    )
    assert _tags(deploys, model["ModelArn"]) == sorted(MODEL_TAGS, key=lambda t: t["Key"])

    endpoint = deploys.sm.describe_endpoint(EndpointName=deploys.endpoint)
    assert endpoint["DataCaptureConfig"]["DestinationS3Uri"] == CAPTURE["DestinationS3Uri"]
    assert _config(deploys, original) == before, "the original config is kept untouched, for a rollback"


def test_given_settings_override_the_new_variant_only(deploys: Deploys) -> None:
    _real_endpoint(deploys)
    capture = DataCapture(DestinationS3Uri="s3://other-capture/ep", InitialSamplingPercentage=5)
    document = deploys.document(
        BakeSeconds=1,
        Settings=EndpointSettings(
            Variant=VariantSettings(VolumeSizeInGB=128, ContainerStartupHealthCheckTimeoutInSeconds=1200),
            EndpointConfig=ConfigSettings(DataCaptureConfig=capture),
        ),
    )
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    variants = {
        v["VariantName"]: v for v in _config(deploys, document.Names.CanaryConfig)["ProductionVariants"]
    }
    assert variants["Blue"]["VolumeSizeInGB"] == 64, "the current variant stays exactly as it is"
    assert variants["Canary"]["VolumeSizeInGB"] == 128
    assert variants["Canary"]["ContainerStartupHealthCheckTimeoutInSeconds"] == 1200
    assert variants["Canary"]["ModelDataDownloadTimeoutInSeconds"] == 900, "not given: carried over"
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    final = _config(deploys, document.Names.FinalConfig)
    assert final["DataCaptureConfig"]["DestinationS3Uri"] == "s3://other-capture/ep"
    assert final["DataCaptureConfig"]["InitialSamplingPercentage"] == 5
    assert final["KmsKeyId"] == VOLUME_KEY
    assert final["ProductionVariants"][0]["VolumeSizeInGB"] == 128


def test_first_deploy_takes_data_capture_and_volume_settings_from_the_input(deploys: Deploys) -> None:
    document = deploys.document(
        InstanceType="ml.m5.large",
        Settings=EndpointSettings(
            Variant=VariantSettings(VolumeSizeInGB=100, ModelDataDownloadTimeoutInSeconds=1800),
            EndpointConfig=ConfigSettings(
                DataCaptureConfig=DataCapture(DestinationS3Uri="s3://capture/first"),
                KmsKeyId=VOLUME_KEY,
            ),
        ),
    )
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    config = _config(deploys, document.Names.FinalConfig)
    assert config["DataCaptureConfig"]["DestinationS3Uri"] == "s3://capture/first"
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 100
    assert [o["CaptureMode"] for o in config["DataCaptureConfig"]["CaptureOptions"]] == ["Input", "Output"]
    assert config["KmsKeyId"] == VOLUME_KEY
    [variant] = config["ProductionVariants"]
    assert (variant["VolumeSizeInGB"], variant["ModelDataDownloadTimeoutInSeconds"]) == (100, 1800)


def _refused(deploys: Deploys, original: str) -> str:
    outcome = deploys.run(deploys.document())
    assert outcome.error == "Canary.UnsupportedEndpoint", (outcome.error, outcome.cause)
    assert outcome.calls("createModel") == 0
    assert deploys.configs() == {original}
    assert outcome.cause is not None
    assert "Nothing was changed" in outcome.cause
    return outcome.cause


def test_multi_container_model_is_refused_before_any_change(deploys: Deploys) -> None:
    deploys.sm.create_model(
        ModelName="ep-v1",
        ExecutionRoleArn=MODEL_ROLE,
        Containers=[{"Image": "repo/pre:v1"}, {"Image": "repo/model:v1"}],
    )
    deploys.sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "ep-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    deploys.sm.create_endpoint(EndpointName=deploys.endpoint, EndpointConfigName="ep-orig")
    deploys.wait_in_service()
    assert "multi-container or inference pipeline" in _refused(deploys, "ep-orig")


def test_shadow_variants_are_refused_before_any_change(deploys: Deploys) -> None:
    deploys.sm.create_model(
        ModelName="ep-v1", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": "r:v1"}
    )
    variant = {"ModelName": "ep-v1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}
    deploys.sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[{"VariantName": "Blue", **variant}],
        ShadowProductionVariants=[{"VariantName": "Shadow", **variant}],
    )
    deploys.sm.create_endpoint(EndpointName=deploys.endpoint, EndpointConfigName="ep-orig")
    deploys.wait_in_service()
    assert "shadow variants" in _refused(deploys, "ep-orig")


def test_serverless_variant_is_refused_before_any_change(deploys: Deploys) -> None:
    deploys.sm.create_model(
        ModelName="ep-v1", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": "r:v1"}
    )
    deploys.sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "ep-v1",
                "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
            }
        ],
    )
    deploys.sm.create_endpoint(EndpointName=deploys.endpoint, EndpointConfigName="ep-orig")
    deploys.wait_in_service()
    assert "serverless" in _refused(deploys, "ep-orig")


def _plan_expression() -> str:
    state = json.loads(load_definition())["States"]["ReadScalingPolicies"]
    expression: str = state["Assign"]["plan"]
    return expression.removeprefix("{%").removesuffix("%}")


def test_fields_are_carried_by_name_whatever_the_sdk_casing_of_acronyms() -> None:
    """LocalStack's aws-sdk results spell ``VolumeSizeInGB`` as ``VolumeSizeInGb`` and
    ``EnableSSMAccess`` as ``EnableSsmAccess``: the plan reads either and writes the API's names.
    The definition's own expression, evaluated by JSONata."""
    recased = {
        "VariantName": "Blue",
        "ModelName": "ep-v1",
        "InstanceType": "ml.p3.2xlarge",
        "InitialInstanceCount": 2,
        "VolumeSizeInGb": 64,
        "EnableSsmAccess": True,
        "ModelDataDownloadTimeoutInSeconds": 900,
        "CurrentWeight": 1.0,
    }
    inputs = json.loads(make_document("ep").to_json())
    plan = evaluate(
        _plan_expression(),
        {
            "in": inputs,
            "config": {"ProductionVariants": [recased], "KmsKeyId": VOLUME_KEY},
            "model": {"PrimaryContainer": {"Image": "r:v1"}, "VpcConfig": VPC},
            "current": {"endpoint": {"InstanceCount": 2}},
            "configTags": [],
            "modelTags": [],
        },
    )
    [new] = plan["finalConfig"]["ProductionVariants"]
    assert new["VolumeSizeInGB"] == 64
    assert new["EnableSSMAccess"] is True
    assert new["ModelDataDownloadTimeoutInSeconds"] == 900
    assert "VolumeSizeInGb" not in new
    assert "CurrentWeight" not in new, "only settings are carried, not what DescribeEndpointConfig adds"
    assert plan["finalConfig"]["KmsKeyId"] == VOLUME_KEY
    assert plan["model"]["VpcConfig"] == VPC
