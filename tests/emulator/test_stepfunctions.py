"""Step Functions in the emulator behaves as the AWS documentation says, where moto 5.2.5 does not."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

ROLE = "arn:aws:iam::123456789012:role/StatesRole"
SDK = "arn:aws:states:::aws-sdk:"


def _machine(sfn: Any, definition: dict[str, Any]) -> str:
    name = f"m-{uuid.uuid4().hex[:12]}"
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def _wait(sfn: Any, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            raise AssertionError(f"{execution_arn} still RUNNING after {timeout} s")
        time.sleep(0.02)


def _run(sfn: Any, definition: dict[str, Any], execution_input: object = None) -> dict[str, Any]:
    arn = _machine(sfn, definition)
    started = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input or {}))
    return _wait(sfn, started["executionArn"])


def _one_task(resource: str, parameters: dict[str, Any], **extra: Any) -> dict[str, Any]:
    task = {"Type": "Task", "Resource": SDK + resource, "Parameters": parameters, "End": True}
    task.update(extra)
    return {"StartAt": "Call", "States": {"Call": task}}


# --- aws-sdk error names ---------------------------------------------------------------------------


def test_sagemaker_error_without_a_modeled_class_is_the_generic_sagemaker_exception(aws: Any) -> None:
    """AWS: "Learning to use AWS service SDK integrations in Step Functions" — errors are
    ``ServiceName.ErrorName`` in PascalCase; SageMaker does not model ValidationException (a missing
    endpoint), so the SDK reports the service's generic exception, ``SageMaker.SageMakerException``.
    """
    described = _run(aws("stepfunctions"), _one_task("sagemaker:describeEndpoint", {"EndpointName": "nope"}))
    assert described["status"] == "FAILED"
    assert described["error"] == "SageMaker.SageMakerException"
    assert "Could not find endpoint" in described["cause"]
    assert "Service: SageMaker" in described["cause"]


def test_sagemaker_modeled_error_gets_the_exception_suffix(aws: Any) -> None:
    """AWS: "Learning to use AWS service SDK integrations" — always add the ``Exception`` suffix, even
    where the API reference names the error without it (SageMaker's ``ResourceNotFound``).
    """
    described = _run(
        aws("stepfunctions"),
        _one_task("sagemaker:associateTrialComponent", {"TrialName": "nope", "TrialComponentName": "nope"}),
    )
    assert described["error"] == "SageMaker.ResourceNotFoundException"


def test_cloudwatch_resource_not_found_is_named_for_cloudwatch(aws: Any) -> None:
    """AWS: SetAlarmState API reference lists ``ResourceNotFound``; Step Functions reports it as
    ``CloudWatch.ResourceNotFoundException`` ("Learning to use AWS service SDK integrations").
    """
    described = _run(
        aws("stepfunctions"),
        _one_task(
            "cloudwatch:setAlarmState",
            {"AlarmName": "nope", "StateValue": "ALARM", "StateReason": "test"},
        ),
    )
    assert described["error"] == "CloudWatch.ResourceNotFoundException"


def test_applicationautoscaling_validation_error_is_caught_by_its_documented_name(aws: Any) -> None:
    """AWS: the aws-sdk service name is ``applicationautoscaling``; its modeled ValidationException
    is ``ApplicationAutoScaling.ValidationException`` and a Catch on that name handles it.
    """
    definition = _one_task(
        "applicationautoscaling:deregisterScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ResourceId": "endpoint/nope/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
        },
        Catch=[{"ErrorEquals": ["ApplicationAutoScaling.ValidationException"], "Next": "Handled"}],
    )
    definition["States"]["Call"].pop("End")
    definition["States"]["Handled"] = {"Type": "Succeed"}
    described = _run(aws("stepfunctions"), definition)
    assert described["status"] == "SUCCEEDED"
    caught = json.loads(described["output"])
    assert caught["Error"] == "ApplicationAutoScaling.ValidationException"
    assert "Service: ApplicationAutoScaling" in caught["Cause"]


def test_applicationautoscaling_service_name_calls_application_auto_scaling(aws: Any) -> None:
    """AWS: resource ``arn:aws:states:::aws-sdk:applicationautoscaling:registerScalableTarget``
    (service names as listed in "AWS SDK service integrations") registers a real scalable target.
    """
    resource_id = "endpoint/ep/variant/AllTraffic"
    described = _run(
        aws("stepfunctions"),
        _one_task(
            "applicationautoscaling:registerScalableTarget",
            {
                "ServiceNamespace": "sagemaker",
                "ResourceId": resource_id,
                "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
                "MinCapacity": 1,
                "MaxCapacity": 3,
            },
        ),
    )
    assert described["status"] == "SUCCEEDED", described.get("cause")
    targets = aws("application-autoscaling").describe_scalable_targets(ServiceNamespace="sagemaker")
    assert [t["ResourceId"] for t in targets["ScalableTargets"]] == [resource_id]


# --- timestamps in task results --------------------------------------------------------------------


def test_task_result_timestamps_become_iso_strings_and_describe_execution_works(aws: Any) -> None:
    """AWS: DescribeExecution ``output`` is a JSON string; SDK timestamps reach state JSON as ISO-8601
    strings. moto left raw datetimes there and DescribeExecution answered HTTP 500.
    """
    cw = aws("cloudwatch")
    cw.put_metric_alarm(
        AlarmName="a1",
        MetricName="Invocation5XXErrors",
        Namespace="AWS/SageMaker",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    sfn = aws("stepfunctions")
    described = _run(sfn, _one_task("cloudwatch:describeAlarms", {"AlarmNames": ["a1"]}))
    assert described["status"] == "SUCCEEDED", described.get("cause")
    alarm = json.loads(described["output"])["MetricAlarms"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", alarm["StateUpdatedTimestamp"])
    history = sfn.get_execution_history(executionArn=described["executionArn"])["events"]
    assert history[-1]["type"] == "ExecutionSucceeded"
