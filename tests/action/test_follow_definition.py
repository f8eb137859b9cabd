"""The follower reads the state machine's definition only when the action cannot know it.

It needs the definition for the durations of Wait states (canary/follow.py). When the execution runs
the bundled definition the action already has it; otherwise it asks
DescribeStateMachineForExecution once. UpdateStateMachine: "Executions started immediately after
calling UpdateStateMachine may use the previous state machine definition"
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html), so a
machine this run updated is read, as is one given by ``state-machine-arn``.
"""

from __future__ import annotations

import json
from typing import Any

from canary.statemachine import load_definition
from tests.action.conftest import ACCOUNT, REGION, SFN_ROLE, Recorder, Runner, base_inputs, make_endpoint

READ_DEFINITION = "AWSStepFunctions.DescribeStateMachineForExecution"
OTHER_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:2.0"


def _definition_reads(recorder: Recorder) -> int:
    with recorder.lock:
        return recorder.operations.count(READ_DEFINITION)


def test_the_bundled_machine_created_or_current_is_not_read(
    runner: Runner, recorder: Recorder, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    created = runner.run(base_inputs())
    assert created.returncode == 0, created.stdout + created.stderr
    assert "sagemaker-canary-deploy: created" in created.stdout
    assert _definition_reads(recorder) == 0, recorder.operations
    recorder.clear()
    current = runner.run(base_inputs(image_uri=OTHER_IMAGE))
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
    result = runner.run(base_inputs())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "sagemaker-canary-deploy: updated" in result.stdout
    assert _definition_reads(recorder) == 1, recorder.operations


def test_a_given_state_machine_arn_is_read_once(runner: Runner, recorder: Recorder, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    arn = aws("stepfunctions").create_state_machine(
        name="managed-elsewhere", definition=load_definition(), roleArn=SFN_ROLE
    )["stateMachineArn"]
    result = runner.run(base_inputs(state_machine_arn=arn))
    assert result.returncode == 0, result.stdout + result.stderr
    assert _definition_reads(recorder) == 1, recorder.operations
