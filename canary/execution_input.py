"""The state machine's execution input: the documented JSON contract.

The action builds this document from its inputs; anyone can also start the state machine with it
from the console, the CLI or EventBridge. ``schema/execution-input.schema.json`` is generated from
:class:`ExecutionInput` (``python -m canary schema``) and a test keeps the two identical.

Names of the resources a deploy creates are part of the input: Amazon States Language cannot
truncate strings, and SageMaker names are limited to 63 characters, so the caller derives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class AnalysisSettings(_Doc):
    """The canary judged against the baseline (the current variant) at every check of a bake.

    Each check reads both variants' ``Invocations``, ``Invocation4XXErrors``, ``Invocation5XXErrors``
    and p99 ``ModelLatency`` over the bake so far (docs/state-machine.md, "Canary vs baseline").
    An absent gate is off.
    """

    MaxErrorRateIncrease: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="Percentage points of 5xx rate the canary may exceed the baseline by; absent: off.",
    )
    MaxLatencyIncrease: float | None = Field(
        default=None,
        ge=0,
        description="Percent of p99 ModelLatency the canary may exceed the baseline by; absent: off.",
    )
    MinSampleInvocations: int = Field(
        default=100,
        ge=1,
        description="Invocations canary and baseline must each have in a step before the gates judge it.",
    )
    MinCanaryInvocations: int = Field(
        default=0, ge=0, description="Invocations a step's canary must serve before it may pass; 0: off."
    )
    OnLowTraffic: Literal["fail", "extend", "promote"] = Field(
        default="fail",
        description="Below MinCanaryInvocations at the end of a bake: roll back (Canary.LowTraffic), "
        "bake BakeSeconds more (up to MaxExtensions times, then fail), or go on.",
    )
    MaxExtensions: int = Field(default=2, ge=0, le=10, description="Bakes added when OnLowTraffic is extend.")

    @property
    def gated(self) -> bool:
        """A relative gate is on: the bake is checked every AlarmCheckSeconds."""
        return self.MaxErrorRateIncrease is not None or self.MaxLatencyIncrease is not None

    @property
    def extensions(self) -> int:
        """The most bakes one step can add."""
        return self.MaxExtensions if self.MinCanaryInvocations and self.OnLowTraffic == "extend" else 0


_EXPECT_UNSUPPORTED = re.compile(r"[()|{}]")


def expect_problem(pattern: str) -> str | None:
    """Why the state machine could not match this smoke-test regular expression, or None.

    The state machine matches it itself, in JSONata (Step Functions has no ``$eval`` to build a regex
    from a string): literal characters, ``.``, ``\\d \\w \\s`` (and ``\\D \\W \\S``), other
    ``\\``-escaped characters, classes ``[a-z0-9_]`` / ``[^…]``, the quantifiers ``? * +``, and ``^``
    / ``$`` at the ends; it searches the first 1,000 characters of the body (docs/state-machine.md).
    """
    try:
        re.compile(pattern)
    except re.error as error:
        return f"{pattern!r} is not a regular expression ({error})"
    core = pattern[1:] if pattern.startswith("^") else pattern
    if core.endswith("$") and not core.endswith("\\$"):
        core = core[:-1]
    outside = re.sub(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]", "x", core)  # escapes and classes: one atom
    if _EXPECT_UNSUPPORTED.search(outside) or "^" in outside or "$" in outside:
        return (
            f"{pattern!r} uses groups, alternation, counted repetition or inner anchors, which the state "
            "machine cannot match: use characters, '.', \\d \\w \\s, [classes], ? * + and ^ $ at the ends"
        )
    if re.search(r"(^|[^\\])[?*+][?*+]", outside) or outside[:1] in {"?", "*", "+"}:
        return (
            f"{pattern!r} has a quantifier with nothing to repeat (or a lazy/possessive one): "
            "use ? * + once, after a character"
        )
    return None


class SmokeTestSettings(_Doc):
    """One request the new variant alone must answer before it takes traffic (InvokeEndpoint with
    ``TargetVariant``). A first deploy runs it before it is declared deployed."""

    Body: str = Field(min_length=1, max_length=131072, description="The request body.")
    ContentType: str = Field(default="application/json", min_length=1, max_length=1024)
    Accept: str = Field(default="application/json", min_length=1, max_length=1024)
    Expect: str = Field(
        default="",
        max_length=1024,
        description="Regular expression the first 1,000 characters of the response body must contain a "
        "match of (characters, '.', \\d \\w \\s, [classes], ? * +, ^ and $); empty: any 2xx answer.",
    )

    @model_validator(mode="after")
    def _expect_is_matchable(self) -> SmokeTestSettings:
        problem = expect_problem(self.Expect)
        if problem:
            raise ValueError(f"SmokeTest.Expect: {problem}")
        return self


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


MAX_HISTORY_EVENTS = 25_000
"""Step Functions ends an execution whose history reaches 25,000 events (service quota)."""

MAX_EXECUTION_SECONDS = 604_800
"""The definition's top-level ``TimeoutSeconds``: a backstop the plan must stay well inside."""

_FIXED_EVENTS = 200
"""Events of a deploy outside its endpoint waits and bakes (prepare, creates, promotion, a full
rollback and cleanup, with room for retried calls); canary/statemachine.asl.yaml has ~45 states."""

_EVENTS_PER_POLL = 9
"""Wait (2) + DescribeEndpoint task (5) + Choice (2)."""

_EVENTS_PER_CHECK = 14
"""CheckAlarms task (5) + ReadMetrics task (5) + BakeVerdict (2) + the Wait before the next check (2)."""


def _polls(polling: PollingSettings) -> int:
    """Most endpoint reads one wait can make before Polling.TimeoutSeconds ends it."""
    waited, seconds, polls = 0, polling.InitialSeconds, 1
    while waited < polling.TimeoutSeconds:
        waited += seconds
        seconds = min(seconds * 2, polling.MaxSeconds)
        polls += 1
    return polls


def plan_bounds(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int = 0,
) -> tuple[int, int]:
    """The most history events and seconds a deploy of this plan can take (retries aside).

    Waits: the canary update, one per later step, the promotion and the two of a rollback, each at
    most ``Polling.TimeoutSeconds``. ``checks_alarms``: alarms or a relative gate check each bake
    every ``check_seconds`` (else it is one wait and one metrics read); ``extensions``: bakes a
    step may add (``Analysis.OnLowTraffic`` extend), each checked like the first.
    """
    waits = steps + 3
    bakes = steps * (1 + extensions)
    checks = (-(-bake_seconds // check_seconds) + 1) if checks_alarms else 1
    events = _FIXED_EVENTS + waits * _polls(polling) * _EVENTS_PER_POLL + bakes * checks * _EVENTS_PER_CHECK
    seconds = waits * (polling.TimeoutSeconds + polling.MaxSeconds) + bakes * bake_seconds
    return events, seconds


def plan_problem(
    steps: int,
    bake_seconds: int,
    check_seconds: int,
    checks_alarms: bool,
    polling: PollingSettings,
    *,
    extensions: int = 0,
    gate_seconds: int = 0,
) -> str | None:
    """Why Step Functions could not run this plan to its end (too long a history or run), or None.

    ``gate_seconds``: the longest the approval gates can wait, all together.
    """
    events, seconds = plan_bounds(
        steps, bake_seconds, check_seconds, checks_alarms, polling, extensions=extensions
    )
    seconds += gate_seconds
    if events > MAX_HISTORY_EVENTS:
        return (
            f"the plan could write {events:,} history events, more than the {MAX_HISTORY_EVENTS:,} Step "
            f"Functions allows one execution ({steps} step(s) of a {bake_seconds} s bake checked every "
            f"{check_seconds} s"
            + (f", up to {extensions} extension(s) each" if extensions else "")
            + "): raise alarm-check-seconds (AlarmCheckSeconds), shorten wait-minutes "
            "(BakeSeconds), use fewer canary-weights or max-extensions, or a longer endpoint-poll-seconds"
        )
    if seconds > MAX_EXECUTION_SECONDS * 0.9:
        return (
            f"the plan could run {seconds / 3600:.0f} h, past the state machine's "
            f"{MAX_EXECUTION_SECONDS // 3600} h limit: shorten wait-minutes (BakeSeconds) or "
            "approval-timeout-minutes, or use fewer canary-weights"
        )
    return None


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
    Strategy: StrategySettings | None = Field(
        default=None,
        description="Absent: the canary flow; given: SageMaker's guardrails (guardrails.asl.json).",
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
        )
        if problem:
            raise ValueError(problem)
        return self

    def to_json(self) -> str:
        """The document as StartExecution's ``input`` (absent optionals dropped)."""
        return json.dumps(self.model_dump(mode="json", exclude_none=True), separators=(",", ":"))


def _require_what_is_always_sent(schema: dict[str, Any]) -> None:
    """Mark as required every property that has a non-null default.

    The state machine cannot fill defaults in (Amazon States Language has no deep merge), so the
    document must carry every field it reads; :meth:`ExecutionInput.to_json` always does. Only the
    fields whose absence means something (``InstanceType``, ``Container.ModelDataUrl``, the
    ``Settings`` that override what is carried over) stay optional.
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
