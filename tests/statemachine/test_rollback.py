"""Deploys that do not land: alarms, failed updates, AWS errors; always back on the exact original."""

from __future__ import annotations

import json
from typing import Any

import pytest

from canary.emulator import faults
from canary.execution_input import ContainerSpec, ExecutionInput, PollingSettings
from tests.conftest import timings
from tests.statemachine.conftest import MODEL_ROLE, Deploys, Outcome

pytestmark = pytest.mark.execution


def _assert_rolled_back(deploys: Deploys, outcome: Outcome, document: ExecutionInput, original: str) -> None:
    """No leftovers (docs/state-machine.md): the exact original config, no canary alarms/config, no new
    model."""
    assert outcome.status == "FAILED"
    endpoint = deploys.wait_in_service()
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", original)
    assert {v["VariantName"] for v in endpoint["ProductionVariants"]} == {"Blue"}
    deploys.assert_no_leftovers(document)
    assert document.Names.Model not in deploys.models()
    assert "Promote" not in outcome.entered()


def test_user_alarm_during_the_first_step_rolls_back_at_once_and_names_it(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    document = deploys.document(AlarmNames=[alarm], BakeSeconds=30, AlarmCheckSeconds=1)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    deploys.cw.set_alarm_state(
        AlarmName=alarm, StateValue="ALARM", StateReason="p99 latency 2400 ms > 1000 ms"
    )
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    assert outcome.cause is not None
    assert alarm in outcome.cause
    assert "p99 latency 2400 ms" in outcome.cause
    assert original in outcome.cause
    assert outcome.entered().count("CheckAlarms") <= 3, (
        "rollback within one check interval, not after the bake"
    )
    _assert_rolled_back(deploys, outcome, document, original)


def test_canary_error_alarm_during_a_later_step_rolls_back_from_that_step(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    document = deploys.document(CanaryWeights=[20, 60], BakeSeconds=4, AlarmCheckSeconds=1)
    arn = deploys.start(document)
    deploys.wait_until(arn, "ShiftTraffic")
    deploys.wait_until(arn, "CheckAlarms", occurrence=6)  # 0..4 s of the first step, then the second's
    deploys.cw.set_alarm_state(
        AlarmName=f"{document.Names.AlarmPrefix}-5xx",
        StateValue="ALARM",
        StateReason="3 5xx errors in 1 minute",
    )
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    assert outcome.cause is not None
    assert f"{document.Names.AlarmPrefix}-5xx" in outcome.cause
    assert "60%" in outcome.cause
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 3, (
        "the canary's scale-out to ceil(2 x 60 / 100) = 2 instances, the shift, then the canary to 0 %"
    )
    assert outcome.calls("updateEndpoint") == 2, "canary, then back to the original"
    _assert_rolled_back(deploys, outcome, document, original)


def test_alarm_in_the_last_interval_is_caught_by_the_check_at_the_end_of_the_bake(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    document = deploys.document(AlarmNames=[alarm], BakeSeconds=2, AlarmCheckSeconds=2)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    deploys.cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="breached just now")
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    assert outcome.cause is not None
    assert f"Alarm {alarm} in ALARM" in outcome.cause
    assert "s into the 20% bake" in outcome.cause
    # The check at 0 s, then the one at the end of the 2 s bake caught it: no third interval.
    assert outcome.entered().count("CheckAlarms") == 2
    _assert_rolled_back(deploys, outcome, document, original)


def test_failed_canary_update_is_update_failed_with_the_reason_never_a_success(deploys: Deploys) -> None:
    """A failed update returns the endpoint to InService on the old config with a FailureReason
    (docs/emulator.md, "Failed updates")."""
    original = deploys.existing_endpoint()
    document = deploys.document(Container=ContainerSpec(Image="repo/model:broken"))
    outcome = deploys.run(document)
    assert outcome.error == "Canary.UpdateFailed"
    assert outcome.cause is not None
    assert document.Names.CanaryConfig in outcome.cause
    reason = deploys.sm.describe_endpoint(EndpointName="ep").get("FailureReason")
    assert reason
    assert reason in outcome.cause
    assert outcome.calls("updateEndpoint") == 1, "already back on the original: no second update"
    assert outcome.calls("updateEndpointWeightsAndCapacities") == 0, "the canary never took traffic"
    assert outcome.calls("putMetricAlarm") == 0
    _assert_rolled_back(deploys, outcome, document, original)


def test_aws_error_after_the_endpoint_was_touched_rolls_back_and_restores_autoscaling(
    deploys: Deploys,
) -> None:
    """Mid-bake, the new model disappears and the promotion's CreateEndpointConfig fails (an AWS error).

    The error is a modeled one (``ResourceLimitExceeded``, an account quota: Step Functions reports
    ``SageMaker.ResourceLimitExceededException``, which no Retry matches), so the rollback starts at
    once. The rollback's DeleteModel then answers "Could not find model" (after the generic
    exception's retries): what is already gone is no failed rollback, and the final config that was
    never created is not deleted.
    """
    original = deploys.existing_endpoint()
    deploys.register_autoscaling()
    before = deploys.autoscaling()
    document = deploys.document(BakeSeconds=3, InstanceType="ml.c5.xlarge")
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    assert deploys.autoscaling() == {"targets": [], "policies": []}, "deregistered during the canary"
    quota = faults.inject(
        "sagemaker",
        "CreateEndpointConfig",
        error="ResourceLimitExceeded",
        message="quota of configs",
        count=1,
    )
    deploys.sm.delete_model(ModelName=document.Names.Model)
    outcome = deploys.finish(arn)
    assert quota.fired == 1
    assert outcome.error == "Canary.DeployFailed"
    assert outcome.cause is not None
    assert "ResourceLimitExceeded" in outcome.cause
    assert "quota of configs" in outcome.cause
    assert original in outcome.cause
    _assert_rolled_back(deploys, outcome, document, original)
    assert deploys.autoscaling() == before
    entered = outcome.entered()
    assert "DeleteModel" in entered
    assert "DeleteFinalConfig" not in entered, "never created"
    assert "Cleanup left" not in outcome.cause


def test_autoscaling_is_restored_exactly_after_an_alarm_rollback(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    deploys.register_autoscaling()
    before = deploys.autoscaling()
    alarm = deploys.user_alarm()
    document = deploys.document(AlarmNames=[alarm], BakeSeconds=30)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms", occurrence=2)
    deploys.cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors")
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    _assert_rolled_back(deploys, outcome, document, original)
    assert deploys.autoscaling() == before


def test_endpoint_with_two_variants_is_refused_before_anything_changes(deploys: Deploys) -> None:
    original = deploys.existing_endpoint(variants=2)
    document = deploys.document()
    outcome = deploys.run(document)
    assert outcome.error == "Canary.UnsupportedEndpoint"
    assert outcome.cause is not None
    assert "2 production variants" in outcome.cause
    assert deploys.models() == {"ep-v1"}
    assert deploys.configs() == {original}
    assert outcome.calls("updateEndpoint") == 0


def test_endpoint_being_updated_is_refused_before_anything_changes(
    deploys: Deploys, emulator: object
) -> None:
    original = deploys.existing_endpoint()
    deploys.sm.create_endpoint_config(
        EndpointConfigName="other",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "ep-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    emulator.set_timings(timings(update_seconds=10))  # type: ignore[attr-defined]
    deploys.sm.update_endpoint(EndpointName="ep", EndpointConfigName="other")
    document = deploys.document()
    outcome = deploys.run(document)
    assert outcome.error == "Canary.EndpointNotReady"
    assert outcome.cause is not None
    assert "Updating" in outcome.cause
    assert deploys.models() == {"ep-v1"}
    assert deploys.configs() == {original, "other"}


def test_document_missing_a_field_is_refused_before_anything_changes(deploys: Deploys) -> None:
    """Started from the console or CLI without Polling: refused up front, not mid-deploy."""
    original = deploys.existing_endpoint()
    document = json.loads(deploys.document().to_json())
    del document["Polling"]
    started = deploys.sfn.start_execution(stateMachineArn=deploys.machine, input=json.dumps(document))
    outcome = deploys.finish(started["executionArn"])
    assert outcome.error == "Canary.InvalidInput"
    assert outcome.cause is not None
    assert "execution-input.schema.json" in outcome.cause
    assert deploys.models() == {"ep-v1"}
    assert deploys.configs() == {original}


def _calls_in_order(outcome: Outcome) -> list[str]:
    return [
        e["taskScheduledEventDetails"]["resource"] for e in outcome.events if e["type"] == "TaskScheduled"
    ]


def test_a_bad_canary_loses_its_traffic_before_the_slow_update_back(deploys: Deploys, emulator: Any) -> None:
    """Stop the bleeding first: the weights go to 0 % in a weight-only update (no new instances, seconds
    on AWS) before the config update back (minutes on AWS) begins."""
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    emulator.set_timings(timings(update_seconds=2, weights_seconds=0.1))
    document = deploys.document(AlarmNames=[alarm], BakeSeconds=30)
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    deploys.cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="errors")
    deploys.wait_until(arn, "RollbackUpdate")
    weights = {
        v["VariantName"]: v["CurrentWeight"]
        for v in deploys.sm.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    }
    assert weights["Canary"] == 0.0, "no traffic on the canary while the update back runs"
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    calls = _calls_in_order(outcome)
    after_alarm = calls[len(calls) - 1 - calls[::-1].index("describeAlarms") :]  # the check that fired
    assert [c for c in after_alarm if c.startswith("update")] == [
        "updateEndpointWeightsAndCapacities",
        "updateEndpoint",
    ]
    assert outcome.output is None
    _assert_rolled_back(deploys, outcome, document, original)


def test_an_endpoint_stuck_updating_ends_the_wait_and_rolls_back(deploys: Deploys, emulator: Any) -> None:
    """Every wait is bounded: still Updating Polling.TimeoutSeconds after the canary update began is
    Canary.EndpointStuck, and the rollback returns the endpoint to its original config."""
    original = deploys.existing_endpoint()
    # The canary update takes 5 s; the wait gives up 3 s after it began (its poll at ~3 s), and the
    # rollback's own wait (3 s more) sees it end: 2 s of margin either way for a loaded machine.
    emulator.set_timings(timings(update_seconds=5))
    document = deploys.document(Polling=PollingSettings(InitialSeconds=1, MaxSeconds=2, TimeoutSeconds=3))
    arn = deploys.start(document)
    deploys.wait_until(arn, "Rollback")
    emulator.set_timings(timings(update_seconds=0.2))
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.EndpointStuck"
    assert outcome.cause is not None
    assert "was still Updating 3 s after the canary update began" in outcome.cause
    assert outcome.cause.startswith(f"Rolled back: endpoint ep is on {original} again.")
    _assert_rolled_back(deploys, outcome, document, original)


def test_a_rollback_whose_update_hangs_ends_in_rollback_failed(deploys: Deploys, emulator: Any) -> None:
    deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    document = deploys.document(
        AlarmNames=[alarm],
        BakeSeconds=30,
        Polling=PollingSettings(InitialSeconds=1, MaxSeconds=1, TimeoutSeconds=2),
    )
    arn = deploys.start(document)
    deploys.wait_until(arn, "CheckAlarms")
    emulator.set_timings(timings(update_seconds=30))
    deploys.cw.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="p99 too high")
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RollbackFailed"
    assert outcome.cause is not None
    assert "was still Updating 2 s after the rollback update began" in outcome.cause
    assert "The rollback was for Canary.AlarmFired" in outcome.cause
    assert "p99 too high" in outcome.cause
    assert outcome.status == "FAILED"


def test_a_failed_promotion_is_detected_and_rolled_back_never_a_success(deploys: Deploys) -> None:
    """The promotion's update fails (its model's image now fails the health check): SageMaker keeps
    the endpoint on the canary config with a FailureReason; the deploy rolls back to the original."""
    original = deploys.existing_endpoint()
    document = deploys.document(BakeSeconds=3)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    deploys.sm.delete_model(ModelName=document.Names.Model)
    deploys.sm.create_model(
        ModelName=document.Names.Model,
        ExecutionRoleArn=MODEL_ROLE,
        PrimaryContainer={"Image": "repo/model:broken"},
    )
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.UpdateFailed", outcome.cause
    assert outcome.cause is not None
    assert f"The promote update (to {document.Names.FinalConfig}) failed" in outcome.cause
    assert "Promote" in outcome.entered()
    calls = _calls_in_order(outcome)
    assert calls.count("updateEndpoint") == 3, "canary, promotion, back to the original"
    assert calls.index("updateEndpointWeightsAndCapacities") < len(calls) - calls[::-1].index(
        "updateEndpoint"
    )
    endpoint = deploys.wait_in_service()
    assert endpoint["EndpointConfigName"] == original
    deploys.assert_no_leftovers(document)
    assert document.Names.FinalConfig not in deploys.configs()
