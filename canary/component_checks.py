"""Whether this inference component (IC) can take this deploy: checked before any change (exit 2).

An IC lives on an existing endpoint whose variant has instances and no model
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html). A
missing IC is created only where ``create-endpoint`` allows creating; an adapter IC
(``BaseInferenceComponentName``) is refused by name; an existing IC keeps its copy count, so
``ic-copies`` is refused for it; its rolling batches must be 5-50 % of its copies
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html).
The state machine checks the same again when it reads the IC (CheckComponent), for hand-started runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from canary.errors import ConfigurationError
from canary.strategy_input import CapacitySize

if TYPE_CHECKING:
    from canary.endpoint import EndpointState
    from canary.settings import Settings


def describe_component(sagemaker: Any, name: str) -> dict[str, Any] | None:
    """DescribeInferenceComponent, or None when there is no IC of this name."""
    try:
        return dict(sagemaker.describe_inference_component(InferenceComponentName=name))
    except ClientError as error:
        if "Could not find inference component" in str(error):
            return None
        raise


def check_component(sagemaker: Any, state: EndpointState, settings: Settings) -> dict[str, Any] | None:
    """Raise :class:`ConfigurationError` naming the input when this IC cannot take this deploy; return
    its description (None: it will be created)."""
    name, endpoint = settings.inference_component_name or "", state.name
    if not state.exists:
        raise ConfigurationError(
            f"endpoint-name: endpoint {endpoint} does not exist; an inference component is deployed to an "
            "existing endpoint whose variant hosts inference components: create that endpoint first"
        )
    if state.status != "InService":
        raise ConfigurationError(
            f"endpoint-name: endpoint {endpoint} is {state.status}: wait until it is InService, then re-run"
        )
    if any(variant.model is not None for variant in state.variants):
        raise ConfigurationError(
            f"inference-component-name: endpoint {endpoint}'s variant serves a model, not inference "
            "components: leave inference-component-name empty to deploy to the variant"
        )
    component = describe_component(sagemaker, name)
    if component is None:
        if settings.create_endpoint == "never":
            raise ConfigurationError(
                f"inference-component-name: there is no inference component {name}, and create-endpoint: "
                "never forbids creating it: create it first, or allow creating"
            )
        return None
    spec = component.get("Specification") or {}
    problem = _problem(component, spec, settings)
    if problem:
        raise ConfigurationError(problem)
    return component


def _problem(component: dict[str, Any], spec: dict[str, Any], settings: Settings) -> str | None:
    name, endpoint = component["InferenceComponentName"], settings.endpoint_name
    if component.get("EndpointName") != endpoint:
        return (
            f"inference-component-name: {name} is on endpoint {component.get('EndpointName')}, not "
            f"{endpoint}: give that endpoint-name, or another component name"
        )
    if spec.get("BaseInferenceComponentName"):
        return (
            f"inference-component-name: {name} is an adapter of {spec['BaseInferenceComponentName']} "
            "(BaseInferenceComponentName); adapters are not deployed here: deploy to the base component"
        )
    if component.get("InferenceComponentStatus") != "InService":
        return (
            f"inference-component-name: {name} is {component.get('InferenceComponentStatus')}: wait until it "
            "is InService, then re-run"
        )
    if settings.ic_copies is not None:
        return (
            f"ic-copies: {name} exists; its copy count (what its scaling set) is kept: leave ic-copies empty "
            "(it sizes a new inference component)"
        )
    copies = int((component.get("RuntimeConfig") or {}).get("DesiredCopyCount") or 0)
    for what, size in (
        ("rolling-batch-size", settings.rolling_batch_size),
        ("rolling-rollback-batch-size", settings.rolling_rollback_batch_size),
    ):
        if size is not None and copies >= 2:
            problem = _batch_problem(size, copies, what)
            if problem:
                return problem
    return None


def _batch_problem(size: CapacitySize, copies: int, what: str) -> str | None:
    batch = size.instances(copies)
    if batch * 2 <= copies and (size.Type != "INSTANCE_COUNT" or batch * 100 >= 5 * copies):
        return None
    written = f"{size.Value}%" if size.Type == "CAPACITY_PERCENT" else str(size.Value)
    return (
        f"{what}: {written} is {batch} of the inference component's {copies} copies, but SageMaker's "
        f"rolling batches are 5-50% of the copy count: choose at most {copies // 2} copies (50%)"
    )


def component_note(component: dict[str, Any] | None, settings: Settings) -> str:
    """What the deploy will do to the IC, for the log (said before it starts)."""
    name = settings.inference_component_name
    if component is None:
        return (
            f"inference component {name} does not exist: it is created on endpoint {settings.endpoint_name} "
            f"({settings.ic_copies or 1} copies)"
        )
    copies = int((component.get("RuntimeConfig") or {}).get("DesiredCopyCount") or 0)
    if copies < 2:
        return (
            f"warning: inference component {name} has {copies} copies: SageMaker's rolling batches (5-50% of "
            "the copies) leave no room, so it is updated all at once (no DeploymentConfig, no alarm "
            "rollback; a new model failing its health check is still rolled back)"
        )
    return f"inference component {name}: rolling update of its {copies} copies by SageMaker"
