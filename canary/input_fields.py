"""What every settings class of the action's inputs shares: the ``INPUT_*`` alias, the empty-means-
default validator, and the inputs that take one of a fixed set of values (:mod:`canary.settings`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, get_args

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings

from canary.parsers import text_of

INPUT_PREFIX = "INPUT_"


def input_alias(name: str) -> str:
    return f"{INPUT_PREFIX}{name.upper()}"


def empty_is_default(parse: Callable[[object], object]) -> Any:
    """A before-validator: ``parse(value)``, or the field's own default when that is None (empty)."""

    def validate(cls: type[BaseSettings], value: object, info: ValidationInfo) -> object:
        parsed = parse(value)
        if parsed is None and info.field_name is not None:
            return cls.model_fields[info.field_name].get_default(call_default_factory=True)
        return parsed

    return classmethod(validate)


CHOICES: dict[str, str] = {
    "command": "is not a command: use deploy, approve (the execution waiting at a gate goes on) "
    "or abort (it rolls back)",
    "approval": "is not an option: use none, before-promote or each-step",
    "on_approval_timeout": "is not an option: use rollback or promote",
    "on_cancel": "is not an option: use detach or stop",
    "strategy": "is not a strategy: use canary (a second variant beside the current one), blue-green or "
    "rolling (SageMaker's deployment guardrails)",
    "on_low_traffic": "is not an option: use fail (roll back), extend (bake again, up to max-extensions "
    "times) or promote",
    "create_endpoint": "is not an option: use allow (create the endpoint when it does not exist) or never "
    "(refuse with exit status 2 when it does not exist)",
}
"""Inputs (by field) that take one of their ``Literal`` type's values: what a wrong one is told."""


class InputModel(BaseSettings):
    """The base of the input settings classes: the choice inputs' one validator."""

    @field_validator(*CHOICES, mode="before", check_fields=False)
    @classmethod
    def _choice(cls, value: object, info: ValidationInfo) -> str:
        """One of the field's ``Literal`` values; empty is the field's default."""
        field = cls.model_fields[str(info.field_name)]
        text = text_of(value) or str(field.default)
        if text not in get_args(field.annotation):
            raise ValueError(f"{text!r} {CHOICES[str(info.field_name)]}")
        return text
