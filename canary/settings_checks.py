"""The inputs that judge the new model before and while it serves: the smoke test, the approval
gates, the notifications and the canary-vs-baseline numbers (docs/state-machine.md). A part of
:class:`canary.settings.Settings`, which inherits these fields, their validators and defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from canary.input_fields import InputModel, empty_is_default, input_alias
from canary.parsers import parse_decimal, parse_int, parse_media_type, parse_payload, text_of
from canary.smoke_pattern import PatternError, compile_pattern
from canary.smoke_test import content_type_problem, json_body


class CheckInputs(InputModel):
    """Smoke test, gates, notifications and canary vs baseline (action.yml)."""

    # -- before traffic, and at the gate (docs/state-machine.md, "Smoke test") ------------------
    smoke_test_payload: dict[str, Any] | list[Any] | None = Field(
        default=None, alias=input_alias("smoke-test-payload")
    )
    smoke_test_content_type: str = Field(
        default="application/json", alias=input_alias("smoke-test-content-type")
    )
    smoke_test_accept: str = Field(default="application/json", alias=input_alias("smoke-test-accept"))
    smoke_test_expect: str = Field(default="", alias=input_alias("smoke-test-expect"))
    approval: Literal["none", "before-promote", "each-step"] = Field(
        default="none", alias=input_alias("approval")
    )
    approval_timeout_minutes: int = Field(default=60, alias=input_alias("approval-timeout-minutes"))
    on_approval_timeout: Literal["rollback", "promote"] = Field(
        default="rollback", alias=input_alias("on-approval-timeout")
    )
    notify_topic_arn: str | None = Field(default=None, alias=input_alias("notify-topic-arn"))

    _approval_timeout = field_validator("approval_timeout_minutes", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, maximum=1440))
    )

    # -- canary vs baseline (docs/state-machine.md, "Canary vs baseline") ------------------------
    max_error_rate_increase: float | None = Field(default=None, alias=input_alias("max-error-rate-increase"))
    max_latency_increase: float | None = Field(default=None, alias=input_alias("max-latency-increase"))
    gate_min_invocations: int = Field(default=100, alias=input_alias("gate-min-invocations"))
    min_canary_invocations: int = Field(default=0, alias=input_alias("min-canary-invocations"))
    on_low_traffic: Literal["fail", "extend", "promote"] = Field(
        default="fail", alias=input_alias("on-low-traffic")
    )
    max_extensions: int = Field(default=2, alias=input_alias("max-extensions"))

    @field_validator("smoke_test_payload", mode="before")
    @classmethod
    def _smoke_test_payload(cls, value: object) -> dict[str, Any] | list[Any] | None:
        if isinstance(value, dict | list):
            return value
        text = parse_payload(value, Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()))
        return None if text is None else json_body(text)

    @field_validator("smoke_test_expect", mode="before")
    @classmethod
    def _smoke_test_expect(cls, value: object) -> str:
        text = text_of(value)
        if text:
            try:
                compile_pattern(text)
            except PatternError as error:
                raise ValueError(f"{text!r} {error}") from None
        return text

    _media_types = field_validator("smoke_test_content_type", "smoke_test_accept", mode="before")(
        empty_is_default(parse_media_type)
    )

    @field_validator("max_error_rate_increase", mode="before")
    @classmethod
    def _max_error_rate_increase(cls, value: object) -> float | None:
        number = parse_decimal(value, None, positive=False)
        if number is not None and number > 100:
            raise ValueError(
                f"{number:g} is out of range: give percentage points of 5xx rate between 0 and 100, "
                "e.g. 1 (or leave it empty to turn the gate off)"
            )
        return number

    _max_latency_increase = field_validator("max_latency_increase", mode="before")(
        empty_is_default(lambda value: parse_decimal(value, None, positive=False))
    )
    _gate_min_invocations = field_validator("gate_min_invocations", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
    _min_canary_invocations = field_validator("min_canary_invocations", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=0))
    )
    _max_extensions = field_validator("max_extensions", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=0, maximum=10))
    )

    @model_validator(mode="after")
    def _smoke_test_has_a_payload(self) -> CheckInputs:
        if self.smoke_test_expect and self.smoke_test_payload is None:
            raise ValueError(
                "smoke-test-expect: is set but smoke-test-payload is empty: give the request body the "
                "new model must answer (or leave smoke-test-expect empty)"
            )
        problem = (
            None if self.smoke_test_payload is None else content_type_problem(self.smoke_test_content_type)
        )
        if problem:
            raise ValueError(f"smoke-test-content-type: {problem}")
        return self
