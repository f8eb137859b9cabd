"""The state machine's execution input: the documented JSON contract.

The action builds this document from its inputs; anyone can also start the state machine with it
from the console, the CLI or EventBridge. ``schema/execution-input.schema.json`` is generated from
:class:`ExecutionInput` (``python -m canary schema``) and a test keeps the two identical.

Names of the resources a deploy creates are part of the input: Amazon States Language cannot
truncate strings, and SageMaker names are limited to 63 characters, so the caller derives them.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    slow SageMaker update, a quick answer for a fast one.
    """

    InitialSeconds: int = Field(default=10, ge=1, le=3600, description="First wait after a create/update.")
    MaxSeconds: int = Field(default=60, ge=1, le=3600, description="Longest wait between two reads.")

    @model_validator(mode="after")
    def _max_not_below_initial(self) -> PollingSettings:
        if self.MaxSeconds < self.InitialSeconds:
            raise ValueError("Polling.MaxSeconds must be >= Polling.InitialSeconds")
        return self


MAX_ALARM_CHECKS = 999
"""Alarm checks per bake step: States.ArrayRange makes at most 1,000 items."""


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
    InstanceCount: int = Field(default=1, ge=1, description="Instances after promotion / first deploy.")
    CanaryInstanceCount: int = Field(default=1, ge=1, description="Instances serving the canary.")
    CanaryWeights: list[int] = Field(
        default_factory=lambda: [20],
        min_length=1,
        description="Percent of traffic on the canary, one bake step each, strictly increasing, 0 < w < 100.",
    )
    BakeSeconds: int = Field(default=1200, ge=0, description="Bake time of each step, seconds.")
    AlarmCheckSeconds: int = Field(default=60, ge=1, description="Alarm check interval during a bake.")
    AlarmNames: list[str] = Field(default_factory=list, description="Existing alarms that roll back.")
    ErrorAlarms: ErrorAlarmSettings = Field(default_factory=ErrorAlarmSettings)
    AutoScaling: AutoScalingSettings = Field(default_factory=AutoScalingSettings)
    Polling: PollingSettings = Field(default_factory=PollingSettings)
    StartHoldSeconds: int = Field(
        default=0,
        ge=0,
        le=3600,
        description="Seconds the execution waits before its first AWS call, so a starter can detect a "
        "racing start and stop the younger one before it touches anything.",
    )
    Names: DeployNames

    @model_validator(mode="after")
    def _steps_are_runnable(self) -> ExecutionInput:
        weights = self.CanaryWeights
        if any(not 0 < w < 100 for w in weights) or any(a >= b for a, b in pairwise(weights)):
            raise ValueError(f"CanaryWeights must be strictly increasing, each 0 < w < 100 (got {weights})")
        checks = -(-self.BakeSeconds // self.AlarmCheckSeconds)
        if checks > MAX_ALARM_CHECKS:
            least = -(-self.BakeSeconds // MAX_ALARM_CHECKS)
            raise ValueError(
                f"BakeSeconds / AlarmCheckSeconds makes {checks} alarm checks per step; at most "
                f"{MAX_ALARM_CHECKS}: raise AlarmCheckSeconds to at least {least}"
            )
        return self

    def to_json(self) -> str:
        """The document as StartExecution's ``input`` (absent optionals dropped)."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"))


def _require_what_is_always_sent(schema: dict[str, Any]) -> None:
    """Mark as required every property that has a non-null default.

    The state machine cannot fill defaults in (Amazon States Language has no deep merge), so the
    document must carry every field it reads; :meth:`ExecutionInput.to_json` always does. Only the
    fields whose absence means something (``InstanceType``, ``Container.ModelDataUrl``) stay optional.
    """
    for definition in [schema, *schema.get("$defs", {}).values()]:
        properties: dict[str, Any] = definition.get("properties", {})
        definition["required"] = [
            name
            for name, prop in properties.items()
            if name in definition.get("required", [])
            or prop.get("default", None) is not None
            or ("default" not in prop and "anyOf" not in prop)
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
