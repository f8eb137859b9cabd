"""moto extensions for cloudwatch (see MOTO-NOTES.md for what moto 5.2.5 gets wrong)."""

from __future__ import annotations


def install() -> None:
    """Patch moto's cloudwatch backend and responses (called once per process)."""


def reset() -> None:
    """Forget this module's own state (after moto's reset)."""
