"""moto extensions for Step Functions: what this product relies on and moto 5.2.5 gets wrong.

- aws-sdk task errors are named ``ServiceName.ExceptionName`` as AWS documents ("Learning to use AWS
  service SDK integrations": service and error in PascalCase, the ``Exception`` suffix always added);
  an error the service's API model does not declare becomes the service's generic exception
  (``SageMaker.SageMakerException``), as the AWS SDK for Java v2 behind Step Functions reports it.
- The aws-sdk service name ``applicationautoscaling`` (and a few other SDK-v2 spellings) works.
- Timestamps in aws-sdk task results become ISO-8601 strings in the state's JSON, as in Step Functions,
  so they can never break DescribeExecution or GetExecutionHistory.
"""

from __future__ import annotations

import datetime
import functools
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
def _modeled_errors(boto_service: str) -> dict[str, str]:
    """Error code → shape name for every error the service's API model declares."""
    import botocore.session

    model = botocore.session.get_session().get_service_model(boto_service)
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


def json_safe(value: Any) -> Any:
    """``value`` with every datetime (at any depth) replaced by its Step Functions string form."""
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, datetime.datetime | datetime.date):
        return sfn_timestamp(value)
    return value


def _install_aws_sdk_task_fixes() -> None:
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service,
        state_task_service_aws_sdk,
    )

    service_cls = state_task_service.StateTaskService
    service_cls._SERVICE_NAME_SFN_TO_BOTO_OVERRIDES.update(_SDK_TO_BOTO_SERVICE)
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES.update(_SERVICE_ERROR_NAMES)

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
        original_eval(self, env, *args, **kwargs)
        env.stack[-1] = json_safe(env.stack[-1])

    sdk_cls._from_error = _from_error
    sdk_cls._eval_service_task = _eval_service_task


def install() -> None:
    """Patch moto's stepfunctions backend and responses (called once per process)."""
    _install_aws_sdk_task_fixes()


def reset() -> None:
    """Forget this module's own state (after moto's reset)."""
