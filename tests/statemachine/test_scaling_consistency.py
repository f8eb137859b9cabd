"""Auto scaling right after registration: the policy call that does not find the new target yet is
retried, and the deploy ends deployed.

Application Auto Scaling's PutScalingPolicy lists ``ObjectNotFoundException`` for a target it cannot
find (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html), and
it is met right after a RegisterScalableTarget that succeeded (eventual consistency;
hashicorp/terraform-provider-aws#427). The emulator fails the first policy call after each
registration once (canary/emulator/autoscaling.py); the definition retries it (``retry_scaling``).
"""

from __future__ import annotations

import pytest

from canary.emulator import autoscaling
from canary.execution_input import AutoScalingSettings
from tests.statemachine.conftest import Deploys

pytestmark = pytest.mark.execution

NOT_FOUND = "ApplicationAutoScaling.ObjectNotFoundException"
SCALING = AutoScalingSettings(Enabled=True, MinCapacity=1, MaxCapacity=3, TargetValue=250.0)


def test_a_first_deploy_with_auto_scaling_ends_deployed(deploys: Deploys) -> None:
    autoscaling.lag_after_registration()
    document = deploys.document(InstanceType="ml.m5.large", AutoScaling=SCALING)
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.attempts("ApplyScalingPolicy") == [NOT_FOUND, "ok"]
    assert [p["PolicyName"] for p in deploys.autoscaling("AllTraffic")["policies"]] == [
        "SageMakerEndpointInvocationScalingPolicy"
    ]
    assert deploys.sm.describe_endpoint(EndpointName=deploys.endpoint)["EndpointStatus"] == "InService"


def test_a_promotion_applying_auto_scaling_ends_deployed(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    autoscaling.lag_after_registration()
    document = deploys.document(AutoScaling=SCALING)
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.attempts("ApplyScalingPolicy") == [NOT_FOUND, "ok"]
    endpoint = deploys.sm.describe_endpoint(EndpointName=deploys.endpoint)
    assert endpoint["EndpointConfigName"] == document.Names.FinalConfig


def test_a_promotion_restoring_the_captured_auto_scaling_ends_deployed(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    deploys.register_autoscaling()
    before = deploys.autoscaling()
    autoscaling.lag_after_registration()
    document = deploys.document()
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.attempts("RestoreScalingPolicy") == [NOT_FOUND, "ok"]
    assert deploys.autoscaling() == before
    assert autoscaling.lagged() == 1
