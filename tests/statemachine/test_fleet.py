"""The fleet is kept (issue 17): the promoted variant keeps the current instance count, each step's
canary runs its share of it, and the variant's scaling (target, policies, scheduled actions) comes back
whole after promotion and after rollback. Run for real on the emulator with 4- and 10-instance
endpoints.

Weights split traffic per variant, not per instance
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html); deregistering a
scalable target deletes its scheduled actions
(https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from canary.emulator.traffic import FleetFeed, InstanceLoad
from canary.execution_input import AnalysisSettings, AutoScalingSettings, SmokeTestSettings
from canary.follow import HistoryEvent
from tests.conftest import timings
from tests.presentation.snapshots import render
from tests.statemachine.conftest import DIMENSION, Deploys

pytestmark = pytest.mark.execution

NIGHTLY = {
    "ScheduledActionName": "nightly-scale-down",
    "Schedule": "cron(0 22 * * ? *)",
    "Timezone": "Europe/Paris",
    "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 2},
}


def _scaled(deploys: Deploys, *, minimum: int = 2, maximum: int = 8) -> dict[str, Any]:
    """A scalable target (min..max), a target tracking policy and a nightly scheduled action on Blue."""
    resource = f"endpoint/{deploys.endpoint}/variant/Blue"
    target = {"ServiceNamespace": "sagemaker", "ResourceId": resource, "ScalableDimension": DIMENSION}
    deploys.scaling.register_scalable_target(**target, MinCapacity=minimum, MaxCapacity=maximum)
    deploys.register_autoscaling()  # re-registers 1..4 with the team's policy: set min..max again
    deploys.scaling.register_scalable_target(**target, MinCapacity=minimum, MaxCapacity=maximum)
    deploys.scaling.put_scheduled_action(**target, **NIGHTLY)
    return _scaling(deploys)


def _scaling(deploys: Deploys) -> dict[str, Any]:
    found = deploys.scaling.describe_scheduled_actions(
        ServiceNamespace="sagemaker", ResourceId=f"endpoint/{deploys.endpoint}/variant/Blue"
    )
    kept = {"ScheduledActionName", "Schedule", "Timezone", "ScalableTargetAction"}
    schedules = [{k: v for k, v in a.items() if k in kept} for a in found["ScheduledActions"]]
    return {**deploys.autoscaling(), "schedules": schedules}


def _promoted_count(deploys: Deploys, document: Any) -> int:
    config = deploys.sm.describe_endpoint_config(EndpointConfigName=document.Names.FinalConfig)
    return int(config["ProductionVariants"][0]["InitialInstanceCount"])


@pytest.mark.parametrize("instances", [4, 10])
def test_the_promoted_variant_keeps_the_current_instance_count(deploys: Deploys, instances: int) -> None:
    """No InstanceCount: the promoted config starts where the fleet is (its CurrentInstanceCount);
    the current variant keeps it during the canary."""
    deploys.existing_endpoint(count=instances)
    document = deploys.document()
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    live = deploys.sm.describe_endpoint(EndpointName=deploys.endpoint)["ProductionVariants"]
    assert {v["VariantName"]: v["CurrentInstanceCount"] for v in live}["Blue"] == instances
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert _promoted_count(deploys, document) == instances
    assert outcome.output is not None
    assert outcome.output["InstanceCount"] == instances
    [variant] = deploys.wait_in_service()["ProductionVariants"]
    assert variant["CurrentInstanceCount"] == instances


def test_instance_count_stays_an_explicit_override(deploys: Deploys) -> None:
    deploys.existing_endpoint(count=4)
    document = deploys.document(InstanceCount=6)
    assert deploys.run(document).status == "SUCCEEDED"
    assert _promoted_count(deploys, document) == 6


def test_autoscaling_and_its_schedule_come_back_exactly_after_promotion(deploys: Deploys) -> None:
    """Target (min 2, max 8: the current count is where the new fleet starts, not a new floor),
    policy and scheduled action, exactly as captured."""
    deploys.existing_endpoint(count=4)
    before = _scaled(deploys)
    document = deploys.document()
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert _promoted_count(deploys, document) == 4
    assert _scaling(deploys) == before
    assert before["targets"][0]["MinCapacity"] == 2
    assert before["schedules"] == [NIGHTLY]
    assert outcome.calls("putScheduledAction") == 1


def test_configured_autoscaling_keeps_the_schedule_too(deploys: Deploys) -> None:
    deploys.existing_endpoint(count=4)
    _scaled(deploys)
    document = deploys.document(
        AutoScaling=AutoScalingSettings(Enabled=True, MinCapacity=3, MaxCapacity=9, TargetValue=300.0)
    )
    assert deploys.run(document).status == "SUCCEEDED"
    after = _scaling(deploys)
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in after["targets"]] == [(3, 9)]
    assert after["schedules"] == [NIGHTLY]


def test_a_ten_instance_fleet_runs_a_canary_of_2_then_5(deploys: Deploys, emulator: Any) -> None:
    """canary-weights 20,50 on 10 instances: ceil(10 x 20 / 100) = 2, then 5. The canary grows with
    UpdateEndpointWeightsAndCapacities (DesiredInstanceCount; weights unchanged, the current variant's
    count stated), observable as Updating, and only then takes 50 %."""
    deploys.existing_endpoint(count=10)
    document = deploys.document(CanaryWeights=[20, 50], BakeSeconds=1)
    emulator.set_timings(timings(create_seconds=0.2, update_seconds=1.5))
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    live = {
        v["VariantName"]: v for v in deploys.sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    }
    assert (live["Canary"]["CurrentInstanceCount"], live["Blue"]["CurrentInstanceCount"]) == (2, 10)
    outcome = deploys.finish(arn)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    requests = [
        e["taskScheduledEventDetails"]["parameters"]
        for e in outcome.events
        if e["type"] == "TaskScheduled"
        and e["taskScheduledEventDetails"]["resource"] == "updateEndpointWeightsAndCapacities"
    ]
    [scale, shift] = [json.loads(r)["DesiredWeightsAndCapacities"] for r in requests]
    assert scale == [
        {"VariantName": "Blue", "DesiredWeight": 80, "DesiredInstanceCount": 10},
        {"VariantName": "Canary", "DesiredWeight": 20, "DesiredInstanceCount": 5},
    ]
    assert shift == [
        {"VariantName": "Blue", "DesiredWeight": 50},
        {"VariantName": "Canary", "DesiredWeight": 50},
    ]
    entered = outcome.entered()
    scaling = entered.index("ShiftTraffic", entered.index("BakeVerdict"))
    assert entered[scaling:].index("CheckScaleAlarms") > 0, "the scale-out was Updating, alarms watched"
    assert _promoted_count(deploys, document) == 10
    # The job log: the scale-out is its own group at the previous weight, then the step's shift.
    _, renderer = render([HistoryEvent.from_api(e) for e in outcome.events], github=True, verbose=False)
    phases = list(dict.fromkeys(entry.phase for entry in renderer.timeline))
    assert phases.index("Bake 20%") < phases.index("Scale-out for 50%") < phases.index("Canary 50%")
    assert any("scaling out before the next step" in entry.text for entry in renderer.timeline)


def test_a_rollback_puts_the_schedule_back(deploys: Deploys) -> None:
    deploys.existing_endpoint(count=4)
    before = _scaled(deploys)
    team = deploys.user_alarm()
    document = deploys.document(AlarmNames=[team], BakeSeconds=30)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    deploys.cw.set_alarm_state(AlarmName=team, StateValue="ALARM", StateReason="p99 over 1 s")
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack", outcome.cause
    assert _scaling(deploys) == before


def test_a_rollback_during_a_scale_out_cuts_the_canary_once_the_endpoint_accepts(
    deploys: Deploys, emulator: Any
) -> None:
    """An alarm while the canary scales out (the endpoint Updating for minutes on AWS: SageMaker refuses
    another update meanwhile, "Cannot update in-progress endpoint",
    https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html)
    starts the rollback at the next check of that wait; its traffic cut is sent as soon as the endpoint
    is InService again, before the update back to the original config."""
    deploys.existing_endpoint(count=10)
    team = deploys.user_alarm()
    document = deploys.document(AlarmNames=[team], CanaryWeights=[20, 50], BakeSeconds=1)
    emulator.set_timings(timings(create_seconds=0.2, update_seconds=4.0))
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckScaleAlarms", timeout=30)
    assert deploys.sm.describe_endpoint(EndpointName="ep")["EndpointStatus"] == "Updating"
    deploys.cw.set_alarm_state(AlarmName=team, StateValue="ALARM", StateReason="p99 over 1 s")
    outcome = deploys.finish(arn, timeout=60)
    assert outcome.error == "Canary.RolledBack", outcome.cause
    assert outcome.cause is not None
    assert "while the canary scaled out to 5 instances" in outcome.cause
    entered = outcome.entered()
    assert entered.index("Rollback") < entered.index("StopCanaryTraffic") < entered.index("RollbackUpdate")
    assert "ShiftTraffic" not in entered[entered.index("Rollback") :]
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 2, "the scale-out, then the cut"
    assert deploys.wait_in_service(timeout=20)["EndpointConfigName"] == "ep-orig"


def test_a_one_time_action_whose_time_passed_is_left_out_and_named_in_the_log(deploys: Deploys) -> None:
    """A one-time ``at(...)`` action due during the deploy did not run (the target was deregistered) and
    cannot run later: it is not put back (whether PutScheduledAction takes a past time is not
    documented, https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html),
    the others are, and the job log warns, naming it."""
    deploys.existing_endpoint(count=4)
    _scaled(deploys)
    soon = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    later = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")
    target = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep/variant/Blue",
        "ScalableDimension": DIMENSION,
    }
    for name, when in (("launch-peak", soon), ("black-friday", later)):
        deploys.scaling.put_scheduled_action(
            **target,
            ScheduledActionName=name,
            Schedule=f"at({when})",
            ScalableTargetAction={"MinCapacity": 6},
        )
    outcome = deploys.run(deploys.document())
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert {a["ScheduledActionName"]: a["Schedule"] for a in _scaling(deploys)["schedules"]} == {
        "nightly-scale-down": NIGHTLY["Schedule"],
        "black-friday": f"at({later})",
    }
    log, _ = render([HistoryEvent.from_api(e) for e in outcome.events], github=False, verbose=False)
    assert f"scheduled action launch-peak (at({soon})) not put back: its time passed during the deploy" in log
    assert f"scheduled action nightly-scale-down ({NIGHTLY['Schedule']} Europe/Paris) put back" in log


@pytest.mark.parametrize(
    ("canary_instances", "judged"),
    [(1, "Canary.WorseThanBaseline"), (None, None)],
    ids=["fixed-1-is-overloaded", "sized-to-its-share"],
)
def test_the_same_model_is_judged_by_its_load_per_instance(
    deploys: Deploys, canary_instances: int | None, judged: str | None
) -> None:
    """The same model on both variants, a 10-instance fleet, 50 % to the canary, the relative gate
    max-latency-increase 25 %. Traffic per instance sets the latency (InstanceLoad: 400 invocations/s,
    an instance's capacity 200/s): one canary instance carries 10x a baseline instance's load and is
    rolled back by load alone; a canary of ceil(10 x 50 / 100) = 5 carries what an instance carried
    before the deploy and is promoted."""
    deploys.existing_endpoint(count=10)
    document = deploys.document(
        CanaryWeights=[50],
        CanaryInstanceCount=canary_instances,
        BakeSeconds=3,
        Analysis=AnalysisSettings(MinSampleInvocations=20, MaxLatencyIncrease=25.0, MetricsDelaySeconds=0),
    )
    load = InstanceLoad(capacity_per_second=200.0)
    with FleetFeed(deploys.cw, deploys.sm, deploys.endpoint, 400.0, load=load):
        outcome = deploys.run(document, timeout=60)
    assert outcome.error == judged, outcome.cause
    reads = [
        json.loads(d["assignedVariables"]["metrics"])
        for d in (e.get("stateExitedEventDetails") or {} for e in outcome.events)
        if d.get("name") == "ReadMetrics" and "metrics" in (d.get("assignedVariables") or {})
    ]
    last = reads[-1]
    assert min(last["canary"]["invocations"], last["baseline"]["invocations"]) >= 20, "the gate judged"
    if judged:
        assert last["latencyIncrease"] > 25
        assert outcome.cause is not None
        assert "max-latency-increase 25" in outcome.cause
    else:
        assert 0 < last["latencyIncrease"] < 25, "twice a baseline instance's load (the baseline has 50 %)"


def test_a_schedule_that_could_not_all_be_put_back_is_refused_before_any_change(deploys: Deploys) -> None:
    """51 scheduled actions: more than one DescribeScheduledActions page (MaxResults at most 50,
    https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScheduledActions.html).
    The deploy is refused, naming the variant and why, before anything is created."""
    original = deploys.existing_endpoint(count=4)
    _scaled(deploys)
    target = {"ServiceNamespace": "sagemaker", "ResourceId": "endpoint/ep/variant/Blue"}
    for index in range(50):
        deploys.scaling.put_scheduled_action(
            **target,
            ScalableDimension=DIMENSION,
            ScheduledActionName=f"hour-{index}",
            Schedule="rate(1 hour)",
        )
    before = _scaling(deploys)
    configs = deploys.configs()
    outcome = deploys.run(deploys.document())
    assert outcome.error == "Canary.UnsupportedEndpoint"
    assert outcome.cause is not None
    assert "variant Blue has over 50 scheduled actions" in outcome.cause
    assert "Nothing was changed" in outcome.cause
    assert (deploys.configs(), _scaling(deploys)) == (configs, before)
    assert deploys.sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == original


def test_the_smoke_test_runs_on_the_first_steps_canary_size(deploys: Deploys) -> None:
    """The weight-0 step before any user request uses the first step's size: 2 of 10 for 20 %."""
    deploys.existing_endpoint(count=10)
    document = deploys.document(CanaryWeights=[20], SmokeTest=SmokeTestSettings(Body={"x": 1}))
    outcome = deploys.run(document)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    [config, _] = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in outcome.events
        if e["type"] == "TaskScheduled"
        and e["taskScheduledEventDetails"]["resource"] == "createEndpointConfig"
    ]
    canary = {v["VariantName"]: v for v in config["ProductionVariants"]}["Canary"]
    assert (canary["InitialVariantWeight"], canary["InitialInstanceCount"]) == (0, 2)


def test_a_bounded_recurring_schedule_comes_back_with_its_start_and_end(deploys: Deploys) -> None:
    """StartTime and EndTime bound a recurring schedule
    (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html):
    they are put back too, as the same instants."""
    deploys.existing_endpoint(count=4)
    _scaled(deploys)
    start, end = datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    target = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": "endpoint/ep/variant/Blue",
        "ScalableDimension": DIMENSION,
    }
    deploys.scaling.put_scheduled_action(
        **target, ScheduledActionName="winter", Schedule="rate(1 day)", StartTime=start, EndTime=end
    )
    outcome = deploys.run(deploys.document())
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    found = deploys.scaling.describe_scheduled_actions(
        ServiceNamespace="sagemaker", ResourceId="endpoint/ep/variant/Blue", ScheduledActionNames=["winter"]
    )["ScheduledActions"]
    assert [(a["StartTime"], a["EndTime"]) for a in found] == [(start, end)]
