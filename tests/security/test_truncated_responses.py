"""A response cut off mid-body is a transient error to the follower, never an empty answer.

botocore's JSON parser turns a 200 response whose body is not valid JSON into an empty result (it
swallows the parse error), so a DescribeExecution cut short would read as an execution without a
status (reported ``failed`` after a successful deploy) and a history page cut short as "no events".
The follower compares the body with its Content-Length and retries.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3

from canary.follow import Follower, sfn_client_config
from tests.action.conftest import REGION, SFN_ROLE, wait_for
from tests.proxy import Proxy
from tests.security.conftest import history


def _succeeded_execution(aws: Any) -> str:
    sfn = aws("stepfunctions")
    definition = {
        "StartAt": "One",
        "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Pass", "End": True}},
    }
    machine = sfn.create_state_machine(name="short", definition=json.dumps(definition), roleArn=SFN_ROLE)
    arn = str(sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"])
    wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", 10)
    return arn


def _follower(faulty: Proxy, arn: str) -> Follower:
    client = boto3.client(
        "stepfunctions",
        region_name=REGION,
        endpoint_url=faulty.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=sfn_client_config(),
    )
    return Follower(client, arn, sleep=lambda _: None)


def test_a_truncated_describe_execution_is_retried_not_read_as_no_status(faulty: Proxy, aws: Any) -> None:
    arn = _succeeded_execution(aws)
    cut = faulty.add("DescribeExecution", kind="truncate", count=1)
    follower = _follower(faulty, arn)
    described = follower.describe(deadline=time.time() + 10)
    assert cut.fired == 1
    assert described["status"] == "SUCCEEDED"
    assert follower.transient_errors == 1


def test_a_truncated_history_page_is_retried_and_every_event_read_once(faulty: Proxy, aws: Any) -> None:
    arn = _succeeded_execution(aws)
    cut = faulty.add("GetExecutionHistory", kind="truncate", count=1)
    follower = _follower(faulty, arn)
    events = [(e.id, e.type) for e in follower.events(deadline=time.time() + 10)]
    assert cut.fired == 1
    assert events == history(aws, arn)
    assert follower.transient_errors == 1
