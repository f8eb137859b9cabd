"""The inference component API on moto: operations, Describe/List shapes, tags, endpoint configs for
ICs, and Application Auto Scaling of ``sagemaker:inference-component:DesiredCopyCount``.

- Create/Describe/List/Update/UpdateRuntimeConfig/DeleteInferenceComponent are added to moto's
  SageMaker responses (JSON protocol: ``X-Amz-Target: SageMaker.CreateInferenceComponent`` is
  dispatched to ``create_inference_component``), backed by ``inference_components``.
- DescribeInferenceComponent
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html)
  shows ``Specification`` as a ``InferenceComponentSpecificationSummary`` (a container's image as
  ``DeployedImage``), ``RuntimeConfig`` with ``DesiredCopyCount``/``CurrentCopyCount`` and the
  ``LastDeploymentConfig``. While a rolling update runs it shows the new spec, the copy count it goes
  to as desired, and the copies answering now (old and new) as current: AWS documents no progress
  fields for an IC update, so this is a guess (docs/emulator.md).
- AddTags/ListTags/DeleteTags take an IC's ARN.
- CreateEndpointConfig: a variant with an instance type and no ``ModelName`` hosts ICs; such a config
  needs ``ExecutionRoleArn`` (measured on AWS: stdapi-ai/stdapi.ai#43). AWS also refuses
  ``ManagedInstanceScaling`` on a variant with a model ("ManagedInstanceScaling is only supported for
  inference component endpoints", hashicorp/terraform-provider-aws#45926); the emulator does not yet,
  as the project's tests and state machine carry it on model variants.
- DeleteEndpoint refuses an endpoint that still hosts ICs (users report the console's "There are some
  underlying Models that are part of this endpoint ... Once all Models are deleted, you can delete
  this endpoint": aws/amazon-sagemaker-feedback#143, #49; the API's wording is the emulator's).
- RegisterScalableTarget accepts ``sagemaker:inference-component:DesiredCopyCount`` with ResourceId
  ``inference-component/NAME`` for an existing IC
  (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html);
  moto 5.2.5 only knows the variant dimension.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from enum import Enum
from typing import Any

from canary.emulator import inference_components as ics
from canary.emulator import sagemaker_variants

_installed = False


def _describe(component: ics.Component) -> dict[str, Any]:
    spec = copy.deepcopy(component.spec)
    desired, current = component.copies, component.current
    rollout = component.rollout
    if component.status == "Updating" and rollout is not None and not rollout.done:
        from canary.emulator import ic_rollout

        step = ic_rollout.current(rollout)
        spec, current = copy.deepcopy(rollout.new_spec), step.old + step.serving_new
    container = spec.pop("Container", None)
    if container is not None:
        summary = {k: v for k, v in container.items() if k != "Image"}
        if container.get("Image"):
            deployed = sagemaker_variants._deployed_images(container["Image"], component.created)
            summary["DeployedImage"] = deployed[0]
        spec["Container"] = summary
    out: dict[str, Any] = {
        "InferenceComponentName": component.name,
        "InferenceComponentArn": component.arn,
        "EndpointName": component.endpoint_name,
        "EndpointArn": component.endpoint_arn,
        "VariantName": component.variant_name,
        "Specification": spec,
        "CreationTime": component.created,
        "LastModifiedTime": component.modified,
        "InferenceComponentStatus": component.status,
    }
    if not component.spec.get("BaseInferenceComponentName"):
        out["RuntimeConfig"] = {"DesiredCopyCount": desired, "CurrentCopyCount": current}
    if component.failure:
        out["FailureReason"] = component.failure
    if component.last_config:
        out["LastDeploymentConfig"] = copy.deepcopy(component.last_config)
    return out


def _summary(component: ics.Component) -> dict[str, Any]:
    return {
        "CreationTime": component.created,
        "InferenceComponentArn": component.arn,
        "InferenceComponentName": component.name,
        "EndpointArn": component.endpoint_arn,
        "EndpointName": component.endpoint_name,
        "VariantName": component.variant_name,
        "InferenceComponentStatus": component.status,
        "LastModifiedTime": component.modified,
    }


def _backend(response: Any) -> Any:
    return response.sagemaker_backend


def create_inference_component(self: Any) -> Any:
    from moto.core.responses import ActionResult

    component = ics.create(
        _backend(self),
        self._get_param("InferenceComponentName"),
        endpoint_name=self._get_param("EndpointName"),
        variant_name=self._get_param("VariantName"),
        spec=self._get_param("Specification") or {},
        runtime=self._get_param("RuntimeConfig"),
        tags=self._get_param("Tags"),
    )
    return ActionResult({"InferenceComponentArn": component.arn})


def describe_inference_component(self: Any) -> Any:
    from moto.core.responses import ActionResult

    with ics._lock:
        return ActionResult(_describe(ics.get(_backend(self), self._get_param("InferenceComponentName"))))


def update_inference_component(self: Any) -> Any:
    from moto.core.responses import ActionResult

    component = ics.update(
        _backend(self),
        self._get_param("InferenceComponentName"),
        self._get_param("Specification"),
        self._get_param("RuntimeConfig"),
        self._get_param("DeploymentConfig"),
    )
    return ActionResult({"InferenceComponentArn": component.arn})


def update_inference_component_runtime_config(self: Any) -> Any:
    from moto.core.responses import ActionResult

    component = ics.update_runtime(
        _backend(self),
        self._get_param("InferenceComponentName"),
        self._get_param("DesiredRuntimeConfig") or {},
    )
    return ActionResult({"InferenceComponentArn": component.arn})


def delete_inference_component(self: Any) -> Any:
    from moto.core.responses import EmptyResult

    ics.delete(_backend(self), self._get_param("InferenceComponentName"))
    return EmptyResult()


def list_inference_components(self: Any) -> Any:
    """ListInferenceComponents with its filters, sort and paging
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListInferenceComponents.html)."""
    from moto.core.responses import ActionResult

    backend = _backend(self)
    with ics._lock:
        for component in list(ics.store(backend).values()):
            ics.settle(component)
        found = list(ics.store(backend).values())
    filters: dict[str, Callable[[ics.Component, Any], bool]] = {
        "EndpointNameEquals": lambda c, v: c.endpoint_name == v,
        "VariantNameEquals": lambda c, v: c.variant_name == v,
        "StatusEquals": lambda c, v: c.status == v,
        "NameContains": lambda c, v: v in c.name,
        "CreationTimeBefore": lambda c, v: c.created < _naive(v),
        "CreationTimeAfter": lambda c, v: c.created > _naive(v),
        "LastModifiedTimeBefore": lambda c, v: c.modified < _naive(v),
        "LastModifiedTimeAfter": lambda c, v: c.modified > _naive(v),
    }
    for param, keep in filters.items():
        value = self._get_param(param)
        if value is not None:
            found = [c for c in found if keep(c, value)]
    sort_by = self._get_param("SortBy") or "CreationTime"

    def key(c: ics.Component) -> Any:
        return c.name if sort_by == "Name" else c.status if sort_by == "Status" else c.created

    found.sort(key=key, reverse=(self._get_param("SortOrder") or "Descending") == "Descending")
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxResults") or 10)
    page = found[start : start + size]
    out: dict[str, Any] = {"InferenceComponents": [_summary(c) for c in page]}
    if start + size < len(found):
        out["NextToken"] = str(start + size)
    return ActionResult(out)


def _naive(value: Any) -> Any:
    from datetime import UTC, datetime

    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    return value


OPERATIONS = (
    create_inference_component,
    describe_inference_component,
    update_inference_component,
    update_inference_component_runtime_config,
    delete_inference_component,
    list_inference_components,
)


def check_endpoint_config(params: dict[str, Any]) -> None:
    """CreateEndpointConfig's rules for inference component endpoints."""
    variants = params.get("ProductionVariants") or []
    for variant in variants:
        if not variant.get("ModelName") and not variant.get("InstanceType"):
            raise ics._invalid(
                f"Variant {variant.get('VariantName')} has no ModelName: a variant that hosts inference "
                "components needs an InstanceType (serverless variants cannot host them)."
            )
    if any(ics.hosts_components(v) for v in variants) and not params.get("ExecutionRoleArn"):
        raise ics._invalid(
            "ExecutionRoleArn is required for an endpoint configuration whose variants host inference "
            "components (a variant without ModelName)."
        )


def install() -> None:
    """Patch moto's SageMaker responses and backend, and Application Auto Scaling (once per process)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    if _installed:
        return
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    for operation in OPERATIONS:
        setattr(SageMakerResponse, operation.__name__, operation)
    create_config = SageMakerResponse.create_endpoint_config

    def create_endpoint_config(self: Any) -> Any:
        check_endpoint_config(
            {
                "ProductionVariants": self._get_param("ProductionVariants"),
                "ExecutionRoleArn": self._get_param("ExecutionRoleArn"),
            }
        )
        return create_config(self)

    SageMakerResponse.create_endpoint_config = create_endpoint_config
    validate = SageMakerModelBackend.validate_production_variants

    def validate_production_variants(self: Any, production_variants: list[dict[str, Any]]) -> None:
        validate(self, [v for v in production_variants if not ics.hosts_components(v)])

    SageMakerModelBackend.validate_production_variants = validate_production_variants
    resource_from_arn = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(self: Any, arn: str) -> Any:
        kind, _, name = arn.rsplit(":", maxsplit=1)[-1].partition("/")
        if kind == "inference-component":
            with ics._lock:
                return ics.get(self, name)
        return resource_from_arn(self, arn)

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
    delete_endpoint = SageMakerModelBackend.delete_endpoint

    def delete_endpoint_without_components(self: Any, endpoint_name: str) -> None:
        with ics._lock:
            for component in list(ics.store(self).values()):
                ics.settle(component)
            hosted = sorted(c.name for c in ics.store(self).values() if c.endpoint_name == endpoint_name)
            if hosted:
                raise ics._invalid(
                    f'Cannot delete endpoint "{endpoint_name}": it hosts inference component(s) '
                    f"{', '.join(hosted)}. Delete them first."
                )
            delete_endpoint(self, endpoint_name)

    SageMakerModelBackend.delete_endpoint = delete_endpoint_without_components
    _install_autoscaling()
    _installed = True


def _install_autoscaling() -> None:
    from moto.applicationautoscaling import models, responses

    dimensions = {member.name: member.value for member in models.ScalableDimensionValueSet}
    dimensions["SAGEMAKER_INFERENCE_COMPONENT_DESIRED_COPY_COUNT"] = ics.DIMENSION
    extended = Enum("ScalableDimensionValueSet", dimensions)  # type: ignore[misc]
    models.ScalableDimensionValueSet = extended
    responses.ScalableDimensionValueSet = extended
    backend = models.ApplicationAutoscalingBackend
    register = backend.register_scalable_target

    def register_scalable_target(
        self: Any, namespace: str, r_id: str, dimension: str, *a: Any, **k: Any
    ) -> Any:
        if dimension == ics.DIMENSION:
            from moto.sagemaker.models import sagemaker_backends

            name = r_id.partition("/")[2]
            with ics._lock:
                found = ics.store(sagemaker_backends[self.account_id][self.region_name]).get(name)
            if not r_id.startswith("inference-component/") or found is None:
                from moto.applicationautoscaling.exceptions import AWSValidationException

                raise AWSValidationException(
                    f"Inference component {name or r_id} does not exist: register ResourceId "
                    "inference-component/NAME of an existing inference component."
                )
        return register(self, namespace, r_id, dimension, *a, **k)

    backend.register_scalable_target = register_scalable_target
