"""Reruns attach; another artifact mid-deploy is waited for, never raced (SPEC §4, issue 6 item 4).

StartExecution is idempotent only for the same name and input while the execution runs
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html); the
action adds the endpoint-level rules on top by reading the machine's running executions.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.action.conftest import (
    ACCOUNT,
    REGION,
    Runner,
    base_inputs,
    make_endpoint,
    wait_for,
)

OTHER_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:2.0"


def _executions(aws: Any) -> list[dict[str, Any]]:
    sfn = aws("stepfunctions")
    machines = sfn.list_state_machines()["stateMachines"]
    found: list[dict[str, Any]] = []
    for machine in machines:
        found += sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    return found


def _running(aws: Any) -> list[dict[str, Any]]:
    return [e for e in _executions(aws) if e["status"] == "RUNNING"]


def test_rerun_of_the_same_artifact_attaches_instead_of_starting_a_second_deploy(
    runner: Runner, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    inputs = base_inputs(wait_minutes="0.15")
    first = runner.start(inputs)
    wait_for(lambda: len(_running(aws)) == 1, 30)
    rerun = runner.start(inputs, {"GITHUB_RUN_ATTEMPT": "2"})  # GitHub's "Re-run jobs"
    second_result = rerun.wait(120)
    first_result = first.wait(120)
    assert first_result.returncode == 0, first_result.stdout + first_result.stderr
    assert second_result.returncode == 0, second_result.stdout + second_result.stderr
    assert "attaching to execution" in second_result.stdout
    assert second_result.outputs["execution-arn"] == first_result.outputs["execution-arn"]
    assert second_result.outputs["model-name"] == first_result.outputs["model-name"]
    assert len(_executions(aws)) == 1


def test_another_artifact_waits_for_the_running_deploy_then_deploys(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    first = runner.start(base_inputs(wait_minutes="0.1"))
    wait_for(lambda: len(_running(aws)) == 1, 30)
    second = runner.start(base_inputs(image_uri=OTHER_IMAGE, wait_minutes="0.02"), {"GITHUB_RUN_ID": "555"})
    first_result, second_result = first.wait(120), second.wait(180)
    assert first_result.returncode == 0, first_result.stdout + first_result.stderr
    assert second_result.returncode == 0, second_result.stdout + second_result.stderr
    assert "another deploy is running on endpoint churn-model" in second_result.stdout
    assert first_result.outputs["execution-arn"].rsplit(":", 1)[1] in second_result.stdout
    executions = sorted(_executions(aws), key=lambda e: e["startDate"])
    assert [e["status"] for e in executions] == ["SUCCEEDED", "SUCCEEDED"]
    assert executions[1]["startDate"] >= executions[0]["stopDate"], "the two deploys never overlapped"
    image = aws("sagemaker").describe_model(ModelName=second_result.outputs["model-name"])["PrimaryContainer"]
    assert image["Image"] == OTHER_IMAGE


@pytest.mark.xfail(
    reason="the younger execution is stopped after StartExecution and may already have updated the "
    "endpoint; needs a hold state at the start of the state machine (see canary/deploy.py)",
    strict=False,
)
def test_two_artifacts_started_at_once_deploy_one_at_a_time(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    a = runner.start(base_inputs(wait_minutes="0.05"), {"GITHUB_RUN_ID": "111"})
    b = runner.start(base_inputs(image_uri=OTHER_IMAGE, wait_minutes="0.05"), {"GITHUB_RUN_ID": "222"})
    results = [a.wait(180), b.wait(180)]
    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
    succeeded = sorted(
        (e for e in _executions(aws) if e["status"] == "SUCCEEDED"), key=lambda e: e["startDate"]
    )
    assert len(succeeded) == 2
    assert succeeded[1]["startDate"] >= succeeded[0]["stopDate"], "the two deploys never overlapped"
    others = [e for e in _executions(aws) if e["status"] != "SUCCEEDED"]
    assert all(e["status"] == "ABORTED" for e in others), others
