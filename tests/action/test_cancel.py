"""Job cancellation mid-bake: the runner sends SIGINT, then SIGTERM 7.5 s later.

docs/design.md, "Guarantees".

https://docs.github.com/en/actions/managing-workflow-runs/canceling-a-workflow — "the runner sends
SIGINT … waits 7500 milliseconds … then SIGTERM"; a docker action's process receives both.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from tests.action.conftest import Runner, Started, base_inputs, make_endpoint, wait_for

GRACE = 7.5


def _mid_bake(aws: Any) -> bool:
    endpoint = aws("sagemaker").describe_endpoint(EndpointName="churn-model")
    return endpoint["EndpointStatus"] == "InService" and len(endpoint["ProductionVariants"]) == 2


def _cancel_like_the_runner(started: Started) -> float:
    """SIGINT, then SIGTERM after the grace unless it exited; returns seconds from SIGINT to exit."""
    sent = time.monotonic()
    started.signal(signal.SIGINT)
    while started.process.poll() is None and time.monotonic() - sent < GRACE:
        time.sleep(0.05)
    if started.process.poll() is None:
        started.signal(signal.SIGTERM)
    started.process.wait(10)
    return time.monotonic() - sent


def test_detach_leaves_the_execution_running_and_says_how_to_follow_it(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = runner.start(base_inputs(wait_minutes="1", on_cancel="detach"))
    wait_for(lambda: _mid_bake(aws), 60)
    seconds = _cancel_like_the_runner(started)
    result = started.wait(10)
    assert seconds < GRACE, f"exited {seconds:.1f}s after SIGINT"
    assert result.returncode == 1, result.stdout + result.stderr
    arn = result.outputs["execution-arn"]
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["status"] == "RUNNING"
    assert f"python -m canary follow {arn}" in result.stdout
    assert result.outputs["console-url"] in result.stdout
    assert aws("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    aws("stepfunctions").stop_execution(executionArn=arn)


def test_stop_stops_the_execution_and_reports_the_endpoint(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = runner.start(base_inputs(wait_minutes="1", on_cancel="stop"))
    wait_for(lambda: _mid_bake(aws), 60)
    seconds = _cancel_like_the_runner(started)
    result = started.wait(10)
    assert seconds < GRACE, f"exited {seconds:.1f}s after SIGINT"
    assert result.returncode == 1, result.stdout + result.stderr
    arn = result.outputs["execution-arn"]
    assert result.outputs["outcome"] == "cancelled"
    assert result.outputs["status"] == "ABORTED"
    assert aws("stepfunctions").describe_execution(executionArn=arn)["status"] == "ABORTED"
    assert "endpoint churn-model is InService" in result.stdout
    config = aws("sagemaker").describe_endpoint(EndpointName="churn-model")["EndpointConfigName"]
    assert result.outputs["endpoint-config-name"] == config


def test_sigterm_alone_is_handled_like_sigint(runner: Runner, aws: Any) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    started = runner.start(base_inputs(wait_minutes="1"))
    wait_for(lambda: _mid_bake(aws), 60)
    started.signal(signal.SIGTERM)
    result = started.wait(GRACE)
    assert result.returncode == 1
    assert result.outputs["outcome"] == "cancelled"
    aws("stepfunctions").stop_execution(executionArn=result.outputs["execution-arn"])
