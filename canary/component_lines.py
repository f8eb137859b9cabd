"""The job log's lines for an inference component (IC) deploy's calls (docs/inference-components.md).

DescribeInferenceComponent shows the IC's status and its copies: ``RuntimeConfig.DesiredCopyCount``
and ``CurrentCopyCount``, which while ``Updating`` counts the copies answering, old and new
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html). The
API tells no old/new split; the batch in progress is SageMaker's to know.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from canary.summary import Level


def describe_component(_: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    """``inference component llm Updating: 5 copies answering, 4 wanted``."""
    status = str(result.get("InferenceComponentStatus", "?"))
    runtime = result.get("RuntimeConfig") or {}
    copies = ""
    if isinstance(runtime, Mapping) and runtime:
        answering, wanted = runtime.get("CurrentCopyCount", "?"), runtime.get("DesiredCopyCount", "?")
        copies = f": {answering} copies answering, {wanted} wanted"
    reason = result.get("FailureReason")
    level: Level = "info" if status in {"InService", "Creating", "Updating"} and not reason else "warn"
    why = f" ({reason})" if reason and status != "Updating" else ""
    return level, f"inference component {result.get('InferenceComponentName', '?')} {status}{copies}{why}"


def _size(size: Any) -> str:
    if not isinstance(size, Mapping):
        return "?"
    value = size.get("Value", "?")
    return f"{value}%" if size.get("Type") == "CAPACITY_PERCENT" else f"{value} copies"


def update_component(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    """``UpdateInferenceComponent llm: rolling, batches of 1 copies, each baked 300 s, rollback 1 copies``."""
    name = params.get("InferenceComponentName", "?")
    config = params.get("DeploymentConfig")
    policy = config.get("RollingUpdatePolicy") if isinstance(config, Mapping) else None
    if not isinstance(policy, Mapping):
        return "warn", f"UpdateInferenceComponent {name}: all at once (no room for rolling batches)"
    return "info", (
        f"UpdateInferenceComponent {name}: rolling update by SageMaker, batches of "
        f"{_size(policy.get('MaximumBatchSize'))}, each baked {policy.get('WaitIntervalInSeconds', '?')} s, "
        f"rollback batches of {_size(policy.get('RollbackMaximumBatchSize'))}"
    )


def create_component(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    runtime = params.get("RuntimeConfig") or {}
    copies = runtime.get("CopyCount", "?") if isinstance(runtime, Mapping) else "?"
    return "info", (
        f"CreateInferenceComponent {params.get('InferenceComponentName', '?')} on endpoint "
        f"{params.get('EndpointName', '?')} ({copies} copies)"
    )
