"""Instance types with local NVMe storage through the action (canary/instance_storage.py).

SageMaker refuses a ``KmsKeyId`` in an endpoint config with any such variant, and a variant's
``VolumeSizeInGB`` on one (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html, the table of
https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html). The key is config-wide, so
a move to such a type is refused before any change (exit 2); a carried volume size is dropped for the
new variant and the log says so.
"""

from __future__ import annotations

from typing import Any

from tests.action.conftest import IMAGE, OTHER_IMAGE, ROLE, Runner, base_inputs
from tests.proxy import Proxy as Recorder

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _endpoint(aws: Any, **config: Any) -> None:
    """churn-model on ml.m5.large (EBS-backed), with the given config members and a 64 GB volume."""
    sagemaker = aws("sagemaker")
    sagemaker.create_model(ModelName="churn-v1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sagemaker.create_endpoint_config(
        EndpointConfigName="churn-original",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "churn-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "VolumeSizeInGB": 64,
            }
        ],
        **config,
    )
    sagemaker.create_endpoint(EndpointName="churn-model", EndpointConfigName="churn-original")


def test_a_kms_key_with_a_local_storage_instance_type_exits_2_before_any_change(
    runner: Runner, aws: Any, recorder: Recorder
) -> None:
    _endpoint(aws, KmsKeyId=KEY)
    recorder.clear()
    run = runner.run_here(base_inputs(image_uri=OTHER_IMAGE, instance_type="ml.g5.xlarge"))
    assert run.returncode == 2, run.stdout + run.stderr
    (error,) = run.errors()
    assert error.startswith("instance-type:")
    assert KEY in error
    assert "ml.g5.xlarge" in error
    assert recorder.writes == [], recorder.operations


def test_a_volume_size_with_a_local_storage_instance_type_exits_2(runner: Runner, recorder: Recorder) -> None:
    run = runner.run_here(base_inputs(instance_type="ml.g6.xlarge", volume_size_gb="100"))
    assert run.returncode == 2, run.stdout + run.stderr
    (error,) = run.errors()
    assert error.startswith("volume-size-gb:")
    assert "ml.g6.xlarge" in error
    assert recorder.writes == [], recorder.operations


def test_a_carried_volume_size_is_dropped_for_the_new_variant_and_said(runner: Runner, aws: Any) -> None:
    _endpoint(aws)
    run = runner.run(base_inputs(image_uri=OTHER_IMAGE, instance_type="ml.g5.xlarge"))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VolumeSizeInGB (64 GB) is not carried to the new variant" in run.stdout
    sagemaker = aws("sagemaker")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=run.outputs["endpoint-config-name"])
    (variant,) = config["ProductionVariants"]
    assert variant["InstanceType"] == "ml.g5.xlarge"
    assert "VolumeSizeInGB" not in variant
