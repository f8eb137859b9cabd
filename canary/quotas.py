"""Before the first change: does the deploy's peak fit the account's quota of each instance type?

Read only. For each instance type of the plan (:mod:`canary.capacity`):

1. the quota "<type> for endpoint usage": its code found by name with ListServiceQuotas
   (``ServiceCode=sagemaker``, https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_ListServiceQuotas.html),
   or ListAWSDefaultServiceQuotas for a quota the first leaves out,
   its applied value with GetServiceQuota, or — "If the applied quota value is not available for a
   quota, the quota is not retrieved" (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html)
   — the default with GetAWSDefaultServiceQuota;
2. what the region's *other* endpoints run of it: ListEndpoints, then DescribeEndpoint
   (``CurrentInstanceCount`` of each production and shadow variant, plus the fleet a pending update
   provisions) and DescribeEndpointConfig (each variant's ``InstanceType``).

A peak that does not fit (usage + peak > quota) is a :class:`~canary.errors.ConfigurationError` (exit 2,
nothing changed) naming the quota, its value, the usage and the peak. What cannot be read (no
permission, an instance type without such a quota) only warns, saying what was not counted. The check
is a snapshot: parallel deploys in one account can still race for the same headroom (docs/aws-setup.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from canary.aws import error_code
from canary.capacity import CapacityPlan, plan_capacity
from canary.errors import ConfigurationError
from canary.strategy_capacity import guarded_plan

if TYPE_CHECKING:
    from types_boto3_sagemaker.client import SageMakerClient

    from canary.clients import Clients
    from canary.endpoint import EndpointState
    from canary.settings import Settings

SERVICE_CODE = "sagemaker"


def quota_name(instance_type: str) -> str:
    """The quota's name: ``ml.g5.12xlarge for endpoint usage``."""
    return f"{instance_type} for endpoint usage"


@dataclass(frozen=True)
class Quota:
    """One instance type's quota, as read."""

    instance_type: str
    code: str
    value: float
    source: str
    """``applied`` (GetServiceQuota) or ``default`` (GetAWSDefaultServiceQuota)."""


@dataclass(frozen=True)
class TypeCheck:
    """One instance type: its peak in this deploy, what the others run, and the quota (None: unread)."""

    instance_type: str
    peak: int
    phase: str
    usage: int | None
    quota: Quota | None

    @property
    def fits(self) -> bool:
        """False only when everything was read and the peak does not fit."""
        if self.quota is None or self.usage is None:
            return True
        return self.usage + self.peak <= self.quota.value

    def describe(self) -> str:
        """One line for the plan."""
        need = f"{self.peak} {self.instance_type} at the peak ({self.phase})"
        others = "other endpoints not counted" if self.usage is None else f"other endpoints run {self.usage}"
        if self.quota is None:
            return f'quota: {need}; {others}; quota "{quota_name(self.instance_type)}" not read'
        return (
            f'quota: {need}; {others}; quota "{quota_name(self.instance_type)}" ({self.quota.code}) '
            f"{self.quota.value:g} ({self.quota.source}): {'fits' if self.fits else 'does NOT fit'}"
        )


@dataclass(frozen=True)
class CapacityCheck:
    """The plan, each type's quota check, and the warnings (load, and what was not counted)."""

    plan: CapacityPlan
    types: tuple[TypeCheck, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """The plan and the quota lines, for the dry run and the log's header."""
        return [*self.plan.lines(), *(f"  {t.describe()}" for t in self.types)]


def _denied(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        return error_code(error) or "error"
    return type(error).__name__


def _find_codes(quotas: Any, operation: str, names: Mapping[str, str], found: dict[str, str]) -> None:
    """Add to ``found`` (type → code) the quotas of ``names`` that the paged ``operation`` lists."""
    params: dict[str, Any] = {"ServiceCode": SERVICE_CODE, "MaxResults": 100}
    while len(found) < len(names):
        page = getattr(quotas, operation)(**params)
        for quota in page.get("Quotas", []):
            if quota.get("QuotaName") in names:
                found.setdefault(names[quota["QuotaName"]], str(quota["QuotaCode"]))
        if not page.get("NextToken"):
            return
        params["NextToken"] = page["NextToken"]


def _quota_codes(quotas: Any, types: set[str]) -> dict[str, str]:
    """Instance type → quota code, found by name: in ListServiceQuotas, else (a quota whose applied value
    "is not available" is "not retrieved" there) in ListAWSDefaultServiceQuotas."""
    names = {quota_name(t): t for t in types}
    found: dict[str, str] = {}
    _find_codes(quotas, "list_service_quotas", names, found)
    if len(found) < len(names):
        _find_codes(quotas, "list_aws_default_service_quotas", names, found)
    return found


def _read_quota(quotas: Any, instance_type: str, code: str) -> Quota:
    try:
        answer = quotas.get_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=code)
        source = "applied"
    except ClientError as error:
        if error_code(error) != "NoSuchResourceException":
            raise
        answer = quotas.get_aws_default_service_quota(ServiceCode=SERVICE_CODE, QuotaCode=code)
        source = "default"
    return Quota(instance_type, code, float(answer["Quota"]["Value"]), source)


def read_quotas(quotas: Any, types: set[str], warn: Callable[[str], None]) -> dict[str, Quota]:
    """Each type's quota; a type whose quota cannot be read is warned about and left out."""
    try:
        codes = _quota_codes(quotas, types)
    except (ClientError, BotoCoreError) as error:
        warn(
            f"the instance quotas were not checked: Service Quotas answered {_denied(error)} (allow "
            "servicequotas:ListServiceQuotas, ListAWSDefaultServiceQuotas, GetServiceQuota and "
            "GetAWSDefaultServiceQuota)"
        )
        return {}
    found: dict[str, Quota] = {}
    for instance_type in sorted(types):
        code = codes.get(instance_type)
        if code is None:
            warn(
                f'no Service Quotas quota named "{quota_name(instance_type)}" in this region (unknown '
                f"instance type?): the {instance_type} instances were not checked against a quota"
            )
            continue
        try:
            found[instance_type] = _read_quota(quotas, instance_type, code)
        except (ClientError, BotoCoreError) as error:
            name = quota_name(instance_type)
            warn(f'the quota "{name}" ({code}) could not be read ({_denied(error)}): not checked')
    return found


def _variant_types(config: Mapping[str, Any]) -> dict[str, str]:
    variants = [*config.get("ProductionVariants", []), *config.get("ShadowProductionVariants", [])]
    return {str(v["VariantName"]): str(v["InstanceType"]) for v in variants if v.get("InstanceType")}


def endpoint_instances(sagemaker: SageMakerClient, name: str) -> dict[str, int]:
    """Instance type → instances the endpoint runs now (both fleets while an update provisions)."""
    endpoint: Mapping[str, Any] = sagemaker.describe_endpoint(EndpointName=name)
    types: dict[str, str] = {}
    if endpoint.get("EndpointConfigName"):
        config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        types = _variant_types(config)
    counts: dict[str, int] = {}

    def add(instance_type: str, count: object) -> None:
        counts[instance_type] = counts.get(instance_type, 0) + int(str(count or 0))

    live = [*endpoint.get("ProductionVariants", []), *endpoint.get("ShadowProductionVariants", [])]
    for variant in live:
        instance_type = types.get(str(variant.get("VariantName")))
        if instance_type:
            add(instance_type, variant.get("CurrentInstanceCount"))
    pending = endpoint.get("PendingDeploymentSummary") or {}
    for variant in [*pending.get("ProductionVariants", []), *pending.get("ShadowProductionVariants", [])]:
        instance_type = variant.get("InstanceType")
        if instance_type:
            add(instance_type, variant.get("DesiredInstanceCount"))
    return counts


def other_usage(
    sagemaker: SageMakerClient, own: str, types: set[str], warn: Callable[[str], None]
) -> dict[str, int] | None:
    """Instances of ``types`` the region's other endpoints run; None when they could not be listed."""
    names: list[str] = []
    try:
        for page in sagemaker.get_paginator("list_endpoints").paginate():
            names += [e["EndpointName"] for e in page.get("Endpoints", []) if e["EndpointName"] != own]
    except (ClientError, BotoCoreError) as error:
        warn(
            f"the other endpoints of this region were not counted: ListEndpoints answered {_denied(error)} "
            "(allow sagemaker:ListEndpoints, DescribeEndpoint and DescribeEndpointConfig on them)"
        )
        return None
    usage = dict.fromkeys(types, 0)
    unread: list[str] = []
    for name in names:
        try:
            counts = endpoint_instances(sagemaker, name)
        except ClientError as error:
            if "Could not find" in str(error):
                continue  # deleted since it was listed
            unread.append(f"{name} ({_denied(error)})")
            continue
        except BotoCoreError as error:
            unread.append(f"{name} ({_denied(error)})")
            continue
        for instance_type in types:
            usage[instance_type] += counts.get(instance_type, 0)
    if unread:
        listed = ", ".join(unread[:5])
        warn(f"{len(unread)} other endpoint(s) could not be read and were not counted: {listed}")
    return usage


def check_capacity(
    plan: CapacityPlan,
    *,
    sagemaker: SageMakerClient,
    quotas: Any,
    endpoint_name: str,
    region: str,
) -> CapacityCheck:
    """Read the quotas and the other endpoints' usage; raise ConfigurationError when the peak does not fit."""
    warnings: list[str] = list(plan.warnings)
    peaks = plan.peak()
    types = set(peaks)
    read = read_quotas(quotas, types, warnings.append)
    usage = other_usage(sagemaker, endpoint_name, types, warnings.append) if read else None
    checks = []
    for instance_type in sorted(types):
        phase = plan.peak_phase(instance_type)
        checks.append(
            TypeCheck(
                instance_type,
                peaks[instance_type],
                phase.name if phase else "?",
                None if usage is None else usage[instance_type],
                read.get(instance_type),
            )
        )
    for check in checks:
        if not check.fits and check.quota is not None and check.usage is not None:
            raise ConfigurationError(
                f'capacity: the account\'s quota "{quota_name(check.instance_type)}" ({check.quota.code}) in '
                f"{region} is {check.quota.value:g} ({check.quota.source} value); other endpoints run "
                f"{check.usage} and this deploy needs {check.peak} at its peak ({check.phase}), "
                f"{check.usage + check.peak} in all: nothing was changed. Request a quota increase in "
                "Service Quotas, or lower the peak (canary-instance-count, instance-count, fewer "
                "instances elsewhere), then re-run"
            )
    return CapacityCheck(plan, tuple(checks), tuple(warnings))


def plan_of(settings: Settings, endpoint: EndpointState) -> CapacityPlan:
    """The capacity plan of these settings on this endpoint (as :func:`canary.endpoint.check_endpoint`
    let it through: one variant, or none on a first deploy)."""
    variant = endpoint.variants[0] if endpoint.exists and endpoint.variants else None
    if settings.guarded and variant is not None and variant.instance_type and variant.instance_count:
        # SageMaker's own strategies: one guarded update at its peak (canary/strategy_capacity.py)
        rolling = settings.strategy == "rolling"
        return guarded_plan(
            settings.strategy,
            variant.instance_count,
            variant.instance_type,
            settings.rolling_batch_size if rolling else None,
            settings.rolling_rollback_batch_size if rolling else None,
        )
    return plan_capacity(
        current_count=(variant.instance_count or 0) if variant else 0,
        current_type=variant.instance_type if variant else None,
        new_type=settings.instance_type,
        weights=settings.canary_weights,
        smoke_test=settings.smoke_test_payload is not None,
        instance_count=settings.instance_count,
        canary_instance_count=settings.canary_instance_count,
    )


def plan_and_check(clients: Clients, settings: Settings, endpoint: EndpointState) -> CapacityCheck | None:
    """The plan, checked against the quotas (ConfigurationError when its peak does not fit); None for a
    serverless endpoint, which runs no instances of its own to count."""
    variant = endpoint.variants[0] if endpoint.exists and endpoint.variants else None
    if variant is not None and not variant.instance_type:
        return None
    return check_capacity(
        plan_of(settings, endpoint),
        sagemaker=clients.sagemaker,
        quotas=clients.servicequotas,
        endpoint_name=settings.endpoint_name,
        region=settings.aws_region,
    )
