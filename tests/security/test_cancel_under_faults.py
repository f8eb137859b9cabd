"""Cancellation when AWS does not answer: the action still exits within the runner's grace, outputs written.

tests/action/test_cancel.py covers SIGINT → SIGTERM mid-bake with a healthy AWS (detach prints how to
follow, stop stops the execution and reports the endpoint). What it cannot show is the case that
decides whether the promise holds in a real outage: the request in flight when the signal arrives, or
the StopExecution/DescribeEndpoint made on the way out, hangs. The runner sends SIGINT, SIGTERM 7.5 s
later, and then kills the container
(https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/canceling-a-workflow);
a killed action writes no outputs.

canary/action.py bounds the way out (CANCEL_BUDGET_SECONDS from the first signal): the follower's
requests run in a worker thread the main thread stops waiting for; outputs are written first; then
StopExecution and DescribeEndpoint go through clients with one attempt and short timeouts, each
abandoned when the budget runs out.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from canary.action import follow_in_background
from canary.follow import Follower, sfn_client_config
from tests.action.conftest import REGION, SFN_ROLE, Runner, Started, base_inputs, make_endpoint, wait_for
from tests.presentation.runner_log import parse_output_file
from tests.proxy import Proxy

GRACE = 7.5
"""Seconds between the runner's SIGINT and SIGTERM; it kills the container soon after."""
FOLLOW_CALLS = ("GetExecutionHistory", "DescribeExecution", "DescribeStateMachineForExecution")
EXIT_CALLS = ("StopExecution", "DescribeEndpoint", "DescribeEndpointConfig", "DescribeExecution")


def _cancel_like_the_runner(started: Started) -> tuple[float, bool]:
    """SIGINT, SIGTERM after the grace, kill 5 s later: (seconds from SIGINT to exit, killed)."""
    sent = time.monotonic()
    started.signal(signal.SIGINT)
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            started.process.wait(GRACE if signum == signal.SIGTERM else 5)
            return time.monotonic() - sent, False
        except subprocess.TimeoutExpired:
            started.signal(signum)
    started.process.wait(5)
    return time.monotonic() - sent, True


def _mid_bake(aws: Any) -> bool:
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    return endpoint["EndpointStatus"] == "InService" and len(endpoint["ProductionVariants"]) == 2


@pytest.mark.parametrize("on_cancel", ["detach", "stop"])
def test_cancel_while_a_follow_call_hangs_exits_within_the_grace(
    on_cancel: str, faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = faulty_runner.start(base_inputs(wait_minutes="1", on_cancel=on_cancel))
    wait_for(lambda: _mid_bake(aws), 60)
    hang = faulty.add(*FOLLOW_CALLS, kind="hang", seconds=20)
    wait_for(lambda: hang.fired >= 1, 10)  # a follow request is now in flight and unanswered
    seconds, killed = _cancel_like_the_runner(started)
    result = started.wait(5)
    assert not killed, "the runner would have killed it: no outputs"
    assert seconds < GRACE, f"exited {seconds:.1f}s after SIGINT"
    assert hang.holding >= 1, "exited while the follow request was still unanswered: it was not waited for"
    assert result.returncode == 1
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["execution-arn"]
    assert result.outputs["console-url"]
    status = aws("stepfunctions").describe_execution(executionArn=result.outputs["execution-arn"])["status"]
    assert status == ("RUNNING" if on_cancel == "detach" else "ABORTED")
    assert result.outputs["status"] == status


def test_stop_when_aws_hangs_on_the_way_out_still_exits_within_the_grace(
    faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = faulty_runner.start(base_inputs(wait_minutes="1", on_cancel="stop"))
    wait_for(lambda: _mid_bake(aws), 60)
    faulty.add(*EXIT_CALLS, kind="hang", seconds=20)
    seconds, killed = _cancel_like_the_runner(started)
    result = started.wait(5)
    assert not killed, "the runner would have killed it: no outputs"
    assert seconds < GRACE, f"exited {seconds:.1f}s after SIGINT"
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["execution-arn"]
    assert "python -m canary follow" in result.stdout, "when the stop is unconfirmed, say how to follow"


def test_outputs_are_written_before_the_calls_on_the_way_out(
    faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    """While StopExecution hangs, the outputs already say cancelled: a kill from then on loses nothing."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = faulty_runner.start(base_inputs(wait_minutes="1", on_cancel="stop"))
    wait_for(lambda: _mid_bake(aws), 60)
    stop = faulty.add("StopExecution", kind="hang", seconds=20)
    output = Path(started.env["GITHUB_OUTPUT"])
    started.signal(signal.SIGINT)
    wait_for(lambda: stop.fired >= 1, 5)
    outputs = parse_output_file(output.read_text())
    assert started.process.poll() is None, "still on its way out (StopExecution unanswered)"
    assert outputs["outcome"] == "cancelled"
    assert outputs["status"] == "RUNNING"
    assert outputs["execution-arn"]
    assert outputs["console-url"]
    result = started.wait(GRACE)
    assert result.outputs["outcome"] == "cancelled"
    assert "it may still be running" in result.stdout
    assert f"python -m canary follow {result.outputs['execution-arn']}" in result.stdout


def test_following_stops_at_once_when_cancelled_during_a_hanging_request(faulty: Proxy, aws: Any) -> None:
    sfn = aws("stepfunctions")
    definition = {"StartAt": "Bake", "States": {"Bake": {"Type": "Wait", "Seconds": 60, "End": True}}}
    machine = sfn.create_state_machine(name="hang", definition=json.dumps(definition), roleArn=SFN_ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    client = boto3.client(
        "stepfunctions",
        region_name=REGION,
        endpoint_url=faulty.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=sfn_client_config(),
    )
    hang = faulty.add("GetExecutionHistory", kind="hang", seconds=20)
    stop = threading.Event()
    stopped: list[bool] = []

    def cancel_once_the_request_hangs() -> None:
        while hang.holding < 1:
            time.sleep(0.05)
        stopped.append(True)
        stop.set()

    threading.Thread(target=cancel_once_the_request_hangs, daemon=True).start()
    events = list(follow_in_background(Follower(client, arn), deadline=time.time() + 60, stop=stop))
    assert hang.holding == 1, "returned while the request was still unanswered, not after it"
    assert events == [], "the first request never answered"
    assert stopped, "returned on the stop, not before it"


def test_cancel_while_a_preflight_read_hangs_exits_within_the_grace_having_changed_nothing(
    faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    hang = faulty.add("ListStateMachines", kind="hang", seconds=20)
    started = faulty_runner.start(base_inputs())
    wait_for(lambda: hang.fired >= 1, 30)
    seconds, killed = _cancel_like_the_runner(started)
    result = started.wait(5)
    assert not killed, "the runner would have killed it: no outputs"
    assert seconds < GRACE, f"exited {seconds:.1f}s after SIGINT"
    assert result.returncode == 1
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["execution-arn"] == ""
    assert "nothing was changed" in result.stdout
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []
