"""What a SageMaker production variant runs and shows, for the emulator's endpoints.

Moved out of ``canary/emulator/sagemaker.py`` (which builds every deployment from these):

- a model's image and its tag; an image tagged ``broken`` fails the ping health check, and the
  failure reason is worded as SageMaker words it;
- a ``ProductionVariantSummary`` for a config's variant as first deployed (``DeployedImages`` with a
  resolved digest, weights, instance counts, serverless, managed scaling, routing and capacity
  reservation settings);
- the variants registered as Application Auto Scaling scalable targets, which ``UpdateEndpoint``
  may not remove or retype and ``DeleteEndpoint`` deregisters.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime
from typing import Any

from canary.emulator import scaling_targets

BROKEN_TAG = "broken"
"""Image tag that makes a production variant fail its ping health check."""

VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
"""The Application Auto Scaling dimension of a SageMaker production variant's instance count."""


def _image_of(backend: Any, model_name: str) -> str | None:
    model = backend._models.get(model_name)
    if model is None:
        return None
    image = (model.primary_container or {}).get("Image")
    if image is None and model.containers:
        image = model.containers[0].get("Image")
    return image if isinstance(image, str) else None


def model_image(backend: Any, model_name: str) -> str | None:
    """The image of a model's (primary) container, or None when there is no such model."""
    return _image_of(backend, model_name)


def image_tag(image: str) -> str | None:
    """The tag of an image URI (``repo:tag``), or None for an untagged or digest-pinned image."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last or ":" not in last:
        return None
    return last.split(":", 1)[1]


def _deployed_images(image: str | None, when: datetime) -> list[dict[str, Any]]:
    if image is None:
        return []
    if "@sha256:" in image:
        resolved = image
    else:
        digest = hashlib.sha256(image.encode()).hexdigest()
        resolved = f"{image.rsplit(':', 1)[0] if image_tag(image) else image}@sha256:{digest}"
    return [{"SpecifiedImage": image, "ResolvedImage": resolved, "ResolutionTime": when}]


def _variant_summary(backend: Any, spec: dict[str, Any], when: datetime) -> dict[str, Any]:
    """A ``ProductionVariantSummary`` for a config's ``ProductionVariant`` as first deployed."""
    summary: dict[str, Any] = {"VariantName": spec["VariantName"]}
    images = _deployed_images(_image_of(backend, spec.get("ModelName", "")), when)
    if images:
        summary["DeployedImages"] = images
    weight = float(spec.get("InitialVariantWeight", 1.0))
    summary["CurrentWeight"] = summary["DesiredWeight"] = weight
    if spec.get("InitialInstanceCount") is not None:
        count = int(spec["InitialInstanceCount"])
        summary["CurrentInstanceCount"] = summary["DesiredInstanceCount"] = count
    if spec.get("ServerlessConfig"):
        summary["CurrentServerlessConfig"] = copy.deepcopy(spec["ServerlessConfig"])
        summary["DesiredServerlessConfig"] = copy.deepcopy(spec["ServerlessConfig"])
    for name in ("ManagedInstanceScaling", "RoutingConfig"):
        if spec.get(name):
            summary[name] = copy.deepcopy(spec[name])
    reservation = spec.get("CapacityReservationConfig") or {}
    given = {
        k: reservation[k] for k in ("CapacityReservationPreference", "MlReservationArn") if k in reservation
    }
    if given:  # ProductionVariantCapacityReservationSummary; its instance counts are not simulated
        summary["CapacityReservationConfig"] = given
    return summary


def _health_failure(backend: Any, specs: list[dict[str, Any]]) -> str | None:
    for spec in specs:
        image = _image_of(backend, spec.get("ModelName", ""))
        if image is not None and image_tag(image) == BROKEN_TAG:
            return (
                f"The primary container for production variant {spec['VariantName']} did not pass "
                "the ping health check. Please check CloudWatch logs for this endpoint."
            )
    return None


def _scalable_variants(backend: Any, endpoint_name: str) -> list[str]:
    """Variants of the endpoint registered as Application Auto Scaling scalable targets."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    autoscaling = applicationautoscaling_backends[backend.account_id][backend.region_name]
    prefix = f"endpoint/{endpoint_name}/variant/"
    return [
        resource_id[len(prefix) :]
        for resource_id, target in autoscaling.targets.get(VARIANT_DIMENSION, {}).items()
        if target.service_namespace == "sagemaker" and resource_id.startswith(prefix)
    ]


def _deregister_scalable_targets(backend: Any, endpoint_name: str) -> None:
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    scaling = applicationautoscaling_backends[backend.account_id][backend.region_name]
    prefix = f"endpoint/{endpoint_name}/variant/"
    targets = scaling.targets.get(VARIANT_DIMENSION, {})
    for resource_id in [r for r, t in targets.items() if t.service_namespace == "sagemaker"]:
        if resource_id.startswith(prefix):
            del targets[resource_id]
            scaling_targets.drop_dependents(scaling, "sagemaker", resource_id, VARIANT_DIMENSION)
