"""The emulator's Application Auto Scaling behaves as its API reference says, where a deploy relies on it.

Every test drives real boto3 over HTTP against the emulator.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

DIMENSION = "sagemaker:variant:DesiredInstanceCount"
RESOURCE = "endpoint/ep/variant/Live"
TARGET = {"ServiceNamespace": "sagemaker", "ResourceId": RESOURCE, "ScalableDimension": DIMENSION}


@pytest.fixture
def scaling(aws: Any) -> Any:
    """An Application Auto Scaling client with one registered SageMaker variant (2..8)."""
    client = aws("application-autoscaling")
    client.register_scalable_target(**TARGET, MinCapacity=2, MaxCapacity=8)
    return client


def _schedule(scaling: Any, name: str = "nightly", schedule: str = "cron(0 22 * * ? *)") -> None:
    scaling.put_scheduled_action(
        **TARGET,
        ScheduledActionName=name,
        Schedule=schedule,
        Timezone="Europe/Paris",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 4},
    )


def _actions(scaling: Any) -> list[dict[str, Any]]:
    found = scaling.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=RESOURCE)
    return list(found["ScheduledActions"])


def test_scheduled_actions_are_put_described_and_deleted(scaling: Any) -> None:
    """PutScheduledAction / DescribeScheduledActions / DeleteScheduledAction
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScheduledActions.html):
    the action comes back with its schedule, time zone and capacities."""
    _schedule(scaling)
    [action] = _actions(scaling)
    assert (action["ScheduledActionName"], action["Schedule"], action["Timezone"]) == (
        "nightly",
        "cron(0 22 * * ? *)",
        "Europe/Paris",
    )
    assert action["ScalableTargetAction"] == {"MinCapacity": 1, "MaxCapacity": 4}
    scaling.delete_scheduled_action(**TARGET, ScheduledActionName="nightly")
    assert _actions(scaling) == []


def test_deregistering_a_target_deletes_its_policies_and_scheduled_actions(scaling: Any) -> None:
    """API_DeregisterScalableTarget
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html):
    "Deregistering a scalable target deletes the scaling policies and the scheduled actions that are
    associated with it." Another target's stay."""
    _schedule(scaling)
    scaling.put_scaling_policy(
        **TARGET,
        PolicyName="p",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )
    other = {**TARGET, "ResourceId": "endpoint/other/variant/Live"}
    scaling.register_scalable_target(**other, MinCapacity=1, MaxCapacity=2)
    scaling.put_scheduled_action(**other, ScheduledActionName="keep", Schedule="rate(1 day)")

    scaling.deregister_scalable_target(**TARGET)

    assert _actions(scaling) == []
    policies = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RESOURCE)
    assert policies["ScalingPolicies"] == []
    kept = scaling.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=other["ResourceId"])
    assert [a["ScheduledActionName"] for a in kept["ScheduledActions"]] == ["keep"]


def test_a_scheduled_action_needs_a_registered_target(scaling: Any) -> None:
    """API_PutScheduledAction
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html):
    "You cannot create a scheduled action until you have registered the resource as a scalable
    target"; ObjectNotFoundException is thrown "if the scalable target ... does not exist"."""
    scaling.deregister_scalable_target(**TARGET)
    with pytest.raises(ClientError) as caught:
        _schedule(scaling)
    assert caught.value.response["Error"]["Code"] == "ObjectNotFoundException"
    assert RESOURCE in caught.value.response["Error"]["Message"]


def test_scheduled_actions_come_in_pages_of_50(scaling: Any) -> None:
    """API_DescribeScheduledActions
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScheduledActions.html):
    MaxResults "can be between 1 and 50. The default value is 50"; NextToken gives the next page."""
    for index in range(51):
        _schedule(scaling, name=f"a{index:02d}")
    first = scaling.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=RESOURCE)
    assert len(first["ScheduledActions"]) == 50
    rest = scaling.describe_scheduled_actions(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE, NextToken=first["NextToken"]
    )
    assert [a["ScheduledActionName"] for a in rest["ScheduledActions"]] == ["a50"]
    assert "NextToken" not in rest
