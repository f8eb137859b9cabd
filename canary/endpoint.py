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
    if config_name:
        try:
            config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
            configured = {v["VariantName"]: v for v in config.get("ProductionVariants", [])}
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
    )


def check_endpoint(state: EndpointState, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` when this endpoint cannot take this deploy as it is now."""
    name = state.name
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
        reason = f" ({state.failure_reason})" if state.failure_reason else ""
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
    variant = state.variants[0]
    if settings.instance_type is None and variant.instance_type is None and not settings.guarded:
        raise ConfigurationError(
            f"instance-type: the variant {variant.name} of endpoint {name} has no instance type "
            "(serverless?): set instance-type"
        )
