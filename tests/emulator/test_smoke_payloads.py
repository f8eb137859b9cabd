"""What a smoke test meets on AWS: blob members as Step Functions encodes them, answers too large for a
task result, and endpoints that only take asynchronous invocations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from canary.emulator import runtime
from tests.emulator.test_sagemaker import in_service, wait_until_settled
from tests.emulator.test_stepfunctions import _run

INVOKE = "arn:aws:states:::aws-sdk:sagemakerruntime:invokeEndpoint"


def _invoke(body: object, **extra: Any) -> dict[str, Any]:
    """A JSONata machine with one InvokeEndpoint task whose ``Body`` argument is ``body``."""
    task = {
        "Type": "Task",
        "Resource": INVOKE,
        "Arguments": {"EndpointName": "ep", "Body": body, "ContentType": "application/json"},
        "End": True,
    }
    task.update(extra)
    return {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": task}}


@pytest.mark.parametrize(
    ("body", "sent"),
    [
        ("text data", '"text data"'),
        ({"instances": [[1, 2]]}, '{"instances":[[1,2]]}'),
        (["List", "Data"], '["List","Data"]'),
        (False, "false"),
        (0, "0"),
    ],
)
def test_an_aws_sdk_blob_member_is_sent_as_the_json_of_its_value(aws: Any, body: object, sent: str) -> None:
    """An aws-sdk task's blob member given a JSON value is sent as that value's compact JSON, a string
    with its quotes: LocalStack's snapshot of S3 PutObject from an aws-sdk task, recorded against AWS,
    stores ``text data`` as ``"text data"`` and ``{"Dict": "Value"}`` as 16 bytes
    (https://github.com/localstack/localstack/blob/42ed9a17f5945dc8dbe08cba612b872b72fdbcae/tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json,
    ``test_s3_put_object[str|dict|list|bool|num]``). moto 5.2.5 sent a string unquoted."""
    in_service(aws("sagemaker"))
    described = _run(aws("stepfunctions"), _invoke(body))
    assert described["status"] == "SUCCEEDED", described
    [call] = runtime.invocations()
    assert call.body == sent


def test_a_result_over_256_kib_is_data_limit_exceeded_which_states_all_does_not_catch(aws: Any) -> None:
    """InvokeEndpoint may answer up to 6 MB
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html); a task
    result over Step Functions' 256 KiB payload quota is ``States.DataLimitExceeded``, a terminal error
    that ``States.ALL`` does not catch
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html), raised before
    the state's ``Output`` could trim it."""
    in_service(aws("sagemaker"), image_tag=runtime.LARGE_BODY_TAG)
    definition = _invoke(
        {"x": 1},
        Output="{% $length($states.result.Body) %}",
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    definition["States"]["Caught"] = {"Type": "Succeed"}
    described = _run(aws("stepfunctions"), definition)
    assert (described["status"], described.get("error")) == ("FAILED", "States.DataLimitExceeded")
    assert len(runtime.large_body().encode()) == runtime.LARGE_BODY_BYTES == 1024 * 1024


def test_an_asynchronous_endpoint_refuses_a_synchronous_invocation(aws: Any) -> None:
    """An endpoint config with ``AsyncInferenceConfig`` "can only receive asynchronous invocations"
    (https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html): InvokeEndpoint is refused
    with ``ValidationError``, before any container is reached."""
    sm = aws("sagemaker")
    sm.create_model(
        ModelName="m",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={"Image": "repo/model:v1"},
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg-async",
        ProductionVariants=[
            {
                "VariantName": "Live",
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            },
        ],
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://bucket/out"}},
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg-async")
    wait_until_settled(sm, "ep")
    with pytest.raises(ClientError) as caught:
        aws("sagemaker-runtime").invoke_endpoint(EndpointName="ep", Body=json.dumps({"x": 1}))
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "asynchronous" in error["Message"]
    assert [c.status for c in runtime.invocations()] == [400]


def test_a_child_execution_that_dies_of_a_large_answer_fails_its_parents_task_catchably(aws: Any) -> None:
    """``states:startExecution.sync:2`` waits for the child and returns its DescribeExecution, ``Output``
    as JSON; a child that fails makes the task fail with ``States.TaskFailed``, the DescribeExecution as
    its cause (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html), which a
    Catch on ``States.ALL`` takes: the way around an uncatchable ``States.DataLimitExceeded``
    (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html: "nest those
    executions inside child workflows to catch errors inside your parent workflow"). moto 5.2.5 passed
    the PascalCase arguments to botocore and read a PascalCase result: ``States.Runtime``."""
    in_service(aws("sagemaker"), image_tag=runtime.LARGE_BODY_TAG)
    child = _invoke({"x": 1}, Output="{% {'answered': $length($states.result.Body)} %}")["States"]["Call"]
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Route",
        "States": {
            "Route": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $exists($states.input.Child) %}", "Next": "Call"}],
                "Default": "Parent",
            },
            "Parent": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Arguments": {
                    "StateMachineArn": "{% $states.context.StateMachine.Id %}",
                    "Input": {"Child": 1},
                },
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Done"}
                ],
                "End": True,
            },
            "Done": {"Type": "Succeed"},
            "Call": child,
        },
    }
    described = _run(aws("stepfunctions"), definition)
    assert described["status"] == "SUCCEEDED", described
    caught = json.loads(described["output"])
    assert caught["Error"] == "States.TaskFailed"
    cause = json.loads(caught["Cause"])
    assert (cause["Status"], cause["Error"]) == ("FAILED", "States.DataLimitExceeded")
    assert cause["Input"] == {"Child": 1}


def test_start_execution_refuses_an_input_over_256_kib_of_utf8(aws: Any) -> None:
    """ "256 KiB of data as a UTF-8 encoded string"
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html; StartExecution's input is
    at most 262,144, https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
    131,072 'é' (131,074 characters with the quotes) are 262,146 bytes: refused, nothing started."""
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(
        name="pass", definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/StatesRole",
    )["stateMachineArn"]  # fmt: skip
    with pytest.raises(ClientError) as caught:
        sfn.start_execution(stateMachineArn=arn, input=json.dumps("é" * 131_072, ensure_ascii=False))
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "262144" in caught.value.response["Error"]["Message"]
    assert sfn.list_executions(stateMachineArn=arn)["executions"] == []
    fits = json.dumps("x" * 200_000)
    assert sfn.start_execution(stateMachineArn=arn, input=fits)["executionArn"]
