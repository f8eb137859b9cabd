"""SageMaker's answers to requests the emulator refuses, worded as SageMaker words them.

Moved out of ``canary/emulator/sagemaker.py`` (which calls these under its lock): the
``ValidationException`` for a missing endpoint or endpoint config, an endpoint not ``InService``
(settled: delete and recreate it; in progress: wait), and an instance type that is not
``ml.<family>.<size>``.
"""

from __future__ import annotations

import re
from typing import Any

_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_IN_SERVICE = "InService"
_SETTLED = frozenset({_IN_SERVICE, "Failed", "OutOfService"})


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def _arn(backend: Any, kind: str, name: str) -> str:
    from moto.sagemaker.utils import arn_formatter

    return arn_formatter(kind, name, backend.account_id, backend.region_name)  # type: ignore[no-any-return]


def _config(backend: Any, name: str) -> Any:
    config = backend.endpoint_configs.get(name)
    if config is None:
        raise _invalid(f'Could not find endpoint configuration "{_arn(backend, "endpoint-config", name)}".')
    return config


def _endpoint(backend: Any, name: str) -> Any:
    endpoint = backend.endpoints.get(name)
    if endpoint is None:
        raise _invalid(f'Could not find endpoint "{_arn(backend, "endpoint", name)}".')
    return endpoint


def _require_in_service(backend: Any, endpoint: Any) -> None:
    status = endpoint.endpoint_status
    if status == _IN_SERVICE:
        return
    arn = _arn(backend, "endpoint", endpoint.endpoint_name)
    if status in _SETTLED:
        raise _invalid(f'Cannot update endpoint "{arn}" in status {status}; delete it and create it again.')
    raise _invalid(f'Cannot update in-progress endpoint "{arn}".')


def _validate_instance_type(self: Any, instance_type: str) -> None:
    if not _INSTANCE_TYPE.match(instance_type):
        raise _invalid(
            f"Value '{instance_type}' at 'instanceType' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {_INSTANCE_TYPE.pattern}"
        )
