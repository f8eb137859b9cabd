"""SageMaker on moto 5.2.5, made to behave like AWS where a canary deploy depends on it.

What this module changes (docs/emulator.md sets each against AWS and moto):

- Endpoints go through ``Creating``/``Updating`` for the emulator's ``create_seconds``/``update_seconds``
  (``canary.emulator.patches.timings()``, read at call time); a weight-only update
  (``UpdateEndpointWeightsAndCapacities``) is ``Updating`` for ``weights_seconds`` (for
  ``update_seconds`` when a ``DesiredInstanceCount`` changes a variant's count: instances are
  provisioned), its ``DesiredWeight``/``DesiredInstanceCount`` shown at once and
  ``CurrentWeight``/``CurrentInstanceCount`` once it settles.
  Transitions settle lazily, on every read or list of the endpoint, against ``time.monotonic()``.
- ``UpdateEndpoint`` exists; ``UpdateEndpointWeightsAndCapacities`` keeps instance counts it is not
  given; zero-weight variants keep ``CurrentWeight``/``DesiredWeight`` (0.0).
- Updating (or deleting) an endpoint that is not settled, duplicate names, and missing resources are
  ``ValidationException``s worded as SageMaker words them.
- An image whose tag is ``broken`` fails its health check: an update to it goes ``Updating`` and
  comes back ``InService`` on the old config with a ``FailureReason``; a create ends ``Failed``.
- ``UpdateEndpoint`` refuses to remove a variant, or change its instance type, while the variant is
  an Application Auto Scaling scalable target; ``DeleteEndpoint`` deregisters its targets.
- ``UpdateEndpoint`` with a ``DeploymentConfig`` runs SageMaker's deployment guardrails: checked and
  planned by ``guardrails``, played (stages, alarm rollback, DescribeEndpoint) by ``guardrails_run``.
- Any ``ml.<family>.<size>`` instance type is accepted.
- Models and endpoint configs keep every member they were created with (``sagemaker_settings``);
  DescribeEndpoint shows the deployed config's ``ShadowProductionVariants`` (as summaries),
  ``AsyncInferenceConfig``, ``ExplainerConfig`` and ``MetricsConfig``, and each variant's
  ``ManagedInstanceScaling``, ``RoutingConfig`` and serverless settings.

Everything is patched onto moto's classes in-process; the server is threaded, so the state kept here
is guarded by one lock.

This module keeps the endpoint lifecycle (create, update, settle, describe, delete) and the state it
tracks; what a variant runs and shows (images, health, summaries, scalable targets) is in
``sagemaker_variants``, the refusals worded as SageMaker words them in ``sagemaker_requests``, and
UpdateEndpointWeightsAndCapacities in ``sagemaker_weights``.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from canary.emulator import (
    guardrails,
    guardrails_run,
    inference_components,
    instances,
    sagemaker_settings,
    scaling_targets,
)
from canary.emulator.sagemaker_requests import (
    _IN_SERVICE,
    _SETTLED,
    _arn,
    _config,
    _endpoint,
    _invalid,
    _require_in_service,
    _validate_instance_type,
)
from canary.emulator.sagemaker_variants import (
    _deregister_scalable_targets,
    _health_failure,
    _scalable_variants,
    _variant_summary,
)
from canary.emulator.sagemaker_weights import update_weights_and_capacities

_lock = threading.RLock()
_installed = False


@dataclass(frozen=True)
class _Deployment:
    """A create or update in flight: what the endpoint becomes when ``due`` (monotonic) passes."""

    kind: str  # "create", "update" or "weights"
    due: float
    finishes_at: datetime
    started_at: datetime
    config_name: str
    variants: list[dict[str, Any]]
    instance_types: dict[str, str]
    failure: str | None
    shadow_variants: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Tracked:
    """This module's knowledge of one moto ``FakeEndpoint``."""

    endpoint: Any
    live: bool = False  # a config has been deployed (False while Creating and after a failed create)
    instance_types: dict[str, str] = field(default_factory=dict)
    pending: _Deployment | None = None
    shadow_variants: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # the deployed config's, DescribeEndpoint shows


_tracked: dict[tuple[str, str, str], _Tracked] = {}


def install() -> None:
    """Patch moto's sagemaker backend and responses (called once per process)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _lock:
        if _installed:
            return
        # Imported now, not on the first UpdateEndpoint: the import alone takes ~0.5 s.
        import moto.applicationautoscaling.models  # noqa: F401
        from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend
        from moto.sagemaker.responses import SageMakerResponse

        sagemaker_settings.install()
        FakeEndpointConfig.validate_instance_type = _validate_instance_type
        backend = SageMakerModelBackend
        for name, replacement in (
            ("create_model", _create_model),
            ("describe_model", _describe_model),
            ("delete_model", _delete_model),
            ("create_endpoint_config", _create_endpoint_config),
            ("describe_endpoint_config", _describe_endpoint_config),
            ("delete_endpoint_config", _delete_endpoint_config),
            ("create_endpoint", _create_endpoint),
            ("describe_endpoint", _describe_endpoint),
            ("delete_endpoint", _delete_endpoint),
            ("update_endpoint", _update_endpoint),
            ("update_endpoint_weights_and_capacities", update_weights_and_capacities),
            ("list_endpoints", _list_endpoints),
        ):
            _originals[name] = getattr(backend, name, None)
            setattr(backend, name, replacement)
        SageMakerResponse.update_endpoint = _update_endpoint_response
        scaling_targets.install()
        _installed = True


def reset() -> None:
    """Forget this module's own state (after moto's reset)."""
    with _lock:
        _tracked.clear()


_originals: dict[str, Any] = {}


# --- helpers -------------------------------------------------------------------------------------


def _timings() -> Any:
    from canary.emulator import patches

    return patches.timings()


def _now() -> datetime:
    from moto.core.utils import utcnow

    return utcnow()  # type: ignore[no-any-return]


def _key(backend: Any, name: str) -> tuple[str, str, str]:
    return (backend.account_id, backend.region_name, name)


def settle_endpoint(backend: Any, endpoint: Any) -> None:
    """Finish the endpoint's create/update if its time has come (as every read of it does)."""
    with _lock:
        _settle(backend, endpoint)


def _track(backend: Any, endpoint: Any) -> _Tracked:
    key = _key(backend, endpoint.endpoint_name)
    tracked = _tracked.get(key)
    if tracked is None or tracked.endpoint is not endpoint:
        # An endpoint this module did not create (none in practice): take it as it stands.
        tracked = _Tracked(endpoint=endpoint, live=True)
        _tracked[key] = tracked
    return tracked


def _settle(backend: Any, endpoint: Any) -> _Tracked:
    """Finish the endpoint's create/update if its time has come."""
    tracked = _track(backend, endpoint)
    guardrails_run.advance(tracked)  # a guarded deployment decides when it ends, and how
    pending = tracked.pending
    if pending is None or time.monotonic() < pending.due:
        return tracked
    tracked.pending = None
    endpoint.last_modified_time = pending.finishes_at
    if pending.failure is not None:
        endpoint.failure_reason = pending.failure
        endpoint.endpoint_status = _IN_SERVICE if tracked.live else "Failed"
        return tracked
    endpoint.endpoint_config_name = pending.config_name
    config = backend.endpoint_configs.get(pending.config_name)
    if config is not None:  # DescribeEndpoint's DataCaptureConfig and settings follow the deployed config
        endpoint.data_capture_config = config.data_capture_config
        tracked.settings = sagemaker_settings.endpoint_settings(config)
    endpoint.production_variants = copy.deepcopy(pending.variants)
    tracked.shadow_variants = copy.deepcopy(pending.shadow_variants)
    endpoint.failure_reason = None
    endpoint.endpoint_status = _IN_SERVICE
    tracked.instance_types = dict(pending.instance_types)
    tracked.live = True
    return tracked


def _begin(tracked: _Tracked, kind: str, seconds: float, **changes: Any) -> None:
    now = _now()
    tracked.pending = _Deployment(
        kind=kind,
        due=time.monotonic() + seconds,
        finishes_at=now + timedelta(seconds=seconds),
        started_at=now,
        **changes,
    )
    tracked.endpoint.endpoint_status = "Creating" if kind == "create" else "Updating"
    tracked.endpoint.last_modified_time = now
    instances.begin(tracked)


def _pending_variant(variant: dict[str, Any], pending: _Deployment) -> dict[str, Any]:
    """A ``PendingProductionVariantSummary``: desired values only, instances still being created."""
    summary = {k: copy.deepcopy(v) for k, v in variant.items() if not k.startswith("Current")}
    instance_type = pending.instance_types.get(variant["VariantName"])
    if instance_type is not None:
        summary["InstanceType"] = instance_type
    summary["VariantStatus"] = [{"Status": "Creating", "StartTime": pending.started_at}]
    return summary


def _describe(tracked: _Tracked) -> dict[str, Any]:
    """The DescribeEndpoint response for a settled-as-of-now endpoint."""
    endpoint = tracked.endpoint
    out: dict[str, Any] = {
        "EndpointName": endpoint.endpoint_name,
        "EndpointArn": endpoint.arn,
        "EndpointConfigName": endpoint.endpoint_config_name,
        "EndpointStatus": endpoint.endpoint_status,
        "CreationTime": endpoint.creation_time,
        "LastModifiedTime": endpoint.last_modified_time,
    }
    if tracked.live:
        out["ProductionVariants"] = copy.deepcopy(endpoint.production_variants)
        if tracked.shadow_variants:
            out["ShadowProductionVariants"] = copy.deepcopy(tracked.shadow_variants)
        out.update(copy.deepcopy(tracked.settings))
    if endpoint.failure_reason:
        out["FailureReason"] = endpoint.failure_reason
    capture = endpoint.data_capture_config or {}
    if capture.get("DestinationS3Uri"):
        out["DataCaptureConfig"] = {
            "EnableCapture": bool(capture.get("EnableCapture", True)),
            "CaptureStatus": "Started" if capture.get("EnableCapture", True) else "Stopped",
            "CurrentSamplingPercentage": int(capture.get("InitialSamplingPercentage", 100)),
            "DestinationS3Uri": capture["DestinationS3Uri"],
        }
        if capture.get("KmsKeyId"):
            out["DataCaptureConfig"]["KmsKeyId"] = capture["KmsKeyId"]
    pending = tracked.pending
    if pending is not None and pending.kind != "weights":
        out["PendingDeploymentSummary"] = {
            "EndpointConfigName": pending.config_name,
            "StartTime": pending.started_at,
            "ProductionVariants": [_pending_variant(variant, pending) for variant in pending.variants],
        }
        if pending.shadow_variants:
            out["PendingDeploymentSummary"]["ShadowProductionVariants"] = [
                _pending_variant(variant, pending) for variant in pending.shadow_variants
            ]
    guardrails_run.describe(tracked, out)
    return out


# --- patched backend methods ---------------------------------------------------------------------


def _create_model(self: Any, model_name: str, **kwargs: Any) -> Any:
    with _lock:
        if model_name in self._models:
            raise _invalid(f'Cannot create already existing model "{_arn(self, "model", model_name)}".')
        return _originals["create_model"](self, model_name=model_name, **kwargs)


def _describe_model(self: Any, model_name: str) -> Any:
    with _lock:
        model = self._models.get(model_name)
        if model is None:
            raise _invalid(f'Could not find model "{_arn(self, "model", model_name)}".')
        return model


def _delete_model(self: Any, model_name: str) -> None:
    with _lock:
        if self._models.pop(model_name, None) is None:
            raise _invalid(f'Could not find model "{_arn(self, "model", model_name)}".')


def _create_endpoint_config(self: Any, endpoint_config_name: str, **kwargs: Any) -> Any:
    with _lock:
        if endpoint_config_name in self.endpoint_configs:
            arn = _arn(self, "endpoint-config", endpoint_config_name)
            raise _invalid(f'Cannot create already existing endpoint configuration "{arn}".')
        for variant in kwargs.get("production_variants") or []:
            if inference_components.hosts_components(variant):  # no model: it hosts inference components
                continue
            if variant.get("ModelName") not in self._models:
                raise _invalid(f'Could not find model "{_arn(self, "model", variant.get("ModelName"))}".')
        return _originals["create_endpoint_config"](self, endpoint_config_name=endpoint_config_name, **kwargs)


def _describe_endpoint_config(self: Any, endpoint_config_name: str) -> dict[str, Any]:
    with _lock:
        return sagemaker_settings.describe_endpoint_config(_config(self, endpoint_config_name))


def _delete_endpoint_config(self: Any, endpoint_config_name: str) -> None:
    with _lock:
        _config(self, endpoint_config_name)
        del self.endpoint_configs[endpoint_config_name]


def _create_endpoint(
    self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]] | None = None
) -> Any:
    with _lock:
        sagemaker_settings.check_tags(tags)
        if endpoint_name in self.endpoints:
            arn = _arn(self, "endpoint", endpoint_name)
            raise _invalid(f'Cannot create already existing endpoint "{arn}".')
        config = _config(self, endpoint_config_name)
        from moto.sagemaker.models import FakeEndpoint

        endpoint = FakeEndpoint(
            account_id=self.account_id,
            region_name=self.region_name,
            endpoint_name=endpoint_name,
            endpoint_config_name=endpoint_config_name,
            production_variants=[],
            data_capture_config=config.data_capture_config,
            tags=tags,
        )
        self.endpoints[endpoint_name] = endpoint
        tracked = _Tracked(endpoint=endpoint)
        _tracked[_key(self, endpoint_name)] = tracked
        now = _now()
        specs = config.production_variants
        shadows = sagemaker_settings.shadow_variants(config)
        _begin(
            tracked,
            "create",
            float(_timings().create_seconds),
            config_name=endpoint_config_name,
            variants=[_variant_summary(self, spec, now) for spec in specs],
            shadow_variants=[_variant_summary(self, spec, now) for spec in shadows],
            instance_types={
                s["VariantName"]: s["InstanceType"] for s in [*specs, *shadows] if s.get("InstanceType")
            },
            failure=_health_failure(self, [*specs, *shadows]),
        )
        return endpoint


def _describe_endpoint(self: Any, endpoint_name: str) -> dict[str, Any]:
    with _lock:
        return _describe(_settle(self, _endpoint(self, endpoint_name)))


def _delete_endpoint(self: Any, endpoint_name: str) -> None:
    with _lock:
        endpoint = _endpoint(self, endpoint_name)
        _settle(self, endpoint)
        if endpoint.endpoint_status not in _SETTLED:
            raise _invalid(f'Cannot update in-progress endpoint "{endpoint.arn}".')
        del self.endpoints[endpoint_name]
        _tracked.pop(_key(self, endpoint_name), None)
        instances.deleted(self.account_id, self.region_name, endpoint_name)
        # "Delete endpoints configured for auto scaling": the variants' scalable targets go too.
        _deregister_scalable_targets(self, endpoint_name)


def _update_endpoint(
    self: Any,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: list[dict[str, str]] | None = None,
    *,
    deployment_config: dict[str, Any] | None = None,
    retain_deployment_config: bool = False,
) -> str:
    with _lock:
        endpoint = _endpoint(self, endpoint_name)
        config = _config(self, endpoint_config_name)
        tracked = _settle(self, endpoint)
        _require_in_service(self, endpoint)
        specs: list[dict[str, Any]] = config.production_variants
        new_types = {s["VariantName"]: s.get("InstanceType") for s in specs}
        blocked = [
            variant
            for variant in _scalable_variants(self, endpoint_name)
            if variant not in new_types or new_types[variant] != tracked.instance_types.get(variant)
        ]
        if blocked:
            raise _invalid(
                f'The variant(s) "[{", ".join(blocked)}]" must be deregistered as scalable targets with '
                "Application Auto Scaling before they can be removed or have their instance type "
                f'updated on endpoint "{endpoint.arn}". See "Update endpoints that use auto scaling" '
                "in the Amazon SageMaker AI developer guide."
            )
        now = _now()
        variants = [_variant_summary(self, spec, now) for spec in specs]
        if retain_all_variant_properties:
            excluded = {p.get("VariantPropertyType") for p in exclude_retained_variant_properties or []}
            current = {v["VariantName"]: v for v in endpoint.production_variants}
            for variant in variants:
                old = current.get(variant["VariantName"])
                if old is None:
                    continue
                for prop, fields in (
                    ("DesiredWeight", ("CurrentWeight", "DesiredWeight")),
                    ("DesiredInstanceCount", ("CurrentInstanceCount", "DesiredInstanceCount")),
                ):
                    if prop not in excluded:
                        variant.update({f: old[f] for f in fields if f in old})
        shadows = sagemaker_settings.shadow_variants(config)
        guarded = guardrails.prepare(
            self,
            endpoint,
            tracked.instance_types,
            specs,
            variants,
            deployment_config=deployment_config,
            retain_deployment_config=retain_deployment_config,
        )
        _begin(
            tracked,
            "update",
            float(_timings().update_seconds),
            config_name=endpoint_config_name,
            variants=variants,
            shadow_variants=[_variant_summary(self, spec, now) for spec in shadows],
            instance_types={
                s["VariantName"]: s["InstanceType"] for s in [*specs, *shadows] if s.get("InstanceType")
            },
            failure=_health_failure(self, [*specs, *shadows]),
        )
        if guarded is not None:
            guardrails_run.start(self, tracked, *guarded)
        return endpoint.arn  # type: ignore[no-any-return]


def _list_endpoints(self: Any, *args: Any, **kwargs: Any) -> Any:
    with _lock:
        for endpoint in list(self.endpoints.values()):
            _settle(self, endpoint)
        return _originals["list_endpoints"](self, *args, **kwargs)


def _update_endpoint_response(self: Any) -> Any:
    from moto.core.responses import ActionResult

    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(self._get_param("RetainAllVariantProperties", False)),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties") or [],
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=bool(self._get_param("RetainDeploymentConfig", False)),
    )
    return ActionResult({"EndpointArn": arn})
