"""Faults between the action and AWS: throttling, 5xx and dropped connections while it follows.

The action runs as the runner runs it (``entrypoint.py``) with ``verbose: true`` (every history event
printed with its id) through a proxy that fails a seeded share of its calls. Whatever the proxy does,
the log must hold every event of the execution exactly once and in order, the outcome must be the
execution's, and a transient error must never fail the job. Transient errors as the AWS SDKs define
them: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.action.conftest import ACCOUNT, REGION, Runner, base_inputs, make_endpoint
from tests.proxy import Proxy
from tests.security.conftest import history, printed_events

FOLLOW_CALLS = ("GetExecutionHistory", "DescribeExecution", "DescribeStateMachineForExecution")
SETUP_CALLS = (
    "ListStateMachines",
    "DescribeStateMachine",
    "CreateStateMachine",
    "ListExecutions",
    "DescribeEndpoint",
    "DescribeEndpointConfig",
)


def _assert_every_event_once_in_order(run_stdout: str, aws: Any, arn: str) -> int:
    printed = printed_events(run_stdout)
    expected = history(aws, arn)
    assert printed == expected, "each history event printed exactly once, in order"
    return len(expected)


SCENARIOS = {
    "throttle-30pct": [("throttle", 0.3)],
    "5xx-15pct-and-502": [("5xx", 0.15), ("502-html", 0.1)],
    "dropped-connections": [("drop", 0.15), ("truncate", 0.15)],
    "everything-at-once": [("throttle", 0.3), ("5xx", 0.1), ("drop", 0.1), ("truncate", 0.1)],
}


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
def test_follow_survives_transient_faults_and_prints_every_event_once_in_order(
    scenario: str, faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    faulty.reset(seed=sum(map(ord, scenario)))
    for kind, _ in SCENARIOS[scenario]:  # each kind at least once, early in the follow
        faulty.add("GetExecutionHistory", kind=kind, count=1)  # type: ignore[arg-type]
    for kind, rate in SCENARIOS[scenario]:
        faulty.add(*FOLLOW_CALLS, kind=kind, rate=rate)  # type: ignore[arg-type]
    inputs = base_inputs(verbose="true", wait_minutes="0.03", canary_weights="20,50")
    result = faulty_runner.run(inputs, {"NO_COLOR": "1"}, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["outcome"] == "deployed"
    assert result.outputs["status"] == "SUCCEEDED"
    arn = result.outputs["execution-arn"]
    events = _assert_every_event_once_in_order(result.stdout, aws, arn)
    assert events > 30
    assert set(faulty.injected) == {kind for kind, _ in SCENARIOS[scenario]}, dict(faulty.injected)
    assert not result.errors(), result.errors()
    assert "Traceback" not in result.stderr


def test_a_rolled_back_deploy_is_reported_as_rolled_back_through_faults(
    faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    faulty.reset(seed=3)
    faulty.add(*FOLLOW_CALLS, kind="throttle", rate=0.3)
    faulty.add(*FOLLOW_CALLS, kind="drop", rate=0.1)
    broken = base_inputs(verbose="true", image_uri=f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:broken")
    result = faulty_runner.run(broken, {"NO_COLOR": "1"}, timeout=240)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.outputs["outcome"] in {"rolled-back", "failed"}
    assert result.outputs["outcome"] != "deployed"
    _assert_every_event_once_in_order(result.stdout, aws, result.outputs["execution-arn"])
    assert faulty.total_injected >= 1


def test_setup_calls_are_retried_and_a_lost_start_response_starts_one_execution_only(
    faulty_runner: Runner, faulty: Proxy, aws: Any
) -> None:
    """StartExecution is idempotent for the same name and input while it runs (API reference)."""
    make_endpoint(aws, "churn-model", ["AllTraffic"])
    faulty.reset(seed=5)
    faulty.add(*SETUP_CALLS, kind="throttle", rate=0.3)
    faulty.add(*SETUP_CALLS, kind="5xx", rate=0.1)
    lost = faulty.add("StartExecution", kind="lose-response", count=1)
    result = faulty_runner.run(base_inputs(wait_minutes="0.02"), timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["outcome"] == "deployed"
    assert lost.fired == 1, "StartExecution reached AWS but its answer was lost"
    sfn = aws("stepfunctions")
    (machine,) = sfn.list_state_machines()["stateMachines"]
    executions = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    assert len(executions) == 1, "the SDK's retry of StartExecution attached to the same execution"
    assert executions[0]["executionArn"] == result.outputs["execution-arn"]
