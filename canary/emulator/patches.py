"""Entry point for every moto extension: one ``install()`` that applies them all, in order."""

from __future__ import annotations

from canary.emulator.server import EmulatorTimings

_timings = EmulatorTimings()


def install() -> None:
    """Apply every extension module's patches to moto (called once per process)."""
    from canary.emulator import cloudwatch, faults, jsonata_eval, runtime, sagemaker, stepfunctions

    for module in (sagemaker, runtime, stepfunctions, jsonata_eval, cloudwatch, faults):
        module.install()


def set_timings(timings: EmulatorTimings) -> None:
    """Record the simulated SageMaker durations for the extensions to read."""
    global _timings  # noqa: PLW0603 - process-wide emulator setting
    _timings = timings


def timings() -> EmulatorTimings:
    """The simulated SageMaker durations in force."""
    return _timings


def reset() -> None:
    """Clear the extensions' own state (called after moto's reset)."""
    from canary.emulator import cloudwatch, faults, runtime, sagemaker, stepfunctions

    for module in (sagemaker, runtime, stepfunctions, cloudwatch, faults):
        module.reset()
