"""Cancellation when AWS does not answer: the action still exits within the runner's grace, outputs written.

tests/action/test_cancel.py covers SIGINT → SIGTERM mid-bake with a healthy AWS (detach prints how to
follow, stop stops the execution and reports the endpoint). What it cannot show is the case that
decides whether the promise holds in a real outage: the request in flight when the signal arrives, or
the StopExecution/DescribeEndpoint made on the way out, hangs. The runner sends SIGINT, SIGTERM 7.5 s
later, and then kills the container
(https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/canceling-a-workflow);
a killed action writes no outputs.
"""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Any

import pytest

from tests.action.conftest import Runner, Started, base_inputs, make_endpoint, wait_for
from tests.security.conftest import FaultProxy

GRACE = 7.5
"""Seconds between the runner's SIGINT and SIGTERM; it kills the container soon after."""
KNOWN_GAP = pytest.mark.xfail(
    strict=True,
    reason=(
        "canary/action.py: the cancellation path does not bound AWS calls in flight or on the way out "
        "(follow client read_timeout 15 s; stop/describe clients: 8 adaptive attempts, 20 s read timeout; "
        "CANCEL_BUDGET_SECONDS is defined but unused)"
    ),
)
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


@KNOWN_GAP
@pytest.mark.parametrize("on_cancel", ["detach", "stop"])
def test_cancel_while_a_follow_call_hangs_exits_within_the_grace(
    on_cancel: str, faulty_runner: Runner, faulty: FaultProxy, aws: Any
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
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["execution-arn"]
    aws("stepfunctions").stop_execution(executionArn=result.outputs["execution-arn"])


@KNOWN_GAP
def test_stop_when_aws_hangs_on_the_way_out_still_exits_within_the_grace(
    faulty_runner: Runner, faulty: FaultProxy, aws: Any
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
