"""Reruns attach; another artifact mid-deploy is waited for, never raced (docs/design.md, "Guarantees").

StartExecution is idempotent only for the same name and input while the execution runs
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html); the
action adds the endpoint-level rules on top by reading the machine's running executions.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from canary.clients import make_clients
from canary.deploy import Deployment, launch, prepare
from canary.names import RunContext
from canary.race import START_HOLD_ENV, START_HOLD_SECONDS
from canary.settings import Settings, settings_from_inputs
from canary.statemachine import ensure_state_machine
from tests.action.conftest import (
    OTHER_IMAGE,
    REGION,
    SFN_ROLE,
    Runner,
    base_inputs,
    make_endpoint,
    wait_for,
)


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


UPDATES = ("updateEndpoint", "updateEndpointWeightsAndCapacities")


def _history(aws: Any, arn: str) -> list[dict[str, Any]]:
    return list(aws("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"])


def _scheduled(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "TaskScheduled"]


def _assert_one_deploy_at_a_time(aws: Any, logs: str = "") -> list[dict[str, Any]]:
    """No overlap on the endpoint; returns the executions that were stopped (racing starts).

    Every stopped execution was stopped in its start hold, so its history schedules no task at all;
    the deploys that ran did not overlap, and the endpoint updates of one never fall between two of
    another's.
    """
    executions = _executions(aws)
    succeeded = sorted((e for e in executions if e["status"] == "SUCCEEDED"), key=lambda e: e["startDate"])
    stopped = [e for e in executions if e["status"] != "SUCCEEDED"]
    assert len(succeeded) == 2, f"{executions}\n{logs}"
    assert succeeded[1]["startDate"] >= succeeded[0]["stopDate"], f"the two deploys overlapped\n{logs}"
    assert all(e["status"] == "ABORTED" for e in stopped), f"{stopped}\n{logs}"
    for execution in stopped:
        events = _history(aws, execution["executionArn"])
        assert _scheduled(events) == [], f"{execution['name']} touched AWS before it was stopped"
        entered = {e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e}
        assert entered <= {"ValidateInput", "StartHold"}, entered
    updates = sorted(
        (event["timestamp"], execution["name"])
        for execution in executions
        for event in _scheduled(_history(aws, execution["executionArn"]))
        if event["taskScheduledEventDetails"]["resource"] in UPDATES
    )
    order = [name for _, name in updates]
    blocks = [name for i, name in enumerate(order) if i == 0 or order[i - 1] != name]
    assert len(blocks) == len(set(blocks)) == 2, f"endpoint updates interleaved: {order}"
    return stopped


def test_two_artifacts_started_at_once_deploy_one_at_a_time(runner: Runner, aws: Any) -> None:
    """Two jobs, no ``concurrency:`` group: whichever way the starts race, one deploy at a time."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    hold = {START_HOLD_ENV: str(START_HOLD_SECONDS)}  # the race is judged with the hold AWS gets
    a = runner.start(base_inputs(wait_minutes="0.05"), {"GITHUB_RUN_ID": "111", **hold})
    b = runner.start(
        base_inputs(image_uri=OTHER_IMAGE, wait_minutes="0.05"), {"GITHUB_RUN_ID": "222", **hold}
    )
    results = [a.wait(180), b.wait(180)]
    assert [r.returncode for r in results] == [0, 0], [r.stdout + r.stderr for r in results]
    stopped = _assert_one_deploy_at_a_time(aws, "\n".join(r.stdout for r in results))
    for execution in stopped:
        [log] = [r.stdout for r in results if f"stopped execution {execution['name']} " in r.stdout]
        assert "before it made any AWS call" in log
        assert "another deploy is running on endpoint churn-model" in log


def _settings(**overrides: str) -> Settings:
    return settings_from_inputs({k.replace("_", "-"): v for k, v in base_inputs(**overrides).items()})


def _race(settings: list[Settings], runs: list[RunContext]) -> tuple[list[Deployment], list[list[str]]]:
    """Both actions read a free endpoint (``prepare``), then both start at the same instant (``launch``)."""
    clients = make_clients(REGION)
    stop = threading.Event()
    deadline = time.time() + 170
    said: list[list[str]] = [[] for _ in settings]
    prepared = [
        prepare(clients, s, run=r, deadline=deadline, stop=stop, say=said[i].append)
        for i, (s, r) in enumerate(zip(settings, runs, strict=True))
    ]
    assert all(p.attach_to is None for p in prepared), "both saw a free endpoint"
    barrier = threading.Barrier(len(settings))

    def launch_one(i: int) -> Deployment:
        barrier.wait()
        return launch(
            clients, settings[i], prepared[i], run=runs[i], deadline=deadline, stop=stop, say=said[i].append
        )

    with ThreadPoolExecutor(len(settings)) as pool:
        deployments = list(pool.map(launch_one, range(len(settings))))
    return deployments, said


def _finish(aws: Any, arn: str, timeout: float = 120) -> str:
    sfn = aws("stepfunctions")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = str(sfn.describe_execution(executionArn=arn)["status"])
        if status != "RUNNING":
            return status
        time.sleep(0.2)
    pytest.fail(f"{arn} still running after {timeout} s")


def test_two_artifacts_starting_together_stop_the_younger_in_its_hold_then_deploy_it(
    aws: Any,
) -> None:
    """The race forced: both starters saw a free endpoint and call StartExecution together."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    ensure_state_machine(aws("stepfunctions"), "sagemaker-canary-deploy", SFN_ROLE)
    settings = [_settings(wait_minutes="0.05"), _settings(image_uri=OTHER_IMAGE, wait_minutes="0.05")]
    runs = [RunContext.from_env({"GITHUB_RUN_ID": run}) for run in ("111", "222")]
    deployments, said = _race(settings, runs)
    assert [_finish(aws, d.execution_arn) for d in deployments] == ["SUCCEEDED", "SUCCEEDED"]
    [stopped] = _assert_one_deploy_at_a_time(aws)
    older = next(
        e for e in _executions(aws) if e["status"] == "SUCCEEDED" and e["startDate"] < stopped["startDate"]
    )
    [log] = [lines for lines in said if any(stopped["name"] in line for line in lines)]
    assert (
        f"stopped execution {stopped['name']} in its start hold, before it made any AWS call: "
        f"execution {older['name']} started first on endpoint churn-model"
    ) in log, log
    assert any("waiting for it to end before starting" in line and older["name"] in line for line in log)


def test_simultaneous_starts_of_the_same_artifact_attach_the_younger_to_the_older(aws: Any) -> None:
    """A rerun started while the first attempt starts: one deploy, both actions follow it."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    ensure_state_machine(aws("stepfunctions"), "sagemaker-canary-deploy", SFN_ROLE)
    settings = _settings(wait_minutes="0.02")
    runs = [RunContext.from_env({"GITHUB_RUN_ID": "111", "GITHUB_RUN_ATTEMPT": a}) for a in ("1", "2")]
    deployments, said = _race([settings, settings], runs)
    assert deployments[0].execution_arn == deployments[1].execution_arn
    assert sorted(d.attached for d in deployments) == [False, True]
    assert _finish(aws, deployments[0].execution_arn) == "SUCCEEDED"
    [stopped] = [e for e in _executions(aws) if e["status"] != "SUCCEEDED"]
    assert stopped["status"] == "ABORTED", stopped
    assert _scheduled(_history(aws, stopped["executionArn"])) == []
    [log] = [lines for lines in said if any("attaching to execution" in line for line in lines)]
    assert any("with the same artifact: attaching to execution" in line for line in log), log
    assert len(_executions(aws)) == 2
