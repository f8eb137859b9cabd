"""``approval`` and ``command: approve|abort`` end to end: two runs of ``entrypoint.py``, as two jobs.

docs/state-machine.md, "Approval gates": the deploying job prints the gate as a line and a notice and
keeps following; a second job answers it (``command: approve`` or ``abort``, same endpoint).
"""

from __future__ import annotations

from typing import Any

from canary.emulator import EmulatorTimings
from tests.action.conftest import Recorder, Runner, base_inputs, make_endpoint, wait_for


def _at_gate(aws: Any) -> bool:
    sfn = aws("stepfunctions")
    for machine in sfn.list_state_machines()["stateMachines"]:
        for execution in sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]:
            if execution["status"] != "RUNNING":
                continue
            events = sfn.get_execution_history(executionArn=execution["executionArn"], reverseOrder=True)
            if any(e["type"] == "TaskSubmitted" for e in events["events"][:3]):
                return True
    return False


def _answer(command: str) -> dict[str, str]:
    return {"command": command, "endpoint_name": "churn-model", "image_uri": "", "execution_role_arn": ""}


def test_the_deploy_waits_at_the_gate_until_a_second_job_approves(
    runner: Runner, aws: Any, emulator: Any
) -> None:
    emulator.set_timings(EmulatorTimings(create_seconds=0.5, update_seconds=0.5))
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    deploy = runner.start(base_inputs(approval="before-promote", approval_timeout_minutes="5"))
    wait_for(lambda: _at_gate(aws), 90)
    approve = runner.run(_answer("approve"), {"GITHUB_ACTOR": "alice", "GITHUB_RUN_ID": "77"})
    assert approve.returncode == 0, approve.stdout + approve.stderr
    assert "approved the gate of execution " in approve.stdout
    assert "as @alice (https://github.com/acme/models/actions/runs/77/attempts/1)" in approve.stdout
    result = deploy.wait()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["outcome"] == "deployed"
    [waiting] = [
        x for x in result.stdout.splitlines() if "waiting for approval" in x and not x.startswith("::")
    ]
    assert "after the 20% bake for up to 5 min (then rollback)" in waiting
    assert "command: approve" in waiting
    notices = [c for c in result.log.named("notice") if "waiting for approval" in c.data]
    assert len(notices) == 1
    assert any("approved by @alice" in line for line in result.stdout.splitlines())


def test_abort_at_the_gate_rolls_the_deploy_back(runner: Runner, aws: Any, emulator: Any) -> None:
    emulator.set_timings(EmulatorTimings(create_seconds=0.5, update_seconds=0.5))
    original = make_endpoint(aws, "churn-model", ["AllTraffic"])
    deploy = runner.start(base_inputs(approval="each-step"))
    wait_for(lambda: _at_gate(aws), 90)
    abort = runner.run(_answer("abort"), {"GITHUB_ACTOR": "bob"})
    assert abort.returncode == 0, abort.stdout + abort.stderr
    result = deploy.wait()
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    assert "Canary.Aborted" in result.stdout
    assert aws("sagemaker").describe_endpoint(EndpointName="churn-model")["EndpointConfigName"] == original


def test_with_nothing_to_answer_approve_says_so_and_exits_2(runner: Runner, recorder: Recorder) -> None:
    result = runner.run(_answer("approve"))
    assert result.returncode == 2, result.stdout + result.stderr
    [error] = result.log.named("error")
    assert error.properties.get("title") == "Nothing to answer"
    assert "no deploy of endpoint churn-model is running" in error.data
    assert not [
        op for op in recorder.operations if not op.split(".")[-1].startswith(("Describe", "List", "Get"))
    ]


def test_an_unknown_command_is_refused_naming_the_input(runner: Runner, recorder: Recorder) -> None:
    result = runner.run(base_inputs(command="promote"))
    assert result.returncode == 2
    [error] = result.log.named("error")
    assert error.data.startswith("command: 'promote' is not a command"), error.data
    assert recorder.operations == []


def test_the_cli_answers_like_the_action(runner: Runner, aws: Any, emulator: Any) -> None:
    import subprocess
    import sys

    emulator.set_timings(EmulatorTimings(create_seconds=0.5, update_seconds=0.5))
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    env = runner.env({})
    command = [sys.executable, "-m", "canary", "approve", "--endpoint-name", "churn-model"]
    nothing = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert nothing.returncode == 2, nothing.stdout + nothing.stderr
    assert "no deploy of endpoint churn-model is running" in nothing.stdout + nothing.stderr
    deploy = runner.start(base_inputs(approval="before-promote"))
    wait_for(lambda: _at_gate(aws), 90)
    sfn = aws("stepfunctions")
    (machine,) = sfn.list_state_machines()["stateMachines"]
    (waiting,) = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING")[
        "executions"
    ]
    # --execution-name answers only that deploy: another name finds nothing, and says what runs.
    other = [*command, "--execution-name", "churn-model-of-another-run"]
    missed = subprocess.run(other, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert missed.returncode == 2, missed.stdout + missed.stderr
    assert f"named churn-model-of-another-run is running (running: {waiting['name']})" in missed.stdout
    mine = [*command, "--execution-name", waiting["name"]]
    answered = subprocess.run(mine, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert answered.returncode == 0, answered.stdout + answered.stderr
    assert deploy.wait().outputs["outcome"] == "deployed"
