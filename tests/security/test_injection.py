"""Injection: text from AWS and from the deploy's own data never becomes a workflow command, and
credentials never reach the log, the outputs or the summary.

The attacker controls alarm state reasons (anyone who may call SetAlarmState), SageMaker error
messages and failure reasons (text a service echoes back, e.g. from a model's image or environment),
the model environment's values and anything in the execution's input and output. The test parses
the action's output exactly as the runner does — including ``::stop-commands::`` — with the
transcription of actions/runner in tests/presentation/runner_log.py, and checks that the only commands
the runner acted on are the action's own (groups and annotations), and that no attacker payload is in
a command's name or properties. Workflow commands: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from canary.emulator import Emulator, faults
from tests.action.conftest import ACCOUNT, ActionRun, Runner, base_inputs, make_endpoint, wait_for
from tests.presentation.runner_log import process

MARK = "pwned-7f3a"
PAYLOADS = [
    f"::error title={MARK}::{MARK} annotation",
    f"::set-output name=outcome::deployed-{MARK}",
    f"::add-mask::{MARK}",
    f"::stop-commands::{MARK}",
    f"::warning file=/etc/passwd::{MARK}",
    f"##[set-output name=outcome;]{MARK}",
    f"##[error]{MARK} legacy",
    f"::group::{MARK}",
    f"::add-path::/tmp/{MARK}",
    f"::set-env name=LD_PRELOAD::/tmp/{MARK}.so",
]
"""Commands an attacker would like the runner to act on (each line also tried after a newline)."""
TERMINAL = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x00"
"""Terminal sequences, BEL, a C1 CSI and NUL: shown as text, never inside an annotation."""
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0/C1 controls but TAB, LF, CR."""
OWN_COMMANDS = {"group", "endgroup", "error", "warning", "notice"}
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY-SECRET-9d41"
TOKEN = "IQoJb3JpZ2luX2VjEJr-SESSION-TOKEN-5be0"
ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = {"AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN, "NO_COLOR": "1"}
FAILING = "ResourceLimitExceeded"
"""An error SageMaker's API model declares (SageMaker.ResourceLimitExceededException in the state
machine), which no Retry rule matches: the hostile message fails the task at once, with no back-off."""


def _hostile(prefix: str) -> str:
    """One string carrying every payload, on one line and after newlines / carriage returns."""
    return (
        prefix + " " + TERMINAL + " " + " ".join(PAYLOADS) + "\n" + "\n".join(PAYLOADS) + "\r" + PAYLOADS[1]
    )


def _assert_runner_acted_on_nothing_hostile(result: ActionRun) -> None:
    for stream in (result.stdout + result.stderr, result.stdout):
        log = process(stream)
        names = {command.name for command in log.commands}
        assert names <= OWN_COMMANDS, f"the runner acted on {names - OWN_COMMANDS}"
        assert not log.stopped, "the action left the runner's command processing stopped"
        assert log.empty_stops == 0, "a stop-commands pair with nothing between"
        for command in log.commands:
            assert MARK not in command.name
            assert not CONTROLS.search(command.data), f"a control character in {command}"
            assert not any(CONTROLS.search(v) for v in command.properties.values()), command
            assert all(MARK not in f"{k}={v}" for k, v in command.properties.items()), command
            if command.name in {"group", "endgroup"}:
                assert MARK not in command.data, f"an attacker-chosen group: {command}"
    assert set(result.outputs) <= {
        "execution-arn",
        "status",
        "outcome",
        "model-name",
        "endpoint-config-name",
        "console-url",
        "kind",
    }, result.outputs
    assert all(MARK not in value for value in result.outputs.values()), result.outputs
    assert MARK in result.stdout, "the hostile text was shown (as text): the test exercised it"


def _assert_no_credentials(result: ActionRun) -> None:
    everything = "\n".join([result.stdout, result.stderr, result.summary, *result.outputs.values()])
    assert SECRET not in everything
    assert TOKEN not in everything
    assert SECRET.rsplit("/", maxsplit=1)[-1] not in everything


def _alarm(aws: Any, name: str) -> None:
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "churn-model"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1000,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="healthy")


def _mid_bake(aws: Any) -> bool:
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    return endpoint["EndpointStatus"] == "InService" and len(endpoint["ProductionVariants"]) == 2


def test_hostile_alarm_reason_and_model_environment_are_never_acted_on(runner: Runner, aws: Any) -> None:
    """SetAlarmState's StateReason is free text (CloudWatch API reference, SetAlarmState)."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    _alarm(aws, "team-latency")
    environment = "\n".join(f"HOSTILE_{i}={payload}" for i, payload in enumerate(PAYLOADS))
    started = runner.start(
        base_inputs(
            wait_minutes="0.5", alarm_names="team-latency", verbose="true", model_environment=environment
        ),
        CREDENTIALS,
    )
    wait_for(lambda: _mid_bake(aws), 60)
    aws("cloudwatch").set_alarm_state(
        AlarmName="team-latency", StateValue="ALARM", StateReason=_hostile("latency high")[:1000]
    )
    result = started.wait(120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] == "rolled-back"
    _assert_runner_acted_on_nothing_hostile(result)
    _assert_no_credentials(result)


@pytest.mark.parametrize("verbose", ["true", "false"])
def test_hostile_sagemaker_error_messages_are_never_acted_on(runner: Runner, aws: Any, verbose: str) -> None:
    """The message of a failed SageMaker call reaches the TaskFailed cause and the execution's cause."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    faults.inject("sagemaker", "UpdateEndpoint", error=FAILING, message=_hostile("bad config"), count=20)
    result = runner.run(base_inputs(verbose=verbose), CREDENTIALS, timeout=180)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] in {"rolled-back", "failed"}
    _assert_runner_acted_on_nothing_hostile(result)
    _assert_no_credentials(result)


def test_hostile_text_in_the_execution_output_of_an_attached_run_is_inert(runner: Runner, aws: Any) -> None:
    """A deploy that already ran reports the execution's recorded result (error, cause) as text."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    faults.inject("sagemaker", "CreateModel", error=FAILING, message=_hostile("no model"), count=20)
    first = runner.run(base_inputs(), CREDENTIALS, timeout=180)
    assert first.returncode == 1, first.stdout + first.stderr
    faults.reset()
    again = runner.run(
        base_inputs(execution_name=first.outputs["execution-arn"].rsplit(":", 1)[1]), CREDENTIALS
    )
    assert again.returncode == 1, again.stdout + again.stderr
    for result in (first, again):
        _assert_runner_acted_on_nothing_hostile(result)
        _assert_no_credentials(result)


def test_credentials_stay_out_of_the_log_on_cancellation_and_errors(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = runner.start(base_inputs(wait_minutes="1", on_cancel="stop", verbose="true"), CREDENTIALS)
    wait_for(lambda: _mid_bake(aws), 60)
    started.signal(signal.SIGINT)
    result = started.wait(30)
    assert result.outputs["outcome"] == "cancelled"
    _assert_no_credentials(result)
    bad = runner.run(
        base_inputs(state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:nope"), CREDENTIALS
    )
    assert bad.returncode == 2
    _assert_no_credentials(bad)


def test_the_follow_cli_in_a_workflow_step_keeps_hostile_text_inert_with_no_empty_stop_pair(
    aws: Any, emulator: Emulator, tmp_path: Path
) -> None:
    """``python -m canary follow`` in a ``run:`` step (GITHUB_ACTIONS=true) of an execution whose
    cause is hostile: the runner acts on the CLI's own commands only, and every stop/resume pair of
    the log holds text (its console prints through the runner's stream)."""
    sfn = aws("stepfunctions")
    definition = {
        "StartAt": "Alarm",
        "States": {"Alarm": {"Type": "Fail", "Error": "Canary.AlarmFired", "Cause": _hostile("alarm")}},
    }
    machine = sfn.create_state_machine(
        name="hostile", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn"
    )
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", 30)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "GITHUB_ACTIONS": "true",
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "NO_COLOR": "1",
    }
    for verbose in ([], ["--verbose"]):
        result = subprocess.run(
            [sys.executable, "-m", "canary", "follow", arn, *verbose],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1, result.stdout + result.stderr
        log = process(result.stdout + result.stderr)
        assert {c.name for c in log.commands} <= OWN_COMMANDS, log.commands
        assert log.named("error"), "the outcome is annotated"
        for command in log.commands:
            assert not CONTROLS.search(command.data), command
            assert all(MARK not in f"{k}={v}" for k, v in command.properties.items()), command
        assert not log.stopped
        assert log.empty_stops == 0, result.stdout
        assert MARK in result.stdout, "the hostile text was shown (as text)"
