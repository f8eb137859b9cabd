"""What the step summary states about a deploy beside its timeline, read from the execution's history.

- the plan, from the execution input (``ExecutionStarted``): image, model data, canary weights, bake,
  check interval, the relative gates' limits, the low-traffic rule, the approval gates;
- the traffic the new model had, as the endpoint *reported* it: each ``DescribeEndpoint`` read that
  found the endpoint ``InService`` (an update settled) gives the new model's share of the variant
  weights (``CurrentWeight``): the canary variant's share on the canary config, 100 % on the deploy's
  final config, 0 % on any other config (the one before the deploy). A read while ``Updating`` changes
  nothing: SageMaker keeps serving the old weights until the update is done
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html), so a canary that
  never became healthy is never drawn;
- the endpoint as it was before the deploy (``$current``, ``$config`` of the bundled state machine):
  after a rollback, the model that serves again.

Only data: the summary (:mod:`canary.summary`) escapes every string of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canary.follow import HistoryEvent


@dataclass
class DeployFacts:
    """The plan, the reported traffic and the endpoint before the deploy."""

    image: str = ""
    model_data: str = ""
    new_model: str = ""
    final_config: str = ""
    canary_variant: str = ""
    component: str = ""
    """An inference component deploy: the IC's name (no traffic weights: callers name the IC)."""
    weights: list[float] = field(default_factory=list)
    bake_seconds: float | None = None
    check_seconds: float | None = None
    alarms: list[str] = field(default_factory=list)
    error_alarms: bool = False
    max_error_rate_increase: float | None = None
    """Percentage points of 5xx rate above the baseline's (absent: no gate)."""
    max_latency_increase: float | None = None
    """Percent of p99 ModelLatency above the baseline's (absent: no gate)."""
    min_canary_invocations: int = 0
    on_low_traffic: str = ""
    approval: str = ""
    first_deploy: bool = False
    before_config: str = ""
    """The endpoint config the endpoint was on when the deploy began."""
    before_model: str = ""
    """The model of that config's variant."""
    traffic: list[tuple[float, float]] = field(default_factory=list)
    """``(seconds since the start, % of traffic on the new model)`` at each settled read that changed it."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json(raw: Any) -> Any:
    try:
        return json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _call(resource: Any) -> str:
    """The API call of a task's resource (``describeEndpoint``; canary.task_lines.api_call)."""
    return str(resource or "").split(":", 1)[0].split(".", 1)[0]


class FactsReader:
    """Reads :class:`DeployFacts` from history events, in order (each once)."""

    def __init__(self) -> None:
        self.facts = DeployFacts()
        self._started: Any = None

    def event(self, ev: HistoryEvent, variables: Mapping[str, Any]) -> None:
        """Take what ``ev`` says; ``variables``: the execution's variables so far."""
        if self._started is None:
            self._started = ev.timestamp
        if ev.type == "ExecutionStarted":
            self._plan(_json(ev.details.get("input")))
        elif ev.type == "TaskSucceeded" and _call(ev.details.get("resource")) == "describeEndpoint":
            result = _json(ev.details.get("output"))
            if isinstance(result, Mapping):
                self._read(result, (ev.timestamp - self._started).total_seconds())
        self._before(variables)

    def _plan(self, document: Any) -> None:
        if not isinstance(document, Mapping):
            return
        f = self.facts
        container = document.get("Container")
        container = container if isinstance(container, Mapping) else {}
        f.image, f.model_data = _text(container.get("Image")), _text(container.get("ModelDataUrl"))
        names = document.get("Names")
        names = names if isinstance(names, Mapping) else {}
        f.new_model, f.final_config = _text(names.get("Model")), _text(names.get("FinalConfig"))
        f.canary_variant = _text(names.get("CanaryVariant"))
        weights = document.get("CanaryWeights")
        f.weights = [w for w in map(_number, weights) if w is not None] if isinstance(weights, list) else []
        component = document.get("Component")
        if isinstance(component, Mapping):
            f.component, f.weights = _text(component.get("Name")), []
        f.bake_seconds, f.check_seconds = (
            _number(document.get("BakeSeconds")),
            _number(document.get("AlarmCheckSeconds")),
        )
        alarms = document.get("AlarmNames")
        f.alarms = [a for a in alarms if isinstance(a, str)] if isinstance(alarms, list) else []
        error_alarms = document.get("ErrorAlarms")
        f.error_alarms = isinstance(error_alarms, Mapping) and error_alarms.get("Enabled") is True
        analysis = document.get("Analysis")
        analysis = analysis if isinstance(analysis, Mapping) else {}
        f.max_error_rate_increase = _number(analysis.get("MaxErrorRateIncrease"))
        f.max_latency_increase = _number(analysis.get("MaxLatencyIncrease"))
        f.min_canary_invocations = int(_number(analysis.get("MinCanaryInvocations")) or 0)
        f.on_low_traffic = _text(analysis.get("OnLowTraffic"))
        approval = document.get("Approval")
        f.approval = _text(approval.get("Mode")) if isinstance(approval, Mapping) else ""

    def _read(self, result: Mapping[str, Any], elapsed: float) -> None:
        """A DescribeEndpoint result: the new model's share once the endpoint is InService."""
        if result.get("EndpointStatus") != "InService":
            return
        f = self.facts
        variants = [v for v in result.get("ProductionVariants") or [] if isinstance(v, Mapping)]
        weights = {str(v.get("VariantName")): _number(v.get("CurrentWeight")) or 0.0 for v in variants}
        total = sum(weights.values())
        if f.canary_variant and f.canary_variant in weights and total > 0:
            share = weights[f.canary_variant] / total * 100
        elif f.final_config and result.get("EndpointConfigName") == f.final_config:
            share = 100.0
        else:
            share = 0.0
        share = round(share, 3)
        if not f.traffic:
            f.traffic.append((0.0, 0.0))  # before the first read: the deploy has not changed anything
        if share != f.traffic[-1][1]:
            f.traffic.append((max(elapsed, f.traffic[-1][0]), share))

    def _before(self, variables: Mapping[str, Any]) -> None:
        f = self.facts
        if variables.get("kind") == "first-deploy":
            f.first_deploy = True
        current = variables.get("current")
        endpoint = current.get("endpoint") if isinstance(current, Mapping) else None
        if isinstance(endpoint, Mapping) and not f.before_config:
            f.before_config = _text(endpoint.get("ConfigName"))
        config = variables.get("config")
        variants = config.get("ProductionVariants") if isinstance(config, Mapping) else None
        if (
            isinstance(variants, list)
            and variants
            and isinstance(variants[0], Mapping)
            and not f.before_model
        ):
            f.before_model = _text(variants[0].get("ModelName"))
