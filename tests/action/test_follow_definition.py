"""The follower reads the state machine's definition only when the action cannot know it.

It needs the definition for the durations of Wait states (canary/follow.py). When the execution runs
the bundled definition the action already has it; otherwise it asks
DescribeStateMachineForExecution once. UpdateStateMachine: "Executions started immediately after
calling UpdateStateMachine may use the previous state machine definition"
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html), so a
machine this run updated is read, as is one given by ``state-machine-arn``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from canary.statemachine import load_definition
from canary.waits import assigned_variables, definition_states, jsonata_value, wait_seconds
from tests.action.conftest import (
    OTHER_IMAGE,
    SFN_ROLE,
    Recorder,
    Runner,
    base_inputs,
    make_endpoint,
)
from tests.presentation import snapshots

READ_DEFINITION = "AWSStepFunctions.DescribeStateMachineForExecution"
FAST_POLLING = {"endpoint_poll_max_seconds": "30"}
"""Polls up to 30 s apart: a plan polling every second for an hour would pass 25,000 events."""


def _definition_reads(recorder: Recorder) -> int:
    with recorder.lock:
        return recorder.operations.count(READ_DEFINITION)


def test_the_bundled_machine_created_or_current_is_not_read(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    created = runner.run(base_inputs(**FAST_POLLING))
    assert created.returncode == 0, created.stdout + created.stderr
    assert "sagemaker-canary-deploy: created" in created.stdout
    assert _definition_reads(recorder) == 0, recorder.operations
    recorder.clear()
    current = runner.run(base_inputs(image_uri=OTHER_IMAGE, **FAST_POLLING))
    assert current.returncode == 0, current.stdout + current.stderr
    assert "sagemaker-canary-deploy: unchanged" in current.stdout
    assert _definition_reads(recorder) == 0, recorder.operations


def test_a_bundled_machine_this_run_updated_is_read_once(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    older = json.loads(load_definition())
    older["Comment"] = "an older version of the bundled definition"
    aws("stepfunctions").create_state_machine(
        name="sagemaker-canary-deploy", definition=json.dumps(older), roleArn=SFN_ROLE
    )
    result = runner.run(base_inputs(**FAST_POLLING))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sagemaker-canary-deploy: updated" in result.stdout
    assert _definition_reads(recorder) == 1, recorder.operations


def test_a_given_state_machine_arn_is_read_once(runner: Runner, recorder: Recorder, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    arn = aws("stepfunctions").create_state_machine(
        name="managed-elsewhere", definition=load_definition(), roleArn=SFN_ROLE
    )["stateMachineArn"]
    result = runner.run(base_inputs(state_machine_arn=arn, **FAST_POLLING))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _definition_reads(recorder) == 1, recorder.operations


# -- the Waits of the bundled machine, resolved from its variables ----------------------------------

VARIABLES = {"wait": {"seconds": 4, "phase": "canary"}, "bake": {"wait": 2}, "in": {"BakeSeconds": 60}}
ENTERED = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        ("{% $wait.seconds %}", 4.0),
        ("{%$bake.wait%}", 2.0),
        ("{% $in.BakeSeconds %}", 60.0),
        ("{% $states.input.StartHoldSeconds %}", 3.0),
        ("{% $wait.phase %}", None),  # not a number
        ("{% $wait.missing %}", None),
        ("{% $unknown %}", None),
        ("{% $wait.seconds * 2 %}", None),  # an expression, not a path: the follower does not evaluate it
        ("{% $states.context.State.EnteredTime %}", None),
        (5, 5.0),
    ],
)
def test_a_jsonata_wait_is_known_when_its_seconds_are_one_path(seconds: Any, expected: float | None) -> None:
    state = {"Type": "Wait", "Seconds": seconds}
    assert wait_seconds(state, {"StartHoldSeconds": 3}, ENTERED, VARIABLES) == expected


def test_jsonata_value_reads_variables_and_the_state_input_only() -> None:
    assert jsonata_value("{% $in %}", VARIABLES, None) == {"BakeSeconds": 60}
    with pytest.raises(KeyError):
        jsonata_value("{% $states.result.x %}", VARIABLES, {"x": 1})


def test_assigned_variables_are_parsed_from_their_json_text() -> None:
    details = {"assignedVariables": {"step": "1", "wait": '{"seconds":2}', "kind": '"canary"', "bad": "{"}}
    assert assigned_variables(details) == {"step": 1, "wait": {"seconds": 2}, "kind": "canary"}
    assert assigned_variables({}) == {}


@pytest.mark.parametrize("name", snapshots.SCENARIOS)
def test_every_wait_of_a_recorded_deploy_is_known_and_as_long_as_it_was(name: str) -> None:
    """Replays a history the bundled machine wrote on the emulator, as the follower reads it."""
    states = definition_states(json.loads(load_definition()))
    variables: dict[str, Any] = {}
    entered: dict[str, tuple[dt.datetime, float | None]] = {}
    waits = 0
    for event in snapshots.load(name):
        if event.type == "WaitStateEntered":
            state_name = str(event.details["name"])
            state_input = json.loads(str(event.details.get("input") or "null"))
            known = wait_seconds(states[state_name], state_input, event.timestamp, variables)
            entered[state_name] = (event.timestamp, known)
        elif event.type == "WaitStateExited":
            at, known = entered.pop(str(event.details["name"]))
            assert known is not None, event.details["name"]
            waited = (event.timestamp - at).total_seconds()
            assert known - 0.5 <= waited <= known + 1.0, (event.details["name"], known, waited)
            waits += 1
        variables.update(assigned_variables(event.details))
    assert waits >= 2  # StartHold and at least one endpoint wait
