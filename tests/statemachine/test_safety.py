"""The state machine's own safety checks, for executions started from the console, the CLI or
EventBridge with a hand-written input (docs/state-machine.md, "Alarms that must exist" and "A missing
endpoint").

CloudWatch DescribeAlarms leaves out names that have no alarm, without an error
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html): the
definition compares what it asked for with what came back, at its start (``CheckAlarmNames``) and at
every check of a bake (``CheckAlarms``).
"""

from __future__ import annotations

import json

from canary.follow import HistoryEvent
from tests.presentation import snapshots
from tests.statemachine.conftest import Deploys, Outcome


def _log(outcome: Outcome) -> list[str]:
    """The job log's lines of this execution, as the action renders them (colourless)."""
    text, _ = snapshots.render(
        [HistoryEvent.from_api(e) for e in outcome.events], github=False, verbose=False
    )
    return [line[6:] for line in text.splitlines() if line[:2].isdigit()]  # without the clock


def test_a_missing_alarm_fails_the_start_before_any_change(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    models, configs = deploys.models(), deploys.configs()
    document = deploys.document(AlarmNames=[alarm, "team-latency-typo", "never-made"])
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.AlarmNotFound")
    assert outcome.cause is not None
    assert outcome.cause.startswith("No metric or composite alarm named team-latency-typo, never-made")
    assert alarm + "," not in outcome.cause
    assert "Nothing was changed" in outcome.cause
    assert outcome.calls("createModel") + outcome.calls("updateEndpoint") == 0, "no create or update call"
    assert outcome.calls("describeEndpoint") == 1, "refused at CheckEndpoint, the first decision after it"
    assert (deploys.models(), deploys.configs()) == (models, configs)
    assert deploys.sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == original
    (scheduled,) = [e for e in outcome.events if e["type"] == "TaskScheduled"][:1]
    asked = json.loads(scheduled["taskScheduledEventDetails"]["parameters"])
    assert asked["AlarmTypes"] == ["MetricAlarm", "CompositeAlarm"]
    assert asked["MaxRecords"] == 100
    assert "✗ no alarm named team-latency-typo, never-made: it could never roll the canary back" in _log(
        outcome
    )


def test_a_missing_alarm_fails_a_first_deploy_before_it_creates_anything(deploys: Deploys) -> None:
    document = deploys.document(AlarmNames=["typo"], InstanceType="ml.m5.large")
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.AlarmNotFound")
    assert deploys.models() == set()
    assert deploys.configs() == set()


def test_create_endpoint_never_refuses_a_missing_endpoint(deploys: Deploys) -> None:
    document = deploys.document(InstanceType="ml.m5.large", CreateEndpoint="never")
    outcome = deploys.run(document)
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.EndpointNotFound")
    assert outcome.cause == (
        "Endpoint ep does not exist and CreateEndpoint is never: check the name and the region. "
        "Nothing was created."
    )
    assert deploys.models() == set()
    assert deploys.configs() == set()


def test_an_input_without_create_endpoint_is_refused_as_invalid(deploys: Deploys) -> None:
    """The schema requires every field with a default (canary/execution_input.py)."""
    document = json.loads(deploys.document().to_json())
    del document["CreateEndpoint"]
    name = "no-create-endpoint"
    arn = deploys.sfn.start_execution(stateMachineArn=deploys.machine, name=name, input=json.dumps(document))
    outcome = deploys.finish(arn["executionArn"])
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.InvalidInput")


def test_an_alarm_deleted_during_the_bake_rolls_back_naming_it(deploys: Deploys) -> None:
    """A composite alarm counts as existing; the metric alarm deleted mid-bake fails the next check."""
    original = deploys.existing_endpoint()
    alarm = deploys.user_alarm()
    deploys.cw.put_composite_alarm(AlarmName="team-slo", AlarmRule=f'ALARM("{alarm}")')
    document = deploys.document(AlarmNames=[alarm, "team-slo"], BakeSeconds=6, AlarmCheckSeconds=1)
    arn = deploys.start(document)
    deploys.wait_until(arn, "Bake")
    deploys.cw.delete_alarms(AlarmNames=[alarm])
    outcome = deploys.finish(arn)
    assert outcome.error == "Canary.RolledBack"
    assert outcome.cause is not None
    assert f"Alarm {alarm} gone " in outcome.cause, outcome.cause
    assert "DescribeAlarms no longer finds it" in outcome.cause
    assert "team-slo" not in outcome.cause
    log = _log(outcome)
    assert f"✓ alarm-names: {alarm}, team-slo exist" in log
    assert any(line.startswith(f"✗ ALARM: {alarm}: gone (DescribeAlarms no longer finds it)") for line in log)
    assert deploys.sm.describe_endpoint(EndpointName="ep")["EndpointConfigName"] == original
