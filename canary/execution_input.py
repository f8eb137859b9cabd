"""The state machine's execution input: the documented JSON contract.

The action builds this document from its inputs; anyone can also start the state machine with it
from the console, the CLI or EventBridge. ``schema/execution-input.schema.json`` is generated from
:class:`ExecutionInput` (``python -m canary schema``) and a test keeps the two identical.

Names of the resources a deploy creates are part of the input: Amazon States Language cannot
truncate strings, and SageMaker names are limited to 63 characters, so the caller derives them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from canary.alarm_limits import MAX_USER_ALARMS
from canary.analysis_input import AnalysisSettings  # the document's Analysis part, in its own module
from canary.component_input import ComponentSettings
from canary.plan_limits import plan_problem
from canary.smoke_test import SmokeTestSettings
from canary.strategy_input import StrategySettings

SCHEMA_PATH = Path(__file__).parent / "schema" / "execution-input.schema.json"

SageMakerName = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")]
"""A SageMaker model, endpoint config, endpoint or variant name."""


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ContainerSpec(_Doc):
    """The new model's container, in CreateModel's ``PrimaryContainer`` shape."""

    Image: str = Field(min_length=1, description="Inference image URI.")
    ModelDataUrl: str | None = Field(
        default=None, pattern=r"^s3://", description="s3:// URI of the model artifacts, if any."
    )
    Environment: dict[str, str] = Field(default_factory=dict, description="Container environment.")


class DeployNames(_Doc):
    """Names of what the deploy creates (unique per deploy; the caller derives them)."""

    Model: SageMakerName = Field(description="The new SageMaker model.")
    CanaryConfig: SageMakerName = Field(description="Endpoint config holding old and canary variants.")
    FinalConfig: SageMakerName = Field(
        description="Endpoint config holding only the new model (promotion, or a first deploy)."
    )
    CanaryVariant: SageMakerName = Field(default="Canary", description="Variant name of the canary.")
    Variant: SageMakerName = Field(
        default="AllTraffic",
        description="Production variant name on a first deploy (later deploys keep the current one).",
    )
    AlarmPrefix: str = Field(
        min_length=1,
        max_length=200,
        description="Prefix of the canary's own CloudWatch alarms (…-4xx, …-5xx).",
    )


class ErrorAlarmSettings(_Doc):
    """The canary's own alarms on its variant's invocation errors."""

    Enabled: bool = True
    Threshold4xx: int = Field(default=5, ge=1, description="4xx errors per minute that trip the alarm.")
    Threshold5xx: int = Field(default=1, ge=1, description="5xx errors per minute that trip the alarm.")


class AutoScalingSettings(_Doc):
    """Target tracking on SageMakerVariantInvocationsPerInstance, applied after promotion."""

    Enabled: bool = False
    MinCapacity: int = Field(default=1, ge=1)
    MaxCapacity: int = Field(default=1, ge=1)
    TargetValue: float = Field(default=100.0, gt=0, description="Invocations per instance per minute.")


class PollingSettings(_Doc):
    """How the state machine polls an endpoint that is being created or updated.

    Waits start at ``InitialSeconds`` and double up to ``MaxSeconds``: few state transitions for a
    slow SageMaker update, a quick answer for a fast one. An endpoint still changing
    ``TimeoutSeconds`` after a create or update began ends the wait: ``Canary.EndpointStuck`` and the
    rollback (``Canary.RollbackFailed`` when the rollback's own update is what hangs).
    """

    InitialSeconds: int = Field(default=10, ge=1, le=3600, description="First wait after a create/update.")
    MaxSeconds: int = Field(default=60, ge=1, le=3600, description="Longest wait between two reads.")
    TimeoutSeconds: int = Field(
        default=3600,
        ge=1,
        le=86400,
        description="Longest one endpoint create or update may take before the deploy gives up on it.",
    )

    @model_validator(mode="after")
    def _max_not_below_initial(self) -> PollingSettings:
        problem = polling_problem(self.InitialSeconds, self.MaxSeconds)
        if problem:
            raise ValueError(f"Polling.MaxSeconds: {problem}")
        return self


def polling_problem(initial: int, longest: int) -> str | None:
    """Why waits starting at ``initial`` seconds cannot grow to ``longest``, or None."""
    if longest < initial:
        return f"{longest} is below the first wait ({initial}): the longest wait must be >= the first"
    return None


def weights_problem(weights: Sequence[int]) -> str | None:
    """Why these canary weights are not runnable steps (each 0 < w < 100, strictly increasing), or None."""
    for index, weight in enumerate(weights):
        if not 0 < weight < 100:
            return f"{weight} is out of range: each weight must be between 1 and 99 (0 < w < 100)"
        if index and weight <= weights[index - 1]:
            return (
                f"{weights[index - 1]} then {weight} is not strictly increasing: "
                "list the steps in increasing order, e.g. 10,50"
            )
    return None


class VariantSettings(_Doc):
    """Settings of the new model's production variant (ProductionVariant members, as SageMaker names them).

    Given ones override what the current variant has; absent ones are carried over from it (on a
    first deploy: SageMaker's defaults).
    """

    VolumeSizeInGB: int | None = Field(default=None, ge=1, le=512, description="ML storage volume, GB.")
    ModelDataDownloadTimeoutInSeconds: int | None = Field(
        default=None, ge=60, le=3600, description="Time-out for downloading the model data, seconds."
    )
    ContainerStartupHealthCheckTimeoutInSeconds: int | None = Field(
        default=None, ge=60, le=3600, description="Time-out for the container's first ping health check."
    )


class CaptureOption(_Doc):
    """One ``DataCaptureConfig.CaptureOptions`` entry."""

    CaptureMode: Literal["Input", "Output", "InputAndOutput"]


class DataCapture(_Doc):
    """The endpoint config's ``DataCaptureConfig``, in CreateEndpointConfig's shape."""

    EnableCapture: bool = True
    InitialSamplingPercentage: int = Field(default=100, ge=0, le=100)
    DestinationS3Uri: str = Field(pattern=r"^s3://[^/]+")
    KmsKeyId: str | None = None
    CaptureOptions: list[CaptureOption] = Field(
        default_factory=lambda: [CaptureOption(CaptureMode="Input"), CaptureOption(CaptureMode="Output")],
        min_length=1,
    )


class ConfigSettings(_Doc):
    """Settings of the new endpoint configs (CreateEndpointConfig members); given ones override."""

    DataCaptureConfig: DataCapture | None = None
    KmsKeyId: str | None = Field(default=None, min_length=1, description="KMS key of the ML storage volumes.")


class EndpointSettings(_Doc):
    """What the deploy sets beside the model. Everything not given here is carried over unchanged
    from the current endpoint config, variant and model."""

    Variant: VariantSettings = Field(default_factory=VariantSettings)
    EndpointConfig: ConfigSettings = Field(default_factory=ConfigSettings)


class ApprovalSettings(_Doc):
    """Approval gates: after a bake the execution waits on a task token for ``approve``/``abort``
    (docs/state-machine.md, "Approval gates"). Absent: no gate."""

    Mode: Literal["before-promote", "each-step"] = Field(
        description="before-promote: one gate after the last bake; each-step: a gate after every bake."
    )
    TimeoutSeconds: int = Field(default=3600, ge=1, le=86400, description="How long a gate waits, seconds.")
    OnTimeout: Literal["rollback", "promote"] = Field(
        default="rollback", description="What a gate nobody answered in time does."
    )

    def gates(self, steps: int) -> int:
        """How many gates a deploy of ``steps`` bake steps passes."""
        return steps if self.Mode == "each-step" else 1


class NotifySettings(_Doc):
    """SNS notifications: the state machine publishes when the deploy starts, waits at a gate, and
    ends (docs/notifications.md). A publish that fails never fails the deploy. Absent: none."""

    TopicArn: str = Field(
        pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$",
        description="ARN of a standard SNS topic (FIFO topics are not supported).",
    )


OPTIONAL_WITH_DEFAULT = frozenset({"MetricsDelaySeconds"})
"""Fields the definition defaults itself: a hand-written document may leave them out."""

MAX_INPUT_BYTES = 262_144
"""Step Functions' execution input quota: 256 KiB of UTF-8
(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)."""


class ExecutionInput(_Doc):
    """Input document of one canary deploy execution.

    Canary deploys support endpoints with exactly one instance-based production variant; any other
    endpoint fails with ``Canary.UnsupportedEndpoint`` before anything is changed.
    """

    EndpointName: SageMakerName = Field(description="Endpoint to deploy to (created if missing).")
    ExecutionRoleArn: str = Field(
        pattern=r"^arn:aws[a-z-]*:iam::\d{12}:role/.+$", description="Role SageMaker assumes."
    )
    Container: ContainerSpec
    InstanceType: str | None = Field(
        default=None,
        pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$",
        description="New model's instance type; omitted: the current variant's (required on a first deploy).",
    )
    LocalStorage: bool | None = Field(
        default=None,
        description="True: InstanceType has local NVMe storage: the new variant has no VolumeSizeInGB.",
    )
    InstanceCount: int | None = Field(
        default=None, ge=1, description="Instances after promotion; absent: the current count (first: 1)."
    )
    CanaryInstanceCount: int | None = Field(
        default=None, ge=1, description="Canary instances; absent: max(1, ceil(N x weight / 100)) per step."
    )
    CanaryWeights: list[int] = Field(
        default_factory=lambda: [20],
        min_length=1,
        description="Percent of traffic on the canary, one bake step each, strictly increasing, 0 < w < 100.",
    )
    BakeSeconds: int = Field(default=1200, ge=0, description="Bake time of each step, seconds.")
    AlarmCheckSeconds: int = Field(default=60, ge=1, description="Alarm check interval during a bake.")
    AlarmNames: list[str] = Field(
        default_factory=list,
        max_length=MAX_USER_ALARMS,
        description="Existing alarms that roll back; at most 97 (canary/alarm_limits.py).",
    )
    ErrorAlarms: ErrorAlarmSettings = Field(default_factory=ErrorAlarmSettings)
    AutoScaling: AutoScalingSettings = Field(default_factory=AutoScalingSettings)
    Polling: PollingSettings = Field(default_factory=PollingSettings)
    Settings: EndpointSettings = Field(default_factory=EndpointSettings)
    Analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    StartHoldSeconds: int = Field(
        default=0,
        ge=0,
        le=3600,
        description="Seconds the execution waits before its first AWS call, so a starter can detect a "
        "racing start and stop the younger one before it touches anything.",
    )
    SmokeTest: SmokeTestSettings | None = Field(
        default=None, description="Absent: no smoke test; the canary joins at its first weight at once."
    )
    Approval: ApprovalSettings | None = Field(default=None, description="Absent: no approval gate.")
    Notify: NotifySettings | None = Field(default=None, description="Absent: no notifications.")
    CreateEndpoint: Literal["allow", "never"] = Field(
        default="allow",
        description="A missing endpoint: allow creates it; never refuses (Canary.EndpointNotFound).",
    )
    Strategy: StrategySettings | None = Field(
        default=None,
        description="Absent: the canary flow; given: SageMaker's guardrails (guardrails.asl.json).",
    )
    Component: ComponentSettings | None = Field(
        default=None,
        description="Absent: deploy to the endpoint's variant; given: to this inference component "
        "(guardrails.asl.json, with a rolling Strategy).",
    )
    Names: DeployNames

    @model_validator(mode="after")
    def _steps_are_runnable(self) -> ExecutionInput:
        weights = self.CanaryWeights
        problem = weights_problem(weights)
        if problem:
            raise ValueError(f"CanaryWeights: {problem}")
        checks_alarms = bool(self.AlarmNames) or self.ErrorAlarms.Enabled or self.Analysis.gated
        gates = self.Approval.gates(len(weights)) * self.Approval.TimeoutSeconds if self.Approval else 0
        problem = plan_problem(
            len(weights),
            self.BakeSeconds,
            self.AlarmCheckSeconds,
            checks_alarms,
            self.Polling,
            extensions=self.Analysis.extensions,
            gate_seconds=gates,
            delay_seconds=self.Analysis.delay(checks_alarms),
        )
        if problem:
            raise ValueError(problem)
        return self

    @model_validator(mode="after")
    def _fits_step_functions(self) -> ExecutionInput:
        size = len(self.to_json().encode("utf-8"))
        if size > MAX_INPUT_BYTES:
            raise ValueError(
                f"the execution input takes {size:,} bytes, more than Step Functions' {MAX_INPUT_BYTES:,} "
                "(256 KiB): send a smaller SmokeTest.Body"
            )
        return self

    def to_json(self) -> str:
        """The document as StartExecution's ``input`` (absent optionals dropped)."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"))


def _require_what_is_always_sent(schema: dict[str, Any]) -> None:
    """Mark as required every property that has a non-null default.

    The state machine cannot fill defaults in (Amazon States Language has no deep merge), so the
    document must carry every field it reads; :meth:`ExecutionInput.to_json` always does. Only the
    fields whose absence means something (``InstanceType``, the instance counts, ``Container.ModelDataUrl``,
    the ``Settings`` that override what is carried over) and those the definition defaults itself
    (:data:`OPTIONAL_WITH_DEFAULT`) stay optional.
    """
    for definition in [schema, *schema.get("$defs", {}).values()]:
        properties: dict[str, Any] = definition.get("properties", {})
        definition["required"] = [
            name
            for name, prop in properties.items()
            if name not in OPTIONAL_WITH_DEFAULT
            and (
                name in definition.get("required", [])
                or prop.get("default", None) is not None
                or ("default" not in prop and "anyOf" not in prop)
            )
        ]


def json_schema() -> dict[str, Any]:
    """The JSON schema of the execution input, as committed in ``schema/``."""
    schema = ExecutionInput.model_json_schema()
    _require_what_is_always_sent(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://github.com/org/sm-canary-action/canary/schema/execution-input.schema.json"
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> None:
    """Regenerate the committed schema file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(), indent=2) + "\n")
