"""Service Quotas on moto 5.2.5, for SageMaker's per-instance-type endpoint quotas.

AWS names one quota per instance type, "ml.m5.large for endpoint usage"
(https://docs.aws.amazon.com/general/latest/gr/sagemaker.html), each with its own quota code; the
codes are opaque (``L-`` and eight hex digits), so a client finds a code by the quota's name with
ListServiceQuotas (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html),
then reads the applied value with GetServiceQuota
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html: "If the
applied quota value is not available for a quota, the quota is not retrieved") or the default with
GetAWSDefaultServiceQuota
(https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetAWSDefaultServiceQuota.html:
"The default value does not reflect any quota increases").

moto 5.2.5 knows only a few VPC defaults: no ListServiceQuotas, no GetAWSDefaultServiceQuota, and no
SageMaker. What the emulator does (docs/emulator.md, "Service Quotas"):

- ``ServiceCode: sagemaker`` has one quota "<type> for endpoint usage" per instance type of
  :data:`INSTANCE_TYPES` (and any type a test sets), code ``L-`` + 8 hex digits of the name's SHA-1
  (the emulator's codes, not AWS's), default value :data:`DEFAULT_VALUE` (the emulator's choice: AWS's
  defaults vary by account and type, often 0 for GPU types on a new account);
- ListServiceQuotas pages them by name (``MaxResults`` 1-100, an opaque ``NextToken``), each with its
  applied value, or the default when none was applied;
- GetServiceQuota answers the same value;
- a quota whose applied value a test made unavailable (:func:`set_quota` ``available=False``) "is not
  retrieved": ListServiceQuotas leaves it out and GetServiceQuota answers ``NoSuchResourceException``;
- ListAWSDefaultServiceQuotas
  (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListAWSDefaultServiceQuotas.html)
  pages every quota with its default, and GetAWSDefaultServiceQuota answers one.

Test hook: :func:`set_quota` (``Emulator.set_quota``) applies a value to a type's quota in one region.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

SERVICE_CODE = "sagemaker"
SERVICE_NAME = "Amazon SageMaker"
DEFAULT_VALUE = 100.0
"""Every endpoint-usage quota's default here (see the module's docstring)."""

_FAMILIES = {
    "t2": ("medium", "large", "xlarge", "2xlarge"),
    "m5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "m6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "c5": ("large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"),
    "c6i": ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"),
    "r5": ("large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"),
    "g4dn": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"),
    "g5": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "g6": ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"),
    "p3": ("2xlarge", "8xlarge", "16xlarge"),
    "p4d": ("24xlarge",),
    "inf2": ("xlarge", "8xlarge", "24xlarge", "48xlarge"),
}
INSTANCE_TYPES = tuple(f"ml.{family}.{size}" for family, sizes in _FAMILIES.items() for size in sizes)
"""Instance types with an endpoint-usage quota here (a type not listed has none: "unknown type")."""

_lock = threading.Lock()
_installed = False


@dataclass
class _Region:
    applied: dict[str, float] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)
    extra_types: set[str] = field(default_factory=set)


_regions: dict[tuple[str, str], _Region] = {}


def quota_name(instance_type: str) -> str:
    """The quota's name as AWS writes it: ``ml.m5.large for endpoint usage``."""
    return f"{instance_type} for endpoint usage"


def quota_code(instance_type: str) -> str:
    """The emulator's code of a type's quota (stable: ``L-`` + 8 hex digits of the name's SHA-1)."""
    return "L-" + hashlib.sha1(quota_name(instance_type).encode()).hexdigest()[:8].upper()  # noqa: S324


def set_quota(
    instance_type: str,
    value: float | None,
    *,
    region: str = "us-east-1",
    account: str = "123456789012",
    available: bool = True,
) -> str:
    """Apply ``value`` to the type's endpoint-usage quota (None: back to the default); its quota code.

    ``available=False``: the applied value "is not available", so the quota "is not retrieved":
    ListServiceQuotas leaves it out and GetServiceQuota answers ``NoSuchResourceException``; the
    default operations still answer.
    """
    with _lock:
        state = _regions.setdefault((account, region), _Region())
        if instance_type not in INSTANCE_TYPES:
            state.extra_types.add(instance_type)
        if value is None:
            state.applied.pop(instance_type, None)
        else:
            state.applied[instance_type] = float(value)
        if available:
            state.unavailable.discard(instance_type)
        else:
            state.unavailable.add(instance_type)
    return quota_code(instance_type)


def reset() -> None:
    """Forget every applied value (the emulator's reset)."""
    with _lock:
        _regions.clear()


def _types(state: _Region) -> list[str]:
    return sorted({*INSTANCE_TYPES, *state.extra_types}, key=quota_name)


def _quota(instance_type: str, value: float, account: str, region: str) -> dict[str, Any]:
    code = quota_code(instance_type)
    return {
        "ServiceCode": SERVICE_CODE,
        "ServiceName": SERVICE_NAME,
        "QuotaArn": f"arn:aws:servicequotas:{region}:{account}:{SERVICE_CODE}/{code}",
        "QuotaCode": code,
        "QuotaName": quota_name(instance_type),
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
        "QuotaAppliedAtLevel": "ACCOUNT",
    }


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(code, message)  # type: ignore[no-any-return]


def _no_such_quota(code: str) -> Exception:
    return _error(
        "NoSuchResourceException", f"The quota {code} does not exist or its value is not available."
    )


def _params(response: Any) -> dict[str, Any]:
    body = response.body
    return dict(json.loads(body)) if body else {}


def _state(response: Any) -> tuple[_Region, str, str]:
    account, region = response.current_account, response.region
    with _lock:
        return _regions.setdefault((account, region), _Region()), account, region


def _by_code(state: _Region, code: str) -> str | None:
    return next((t for t in _types(state) if quota_code(t) == code), None)


def _list_service_quotas(self: Any) -> str:
    return _list(self, defaults=False)


def _list_aws_default_service_quotas(self: Any) -> str:
    return _list(self, defaults=True)


def _list(self: Any, *, defaults: bool) -> str:
    params = _params(self)
    if params.get("ServiceCode") != SERVICE_CODE:
        if defaults:
            return str(_originals["list_aws_default_service_quotas"](self))
        raise _error("NoSuchResourceException", f"No quotas for service {params.get('ServiceCode')} here.")
    size = int(params.get("MaxResults") or 100)
    if not 1 <= size <= 100:
        raise _error("IllegalArgumentException", "MaxResults must be between 1 and 100.")
    state, account, region = _state(self)
    start = 0
    if params.get("NextToken"):
        try:
            start = int(base64.b64decode(params["NextToken"]).decode().removeprefix("quotas:"))
        except (ValueError, UnicodeDecodeError):
            raise _error("InvalidPaginationTokenException", "Invalid pagination token.") from None
    types = _types(state) if defaults else [t for t in _types(state) if t not in state.unavailable]
    page = [
        _quota(t, DEFAULT_VALUE if defaults else state.applied.get(t, DEFAULT_VALUE), account, region)
        for t in types[start : start + size]
    ]
    answer: dict[str, Any] = {"Quotas": page}
    if start + size < len(types):
        answer["NextToken"] = base64.b64encode(f"quotas:{start + size}".encode()).decode()
    return json.dumps(answer)


def _get_service_quota(self: Any) -> str:
    params = _params(self)
    if params.get("ServiceCode") != SERVICE_CODE:
        return str(_originals["get_service_quota"](self))
    state, account, region = _state(self)
    code = str(params.get("QuotaCode"))
    instance_type = _by_code(state, code)
    if instance_type is None or instance_type in state.unavailable:
        raise _no_such_quota(code)
    value = state.applied.get(instance_type, DEFAULT_VALUE)
    return json.dumps({"Quota": _quota(instance_type, value, account, region)})


def _get_aws_default_service_quota(self: Any) -> str:
    params = _params(self)
    state, account, region = _state(self)
    code = str(params.get("QuotaCode"))
    instance_type = _by_code(state, code) if params.get("ServiceCode") == SERVICE_CODE else None
    if instance_type is None:
        raise _no_such_quota(code)
    return json.dumps({"Quota": _quota(instance_type, DEFAULT_VALUE, account, region)})


_originals: dict[str, Any] = {}


def install() -> None:
    """Add the four operations to moto's Service Quotas responses (called once per process)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _lock:
        if _installed:
            return
        from moto.servicequotas.responses import ServiceQuotasResponse

        _originals["get_service_quota"] = ServiceQuotasResponse.get_service_quota
        _originals["list_aws_default_service_quotas"] = ServiceQuotasResponse.list_aws_default_service_quotas
        ServiceQuotasResponse.list_service_quotas = _list_service_quotas
        ServiceQuotasResponse.list_aws_default_service_quotas = _list_aws_default_service_quotas
        ServiceQuotasResponse.get_service_quota = _get_service_quota
        ServiceQuotasResponse.get_aws_default_service_quota = _get_aws_default_service_quota
        _installed = True
