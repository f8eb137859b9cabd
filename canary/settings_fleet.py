"""The inputs that size the fleet: ``instance-count`` and ``canary-instance-count``, both explicit
overrides. Empty, the promoted variant keeps the current variant's instance count (a first deploy
starts 1) and each step's canary runs its share of it, ``max(1, ceil(N * weight / 100))``, which the
state machine computes (docs/state-machine.md, "The fleet"). A part of :class:`canary.settings.Settings`,
which inherits these fields, their validators and defaults."""

from __future__ import annotations

from pydantic import Field, field_validator

from canary.input_fields import InputModel, empty_is_default, input_alias
from canary.parsers import parse_int


class FleetInputs(InputModel):
    """Instance counts (action.yml): None keeps the fleet / sizes the canary to its share."""

    instance_count: int | None = Field(default=None, alias=input_alias("instance-count"))
    canary_instance_count: int | None = Field(default=None, alias=input_alias("canary-instance-count"))

    _instance_count = field_validator("instance_count", "canary_instance_count", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )
