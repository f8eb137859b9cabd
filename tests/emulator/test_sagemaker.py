"""The emulator's SageMaker behaves as the SageMaker API reference says, where a canary deploy relies on it.

Every test drives real boto3 over HTTP. Durations are short (``FAST``), so statuses are polled.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator, EmulatorTimings

FAST = EmulatorTimings(create_seconds=0.3, update_seconds=0.3)
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


@pytest.fixture
def sm(aws: Any, emulator: Emulator) -> Any:
    """A SageMaker client on an emulator where creates and updates take 0.3 s."""
    emulator.set_timings(FAST)
    return aws("sagemaker")


def model(sm: Any, name: str, tag: str = "v1") -> str:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:{tag}"})
    return name


def config(sm: Any, name: str, *variants: tuple[str, str, float], instance_type: str = "ml.m5.large") -> str:
    """An endpoint config; each variant is (VariantName, ModelName, InitialVariantWeight)."""
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model_name,
                "InstanceType": instance_type,
                "InitialInstanceCount": 1,
                "InitialVariantWeight": weight,
            }
            for variant, model_name, weight in variants
        ],
    )
    return name


def wait_until_settled(sm: Any, endpoint: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll DescribeEndpoint until the endpoint leaves Creating/Updating; returns the description."""
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sm.describe_endpoint(EndpointName=endpoint)
        if described["EndpointStatus"] not in ("Creating", "Updating"):
            return described
        assert time.monotonic() < deadline, f"{endpoint} still {described['EndpointStatus']}"
        time.sleep(0.05)


def in_service(sm: Any, endpoint: str = "ep", image_tag: str = "v1") -> str:
    """An InService endpoint with one variant ``Live`` serving model ``live``."""
    model(sm, "live", image_tag)
    config(sm, "cfg-live", ("Live", "live", 1.0))
    sm.create_endpoint(EndpointName=endpoint, EndpointConfigName="cfg-live")
    assert wait_until_settled(sm, endpoint)["EndpointStatus"] == "InService"
    return endpoint


def canary_config(sm: Any, tag: str = "v2", name: str = "cfg-canary") -> str:
    """A config with the live model at 80 and a canary model (image ``tag``) at 20."""
    model(sm, f"canary-{tag}", tag)
    return config(sm, name, ("Live", "live", 80.0), ("Canary", f"canary-{tag}", 20.0))


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def weights(described: dict[str, Any]) -> dict[str, tuple[float, float]]:
    variants = described["ProductionVariants"]
    return {v["VariantName"]: (v["CurrentWeight"], v["DesiredWeight"]) for v in variants}


# --- CreateEndpoint ------------------------------------------------------------------------------


def test_create_endpoint_is_creating_then_in_service(sm: Any) -> None:
    """API_CreateEndpoint: "SageMaker sets the endpoint status to Creating. After it creates the
    endpoint, it sets the status to InService." (DescribeEndpoint reports it.)"""
    model(sm, "m")
    config(sm, "cfg", ("AllTraffic", "m", 1.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")

    creating = sm.describe_endpoint(EndpointName="ep")
    assert creating["EndpointStatus"] == "Creating"
    assert creating["PendingDeploymentSummary"]["EndpointConfigName"] == "cfg"

    settled = wait_until_settled(sm, "ep")
    assert settled["EndpointStatus"] == "InService"
    assert settled["EndpointConfigName"] == "cfg"
    assert "PendingDeploymentSummary" not in settled
    [variant] = settled["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (1, 1)
    assert variant["DeployedImages"][0]["SpecifiedImage"] == f"{REPO}:v1"


def test_list_endpoints_settles_statuses_too(sm: Any) -> None:
    """API_ListEndpoints: EndpointStatus and StatusEquals reflect the endpoint's current status."""
    model(sm, "m")
    config(sm, "cfg", ("AllTraffic", "m", 1.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert [e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"]] == ["Creating"]
    time.sleep(FAST.create_seconds + 0.05)
    assert [e["EndpointName"] for e in sm.list_endpoints(StatusEquals="InService")["Endpoints"]] == ["ep"]


# --- UpdateEndpoint ------------------------------------------------------------------------------


def test_update_endpoint_is_updating_then_on_the_new_config(sm: Any) -> None:
    """API_UpdateEndpoint: "When SageMaker receives the request, it sets the endpoint status to
    Updating. After updating the endpoint, it sets the status to InService." DescribeEndpoint keeps the
    running config until then and shows the new one in PendingDeploymentSummary."""
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))

    updating = sm.describe_endpoint(EndpointName="ep")
    assert updating["EndpointStatus"] == "Updating"
    assert updating["EndpointConfigName"] == "cfg-live"
    assert [v["VariantName"] for v in updating["ProductionVariants"]] == ["Live"]
    assert updating["PendingDeploymentSummary"]["EndpointConfigName"] == "cfg-canary"

    done = wait_until_settled(sm, "ep")
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "cfg-canary"
    assert weights(done) == {"Live": (80.0, 80.0), "Canary": (20.0, 20.0)}
    assert done["ProductionVariants"][1]["DeployedImages"][0]["SpecifiedImage"] == f"{REPO}:v2"
    assert done["LastModifiedTime"] > done["CreationTime"]


def test_update_endpoint_that_is_not_in_service_is_rejected(sm: Any) -> None:
    """API_UpdateEndpoint: the endpoint must be InService; SageMaker answers an update of an
    endpoint that is Creating or Updating with ValidationException "Cannot update in-progress
    endpoint"."""
    model(sm, "m")
    config(sm, "cfg", ("AllTraffic", "m", 1.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="cfg")
    assert code == "ValidationException"
    assert message == f'Cannot update in-progress endpoint "{ARN}:endpoint/ep".'

    wait_until_settled(sm, "ep")
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    code, _ = error_of(
        sm.update_endpoint_weights_and_capacities,
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredWeight": 2.0}],
    )
    assert code == "ValidationException"


def test_update_endpoint_with_zero_timings_settles_on_the_next_read(aws: Any) -> None:
    """With the default (zero) durations the new config is visible at once (other modules' tests)."""
    sm = aws("sagemaker")
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))
    described = sm.describe_endpoint(EndpointName="ep")
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == ("InService", "cfg-canary")
