"""Application Auto Scaling right after RegisterScalableTarget (canary/emulator/autoscaling.py).

AWS: PutScalingPolicy and PutScheduledAction list ``ObjectNotFoundException`` for a target they cannot
find (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html,
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html), which
users meet right after a registration that succeeded (eventual consistency;
hashicorp/terraform-provider-aws#427). Switched on, the emulator fails the first such call once.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import autoscaling

TARGET = {
    "ServiceNamespace": "sagemaker",
    "ResourceId": "endpoint/ep/variant/AllTraffic",
    "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
}
POLICY = {
    "PolicyName": "SageMakerEndpointInvocationScalingPolicy",
    "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
    },
}
ACTION = {
    "ScheduledActionName": "night",
    "Schedule": "cron(0 22 * * ? *)",
    "ScalableTargetAction": {"MinCapacity": 1},
}


@pytest.fixture
def scaling(aws: Any) -> Any:
    return aws("application-autoscaling")


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return str(caught.value.response["Error"]["Code"])


@pytest.mark.usefixtures("emulator")
def test_the_first_policy_after_a_registration_fails_once_then_succeeds(scaling: Any) -> None:
    autoscaling.lag_after_registration()
    scaling.register_scalable_target(**TARGET, MinCapacity=1, MaxCapacity=4)
    assert _code(scaling.put_scaling_policy, **TARGET, **POLICY) == "ObjectNotFoundException"
    scaling.put_scaling_policy(**TARGET, **POLICY)
    assert [p["PolicyName"] for p in scaling.describe_scaling_policies(**TARGET)["ScalingPolicies"]] == [
        POLICY["PolicyName"]
    ]
    assert autoscaling.lagged() == 1


@pytest.mark.usefixtures("emulator")
def test_the_first_scheduled_action_after_a_registration_fails_once(scaling: Any) -> None:
    autoscaling.lag_after_registration()
    scaling.register_scalable_target(**TARGET, MinCapacity=1, MaxCapacity=4)
    assert _code(scaling.put_scheduled_action, **TARGET, **ACTION) == "ObjectNotFoundException"
    scaling.put_scheduled_action(**TARGET, **ACTION)
    assert len(scaling.describe_scheduled_actions(ServiceNamespace="sagemaker")["ScheduledActions"]) == 1


@pytest.mark.usefixtures("emulator")
def test_off_by_default_and_after_a_reset(scaling: Any, emulator: Any) -> None:
    autoscaling.lag_after_registration()
    emulator.reset()
    scaling.register_scalable_target(**TARGET, MinCapacity=1, MaxCapacity=4)
    scaling.put_scaling_policy(**TARGET, **POLICY)
    assert autoscaling.lagged() == 0
