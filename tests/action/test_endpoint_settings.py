"""The endpoint's settings through the action: inputs set them, a later deploy carries them over.

docs/state-machine.md, "Only the model changes"; the inputs are action.yml's volume-size-gb,
model-download-timeout-seconds, container-startup-timeout-seconds, data-capture-destination and
data-capture-percentage.
"""

from __future__ import annotations

from typing import Any

from tests.action.conftest import Runner, base_inputs


def _config(aws: Any, endpoint: str) -> dict[str, Any]:
    sagemaker = aws("sagemaker")
    name = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    return sagemaker.describe_endpoint_config(EndpointConfigName=name)  # type: ignore[no-any-return]


def test_first_deploy_takes_the_settings_and_the_next_deploy_keeps_them(runner: Runner, aws: Any) -> None:
    first = runner.run(
        base_inputs(
            volume_size_gb="64",
            model_download_timeout_seconds="900",
            container_startup_timeout_seconds="600",
            data_capture_destination="s3://capture-bucket/churn",
            data_capture_percentage="20",
        )
    )
    assert first.returncode == 0, first.stdout + first.stderr
    settings = {
        "VolumeSizeInGB": 64,
        "ModelDataDownloadTimeoutInSeconds": 900,
        "ContainerStartupHealthCheckTimeoutInSeconds": 600,
    }
    created = _config(aws, "churn-model")
    assert {k: created["ProductionVariants"][0].get(k) for k in settings} == settings
    assert created["DataCaptureConfig"]["DestinationS3Uri"] == "s3://capture-bucket/churn"
    assert created["DataCaptureConfig"]["InitialSamplingPercentage"] == 20

    second = runner.run(base_inputs(image_uri=base_inputs()["image_uri"].replace(":", ":next-", 1)))
    assert second.returncode == 0, second.stdout + second.stderr
    promoted = _config(aws, "churn-model")
    assert promoted["EndpointConfigName"] == second.outputs["endpoint-config-name"]
    assert promoted["EndpointConfigName"] != created["EndpointConfigName"]
    assert {k: promoted["ProductionVariants"][0].get(k) for k in settings} == settings
    assert promoted["DataCaptureConfig"] == created["DataCaptureConfig"]
