"""The emulator's SageMaker behaves as the SageMaker API reference says, where a canary deploy relies on it.

Every test drives real boto3 over HTTP. Durations are short (``FAST``), so statuses are polled.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import Emulator, EmulatorTimings

FAST = EmulatorTimings(create_seconds=0.3, update_seconds=0.3, weights_seconds=0.3)
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model"
ARN = "arn:aws:sagemaker:us-east-1:123456789012"


@pytest.fixture
def sm(aws: Any) -> Any:
    """A SageMaker client on an emulator where creates and updates finish at once (next read)."""
    return aws("sagemaker")


@pytest.fixture
def timed_sm(aws: Any, emulator: Emulator) -> Any:
    """A SageMaker client on an emulator where creates and updates take 0.3 s (observable)."""
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


def test_create_endpoint_is_creating_then_in_service(timed_sm: Any) -> None:
    """API_CreateEndpoint: "SageMaker sets the endpoint status to Creating. After it creates the
    endpoint, it sets the status to InService." (DescribeEndpoint reports it.)"""
    sm = timed_sm
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


def test_list_endpoints_settles_statuses_too(timed_sm: Any) -> None:
    """API_ListEndpoints: EndpointStatus and StatusEquals reflect the endpoint's current status."""
    sm = timed_sm
    model(sm, "m")
    config(sm, "cfg", ("AllTraffic", "m", 1.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert [e["EndpointStatus"] for e in sm.list_endpoints()["Endpoints"]] == ["Creating"]
    time.sleep(FAST.create_seconds + 0.05)
    assert [e["EndpointName"] for e in sm.list_endpoints(StatusEquals="InService")["Endpoints"]] == ["ep"]


# --- UpdateEndpoint ------------------------------------------------------------------------------


def test_update_endpoint_is_updating_then_on_the_new_config(timed_sm: Any) -> None:
    """API_UpdateEndpoint: "When SageMaker receives the request, it sets the endpoint status to
    Updating. After updating the endpoint, it sets the status to InService." DescribeEndpoint keeps the
    running config until then and shows the new one in PendingDeploymentSummary."""
    sm = timed_sm
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


def test_update_endpoint_that_is_not_in_service_is_rejected(timed_sm: Any) -> None:
    """API_UpdateEndpoint: the endpoint must be InService; SageMaker answers an update of an
    endpoint that is Creating or Updating with ValidationException "Cannot update in-progress
    endpoint"."""
    sm = timed_sm
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


def test_update_endpoint_to_a_missing_config_is_rejected(sm: Any) -> None:
    """API_UpdateEndpoint / DescribeEndpointConfig: a config that does not exist is a
    ValidationException "Could not find endpoint configuration"."""
    in_service(sm)
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="nope")
    assert code == "ValidationException"
    assert message == f'Could not find endpoint configuration "{ARN}:endpoint-config/nope".'


def test_update_endpoint_retaining_variant_properties_keeps_live_counts_and_weights(sm: Any) -> None:
    """API_UpdateEndpoint, RetainAllVariantProperties: "To retain the variant properties of an endpoint
    when updating it, set RetainAllVariantProperties to true" (default false: the new config's values);
    ExcludeRetainedVariantProperties takes the new config's value for the listed properties."""
    in_service(sm)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "Live", "DesiredWeight": 3.0, "DesiredInstanceCount": 4}
        ],
    )
    wait_until_settled(sm, "ep")
    model(sm, "next", "v2")
    config(sm, "cfg-next", ("Live", "next", 1.0))
    sm.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="cfg-next",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredWeight"}],
    )
    [variant] = wait_until_settled(sm, "ep")["ProductionVariants"]
    assert (variant["CurrentInstanceCount"], variant["DesiredInstanceCount"]) == (4, 4)
    assert (variant["CurrentWeight"], variant["DesiredWeight"]) == (1.0, 1.0)

    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-live")
    [variant] = wait_until_settled(sm, "ep")["ProductionVariants"]
    assert variant["CurrentInstanceCount"] == 1


# --- UpdateEndpointWeightsAndCapacities ----------------------------------------------------------


def test_weights_update_is_updating_then_applied_keeping_unspecified_counts(timed_sm: Any) -> None:
    """API_UpdateEndpointWeightsAndCapacities: "SageMaker sets the endpoint status to Updating. After
    updating the endpoint, it sets the status to InService"; DesiredWeightAndCapacity's DesiredWeight
    and DesiredInstanceCount are each optional, so an omitted count is left as it is."""
    sm = timed_sm
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))
    wait_until_settled(sm, "ep")

    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "Live", "DesiredWeight": 50.0},
            {"VariantName": "Canary", "DesiredWeight": 50.0, "DesiredInstanceCount": 2},
        ],
    )
    updating = sm.describe_endpoint(EndpointName="ep")
    assert updating["EndpointStatus"] == "Updating"
    assert weights(updating) == {"Live": (80.0, 50.0), "Canary": (20.0, 50.0)}

    done = wait_until_settled(sm, "ep")
    assert done["EndpointStatus"] == "InService"
    assert weights(done) == {"Live": (50.0, 50.0), "Canary": (50.0, 50.0)}
    counts = {
        v["VariantName"]: (v["CurrentInstanceCount"], v["DesiredInstanceCount"])
        for v in done["ProductionVariants"]
    }
    assert counts == {"Live": (1, 1), "Canary": (2, 2)}


def test_weights_update_takes_weights_seconds_not_update_seconds(aws: Any, emulator: Emulator) -> None:
    """API_UpdateEndpointWeightsAndCapacities: the endpoint is ``Updating``, then ``InService``; no
    instances are added for a weight-only change, so its duration (``weights_seconds``) is apart from
    UpdateEndpoint's (docs/emulator.md). DesiredWeight shows at once, CurrentWeight once settled."""
    sm = aws("sagemaker")
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))
    wait_until_settled(sm, "ep")
    emulator.set_timings(EmulatorTimings(update_seconds=3600.0, weights_seconds=0.3))

    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "Canary", "DesiredWeight": 60.0}],
    )
    updating = sm.describe_endpoint(EndpointName="ep")
    assert updating["EndpointStatus"] == "Updating"
    assert "PendingDeploymentSummary" not in updating
    assert weights(updating) == {"Live": (80.0, 80.0), "Canary": (20.0, 60.0)}
    done = wait_until_settled(sm, "ep")  # 5 s at most: far less than update_seconds
    assert weights(done) == {"Live": (80.0, 80.0), "Canary": (60.0, 60.0)}

    emulator.set_timings(EmulatorTimings(update_seconds=3600.0))  # weights_seconds 0: the next read
    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "Canary", "DesiredWeight": 0.0}],
    )
    settled = sm.describe_endpoint(EndpointName="ep")
    assert settled["EndpointStatus"] == "InService"
    assert weights(settled)["Canary"] == (0.0, 0.0)


def test_weights_update_adding_instances_takes_update_seconds_and_refuses_another_update(
    aws: Any, emulator: Emulator
) -> None:
    """API_UpdateEndpointWeightsAndCapacities
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html):
    the endpoint is ``Updating``, then ``InService``; a DesiredInstanceCount that adds instances
    provisions them, so it lasts as long as an update (``update_seconds``), with the current count
    until it settles. Meanwhile another update is refused: SageMaker "Cannot update in-progress
    endpoint" (ValidationException, API_UpdateEndpoint)."""
    sm = aws("sagemaker")
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))
    wait_until_settled(sm, "ep")
    emulator.set_timings(EmulatorTimings(update_seconds=0.6, weights_seconds=0.0))

    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "Live", "DesiredWeight": 80.0, "DesiredInstanceCount": 1},
            {"VariantName": "Canary", "DesiredWeight": 20.0, "DesiredInstanceCount": 3},
        ],
    )
    updating = sm.describe_endpoint(EndpointName="ep")
    assert updating["EndpointStatus"] == "Updating"
    canary = updating["ProductionVariants"][1]
    assert (canary["CurrentInstanceCount"], canary["DesiredInstanceCount"]) == (1, 3)
    for call, kwargs in (
        (sm.update_endpoint, {"EndpointConfigName": "cfg-live"}),
        (
            sm.update_endpoint_weights_and_capacities,
            {"DesiredWeightsAndCapacities": [{"VariantName": "Canary", "DesiredWeight": 0.0}]},
        ),
    ):
        code, message = error_of(call, EndpointName="ep", **kwargs)
        assert code == "ValidationException"
        assert message == f'Cannot update in-progress endpoint "{ARN}:endpoint/ep".'

    done = wait_until_settled(sm, "ep")
    assert done["ProductionVariants"][1]["CurrentInstanceCount"] == 3
    assert weights(done) == {"Live": (80.0, 80.0), "Canary": (20.0, 20.0)}


def test_weights_update_of_an_unknown_variant_is_rejected(sm: Any) -> None:
    """API_UpdateEndpointWeightsAndCapacities: each VariantName must be a variant of the endpoint."""
    in_service(sm)
    code, message = error_of(
        sm.update_endpoint_weights_and_capacities,
        EndpointName="ep",
        DesiredWeightsAndCapacities=[{"VariantName": "Ghost", "DesiredWeight": 1.0}],
    )
    assert code == "ValidationException"
    assert "Ghost" in message
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"


def test_zero_weight_variants_keep_their_weights(sm: Any) -> None:
    """API_ProductionVariantSummary: CurrentWeight/DesiredWeight describe every variant, 0 included
    (API_ProductionVariant: InitialVariantWeight 0 is valid)."""
    model(sm, "live")
    model(sm, "idle", "v0")
    config(sm, "cfg", ("Live", "live", 1.0), ("Idle", "idle", 0.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert weights(wait_until_settled(sm, "ep")) == {"Live": (1.0, 1.0), "Idle": (0.0, 0.0)}

    sm.update_endpoint_weights_and_capacities(
        EndpointName="ep",
        DesiredWeightsAndCapacities=[
            {"VariantName": "Live", "DesiredWeight": 0.0},
            {"VariantName": "Idle", "DesiredWeight": 1.0},
        ],
    )
    assert weights(wait_until_settled(sm, "ep")) == {"Live": (0.0, 0.0), "Idle": (1.0, 1.0)}

    config(sm, "cfg-2", ("Live", "live", 0.0), ("Idle", "idle", 1.0))
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    assert weights(wait_until_settled(sm, "ep")) == {"Live": (0.0, 0.0), "Idle": (1.0, 1.0)}


# --- failed health checks ------------------------------------------------------------------------


def test_update_to_a_broken_image_returns_to_the_old_config_with_a_failure_reason(timed_sm: Any) -> None:
    """API_DescribeEndpoint, FailureReason: "If the status of the endpoint is Failed, or the status is
    InService but update operation fails, this provides the reason why it failed." A failed update
    leaves the endpoint InService on the configuration it had."""
    sm = timed_sm
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm, tag="broken"))
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Updating"

    failed = wait_until_settled(sm, "ep")
    assert failed["EndpointStatus"] == "InService"
    assert failed["EndpointConfigName"] == "cfg-live"
    assert [v["VariantName"] for v in failed["ProductionVariants"]] == ["Live"]
    assert failed["FailureReason"] == (
        "The primary container for production variant Canary did not pass the ping health check. "
        "Please check CloudWatch logs for this endpoint."
    )

    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm, tag="v3", name="cfg-fixed"))
    fixed = wait_until_settled(sm, "ep")
    assert fixed["EndpointConfigName"] == "cfg-fixed"
    assert "FailureReason" not in fixed


def test_create_with_a_broken_image_ends_failed(timed_sm: Any) -> None:
    """API_DescribeEndpoint: EndpointStatus Failed "Endpoint could not be created, updated, or
    re-scaled. Use DescribeEndpointOutput$FailureReason for information about the failure." An
    endpoint in Failed cannot be updated, only deleted."""
    sm = timed_sm
    model(sm, "m", "broken")
    config(sm, "cfg", ("AllTraffic", "m", 1.0))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Creating"

    failed = wait_until_settled(sm, "ep")
    assert failed["EndpointStatus"] == "Failed"
    assert "production variant AllTraffic did not pass the ping health check" in failed["FailureReason"]
    code, _ = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="cfg")
    assert code == "ValidationException"
    sm.delete_endpoint(EndpointName="ep")
    assert sm.list_endpoints()["Endpoints"] == []


# --- names: duplicates, missing resources, instance types ----------------------------------------


def test_duplicate_names_are_rejected(sm: Any) -> None:
    """API_CreateModel / CreateEndpointConfig / CreateEndpoint: names are unique within the account
    and Region; SageMaker answers "Cannot create already existing ..."."""
    in_service(sm)
    code, message = error_of(
        sm.create_model, ModelName="live", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v9"}
    )
    assert (code, message) == (
        "ValidationException",
        f'Cannot create already existing model "{ARN}:model/live".',
    )
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="cfg-live",
        ProductionVariants=[
            {
                "VariantName": "X",
                "ModelName": "live",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    assert (code, message) == (
        "ValidationException",
        f'Cannot create already existing endpoint configuration "{ARN}:endpoint-config/cfg-live".',
    )
    code, message = error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="cfg-live")
    assert (code, message) == (
        "ValidationException",
        f'Cannot create already existing endpoint "{ARN}:endpoint/ep".',
    )
    assert sm.describe_model(ModelName="live")["PrimaryContainer"]["Image"] == f"{REPO}:v1"


def test_missing_resources_are_validation_exceptions(sm: Any) -> None:
    """API_DescribeEndpoint / DescribeEndpointConfig / DescribeModel and the matching Delete actions:
    a name that does not exist is a ValidationException "Could not find ..." naming its ARN."""
    cases = [
        (sm.describe_endpoint, {"EndpointName": "x"}, f'Could not find endpoint "{ARN}:endpoint/x".'),
        (sm.delete_endpoint, {"EndpointName": "x"}, f'Could not find endpoint "{ARN}:endpoint/x".'),
        (
            sm.describe_endpoint_config,
            {"EndpointConfigName": "x"},
            f'Could not find endpoint configuration "{ARN}:endpoint-config/x".',
        ),
        (
            sm.delete_endpoint_config,
            {"EndpointConfigName": "x"},
            f'Could not find endpoint configuration "{ARN}:endpoint-config/x".',
        ),
        (sm.describe_model, {"ModelName": "x"}, f'Could not find model "{ARN}:model/x".'),
        (sm.delete_model, {"ModelName": "x"}, f'Could not find model "{ARN}:model/x".'),
    ]
    for call, kwargs, expected in cases:
        assert error_of(call, **kwargs) == ("ValidationException", expected)


@pytest.mark.parametrize(
    "instance_type", ["ml.g5.xlarge", "ml.g6.12xlarge", "ml.inf2.xlarge", "ml.c7i.large"]
)
def test_current_instance_types_are_accepted(sm: Any, instance_type: str) -> None:
    """API_ProductionVariant, InstanceType: current families (g5, g6, inf2, c7i) are valid."""
    model(sm, "m")
    config(sm, "cfg", ("AllTraffic", "m", 1.0), instance_type=instance_type)
    assert (
        sm.describe_endpoint_config(EndpointConfigName="cfg")["ProductionVariants"][0]["InstanceType"]
        == instance_type
    )


def test_malformed_instance_type_is_rejected(sm: Any) -> None:
    """API_ProductionVariant, InstanceType: values have the form ml.<family>.<size>."""
    model(sm, "m")
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="cfg",
        ProductionVariants=[
            {"VariantName": "A", "ModelName": "m", "InstanceType": "m5.large", "InitialInstanceCount": 1}
        ],
    )
    assert code == "ValidationException"
    assert "m5.large" in message


# --- DeleteEndpoint and shapes -------------------------------------------------------------------


def test_delete_endpoint_in_progress_is_rejected_then_allowed_when_settled(timed_sm: Any) -> None:
    """API_DeleteEndpoint: an endpoint being created or updated cannot be deleted (ValidationException
    "Cannot update in-progress endpoint"); once settled it can."""
    sm = timed_sm
    in_service(sm)
    sm.update_endpoint(EndpointName="ep", EndpointConfigName=canary_config(sm))
    code, message = error_of(sm.delete_endpoint, EndpointName="ep")
    assert (code, message) == (
        "ValidationException",
        f'Cannot update in-progress endpoint "{ARN}:endpoint/ep".',
    )
    wait_until_settled(sm, "ep")
    sm.delete_endpoint(EndpointName="ep")
    assert sm.list_endpoints()["Endpoints"] == []
    assert error_of(sm.describe_endpoint, EndpointName="ep")[0] == "ValidationException"


def test_describe_and_list_return_timestamps(sm: Any) -> None:
    """API_DescribeEndpoint / API_ListEndpoints (EndpointSummary): CreationTime and LastModifiedTime
    are timestamps (boto3 datetimes), and the summary carries name, ARN and status."""
    in_service(sm)
    described = sm.describe_endpoint(EndpointName="ep")
    [summary] = sm.list_endpoints()["Endpoints"]
    assert summary == {
        "EndpointName": "ep",
        "EndpointArn": f"{ARN}:endpoint/ep",
        "CreationTime": described["CreationTime"],
        "LastModifiedTime": described["LastModifiedTime"],
        "EndpointStatus": "InService",
    }
    assert isinstance(described["CreationTime"], datetime)
    assert described["LastModifiedTime"] >= described["CreationTime"]


# --- endpoints with auto scaling -----------------------------------------------------------------


def register_scalable_target(aws: Any, endpoint: str, variant: str) -> None:
    aws("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=f"endpoint/{endpoint}/variant/{variant}",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=4,
    )


def test_update_removing_a_scalable_variant_is_rejected_until_deregistered(aws: Any, sm: Any) -> None:
    """SageMaker developer guide, "Update endpoints that use auto scaling": deregistering the scalable
    target is required when the update would "remove a production variant for which you have
    configured auto scaling"; otherwise "the UpdateEndpoint API ... call fails"."""
    in_service(sm)
    register_scalable_target(aws, "ep", "Live")
    model(sm, "other", "v2")
    config(sm, "cfg-other", ("Other", "other", 1.0))

    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="cfg-other")
    assert code == "ValidationException"
    assert "Live" in message
    assert "deregister" in message
    assert sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "InService"

    aws("application-autoscaling").deregister_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep/variant/Live",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    )
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-other")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg-other"


def test_update_changing_a_scalable_variants_instance_type_is_rejected(aws: Any, sm: Any) -> None:
    """ "Update endpoints that use auto scaling": "If the update would change the instance type for any
    model that is a target for auto scaling, the update fails.\""""
    in_service(sm)
    register_scalable_target(aws, "ep", "Live")
    config(sm, "cfg-bigger", ("Live", "live", 1.0), instance_type="ml.g5.xlarge")
    code, message = error_of(sm.update_endpoint, EndpointName="ep", EndpointConfigName="cfg-bigger")
    assert code == "ValidationException"
    assert "Live" in message


def test_update_changing_only_a_scalable_variants_model_is_allowed(aws: Any, sm: Any) -> None:
    """ "Update endpoints that use auto scaling": "If you change the model for a variant that is
    configured for auto scaling, Amazon SageMaker AI auto scaling allows the update." Adding a
    variant beside it is allowed too (the guide lists only removal and instance type changes)."""
    in_service(sm)
    register_scalable_target(aws, "ep", "Live")
    model(sm, "live-2", "v2")
    config(sm, "cfg-2", ("Live", "live-2", 1.0), ("Canary", "live", 0.0))
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-2")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg-2"


def test_scalable_targets_of_other_endpoints_do_not_block_an_update(aws: Any, sm: Any) -> None:
    """Only this endpoint's variants count (ResourceId endpoint/NAME/variant/VARIANT)."""
    in_service(sm)
    register_scalable_target(aws, "ep-other", "Live")
    model(sm, "other", "v2")
    config(sm, "cfg-other", ("Other", "other", 1.0))
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-other")
    assert sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == "cfg-other"


def test_delete_endpoint_deregisters_its_scalable_targets(aws: Any, sm: Any) -> None:
    """SageMaker developer guide, "Delete endpoints configured for auto scaling": Application Auto
    Scaling "deregisters those models as scalable targets without notifying you"."""
    in_service(sm)
    register_scalable_target(aws, "ep", "Live")
    register_scalable_target(aws, "ep-other", "Live")
    sm.delete_endpoint(EndpointName="ep")
    targets = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")
    assert [t["ResourceId"] for t in targets["ScalableTargets"]] == ["endpoint/ep-other/variant/Live"]


# --- from inside a state machine -----------------------------------------------------------------


def test_state_machine_aws_sdk_tasks_update_an_endpoint(aws: Any, sm: Any) -> None:
    """Step Functions developer guide, "AWS SDK service integrations": arn:aws:states:::aws-sdk:
    sagemaker:updateEndpoint calls UpdateEndpoint; the emulator serves it to state machines too."""
    in_service(sm)
    canary_config(sm)
    definition = {
        "StartAt": "Update",
        "States": {
            "Update": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:updateEndpoint",
                "Parameters": {"EndpointName": "ep", "EndpointConfigName": "cfg-canary"},
                "ResultPath": None,
                "Next": "Describe",
            },
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:describeEndpoint",
                "Parameters": {"EndpointName": "ep"},
                "ResultSelector": {"status.$": "$.EndpointStatus", "config.$": "$.EndpointConfigName"},
                "End": True,
            },
        },
    }
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="update-endpoint",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name="run-1")["executionArn"]
    deadline = time.monotonic() + 10
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"status": "InService", "config": "cfg-canary"}


def test_describe_endpoint_config_can_be_fed_back_to_create_endpoint_config(sm: Any) -> None:
    """SageMaker developer guide, "Update endpoints that use auto scaling", steps 4-5: a new config is
    built from DescribeEndpointConfig's values. API_ProductionVariant: InitialVariantWeight defaults
    to 1.0; DataCaptureConfig is absent when none was given."""
    model(sm, "m")
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {"VariantName": "A", "ModelName": "m", "InstanceType": "ml.m5.large", "InitialInstanceCount": 2}
        ],
    )
    described = sm.describe_endpoint_config(EndpointConfigName="cfg")
    assert "DataCaptureConfig" not in described
    [variant] = described["ProductionVariants"]
    assert variant["InitialVariantWeight"] == 1.0
    sm.create_endpoint_config(
        EndpointConfigName="cfg-copy", ProductionVariants=described["ProductionVariants"]
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-copy")
    [summary] = sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    assert (summary["CurrentWeight"], summary["CurrentInstanceCount"]) == (1.0, 2)


def test_concurrent_updates_let_exactly_one_through(timed_sm: Any) -> None:
    """API_UpdateEndpoint: an endpoint takes one update at a time; the emulator serves requests on
    many threads, and racing updates must not both start (the others see "in-progress")."""
    sm = timed_sm
    in_service(sm)
    canary_config(sm)

    def update(_: int) -> str:
        try:
            sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-canary")
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "started"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(update, range(8)))
    assert outcomes == ["ValidationException"] * 7 + ["started"]
    assert wait_until_settled(sm, "ep")["EndpointConfigName"] == "cfg-canary"


def test_describe_endpoint_data_capture_follows_the_deployed_config(sm: Any) -> None:
    """API_DescribeEndpoint: ``DataCaptureConfig`` (``CaptureStatus``, ``CurrentSamplingPercentage``)
    describes the endpoint's current config, also after UpdateEndpoint to a new one."""
    in_service(sm)
    assert "DataCaptureConfig" not in sm.describe_endpoint(EndpointName="ep")
    sm.create_endpoint_config(
        EndpointConfigName="cfg-capture",
        ProductionVariants=[
            {
                "VariantName": "Live",
                "ModelName": "live",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        DataCaptureConfig={
            "EnableCapture": True,
            "InitialSamplingPercentage": 25,
            "DestinationS3Uri": "s3://bucket/capture",
            "CaptureOptions": [{"CaptureMode": "Input"}],
        },
    )
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-capture")
    capture = wait_until_settled(sm, "ep")["DataCaptureConfig"]
    assert capture["CaptureStatus"] == "Started"
    assert capture["CurrentSamplingPercentage"] == 25
    assert capture["DestinationS3Uri"] == "s3://bucket/capture"
