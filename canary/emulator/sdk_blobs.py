"""moto extension: an aws-sdk task's blob members arrive as Step Functions serializes them.

A state's arguments are JSON, and an API's blob member (SageMaker Runtime InvokeEndpoint's ``Body``,
S3 PutObject's ``Body``) takes bytes. Step Functions turns the JSON value into bytes by writing it as
compact JSON, strings included: LocalStack's snapshot of S3 PutObject from an aws-sdk task, recorded
against AWS, stores the string ``text data`` as ``"text data"`` (quotes included), the object
``{"Dict": "Value"}`` as the 16 bytes ``{"Dict":"Value"}``, ``["List", "Data"]`` as
``["List","Data"]``, ``false`` and ``0`` as ``false`` and ``0``
(https://github.com/localstack/localstack/blob/42ed9a17f5945dc8dbe08cba612b872b72fdbcae/tests/aws/services/stepfunctions/v2/services/test_aws_sdk_task_service.snapshot.json,
``test_s3_put_object[str]`` … ``[num]``, recorded 2025-11-06). moto 5.2.5 passed a string to botocore as
it was (so the body arrived unquoted) and refused any other value.

No AWS page states the encoding; this module follows the recording. Members are matched by name
case-insensitively (``boto_cased`` renames them later) and only at the top level of the request,
where every blob member of the APIs the bundled definition calls is.
"""

from __future__ import annotations

import functools
import json
from typing import Any


def sfn_blob(value: Any) -> bytes:
    """The bytes an aws-sdk task sends for a blob member given ``value`` (a JSON value)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@functools.cache
def _blob_members(boto_service: str, api_action: str) -> frozenset[str]:
    """Lower-cased names of the operation's top-level blob members (none for an unknown action)."""
    from botocore import xform_name

    from canary.emulator.sfn_sdk_tasks import service_model

    model = service_model(boto_service)
    operation = next((op for op in model.operation_names if xform_name(op) == api_action), None)
    shape = None if operation is None else model.operation_model(operation).input_shape
    if shape is None:
        return frozenset()
    return frozenset(name.lower() for name, member in shape.members.items() if member.type_name == "blob")


def encode_blobs(boto_service: str, api_action: str, parameters: dict[str, Any]) -> None:
    """Replace, in place, every top-level blob member's JSON value with the bytes Step Functions sends."""
    blobs = _blob_members(boto_service, api_action)
    for key, value in parameters.items():
        if key.lower() in blobs:
            parameters[key] = sfn_blob(value)


def install() -> None:
    """Give moto's aws-sdk task the ``_normalise_parameters`` Step Functions has (moto leaves it empty)."""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_aws_sdk,
    )

    def _normalise_parameters(self: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        encode_blobs(self._get_boto_service_name(), self._get_boto_service_action(), parameters)

    state_task_service_aws_sdk.StateTaskServiceAwsSdk._normalise_parameters = _normalise_parameters
