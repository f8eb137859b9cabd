"""moto extensions for Step Functions' aws-sdk tasks: names, arguments and results as AWS has them.

Moved out of ``canary/emulator/stepfunctions.py`` (which installs it); what moto 5.2.5 gets wrong:

- aws-sdk task errors are named ``ServiceName.ExceptionName`` as AWS documents ("Learning to use AWS
  service SDK integrations": service and error in PascalCase, the ``Exception`` suffix always added);
  an error the service's API model does not declare becomes the service's generic exception
  (``SageMaker.SageMakerException``), as the AWS SDK for Java v2 behind Step Functions reports it.
- The aws-sdk service name ``applicationautoscaling`` (and a few other SDK-v2 spellings) works.
- Arguments are renamed to the API's member names (PascalCase in Step Functions, camelCase in some
  APIs), and one boto3 client per service and region serves every task.
- Timestamps in aws-sdk task results become ISO-8601 strings in the state's JSON, as in Step Functions,
  so they can never break DescribeExecution or GetExecutionHistory.

docs/emulator.md describes each of these against AWS and moto.
"""

from __future__ import annotations

import datetime
import functools
import threading
from typing import Any

# aws-sdk service name in the task's Resource (SDK v2 spelling) → botocore service name.
_SDK_TO_BOTO_SERVICE = {
    "applicationautoscaling": "application-autoscaling",
    "acmpca": "acm-pca",
    "cloudwatchlogs": "logs",
    "eventbridge": "events",
    "sagemakerruntime": "sagemaker-runtime",
}

# aws-sdk service name → the PascalCase service part of error names.
_SERVICE_ERROR_NAMES = {
    "acmpca": "AcmPca",
    "applicationautoscaling": "ApplicationAutoScaling",
    "cloudwatch": "CloudWatch",
    "cloudwatchlogs": "CloudWatchLogs",
    "dynamodb": "DynamoDb",
    "eventbridge": "EventBridge",
    "lambda": "Lambda",
    "s3": "S3",
    "sagemaker": "SageMaker",
    "sagemakerruntime": "SageMakerRuntime",
    "sfn": "Sfn",
    "sns": "Sns",
    "sqs": "Sqs",
    "sts": "Sts",
}

_EXCEPTION = "Exception"


def _with_exception_suffix(name: str) -> str:
    return name if name.endswith(_EXCEPTION) else name + _EXCEPTION


@functools.cache
def service_model(boto_service: str) -> Any:
    """botocore's model of a service, read once per process (SageMaker's is megabytes of JSON)."""
    import botocore.session

    return botocore.session.get_session().get_service_model(boto_service)


@functools.cache
def _modeled_errors(boto_service: str) -> dict[str, str]:
    """Error code → shape name for every error the service's API model declares."""
    model = service_model(boto_service)
    errors: dict[str, str] = {}
    for shape in model.error_shapes:
        errors[shape.name] = shape.name
        code = shape.metadata.get("error", {}).get("code")
        if code:
            errors[code] = shape.name
    return errors


def aws_sdk_error_name(sdk_service: str, boto_service: str, error_code: str) -> str:
    """The ``Error`` Step Functions reports when an aws-sdk task's call fails with ``error_code``.

    ``ServiceName.ErrorName`` with ``Exception`` always appended when missing. The error part is the
    API model's shape name when that already ends in ``Exception`` (``ValidationError`` is modeled as
    ``ValidationException``), else the error code (``ResourceNotFound`` → ``ResourceNotFoundException``).
    Codes the model does not declare become the generic ``ServiceName.ServiceNameException``.
    """
    service = _SERVICE_ERROR_NAMES.get(sdk_service.lower(), sdk_service)
    from botocore.exceptions import UnknownServiceError

    try:
        shape = _modeled_errors(boto_service).get(error_code)
    except UnknownServiceError:
        shape = None
    if shape is None:
        return f"{service}.{service}{_EXCEPTION}"
    error = shape if shape.endswith(_EXCEPTION) else error_code
    return f"{service}.{_with_exception_suffix(error)}"


def sfn_timestamp(value: datetime.datetime | datetime.date) -> str:
    """A timestamp as Step Functions writes SDK results into state JSON: ISO-8601 UTC, milliseconds, Z."""
    if not isinstance(value, datetime.datetime):
        return value.isoformat()
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


@functools.cache
def _input_members(boto_service: str, api_action: str) -> dict[str, str]:
    """The operation's input member names by their lower-case spelling (none for an unknown action).

    Computed once per operation (every aws-sdk task of every execution asks).
    """
    from botocore import xform_name

    model = service_model(boto_service)
    operation = next((op for op in model.operation_names if xform_name(op) == api_action), None)
    shape = None if operation is None else model.operation_model(operation).input_shape
    return {} if shape is None else {name.lower(): name for name in shape.members}


def boto_cased(boto_service: str, api_action: str, parameters: dict[str, Any]) -> None:
    """Rename top-level Arguments to the API's member names, in place.

    "Parameters in Step Functions are expressed in PascalCase, even if the native service API is in
    camelCase" (supported-services-awssdk.html: ``sfn:sendTaskHeartbeat`` takes ``TaskToken``); moto
    passed them to botocore as written, which refused ``TaskToken`` for ``taskToken``.
    """
    members = _input_members(boto_service, api_action)
    for key in list(parameters):
        member = members.get(key.lower())
        if member is not None and member != key:
            parameters[member] = parameters.pop(key)


def json_safe(value: Any) -> Any:
    """``value`` with every datetime (at any depth) replaced by its Step Functions string form, and
    every streamed blob (SageMaker Runtime's ``Body``) by its text."""
    if hasattr(value, "read") and hasattr(value, "close"):
        return value.read().decode("utf-8", errors="replace")
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return sfn_timestamp(value)
    return value


def install() -> None:
    """Patch moto's aws-sdk task service (called once per process, from ``stepfunctions.install``)."""
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    service_cls = state_task_service.StateTaskService
    service_cls._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(_SDK_TO_BOTO_SERVICE)
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES.update(_SERVICE_ERROR_NAMES)

    # One client per service and region for every task of every execution: moto built a new boto3
    # client for each call (tens of milliseconds of CPU each). Its credentials are always moto's own.
    make_client = state_task_service_aws_sdk.boto_client_for
    clients: dict[tuple[str, str], Any] = {}
    clients_lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with clients_lock:
            if (region, service) not in clients:
                clients[(region, service)] = make_client(region, service, state_credentials)
            return clients[(region, service)]

    state_task_service_aws_sdk.boto_client_for = boto_client_for

    sdk_cls = state_task_service_aws_sdk.StateTaskServiceAwsSdk
    original_from_error = sdk_cls._from_error
    original_eval = sdk_cls._eval_service_task

    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if not isinstance(ex, ClientError):
            return original_from_error(self, env, ex)
        sdk_service = self.resource.api_name
        service = _SERVICE_ERROR_NAMES.get(sdk_service.lower(), sdk_service)
        error = aws_sdk_error_name(sdk_service, self._get_boto_service_name(), ex.response["Error"]["Code"])
        metadata = ex.response["ResponseMetadata"]
        details = [
            f"Service: {service}",
            f"Status Code: {metadata['HTTPStatusCode']}",
            f"Request ID: {metadata.get('RequestId', '')}",
        ]
        cause = f"{ex.response['Error'].get('Message', '')} ({', '.join(details)})"
        return self._get_task_failure_event(env=env, error=error, cause=cause)

    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        parameters = kwargs.get("normalised_parameters", args[1] if len(args) > 1 else None)
        if isinstance(parameters, dict):
            boto_cased(self._get_boto_service_name(), self._get_boto_service_action(), parameters)
        original_eval(self, env, *args, **kwargs)
        env.stack[-1] = json_safe(env.stack[-1])

    sdk_cls._from_error = _from_error
    sdk_cls._eval_service_task = _eval_service_task
