"""The checks of an inference component request against the endpoint, its models and its room.

Used by ``inference_components``: which variant hosts an IC (an instance-based variant whose config
names no model), the copies already placed on it, the image an IC's copies run (and whether it fails
its health check: ``…:broken``, as for endpoints), and what a ``Specification`` must hold
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentSpecification.html).
"""

from __future__ import annotations

from typing import Any

from canary.emulator import ic_capacity, ic_rollout


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def _ics() -> Any:
    """``inference_components`` (which imports this module)."""
    from canary.emulator import inference_components

    return inference_components


def variant(backend: Any, endpoint: Any, name: str | None) -> tuple[str, str | None, int]:
    """The variant hosting an IC: its name, instance type and the instances its copies may use (its
    ``MaxInstanceCount`` under managed instance scaling); refused when unfit."""
    from canary.emulator import sagemaker

    tracked = sagemaker._settle(backend, endpoint)
    variants = list(endpoint.production_variants or [])
    if name is None and len(variants) == 1:
        name = variants[0]["VariantName"]
    found = next((v for v in variants if v["VariantName"] == name), None)
    if found is None:
        raise _invalid(f'Could not find variant "{name}" in endpoint "{endpoint.arn}".')
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    spec: dict[str, Any] = next(
        (v for v in getattr(config, "production_variants", None) or [] if v.get("VariantName") == name), {}
    )
    if not _ics().hosts_components(spec):
        raise _invalid(
            f'Variant "{name}" of endpoint "{endpoint.arn}" is not set up for inference components: '
            "its endpoint configuration names a model. Use an endpoint configuration whose variant has "
            "an instance type and no ModelName."
        )
    count = int(found.get("CurrentInstanceCount") or 0)
    scaling = spec.get("ManagedInstanceScaling") or {}
    if scaling.get("Status") == "ENABLED" and scaling.get("MaxInstanceCount"):
        # "The maximum number of instances that the endpoint can provision when it scales up"
        # (API_ProductionVariantManagedInstanceScaling): copies get room up to MaxInstanceCount
        # instances. The instances launched for them are not shown in DescribeEndpoint.
        count = max(count, int(scaling["MaxInstanceCount"]))
    return str(name), tracked.instance_types.get(str(name)), count


def running_copies(
    backend: Any, endpoint: str, variant: str, *, skip: str | None = None
) -> list[tuple[ic_capacity.Size, int]]:
    """Copies placed on a variant by its ICs now (rollouts counted old and new), but ``skip``'s."""
    out: list[tuple[ic_capacity.Size, int]] = []
    for component in _ics().store(backend).values():
        if component.name == skip or (component.endpoint_name, component.variant_name) != (endpoint, variant):
            continue
        if component.spec.get("BaseInferenceComponentName"):
            continue  # an adapter runs in its base's copies
        rollout = component.rollout
        if component.status == "Updating" and rollout is not None and not rollout.done:
            step = ic_rollout.current(rollout)
            out.append((ic_capacity.need(rollout.old_spec), step.old))
            out.append((ic_capacity.need(rollout.new_spec), step.new))
        elif component.status in ("InService", "Updating", "Creating"):
            placed = component.copies if component.status == "Creating" else component.current
            out.append((ic_capacity.need(component.spec), placed))
    return out


def image(backend: Any, spec: dict[str, Any]) -> str | None:
    """The image an IC's copies run: its Container's, else its model's, else its base IC's."""
    from canary.emulator import sagemaker_variants

    container = spec.get("Container") or {}
    if container.get("Image"):
        return str(container["Image"])
    if spec.get("ModelName"):
        return sagemaker_variants.model_image(backend, spec["ModelName"])
    base = _ics().store(backend).get(str(spec.get("BaseInferenceComponentName") or ""))
    return image(backend, base.spec) if base is not None else None


def health_failure(backend: Any, name: str, spec: dict[str, Any]) -> str | None:
    from canary.emulator import sagemaker_variants

    found = image(backend, spec)
    if found is not None and sagemaker_variants.image_tag(found) == sagemaker_variants.BROKEN_TAG:
        return (
            f"The container for inference component {name} did not pass the ping health check. "
            "Please check CloudWatch logs for this inference component."
        )
    return None


def check_spec(backend: Any, endpoint_name: str, spec: dict[str, Any]) -> None:
    """A Specification as SageMaker takes it: a model or a container, compute requirements (except
    for an adapter, which names its base IC on the same endpoint)."""
    base = spec.get("BaseInferenceComponentName")
    if base:
        found = _ics().store(backend).get(str(base))
        if found is None or found.endpoint_name != endpoint_name:
            raise _invalid(
                f'Could not find base inference component "{_ics()._arn(backend, str(base))}" on endpoint '
                f'"{endpoint_name}".'
            )
        if spec.get("ComputeResourceRequirements"):
            raise _invalid(
                "ComputeResourceRequirements cannot be set for an adapter inference component: it runs "
                f"in the copies of its base inference component {base}."
            )
        return
    if bool(spec.get("ModelName")) == bool((spec.get("Container") or {}).get("Image")):
        raise _invalid("Specify exactly one of Specification.ModelName or Specification.Container.")
    if spec.get("ModelName") and spec["ModelName"] not in backend._models:
        from moto.sagemaker.utils import arn_formatter

        arn = arn_formatter("model", spec["ModelName"], backend.account_id, backend.region_name)
        raise _invalid(f'Could not find model "{arn}".')
    if not spec.get("ComputeResourceRequirements"):
        raise _invalid(
            "Specification.ComputeResourceRequirements is required for an inference component that "
            "is not an adapter (it has no BaseInferenceComponentName)."
        )


def settled_endpoint(backend: Any, endpoint_name: str) -> Any:
    from canary.emulator import sagemaker

    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        from moto.sagemaker.utils import arn_formatter

        arn = arn_formatter("endpoint", endpoint_name, backend.account_id, backend.region_name)
        raise _invalid(f'Could not find endpoint "{arn}".')
    sagemaker._settle(backend, endpoint)
    if endpoint.endpoint_status != "InService":
        raise _invalid(
            f'Cannot create or update an inference component on endpoint "{endpoint.arn}" in status '
            f"{endpoint.endpoint_status}; wait until it is InService."
        )
    return endpoint
