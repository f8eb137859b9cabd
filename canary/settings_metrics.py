"""The input that says how late SageMaker's metrics reach CloudWatch (docs/state-machine.md, "Canary vs
baseline"). A part of :class:`canary.settings.Settings`, which inherits the field, its validator and
default."""

from __future__ import annotations

from pydantic import Field, field_validator

from canary.analysis_input import DEFAULT_METRICS_DELAY_SECONDS
from canary.input_fields import InputModel, empty_is_default, input_alias
from canary.parsers import parse_int

MAX_METRICS_DELAY_SECONDS = 3600
"""The execution input's bound on ``Analysis.MetricsDelaySeconds``."""


class MetricsInputs(InputModel):
    """How long a judged bake waits past ``wait-minutes`` for its metrics (action.yml)."""

    metrics_delay_seconds: int = Field(
        default=DEFAULT_METRICS_DELAY_SECONDS, alias=input_alias("metrics-delay-seconds")
    )

    _metrics_delay_seconds = field_validator("metrics_delay_seconds", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=0, maximum=MAX_METRICS_DELAY_SECONDS))
    )
