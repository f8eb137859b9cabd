"""The job log's line for each AWS call the state machine makes, by service and API call.

Read by :class:`canary.render.Renderer` from ``TaskSucceeded`` (and, for the answers the state
machine expects, ``TaskFailed``) events: parameters from the ``TaskScheduled`` before, the result
from the event. Plain text only; the renderer makes it inert and prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from canary.comparison import check_line, numbers_of
from canary.component_lines import create_component, describe_component, update_component
from canary.gate_lines import gate_answered
from canary.guardrail_lines import put_alarm_line
from canary.schedule_lines import captured, put_back
from canary.summary import Level


def duration(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def _name(value: Any) -> str:
    """A resource name from a name or an ARN (``…:endpoint-config/NAME`` → NAME)."""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _weights(variants: Sequence[Mapping[str, Any]], weight_key: str, count_key: str) -> str:
    weights = [float(v.get(weight_key) or 0) for v in variants]
    total = sum(weights) or 1.0
    parts = []
    for variant, weight in zip(variants, weights, strict=True):
        count = variant.get(count_key)
        instances = f" x{count}" if count is not None else ""
        parts.append(f"{variant.get('VariantName', '?')} {weight / total * 100:.0f}%{instances}")
    return ", ".join(parts)


# -- task lines: (resource type, API call) → line ---------------------------------------------------

TaskLine = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[Level, str] | None]
"""(parameters, result) → (level, text), or None to show nothing."""


def describe_endpoint(
    params: Mapping[str, Any], result: Mapping[str, Any], expected: str | None = None
) -> tuple[Level, str]:
    """The endpoint's line. ``expected``: the config this read waits for (None: any).

    SageMaker keeps the ``FailureReason`` of a failed update on the endpoint, which is back InService
    on its previous config: on the config the read expects, that reason is history (an earlier
    deploy's), not a failure of this one.
    """
    status = str(result.get("EndpointStatus", "?"))
    variants = result.get("ProductionVariants") or []
    text = f"endpoint {result.get('EndpointName', params.get('EndpointName', '?'))} {status}"
    text += f" on {result.get('EndpointConfigName', '?')}"
    if variants:
        key = "CurrentWeight" if all("CurrentWeight" in v for v in variants) else "DesiredWeight"
        text += f": {_weights(variants, key, 'CurrentInstanceCount')}"
    level: Level = "ok" if status == "InService" else "warn" if status in {"Creating", "Updating"} else "info"
    on_expected = expected is None or result.get("EndpointConfigName") == expected
    if result.get("FailureReason") and status == "InService" and on_expected:
        text += f" (an earlier update had failed: {result['FailureReason']})"
        level = "info"
    elif result.get("FailureReason"):
        text += f" — failure: {result['FailureReason']}"
        level = "error"
    elif status == "Failed":
        level = "error"
    return level, text


def describe_alarms(
    params: Mapping[str, Any], result: Mapping[str, Any], *, abort: str | None = None, start: bool = False
) -> tuple[Level, str] | None:
    """The alarms' line. DescribeAlarms leaves out names that have no alarm: a name asked for and not
    returned is missing (``abort``, the deploy's own ``…-abort`` alarm, exists only once someone
    aborts). ``start``: the state machine's check that the named alarms exist (``CheckAlarmNames``),
    before any change. ``INSUFFICIENT_DATA`` is too little data to evaluate: shown as such, not as OK.
    """
    alarms = [*(result.get("MetricAlarms") or []), *(result.get("CompositeAlarms") or [])]
    watched = [str(n) for n in params.get("AlarmNames") or [] if str(n) != abort]
    found = {str(a.get("AlarmName")) for a in alarms}
    missing = [name for name in watched if name not in found]
    if start:
        if missing:
            return "error", f"no alarm named {', '.join(missing)}: it could never roll the canary back"
        return ("ok", f"alarm-names: {', '.join(watched)} exist") if watched else None
    firing = [a for a in alarms if a.get("StateValue") == "ALARM"]
    problems = [f"{a.get('AlarmName', '?')}: {a.get('StateReason', '')}" for a in firing]
    problems += [f"{name}: gone (DescribeAlarms no longer finds it)" for name in missing]
    if problems:
        return "error", f"ALARM: {'; '.join(problems)}"
    if params.get("StateValue") == "ALARM" or not alarms:
        return "ok", f"alarms OK: none of {len(watched)} in ALARM" if watched else "alarms OK"
    if all(a.get("StateValue") == "OK" for a in alarms):
        return "ok", "alarms OK: " + ", ".join(f"{a.get('AlarmName', '?')} OK" for a in alarms)
    by_state: dict[str, list[str]] = {}
    for alarm in alarms:
        by_state.setdefault(str(alarm.get("StateValue", "?")), []).append(str(alarm.get("AlarmName", "?")))
    groups = "; ".join(
        f"{state}{' (too little data to evaluate: not judged)' if state == 'INSUFFICIENT_DATA' else ''}: "
        + ", ".join(names)
        for state, names in by_state.items()
    )
    return "info", f"no alarm in ALARM; {groups}"


def _metrics(_: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    numbers = numbers_of(result)
    return ("info", check_line(*numbers)) if numbers else ("info", "metrics read")


def _create_endpoint_config(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    variants = params.get("ProductionVariants") or []
    shape = ", ".join(
        f"{v.get('VariantName', '?')} {v.get('InstanceType', '')}".rstrip()
        for v in variants
        if isinstance(v, Mapping)
    )
    weights = _weights(variants, "InitialVariantWeight", "InitialInstanceCount") if variants else ""
    text = f"created endpoint config {params.get('EndpointConfigName', '?')}"
    return "info", text + (f": {weights} ({shape})" if weights else "")


def _shift(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    variants = [v for v in params.get("DesiredWeightsAndCapacities") or [] if isinstance(v, Mapping)]
    serving = [str(v.get("VariantName", "?")) for v in variants if float(v.get("DesiredWeight") or 0) > 0]
    stopped = [str(v.get("VariantName", "?")) for v in variants if float(v.get("DesiredWeight") or 0) == 0]
    if len(serving) == 1 and stopped:  # the rollback's first move: traffic off the canary at once
        return "info", f"traffic: {', '.join(stopped)} to 0 %, all on {serving[0]}"
    if any(v.get("DesiredInstanceCount") is not None for v in variants):  # the canary grows for its step
        sizes = _weights(variants, "DesiredWeight", "DesiredInstanceCount")
        return "info", f"scaling out before the next step, weights unchanged: {sizes}"
    return "info", f"traffic shifting to {_weights(variants, 'DesiredWeight', 'DesiredInstanceCount')}"


def fill(template: str, params: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """``template`` with the call's parameters and result (names from ARNs); cut before the first
    placeholder it cannot fill."""
    values = {**{k: _name(v) for k, v in result.items()}, **{k: _name(v) for k, v in params.items()}}
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError):
        return template.split(" {", 1)[0]


def _simple(template: str, level: Level = "info") -> TaskLine:
    def line(params: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
        return level, fill(template, params, result)

    return line


def _quiet(_: Mapping[str, Any], __: Mapping[str, Any]) -> None:
    return None


def _model(params: Mapping[str, Any], _: Mapping[str, Any]) -> tuple[Level, str]:
    container = params.get("PrimaryContainer") or {}
    image = container.get("Image", "?") if isinstance(container, Mapping) else "?"
    data = container.get("ModelDataUrl") if isinstance(container, Mapping) else None
    return "info", f"created model {params.get('ModelName', '?')}: {image}" + (f" + {data}" if data else "")


def _scalable_targets(_: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[Level, str]:
    targets = result.get("ScalableTargets") or []
    if not targets:
        return "info", "auto scaling: none"
    target = targets[0]
    return (
        "info",
        f"auto scaling: {target.get('MinCapacity', '?')}-{target.get('MaxCapacity', '?')} instances",
    )


TASK_LINES: Mapping[tuple[str, str], TaskLine] = {
    ("sagemaker", "describeEndpoint"): describe_endpoint,
    ("sagemakerruntime", "invokeEndpoint"): _quiet,  # the SmokeTest state's verdict is the line
    ("events", "putEvents"): lambda _, result: ("ok", gate_answered(result)),
    ("states", "startExecution"): _quiet,  # SmokeTest's child execution: likewise
    ("sns", "publish"): _simple("notified {TopicArn}: {Subject}"),
    ("sagemaker", "describeEndpointConfig"): _quiet,
    ("sagemaker", "describeModel"): _quiet,
    ("sagemaker", "listTags"): _quiet,
    ("sagemaker", "createModel"): _model,
    ("sagemaker", "createEndpointConfig"): _create_endpoint_config,
    ("sagemaker", "createEndpoint"): _simple("CreateEndpoint {EndpointName} on {EndpointConfigName}"),
    ("sagemaker", "updateEndpoint"): _simple("UpdateEndpoint {EndpointName} → {EndpointConfigName}"),
    ("sagemaker", "updateEndpointWeightsAndCapacities"): _shift,
    ("sagemaker", "deleteEndpoint"): _simple("deleted endpoint {EndpointName}"),
    ("sagemaker", "deleteEndpointConfig"): _simple("deleted endpoint config {EndpointConfigName}"),
    ("sagemaker", "deleteModel"): _simple("deleted model {ModelName}"),
    ("cloudwatch", "describeAlarms"): describe_alarms,
    ("cloudwatch", "putMetricAlarm"): lambda params, _: ("info", put_alarm_line(params)),
    ("cloudwatch", "deleteAlarms"): _simple("deleted the canary alarms"),
    ("cloudwatch", "getMetricData"): _metrics,
    ("applicationautoscaling", "describeScalableTargets"): _scalable_targets,
    ("applicationautoscaling", "describeScalingPolicies"): _quiet,
    ("applicationautoscaling", "registerScalableTarget"): _simple(
        "auto scaling: {MinCapacity}-{MaxCapacity} instances on {ResourceId}"
    ),
    ("applicationautoscaling", "deregisterScalableTarget"): _simple("auto scaling suspended on {ResourceId}"),
    ("applicationautoscaling", "putScalingPolicy"): _simple("scaling policy {PolicyName} on {ResourceId}"),
    ("applicationautoscaling", "describeScheduledActions"): captured,
    ("applicationautoscaling", "putScheduledAction"): put_back,
    ("sagemaker", "describeInferenceComponent"): describe_component,
    ("sagemaker", "createInferenceComponent"): create_component,
    ("sagemaker", "updateInferenceComponent"): update_component,
    ("sagemaker", "deleteInferenceComponent"): _simple(
        "deleted inference component {InferenceComponentName}"
    ),
}
"""Human line of a successful task, by service and API call (``aws-sdk:SERVICE:call``)."""

EXPECTED_FAILURES: Mapping[tuple[str, str], tuple[str, str]] = {
    # (service, API call) → (text in the error or cause, the info line it stands for): answers the
    # state machine expects and handles, not problems
    ("states", "startExecution"): (  # SmokeTest's child; its cause holds the request: the verdict follows
        "States.TaskFailed",
        "the smoke test's child execution failed",
    ),
    ("sagemaker", "describeEndpoint"): (
        "Could not find endpoint",
        "endpoint {EndpointName} does not exist yet",
    ),
    ("applicationautoscaling", "deregisterScalableTarget"): (
        "No scalable target found",
        "auto scaling: none registered on {ResourceId}",
    ),
    ("sagemaker", "deleteEndpoint"): ("Could not find", "endpoint {EndpointName}: already gone"),
    ("sagemaker", "deleteEndpointConfig"): (
        "Could not find",
        "endpoint config {EndpointConfigName}: already gone",
    ),
    ("sagemaker", "deleteModel"): ("Could not find", "model {ModelName}: already gone"),
    ("cloudwatch", "deleteAlarms"): ("ResourceNotFound", "the canary alarms: already gone"),
    ("sagemaker", "describeInferenceComponent"): (
        "Could not find inference component",
        "inference component {InferenceComponentName} does not exist yet: it is created",
    ),
}
"""Failed tasks shown as info lines (canary/statemachine.asl.yaml catches each of them)."""

HARMLESS_FAILURES: Mapping[tuple[str, str], str] = {
    # (service, API call) → what the warning of its failure starts with: failures the state machine
    # catches and goes on past, still worth a warning
    ("sns", "publish"): "notification to {TopicArn} not sent (the deploy goes on): ",
}
"""Failed tasks whose warning says that the deploy is not affected."""

UPDATE_CALLS = frozenset(
    {
        "createEndpoint",
        "updateEndpoint",
        "updateEndpointWeightsAndCapacities",
        "createInferenceComponent",
        "updateInferenceComponent",
    }
)


def service_of(resource_type: str) -> str:
    service = resource_type.rsplit(":", 1)[-1]
    return "applicationautoscaling" if service == "application-autoscaling" else service


def api_call(resource: str) -> str:
    return resource.split(":", 1)[0].split(".", 1)[0]


def smoke_test_line(wait: Mapping[str, Any], document: Mapping[str, Any]) -> tuple[Level, str] | None:
    """The smoke test's verdict, from ``$wait`` as the ``SmokeTest`` state left it (None: unknown)."""
    phase = wait.get("phase")
    if phase not in {"smoked", "smoke-failed"}:
        return None
    smoke = document.get("SmokeTest")
    expect = smoke.get("Expect") if isinstance(smoke, Mapping) else None
    response = str(wait.get("response", ""))
    answer = f'"{response[:120]}{"…" if len(response) > 120 else ""}"' if response else "an empty body"
    wanted = f" (expected /{expect}/)" if expect else ""
    if phase == "smoked":
        return "ok", f"smoke test passed: the new variant answered {answer}" + (
            f", matching /{expect}/" if expect else ""
        )
    return "error", f"smoke test failed: {answer}{wanted}; rolling back before any user request"
