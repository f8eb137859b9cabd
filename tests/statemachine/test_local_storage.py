"""A move to an instance type with local NVMe storage: the new variant carries no VolumeSizeInGB.

SageMaker refuses ``VolumeSizeInGB`` on such types
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html, the table of
https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html in canary/instance_storage.py),
and the emulator refuses it as SageMaker does. The action says so in ``LocalStorage``; the current
variant keeps its volume in the canary config (it stays on its EBS-backed type).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.statemachine.conftest import MODEL_ROLE, Deploys

pytestmark = pytest.mark.execution


def _endpoint_with_a_volume(deploys: Deploys) -> None:
    deploys.sm.create_model(
        ModelName="ep-v1", ExecutionRoleArn=MODEL_ROLE, PrimaryContainer={"Image": "repo/model:v1"}
    )
    deploys.sm.create_endpoint_config(
        EndpointConfigName="ep-orig",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "ep-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "VolumeSizeInGB": 64,
            }
        ],
    )
    deploys.sm.create_endpoint(EndpointName=deploys.endpoint, EndpointConfigName="ep-orig")
    deploys.wait_in_service()


def _variants(deploys: Deploys, config: str) -> dict[str, Any]:
    described = deploys.sm.describe_endpoint_config(EndpointConfigName=config)
    return {v["VariantName"]: v for v in described["ProductionVariants"]}


def test_a_move_to_a_local_storage_type_drops_the_carried_volume_size_and_is_promoted(
    deploys: Deploys,
) -> None:
    _endpoint_with_a_volume(deploys)
    document = deploys.document(
        InstanceType="ml.g5.xlarge", LocalStorage=True, ErrorAlarms={"Enabled": False}
    )
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    final = _variants(deploys, document.Names.FinalConfig)["Blue"]
    assert final["InstanceType"] == "ml.g5.xlarge"
    assert "VolumeSizeInGB" not in final


def test_the_canary_config_keeps_the_current_variants_volume(deploys: Deploys) -> None:
    _endpoint_with_a_volume(deploys)
    document = deploys.document(InstanceType="ml.g5.xlarge", LocalStorage=True, BakeSeconds=30)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    variants = _variants(deploys, document.Names.CanaryConfig)
    assert variants["Blue"]["VolumeSizeInGB"] == 64, "the current variant stays exactly as it is"
    assert "VolumeSizeInGB" not in variants["Canary"]
    deploys.sfn.stop_execution(executionArn=arn)
