"""Entry point for every moto extension: one ``install()`` that applies them all, in order."""

from __future__ import annotations

from canary.emulator.server import EmulatorTimings

_timings = EmulatorTimings()


def install() -> None:
    """Apply every extension module's patches to moto (called once per process)."""
    from canary.emulator import (
        autoscaling,
        child_executions,
        cloudwatch,
        faults,
        ic_api,
        jsonata_eval,
        local_storage,
        payload_limits,
        runtime,
        sagemaker,
        sdk_blobs,
        servicequotas,
        sns,
        stepfunctions,
    )

    sfn = (stepfunctions, payload_limits, sdk_blobs, child_executions, jsonata_eval)
    for module in (
        sagemaker,
        local_storage,
        autoscaling,
        runtime,
        *sfn,
        cloudwatch,
        sns,
        servicequotas,
        faults,
        ic_api,
    ):
        module.install()
    _install_module_list_once()


def _install_module_list_once() -> None:
    """moto's server lists its package directory on every request to route it; the list never changes
    while the process runs, so it is read once (a few percent of a test run's CPU)."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def set_timings(timings: EmulatorTimings) -> None:
    """Record the simulated SageMaker durations for the extensions to read."""
    global _timings  # noqa: PLW0603 - process-wide emulator setting
    _timings = timings


def timings() -> EmulatorTimings:
    """The simulated SageMaker durations in force."""
    return _timings


def reset() -> None:
    """Clear the extensions' own state (called after moto's reset)."""
    from canary.emulator import (
        autoscaling,
        cloudwatch,
        faults,
        ic_runtime,
        inference_components,
        instances,
        runtime,
        sagemaker,
        servicequotas,
        stepfunctions,
    )

    for module in (
        sagemaker,
        autoscaling,
        runtime,
        stepfunctions,
        cloudwatch,
        servicequotas,
        instances,
        faults,
        inference_components,
        ic_runtime,
    ):
        module.reset()
