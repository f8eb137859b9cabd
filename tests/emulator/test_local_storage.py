"""CreateEndpointConfig on instance types with local NVMe storage (canary/emulator/local_storage.py).

AWS: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html (KmsKeyId:
"If you specify a value for KmsKeyId when using any nitro-based instances with local storage, the call
to CreateEndpointConfig fails"), https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
(VolumeSizeInGB: the EBS volume attached to each instance), and the table of
https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html (canary/instance_storage.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from canary.instance_storage import has_local_storage
from tests.emulator.test_sagemaker import REPO, ROLE, error_of

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def sm(aws: Any) -> Any:
    client = aws("sagemaker")
    client.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v1"})
    return client


def variant(instance_type: str, **extra: Any) -> dict[str, Any]:
    return {
        "VariantName": "AllTraffic",
        "ModelName": "m",
        "InstanceType": instance_type,
        "InitialInstanceCount": 1,
        **extra,
    }


def test_the_table_names_types_not_families() -> None:
    assert has_local_storage("ml.g5.xlarge")
    assert has_local_storage("ml.p4d.24xlarge")
    assert not has_local_storage("ml.m5.large")
    assert not has_local_storage("ml.g5.huge")
    assert not has_local_storage(None)


@pytest.mark.parametrize(
    "instance_type", ["ml.g5.xlarge", "ml.g6.2xlarge", "ml.m5d.large", "ml.p4d.24xlarge"]
)
def test_a_volume_size_on_a_local_storage_type_is_refused_and_nothing_created(
    sm: Any, instance_type: str
) -> None:
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="c",
        ProductionVariants=[variant(instance_type, VolumeSizeInGB=64)],
    )
    assert code == "ValidationException"
    assert "VolumeSizeInGB" in message
    assert instance_type in message
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []


def test_a_kms_key_with_any_local_storage_variant_is_refused(sm: Any) -> None:
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="c",
        KmsKeyId=KEY,
        ProductionVariants=[variant("ml.m5.large"), {**variant("ml.g5.xlarge"), "VariantName": "Canary"}],
    )
    assert code == "ValidationException"
    assert "KmsKeyId" in message
    assert "ml.g5.xlarge" in message
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []


def test_ebs_types_keep_their_volume_size_and_kms_key(sm: Any) -> None:
    sm.create_endpoint_config(
        EndpointConfigName="c", KmsKeyId=KEY, ProductionVariants=[variant("ml.m5.large", VolumeSizeInGB=64)]
    )
    described = sm.describe_endpoint_config(EndpointConfigName="c")
    assert described["KmsKeyId"] == KEY
    assert described["ProductionVariants"][0]["VolumeSizeInGB"] == 64


def test_a_local_storage_type_without_either_is_accepted(sm: Any) -> None:
    sm.create_endpoint_config(EndpointConfigName="c", ProductionVariants=[variant("ml.g5.xlarge")])
    assert (
        sm.describe_endpoint_config(EndpointConfigName="c")["ProductionVariants"][0]["InstanceType"]
        == "ml.g5.xlarge"
    )
