"""The endpoint before the deploy: what it looks like, and whether this deploy can run on it.

:func:`describe_endpoint` reads it (DescribeEndpoint and its endpoint config; read only).
:func:`check_endpoint` is the one place that decides, from that and the settings, whether the
deploy may start: a configuration error (exit 2, nothing changed) names the input to fix. Checks the
state machine would make later are made here first, so a bad endpoint fails before any write.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from canary.aws import error_code
from canary.errors import ConfigurationError
from canary.instance_storage import PAGE as STORAGE_PAGE
from canary.instance_storage import has_local_storage
from canary.settings import Settings
from canary.strategy_checks import check_strategy

if TYPE_CHECKING:
    from types_boto3_sagemaker.client import SageMakerClient


@dataclass(frozen=True)
class Variant:
    """A production variant as DescribeEndpoint + DescribeEndpointConfig report it."""

    name: str
    model: str | None
    instance_type: str | None
    instance_count: int | None
    weight: float | None
    volume_size_gb: int | None = None
    """The variant's ``VolumeSizeInGB`` in its endpoint config (None: SageMaker's default)."""


@dataclass(frozen=True)
class EndpointState:
    """What the endpoint looks like before the deploy."""

    name: str
    exists: bool
    status: str | None = None
    config_name: str | None = None
    failure_reason: str | None = None
    variants: tuple[Variant, ...] = ()
    shadow_variants: tuple[str, ...] = ()
    """Names of the endpoint's shadow variants (a canary config could not keep them)."""
    kms_key_id: str | None = None
    """The endpoint config's ``KmsKeyId`` (config-wide: the canary and final configs carry it)."""
    last_deployment_config: Mapping[str, Any] | None = None
    """DescribeEndpoint's ``LastDeploymentConfig``: the last update's; never passed into ours."""
    asynchronous: bool = False
    """The config has ``AsyncInferenceConfig``: the endpoint takes only asynchronous invocations."""

    def describe(self) -> str:
        """One line for the log."""
        if not self.exists:
            return f"endpoint {self.name} does not exist: first deploy"
        parts = [
            f"{v.name} {v.model or '?'} {v.instance_type or '?'} x{v.instance_count or '?'} "
            f"weight {v.weight if v.weight is not None else '?'}"
            for v in self.variants
        ]
        line = f"endpoint {self.name} is {self.status} on config {self.config_name}"
        # While Creating (or right after a cancel) DescribeEndpoint may list no variant yet.
        return f"{line}: " + "; ".join(parts) if parts else f"{line} (no variant serving yet)"


def describe_endpoint(sagemaker: SageMakerClient, name: str) -> EndpointState:
    """DescribeEndpoint (and its config, for models and instance types); missing → ``exists=False``."""
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as error:
        if error_code(error) == "ValidationException" and "Could not find" in str(error):
            return EndpointState(name=name, exists=False)
        raise
    config_name = endpoint.get("EndpointConfigName")
    configured: dict[str, Mapping[str, Any]] = {}
    kms_key_id = None
    if config_name:
        try:
            config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
            configured = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
            kms_key_id = config.get("KmsKeyId")
        except ClientError:
            configured = {}
    variants = []
    for live in endpoint.get("ProductionVariants", []):
        spec = configured.get(live["VariantName"], {})
        variants.append(
            Variant(
                name=live["VariantName"],
                model=spec.get("ModelName"),
                instance_type=spec.get("InstanceType"),
                instance_count=live.get("CurrentInstanceCount", spec.get("InitialInstanceCount")),
                weight=live.get("CurrentWeight", spec.get("InitialVariantWeight")),
                volume_size_gb=spec.get("VolumeSizeInGB"),
            )
        )
    return EndpointState(
        name=name,
        exists=True,
        status=endpoint.get("EndpointStatus"),
        config_name=config_name,
        failure_reason=endpoint.get("FailureReason"),
        variants=tuple(variants),
        shadow_variants=tuple(v["VariantName"] for v in endpoint.get("ShadowProductionVariants") or []),
        kms_key_id=kms_key_id,
        last_deployment_config=endpoint.get("LastDeploymentConfig"),
        asynchronous=bool(endpoint.get("AsyncInferenceConfig")),
    )


def check_endpoint(state: EndpointState, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` when this endpoint cannot take this deploy as it is now."""
    name = state.name
    _check_local_storage(state, settings)
    if not state.exists:
        if settings.instance_type is None:
            raise ConfigurationError(
                f"instance-type: endpoint {name} does not exist in {settings.aws_region}, so this is a first "
                "deploy and there is no current variant to copy: set instance-type (e.g. ml.m5.large)"
            )
        return
    if state.status != "InService":
        hints = {
            "Failed": "delete it (aws sagemaker delete-endpoint --endpoint-name "
            f"{name}) and re-run to create it afresh",
            "Creating": "wait until it is InService, then re-run",
            "Updating": "another update (not from this state machine) is in progress: wait until the "
            "endpoint is InService, then re-run",
            "SystemUpdating": "SageMaker is updating it: wait until it is InService, then re-run",
            "RollingBack": "wait until it is InService, then re-run",
            "Deleting": "wait until it is gone, then re-run to create it",
        }
        hint = hints.get(state.status or "", "wait until it is InService, then re-run")
        # FailureReason explains a Failed endpoint; on any other status it is an earlier update's
        # (SageMaker keeps it), not why the endpoint is busy now.
        reason = f" ({state.failure_reason})" if state.failure_reason and state.status == "Failed" else ""
        raise ConfigurationError(f"endpoint-name: endpoint {name} is {state.status}{reason}: {hint}")
    check_strategy(state, settings)
    if len(state.variants) != 1:
        listed = ", ".join(v.name for v in state.variants)
        raise ConfigurationError(
            f"endpoint-name: endpoint {name} has {len(state.variants)} production variants ({listed}); "
            "this action canary-deploys single-variant endpoints. If a canary was left behind by a deploy "
            "that was stopped, update the endpoint back to a single-variant config, then re-run"
        )
    if state.shadow_variants:
        raise ConfigurationError(
            f"endpoint-name: endpoint {name} has shadow variants ({', '.join(state.shadow_variants)}), which "
            "a canary config could not keep: end the shadow test (update the endpoint to a config without "
            "ShadowProductionVariants), then re-run"
        )
    if state.asynchronous and settings.smoke_test_payload is not None:
        raise ConfigurationError(
            f"smoke-test-payload: endpoint {name} is asynchronous (AsyncInferenceConfig), and such an "
            'endpoint "can only receive asynchronous invocations" (https://docs.aws.amazon.com/sagemaker/latest/dg/'
            "async-inference.html): a smoke test cannot call its canary variant alone. Remove "
            "smoke-test-payload (and smoke-test-expect) to deploy it"
        )
    variant = state.variants[0]
    if settings.instance_type is None and variant.instance_type is None and not settings.guarded:
        raise ConfigurationError(
            f"instance-type: the variant {variant.name} of endpoint {name} has no instance type "
            "(serverless?): set instance-type"
        )


def _check_local_storage(state: EndpointState, settings: Settings) -> None:
    """Refuse what SageMaker refuses on an instance type with local NVMe storage (canary/instance_storage.py):
    a volume size asked for, or the current config's KMS key (config-wide: dropping it would re-provision
    the current variant without the customer's key)."""
    new_type = settings.instance_type
    if not has_local_storage(new_type):
        return
    if settings.volume_size_gb is not None:
        raise ConfigurationError(
            f"volume-size-gb: instance type {new_type} stores on its local NVMe instance storage, where "
            f"SageMaker attaches no EBS volume and refuses VolumeSizeInGB ({STORAGE_PAGE}): leave "
            "volume-size-gb empty, or choose an instance type without local storage"
        )
    if state.exists and state.kms_key_id:
        raise ConfigurationError(
            f"instance-type: endpoint {state.name}'s config {state.config_name} encrypts its storage volumes "
            f"with KMS key {state.kms_key_id}, and SageMaker refuses a KmsKeyId in any endpoint config with "
            f"an instance type that has local NVMe storage, as {new_type} has ({STORAGE_PAGE}). Dropping the "
            "key would re-provision the current variant without it, so nothing was changed: choose an "
            "instance type without local storage, or first move the endpoint to a config without KmsKeyId"
        )


def storage_notes(state: EndpointState, settings: Settings) -> list[str]:
    """What the deploy leaves out because the new instance type has local NVMe storage (for the log)."""
    new_type = settings.instance_type
    if not state.exists or not state.variants or not has_local_storage(new_type):
        return []
    size = state.variants[0].volume_size_gb
    if size is None:
        return []
    return [
        f"instance type {new_type} has local NVMe instance storage: the current variant's VolumeSizeInGB "
        f"({size} GB) is not carried to the new variant (SageMaker refuses it there; the current variant "
        "keeps it in the canary config)"
    ]
