"""Canary deploys that land: staged traffic, promotion, auto scaling, and the transition budget."""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.execution_input import AutoScalingSettings
from tests.statemachine.conftest import DIMENSION, Deploys, Outcome

pytestmark = pytest.mark.execution

FIXED_TRANSITIONS = 25
"""States a canary deploy enters outside its loops: input check, start hold, the named alarms' check
(CheckAlarmNames: they exist), eight reads, two checks,
the model and canary config, the canary update, two alarms, the final config, the promotion, two
deletes and the cleanup's end (AfterCleanup), Deployed. Without a topic nothing is published, and no
Notify state is entered on the way to Deployed."""

STANDARD_DEPLOY_BUDGET = 180
"""Transitions of a standard deploy: one 20 % step, a 20-minute bake checked every 60 s and 3 minutes
more for late metrics (metrics-delay-seconds 180), two endpoint updates of ~8 minutes each polled at
10, 20, 40, then 60 s. 25 fixed + 24 checks x 3 (alarms, metrics, verdict) + 23 waits between them +
2 updates x 10 polls x 3 (wait, describe, choice) = 180.
At $0.025 per 1,000 transitions that is $0.004 a deploy."""


def _weights(deploys: Deploys) -> dict[str, tuple[float, int]]:
    endpoint = deploys.sm.describe_endpoint(EndpointName=deploys.endpoint)
    return {
        v["VariantName"]: (v["CurrentWeight"], v["CurrentInstanceCount"])
        for v in endpoint["ProductionVariants"]
    }


def _assert_promoted(
    deploys: Deploys, outcome: Outcome, document: Any, instance_type: str = "ml.m5.large", instances: int = 2
) -> None:
    """Promoted to the final config; ``instances``: the fleet before (kept without InstanceCount)."""
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    endpoint = deploys.wait_in_service()
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == (
        "InService",
        document.Names.FinalConfig,
    )
    [variant] = deploys.sm.describe_endpoint_config(EndpointConfigName=document.Names.FinalConfig)[
        "ProductionVariants"
    ]
    assert variant["VariantName"] == "Blue", "the production variant keeps its name (dashboards continue)"
    assert (variant["ModelName"], variant["InstanceType"], variant["InitialInstanceCount"]) == (
        document.Names.Model,
        instance_type,
        document.InstanceCount or instances,
    )
    deploys.assert_no_leftovers(document)


def test_one_step_canary_is_promoted_and_leaves_only_the_new_config(deploys: Deploys) -> None:
    original = deploys.existing_endpoint(count=2)
    document = deploys.document(InstanceCount=3)
    outcome = deploys.run(document)
    _assert_promoted(deploys, outcome, document)
    assert original in deploys.configs()
    assert outcome.output is not None
    assert outcome.output["PreviousEndpointConfigName"] == original
    assert outcome.output["CanaryWeights"] == [20]
    assert set(outcome.output["Phases"]) == {"CanaryAt", "PromotionAt", "FinishedAt"}
    assert "datetime" not in json.dumps(outcome.output)


def test_canary_config_holds_the_old_variant_at_100_minus_w_and_the_canary_at_w(deploys: Deploys) -> None:
    deploys.existing_endpoint(count=2)
    document = deploys.document(CanaryWeights=[30], CanaryInstanceCount=1, BakeSeconds=2)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    config = deploys.sm.describe_endpoint_config(EndpointConfigName=document.Names.CanaryConfig)
    variants = {v["VariantName"]: v for v in config["ProductionVariants"]}
    assert (variants["Blue"]["ModelName"], variants["Blue"]["InitialVariantWeight"]) == ("ep-v1", 70)
    assert variants["Blue"]["InitialInstanceCount"] == 2
    assert (variants["Canary"]["ModelName"], variants["Canary"]["InitialVariantWeight"]) == (
        document.Names.Model,
        30,
    )
    assert variants["Canary"]["InstanceType"] == "ml.m5.large", "omitted InstanceType: the current variant's"
    alarms = deploys.cw.describe_alarms(AlarmNamePrefix=document.Names.AlarmPrefix)["MetricAlarms"]
    assert {(a["MetricName"], a["Threshold"], a["TreatMissingData"]) for a in alarms} == {
        ("Invocation4XXErrors", 5.0, "notBreaching"),
        ("Invocation5XXErrors", 1.0, "notBreaching"),
    }
    for alarm in alarms:
        assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
            "EndpointName": "ep",
            "VariantName": "Canary",
        }
    assert deploys.finish(arn).status == "SUCCEEDED"


def test_multi_step_canary_shifts_weights_without_new_instances_then_promotes(deploys: Deploys) -> None:
    """A fixed canary-instance-count stays a fixed count: every later step only shifts weights."""
    deploys.existing_endpoint(count=2)
    document = deploys.document(
        CanaryWeights=[10, 50, 90], CanaryInstanceCount=1, BakeSeconds=1, InstanceType="ml.c5.xlarge"
    )
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake", occurrence=2)
    assert _weights(deploys) == {"Blue": (50.0, 2), "Canary": (50.0, 1)}
    deploys.wait_until(arn, "Bake", occurrence=3)
    assert _weights(deploys) == {"Blue": (10.0, 2), "Canary": (90.0, 1)}
    outcome = deploys.finish(arn)
    _assert_promoted(deploys, outcome, document, instance_type="ml.c5.xlarge")
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 2
    assert outcome.calls("updateEndpoint") == 2
    assert outcome.output is not None
    assert outcome.output["CanaryWeights"] == [10, 50, 90]


def test_standard_deploy_stays_within_the_transition_budget(deploys: Deploys) -> None:
    """Transitions = state entries in GetExecutionHistory (each billed). The loops cost exactly 3 per
    check (alarms, metrics, verdict) plus the wait between two checks, and 3 per endpoint poll; the
    rest is fixed."""
    deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=3, AlarmCheckSeconds=1)
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED"
    entered = outcome.entered()
    checks = entered.count("CheckAlarms")
    assert checks == 4, "checks at 0, 1, 2 and 3 s"
    assert entered.count("BakeVerdict") == entered.count("ReadMetrics") == checks
    assert entered.count("Bake") == checks - 1
    polls = entered.count("DescribeEndpoint")
    assert entered.count("WaitForEndpoint") == entered.count("EndpointSettled") == polls
    fixed = len(entered) - (4 * checks - 1) - 3 * polls
    assert fixed <= FIXED_TRANSITIONS, entered
    standard = FIXED_TRANSITIONS + 3 * 24 + 23 + 2 * 10 * 3
    assert standard <= STANDARD_DEPLOY_BUDGET


def test_captured_autoscaling_is_restored_on_the_promoted_variant(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    deploys.register_autoscaling()
    before = deploys.autoscaling()
    document = deploys.document(InstanceType="ml.c5.xlarge")
    outcome = deploys.run(document)
    _assert_promoted(deploys, outcome, document, instance_type="ml.c5.xlarge")
    assert outcome.calls("deregisterScalableTarget") == 1, "deregistered before the instance type change"
    assert deploys.autoscaling() == before


def test_configured_autoscaling_replaces_the_captured_one_after_promotion(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    deploys.register_autoscaling()
    document = deploys.document(
        AutoScaling=AutoScalingSettings(Enabled=True, MinCapacity=2, MaxCapacity=6, TargetValue=300.0)
    )
    outcome = deploys.run(document)
    _assert_promoted(deploys, outcome, document)
    scaling = deploys.autoscaling()
    assert [(t["MinCapacity"], t["MaxCapacity"], t["ScalableDimension"]) for t in scaling["targets"]] == [
        (2, 6, DIMENSION)
    ]
    assert [p["PolicyName"] for p in scaling["policies"]] == ["SageMakerEndpointInvocationScalingPolicy"]


def test_endpoint_without_autoscaling_has_none_after_promotion(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    document = deploys.document(ErrorAlarms={"Enabled": False, "Threshold4xx": 5, "Threshold5xx": 1})
    outcome = deploys.run(document)
    _assert_promoted(deploys, outcome, document)
    assert deploys.autoscaling() == {"targets": [], "policies": []}
    assert outcome.calls("putMetricAlarm") == 0
    assert "CheckAlarms" not in outcome.entered(), "nothing to watch: the bake is a single Wait"
    assert outcome.calls("describeAlarms") == 1, "only the start's check that the named alarms exist"
