"""canary.emulator.faults: injected errors reach any caller in the service's own wire format.

A state machine's aws-sdk task calls back into the emulator over HTTP, so a fault injected there is
seen by the task exactly as AWS throttling would be: the task fails with the service's error name and
the state's ``Retry`` decides. https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from canary.emulator import faults

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
ROLE = "arn:aws:iam::123456789012:role/sfn"


def _no_retry(aws: Any, service: str) -> Any:
    import boto3

    base = aws(service)
    return boto3.client(
        service,
        region_name=base.meta.region_name,
        endpoint_url=base.meta.endpoint_url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=NO_RETRIES,
    )


def _attempt(call: Any) -> tuple[str, int]:
    """``(error code or "ok", HTTP status)`` of one call."""
    try:
        response = call()
    except ClientError as error:
        return error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]
    return "ok", response["ResponseMetadata"]["HTTPStatusCode"]


def test_count_fails_exactly_that_many_requests_with_throttling(aws: Any) -> None:
    """SageMaker's throttling: ``ThrottlingException``, HTTP 400 (CommonErrors reference)."""
    sagemaker = _no_retry(aws, "sagemaker")
    fault = faults.inject("sagemaker", "ListEndpoints", count=2)
    results = [_attempt(sagemaker.list_endpoints) for _ in range(4)]
    assert results == [("ThrottlingException", 400)] * 2 + [("ok", 200)] * 2
    assert fault.fired == 2
    assert fault.seen == 4


def test_rate_fails_about_that_share_of_requests_repeatably(aws: Any) -> None:
    cloudwatch = _no_retry(aws, "cloudwatch")
    fault = faults.inject("cloudwatch", "DescribeAlarms", rate=0.3, seed=11)
    results = [_attempt(cloudwatch.describe_alarms)[0] for _ in range(100)]
    assert set(results) == {"ok", "ThrottlingException"}
    failures = results.count("ThrottlingException")
    assert failures == fault.fired
    assert 15 <= failures <= 45
    faults.reset()
    again = faults.inject("cloudwatch", "DescribeAlarms", rate=0.3, seed=11)
    again_results = [_attempt(cloudwatch.describe_alarms)[0] for _ in range(100)]
    assert again_results == results
    assert again.fired == failures, "the same seed gives the same schedule"


def test_server_errors_carry_their_status_and_other_operations_are_untouched(aws: Any) -> None:
    sfn = _no_retry(aws, "stepfunctions")
    faults.inject("states", "ListStateMachines", error="ServiceUnavailable", count=1)
    with pytest.raises(ClientError) as caught:
        sfn.list_state_machines()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    assert sfn.list_activities()["activities"] == []
    assert sfn.list_state_machines()["stateMachines"] == []
    assert faults.fired("stepfunctions") == 1


def test_emulator_reset_removes_faults(emulator: Any, aws: Any) -> None:
    faults.inject("sagemaker", "*")
    emulator.reset()
    assert faults.faults() == []
    assert _no_retry(aws, "sagemaker").list_models()["Models"] == []


def _run(aws: Any, definition: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(name="faulty", definition=json.dumps(definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    deadline = time.monotonic() + 30
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return described, sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]


def _list_task(retry: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "StartAt": "List",
        "States": {
            "List": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:listEndpoints",
                "Retry": retry,
                "End": True,
            }
        },
    }


def test_state_machine_task_sees_the_fault_and_its_retry_absorbs_it(aws: Any) -> None:
    fault = faults.inject("sagemaker", "ListEndpoints", count=2)
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1.0}]
    described, events = _run(aws, _list_task(retry))
    assert described["status"] == "SUCCEEDED"
    failed = [e for e in events if e["type"] == "TaskFailed"]
    assert len(failed) == fault.fired == 2
    assert {e["taskFailedEventDetails"]["error"] for e in failed} == {"SageMaker.SageMakerException"}
    assert "Rate exceeded" in failed[0]["taskFailedEventDetails"]["cause"]


def test_state_machine_task_without_retry_fails_on_the_first_fault(aws: Any) -> None:
    faults.inject("sagemaker", "ListEndpoints", count=1, message="injected: ::error::not a command")
    described, _ = _run(aws, _list_task([]))
    assert described["status"] == "FAILED"
    assert described["error"] == "SageMaker.SageMakerException"
    assert "injected: ::error::not a command" in described["cause"]
