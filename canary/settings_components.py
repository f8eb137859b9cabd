"""The ``inference-component-name`` inputs: deploy to an inference component (docs/inference-components.md).

A part of :class:`canary.settings.Settings`. With ``inference-component-name`` the deploy updates (or
creates) that inference component (IC) of an existing endpoint with SageMaker's rolling update of IC
copies, driven by the guardrails state machine; it runs as ``strategy: rolling`` internally, so the
rolling inputs (batch sizes, ``wait-minutes``, alarms, their refusals) are shared. What means nothing for
an IC is refused here (exit 2, named); what depends on the IC itself is checked before any change
(canary/component_checks.py).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from canary.input_fields import InputModel, empty_is_default, input_alias
from canary.parsers import parse_decimal, parse_int, text_of

DEFAULT_CPUS = 1.0
DEFAULT_MEMORY_MB = 1024
DEFAULT_COPIES = 1
"""A new IC's compute requirements and copy count when the inputs are empty (accelerators: none)."""


class ComponentInputs(InputModel):
    """``inference-component-name``, ``ic-cpus``, ``ic-accelerators``, ``ic-memory-mb``, ``ic-copies``."""

    inference_component_name: str | None = Field(default=None, alias=input_alias("inference-component-name"))
    ic_cpus: float | None = Field(default=None, alias=input_alias("ic-cpus"))
    ic_accelerators: int | None = Field(default=None, alias=input_alias("ic-accelerators"))
    ic_memory_mb: int | None = Field(default=None, alias=input_alias("ic-memory-mb"))
    ic_copies: int | None = Field(default=None, alias=input_alias("ic-copies"))

    @field_validator("inference_component_name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str | None:
        return text_of(value) or None

    _cpus = field_validator("ic_cpus", mode="before")(
        empty_is_default(lambda value: parse_decimal(value, None, positive=True))
    )
    _accelerators = field_validator("ic_accelerators", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=0))
    )
    _memory = field_validator("ic_memory_mb", mode="before")(
        empty_is_default(lambda value: parse_int(value, None, minimum=128))
    )
    _copies = field_validator("ic_copies", mode="before")(
        empty_is_default(lambda value: parse_int(value, None))
    )

    @model_validator(mode="after")
    def _fits_a_component(self) -> ComponentInputs:
        problems = component_problems(self)
        if problems:
            raise ValueError("\n".join(problems))
        if self.inference_component_name:
            # Everything keyed on the strategy (the guardrails machine, the Strategy block, the
            # rolling inputs' checks) follows: an IC update is SageMaker's rolling update of copies.
            object.__setattr__(self, "strategy", "rolling")
            from canary.settings_strategy import CANARY_MACHINE, GUARDRAILS_MACHINE

            if getattr(self, "state_machine_name", None) == CANARY_MACHINE:
                object.__setattr__(self, "state_machine_name", GUARDRAILS_MACHINE)
        return self


IC_INPUTS = (
    ("ic-cpus", "ic_cpus"),
    ("ic-accelerators", "ic_accelerators"),
    ("ic-memory-mb", "ic_memory_mb"),
    ("ic-copies", "ic_copies"),
)


def component_problems(inputs: object) -> list[str]:
    """Every input that means nothing for an inference component, each naming the input."""
    get = inputs.__getattribute__
    if not get("inference_component_name"):
        return [
            f"{name}: applies to an inference component only: set inference-component-name or leave it empty"
            for name, field in IC_INPUTS
            if get(field) is not None
        ]
    on = "(inference-component-name is given)"
    problems: list[str] = []
    if get("strategy") == "blue-green":  # rolling (or empty) is what an IC deploy is
        problems.append(
            f"strategy: blue-green cannot apply {on}: an inference component is updated by SageMaker's "
            "rolling update of its copies; leave strategy empty"
        )
    if list(get("canary_weights")) != [20]:
        problems.append(
            f"canary-weights: cannot apply {on}: callers name the inference component they invoke, so no "
            "traffic weight splits them; leave it empty (rolling-batch-size sets the copies per batch)"
        )
    fleet = (
        ("instance-type", get("instance_type") is not None),
        ("instance-count", get("instance_count") is not None),
        ("canary-instance-count", get("canary_instance_count") is not None),
        ("autoscaling-max-capacity", get("autoscaling_max_capacity") is not None),
        ("autoscaling-min-capacity", get("autoscaling_min_capacity") is not None),
    )
    for name, given in fleet:
        if given:
            problems.append(
                f"{name}: cannot apply {on}: the endpoint's instances and the IC's scaling are kept as "
                "they are (size a new IC with ic-cpus, ic-accelerators, ic-memory-mb, ic-copies); leave it "
                "empty"
            )
    return problems
