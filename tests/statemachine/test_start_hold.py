"""The start hold: a Wait of ``StartHoldSeconds`` after the input check, before any AWS call.

It lets the action stop the younger of two racing starts before that execution touches anything
(canary/deploy.py). StopExecution ends a running execution at once, in any state
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.statemachine.conftest import Deploys

pytestmark = pytest.mark.execution


def test_the_hold_is_entered_right_after_the_input_check_and_lasts_its_seconds(deploys: Deploys) -> None:
    deploys.existing_endpoint()
    outcome = deploys.run(deploys.document(StartHoldSeconds=2))
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.entered()[:4] == ["ValidateInput", "StartHold", "CheckAlarmNames", "ReadEndpoint"]
    started = outcome.events[0]["timestamp"]
    first_call = next(e for e in outcome.events if e["type"] == "TaskScheduled")["timestamp"]
    assert (first_call - started).total_seconds() >= 2


def test_an_execution_stopped_in_its_hold_has_made_no_aws_call(deploys: Deploys) -> None:
    original = deploys.existing_endpoint()
    arn = deploys.start(deploys.document(StartHoldSeconds=5))
    deploys.wait_until(arn, "StartHold")
    deploys.sfn.stop_execution(executionArn=arn, error="Canary.Superseded", cause="a racing start")
    outcome = deploys.finish(arn)
    assert outcome.status == "ABORTED"
    assert [e for e in outcome.events if e["type"] == "TaskScheduled"] == []
    assert deploys.models() == {"ep-v1"}
    assert deploys.configs() == {original}
    assert deploys.wait_in_service()["EndpointConfigName"] == original


@pytest.mark.parametrize("hold", [-1, "3", None], ids=["negative", "string", "missing"])
def test_a_hold_that_is_not_a_non_negative_number_is_refused_before_anything(
    deploys: Deploys, hold: Any
) -> None:
    original = deploys.existing_endpoint()
    document = json.loads(deploys.document().to_json())
    if hold is None:
        del document["StartHoldSeconds"]
    else:
        document["StartHoldSeconds"] = hold
    started = deploys.sfn.start_execution(stateMachineArn=deploys.machine, input=json.dumps(document))
    outcome = deploys.finish(started["executionArn"])
    assert (outcome.status, outcome.error) == ("FAILED", "Canary.InvalidInput")
    assert outcome.entered() == ["ValidateInput", "Failed"]
    assert deploys.models() == {"ep-v1"}
    assert deploys.configs() == {original}
