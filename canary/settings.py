"""The action's inputs: one pydantic-settings model, read from the runner's ``INPUT_*`` environment.

A Docker action receives each input as ``INPUT_<NAME>``, the name upper-cased with its hyphens kept
(``INPUT_IMAGE-URI``), so every field has an explicit alias. GitHub passes every input as a string
and an unset optional input as the empty string: empty means "the default" for optional inputs and
"missing" for required ones.

Every value is parsed here, once (:mod:`canary.parsers`), with a message that names the input and
says how to fix it. Each default is written once, on its field; an empty input gets it, and a test
keeps action.yml's ``default:`` values equal to these (tests/action/test_settings_defaults.py).
Only ``INPUT_*`` variables are read (no field-name lookup: ``DRY_RUN`` is not ``dry-run``).

The CLI (``python -m canary deploy --endpoint-name …``) builds the same model from its flags
(:func:`settings_from_inputs`) without reading ``INPUT_*``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from canary.errors import InvalidInputError
from canary.execution_input import PollingSettings, polling_problem
from canary.input_fields import INPUT_PREFIX, empty_is_default, input_alias
from canary.input_patterns import (
    ENDPOINT_NAME,
    IMAGE_URI,
    OPTIONAL_PATTERNS,
    REGION,
    ROLE_ARN,
    SFN_NAME,
)
from canary.parsers import (
    optional_match,
    parse_bool,
    parse_decimal,
    parse_environment,
    parse_int,
    parse_names,
    parse_weights,
    text_of,
)
from canary.plan_limits import plan_culprit, plan_problem
from canary.settings_checks import CheckInputs
from canary.settings_components import ComponentInputs
from canary.settings_fleet import FleetInputs
from canary.settings_metrics import MetricsInputs
from canary.settings_safety import SafetyInputs
from canary.settings_strategy import StrategyInputs, default_machine_name
from canary.strategy_input import ALL_AT_ONCE, all_at_once


class Settings(ComponentInputs, StrategyInputs, CheckInputs, FleetInputs, MetricsInputs, SafetyInputs):
    """Every input of the action (action.yml; docs/design.md, "Pipeline"), parsed and validated."""

    model_config = SettingsConfigDict(
        case_sensitive=False,
        extra="ignore",
        frozen=True,
        populate_by_name=False,  # True would also read ENDPOINT_NAME, VERBOSE, … from the environment
        env_ignore_empty=False,
        validate_default=True,
    )

    command: Literal["deploy", "approve", "abort"] = Field(default="deploy", alias=input_alias("command"))
    endpoint_name: str = Field(default="", alias=input_alias("endpoint-name"))
    image_uri: str = Field(default="", alias=input_alias("image-uri"))
    model_data: str | None = Field(default=None, alias=input_alias("model-data"))
    model_environment: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, alias=input_alias("model-environment")
    )
    execution_role_arn: str = Field(default="", alias=input_alias("execution-role-arn"))
    instance_type: str | None = Field(default=None, alias=input_alias("instance-type"))
    canary_weights: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [20], alias=input_alias("canary-weights")
    )
    wait_minutes: float = Field(default=20.0, alias=input_alias("wait-minutes"))
    alarm_names: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias=input_alias("alarm-names")
    )
    alarm_check_seconds: int = Field(default=60, alias=input_alias("alarm-check-seconds"))
    error_alarms: bool = Field(default=True, alias=input_alias("error-alarms"))
    error_alarm_4xx_threshold: int = Field(default=5, alias=input_alias("error-alarm-4xx-threshold"))
    error_alarm_5xx_threshold: int = Field(default=1, alias=input_alias("error-alarm-5xx-threshold"))
    autoscaling_min_capacity: int | None = Field(default=None, alias=input_alias("autoscaling-min-capacity"))
    autoscaling_max_capacity: int | None = Field(default=None, alias=input_alias("autoscaling-max-capacity"))
    autoscaling_target: float | None = Field(default=None, alias=input_alias("autoscaling-target"))
    state_machine_arn: str | None = Field(default=None, alias=input_alias("state-machine-arn"))
    state_machine_name: str = Field(default="", alias=input_alias("state-machine-name"))
    """Empty: the bundled machine of the strategy (settings_strategy.default_machine_name)."""
    state_machine_role_arn: str | None = Field(default=None, alias=input_alias("state-machine-role-arn"))
    execution_name: str | None = Field(default=None, alias=input_alias("execution-name"))
    endpoint_poll_seconds: int = Field(default=10, alias=input_alias("endpoint-poll-seconds"))
    endpoint_poll_max_seconds: int = Field(default=60, alias=input_alias("endpoint-poll-max-seconds"))
    endpoint_timeout_minutes: int = Field(default=60, alias=input_alias("endpoint-timeout-minutes"))
    volume_size_gb: int | None = Field(default=None, alias=input_alias("volume-size-gb"))
    model_download_timeout_seconds: int | None = Field(
        default=None, alias=input_alias("model-download-timeout-seconds")
    )
    container_startup_timeout_seconds: int | None = Field(
        default=None, alias=input_alias("container-startup-timeout-seconds")
    )
    data_capture_destination: str | None = Field(default=None, alias=input_alias("data-capture-destination"))
    data_capture_percentage: int = Field(default=100, alias=input_alias("data-capture-percentage"))
    timeout_minutes: float = Field(default=180.0, alias=input_alias("timeout-minutes"))
    on_cancel: Literal["detach", "stop"] = Field(default="detach", alias=input_alias("on-cancel"))
    verbose: bool = Field(default=False, alias=input_alias("verbose"))
    dry_run: bool = Field(default=False, alias=input_alias("dry-run"))
    aws_region: str = Field(default="", alias=input_alias("aws-region"))
    # -- required text -------------------------------------------------------------------------

    @field_validator("endpoint_name", mode="before")
    @classmethod
    def _endpoint_name(cls, value: object) -> str:
        text = text_of(value)
        if not text:
            raise ValueError("is required: the SageMaker endpoint to deploy to")
        if len(text) > 63 or not ENDPOINT_NAME.match(text):
            raise ValueError(
                f"{text!r} is not a valid SageMaker endpoint name: 1-63 letters, digits and hyphens, "
                "starting and ending with a letter or digit"
            )
        return text

    @field_validator("image_uri", mode="before")
    @classmethod
    def _image_uri(cls, value: object, info: ValidationInfo) -> str:
        text = text_of(value)
        if not text and info.data.get("command", "deploy") != "deploy":
            return ""
        if not text:
            raise ValueError(
                "is required: the inference image, e.g. 123456789012.dkr.ecr.REGION.amazonaws.com/repo:tag"
            )
        if len(text) > 255 or not IMAGE_URI.match(text):
            raise ValueError(
                f"{text!r} is not an image URI: write registry/repository[:tag][@sha256:digest], "
                "e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0"
            )
        return text

    @field_validator("execution_role_arn", mode="before")
    @classmethod
    def _execution_role_arn(cls, value: object, info: ValidationInfo) -> str:
        text = text_of(value)
        if not text and info.data.get("command", "deploy") != "deploy":
            return ""
        if not text:
            raise ValueError("is required: the IAM role SageMaker assumes, arn:aws:iam::ACCOUNT:role/NAME")
        if not ROLE_ARN.match(text):
            raise ValueError(f"{text!r} is not an IAM role ARN: write arn:aws:iam::123456789012:role/NAME")
        return text

    # -- optional text -------------------------------------------------------------------------

    @field_validator(*OPTIONAL_PATTERNS, mode="before")
    @classmethod
    def _optional_pattern(cls, value: object, info: ValidationInfo) -> str | None:
        pattern, problem = OPTIONAL_PATTERNS[str(info.field_name)]
        return optional_match(value, pattern, problem)

    @field_validator("state_machine_name", mode="before")
    @classmethod
    def _state_machine_name(cls, value: object, info: ValidationInfo) -> str:
        text = text_of(value) or default_machine_name(info.data.get("strategy"))
        if not SFN_NAME.match(text):
            raise ValueError(
                f"{text!r} is not a valid state machine name: 1-80 characters of A-Z a-z 0-9 _ -"
            )
        return text

    @field_validator("aws_region", mode="before")
    @classmethod
    def _aws_region(cls, value: object) -> str:
        text, source = text_of(value), ""
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if not text:
                text, source = os.environ.get(variable, "").strip(), f" (from {variable})"
        if not text:
            raise ValueError(
                "no region: set the aws-region input or AWS_REGION (configure-aws-credentials sets it)"
            )
        if not REGION.match(text):
            raise ValueError(f"{text!r}{source} is not an AWS region: write e.g. us-east-1")
        return text

    # -- numbers and flags ---------------------------------------------------------------------

    _alarm_check_seconds = field_validator("alarm_check_seconds", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _threshold_4xx = field_validator("error_alarm_4xx_threshold", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _threshold_5xx = field_validator("error_alarm_5xx_threshold", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _capacity = field_validator("autoscaling_min_capacity", "autoscaling_max_capacity", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _poll = field_validator("endpoint_poll_seconds", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _poll_max = field_validator("endpoint_poll_max_seconds", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _endpoint_timeout = field_validator("endpoint_timeout_minutes", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, maximum=1440))
    )
    _volume = field_validator("volume_size_gb", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, maximum=512))
    )
    _download_timeout = field_validator(
        "model_download_timeout_seconds", "container_startup_timeout_seconds", mode="before"
    )(empty_is_default(lambda value: parse_int(value, None, minimum=60, maximum=3600)))
    _capture_percentage = field_validator("data_capture_percentage", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=0, maximum=100))
    )
    _target = field_validator("autoscaling_target", mode="before")(
        empty_is_default(lambda value: parse_decimal(value, None, positive=True))
    )
    _wait = field_validator("wait_minutes", mode="before")(
        empty_is_default(lambda value: parse_decimal(value, None, positive=False))
    )
    _timeout = field_validator("timeout_minutes", mode="before")(
        empty_is_default(lambda value: parse_decimal(value, None, positive=True))
    )
    _error_alarms = field_validator("error_alarms", mode="before")(
        empty_is_default(lambda value: parse_bool(value, None))
    )
    _verbose = field_validator("verbose", mode="before")(
        empty_is_default(lambda value: parse_bool(value, None))
    )
    _dry_run = field_validator("dry_run", mode="before")(
        empty_is_default(lambda value: parse_bool(value, None))
    )

    @field_validator("canary_weights", mode="before")
    @classmethod
    def _weights(cls, value: object, info: ValidationInfo) -> list[int]:
        if all_at_once(value, info.data.get("strategy")):
            return [ALL_AT_ONCE]  # blue-green: all traffic in one step (canary/strategy_input.py)
        parsed = parse_weights(value)
        return parsed if parsed is not None else [20]

    _environment = field_validator("model_environment", mode="before")(empty_is_default(parse_environment))
    _alarms = field_validator("alarm_names", mode="before")(empty_is_default(parse_names))

    @model_validator(mode="after")
    def _runnable(self) -> Settings:
        problems = []
        if self.endpoint_poll_max_seconds > 3600 or self.endpoint_poll_seconds > 3600:
            problems.append(
                "endpoint-poll-seconds: at most 3600: give a number of seconds between 1 and 3600"
            )
        elif problem := polling_problem(self.endpoint_poll_seconds, self.endpoint_poll_max_seconds):
            problems.append(f"endpoint-poll-max-seconds: {problem} (endpoint-poll-seconds)")
        else:
            gated = self.max_error_rate_increase is not None or self.max_latency_increase is not None
            extending = self.min_canary_invocations and self.on_low_traffic == "extend"
            plan = (
                len(self.canary_weights),
                self.bake_seconds,
                self.alarm_check_seconds,
                bool(self.alarm_names) or self.error_alarms or gated,
                self.polling,
            )
            extensions = self.max_extensions if extending else 0
            judged = self.alarm_names or self.error_alarms or gated or self.min_canary_invocations
            delay = self.metrics_delay_seconds if judged else 0
            problem = plan_problem(
                *plan, extensions=extensions, gate_seconds=self.gate_seconds, delay_seconds=delay
            )
            if problem:
                culprit = plan_culprit(*plan, extensions=extensions, delay_seconds=delay)
                problems.append(f"{culprit}: {problem}")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @model_validator(mode="after")
    def _same_region(self) -> Settings:
        if self.state_machine_arn and self.state_machine_arn.split(":")[3] != self.aws_region:
            raise ValueError(
                f"state-machine-arn: the state machine is in {self.state_machine_arn.split(':')[3]} but "
                f"aws-region is {self.aws_region}: it must run in the endpoint's region; use a state machine "
                "there or set aws-region"
            )
        topic_region = self.notify_topic_arn.split(":")[3] if self.notify_topic_arn else self.aws_region
        if topic_region != self.aws_region:
            raise ValueError(
                f"notify-topic-arn: the topic is in {topic_region} but the deploy runs in {self.aws_region}: "
                "the state machine publishes in its own region; use a topic there"
            )
        return self

    @model_validator(mode="after")
    def _autoscaling(self) -> Settings:
        if self.autoscaling_max_capacity is None:
            if self.autoscaling_min_capacity is not None or self.autoscaling_target is not None:
                raise ValueError(
                    "autoscaling-max-capacity: is empty while autoscaling-min-capacity or autoscaling-target "
                    "is set: set autoscaling-max-capacity to turn auto scaling on"
                )
            return self
        if self.autoscaling_target is None:
            raise ValueError(
                "autoscaling-target: is required when autoscaling-max-capacity is set: give the target "
                "invocations per instance per minute, e.g. 70"
            )
        minimum = self.autoscaling_min_capacity or self.instance_count or 1
        if self.autoscaling_max_capacity < minimum:
            raise ValueError(
                f"autoscaling-max-capacity: {self.autoscaling_max_capacity} is below the minimum capacity "
                f"{minimum}: set it ≥ autoscaling-min-capacity (or instance-count)"
            )
        return self

    # -- derived -------------------------------------------------------------------------------

    @property
    def polling(self) -> PollingSettings:
        """How the state machine polls an endpoint being created or updated."""
        return PollingSettings(
            InitialSeconds=self.endpoint_poll_seconds,
            MaxSeconds=self.endpoint_poll_max_seconds,
            TimeoutSeconds=self.endpoint_timeout_minutes * 60,
        )

    @property
    def gate_seconds(self) -> int:
        """The longest all approval gates of this deploy can wait together."""
        if self.approval == "none":
            return 0
        gates = len(self.canary_weights) if self.approval == "each-step" else 1
        return gates * self.approval_timeout_minutes * 60

    @property
    def bake_seconds(self) -> int:
        """Bake time of each step in whole seconds (Step Functions waits take integers)."""
        return round(self.wait_minutes * 60)

    @property
    def timeout_seconds(self) -> float:
        """How long the action follows the execution."""
        return self.timeout_minutes * 60

    @property
    def autoscaling_enabled(self) -> bool:
        """True when target tracking is applied after promotion."""
        return self.autoscaling_max_capacity is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The runner's environment only: no dotenv or secret files."""
        return (init_settings, env_settings)


class _FlagSettings(Settings):
    """The same model fed only by the values given (the CLI's flags): the environment is not read."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init values only."""
        return (init_settings,)


_FIELD_TO_INPUT = {
    name: str(field.alias)[len(INPUT_PREFIX) :].lower() for name, field in Settings.model_fields.items()
}
INPUT_NAMES: tuple[str, ...] = tuple(_FIELD_TO_INPUT.values())
"""Every input name, as action.yml spells it."""


def _problems(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        loc = item["loc"][0] if item["loc"] else None
        if loc is None:
            problems.extend(message.splitlines())
            continue
        if isinstance(loc, str):
            field = (
                loc if loc in _FIELD_TO_INPUT else loc.removeprefix(INPUT_PREFIX).lower().replace("-", "_")
            )
            name = _FIELD_TO_INPUT.get(field, loc.removeprefix(INPUT_PREFIX).lower())
            problems.append(f"{name}: {message}")
        else:
            problems.append(message)
    return problems


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the inputs from the runner's ``INPUT_*`` environment.

    ``environ`` defaults to ``os.environ`` (read by pydantic-settings); a mapping is validated as if it
    were the environment (the CLI's path: nothing else is read).
    Raises :class:`InvalidInputError` listing every problem, each naming its input.
    """
    try:
        if environ is None:
            return Settings()
        values = {
            key.upper(): value for key, value in environ.items() if key.upper().startswith(INPUT_PREFIX)
        }
        return _FlagSettings.model_validate(values)
    except ValidationError as error:
        raise InvalidInputError(_problems(error)) from None


def settings_from_inputs(inputs: Mapping[str, str]) -> Settings:
    """Build the settings from input names (``{"endpoint-name": "…"}``): the CLI's path."""
    unknown = sorted(set(inputs) - set(INPUT_NAMES))
    if unknown:
        raise InvalidInputError([f"{name}: unknown input" for name in unknown])
    return load_settings({input_alias(name): value for name, value in inputs.items()})
