"""The dry run's plan of a deploy by SageMaker's guardrails (strategy blue-green or rolling).

canary/dry_run.py says the canary flow's plan; for a guarded strategy its canary steps and promotion
are replaced by what SageMaker will be asked to do, its peak instances (canary/strategy_capacity.py)
and the alarms that roll it back. Made only from what the preflight read: nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from canary.dry_run import plan_lines
from canary.guardrail_lines import guarded_plan
from canary.strategy_capacity import peak_instances

if TYPE_CHECKING:
    from canary.deploy import Prepared
    from canary.settings import Settings

_CANARY_ONLY = ("canary: ", "  step ", "promote: ", "total bake: ")
"""Lines of canary/dry_run.py's plan that describe the canary flow's steps."""


def dry_run_lines(settings: Settings, prepared: Prepared) -> list[str]:
    """The plan of this deploy, for any strategy."""
    lines = plan_lines(settings, prepared)
    if not settings.guarded:
        return lines
    document, endpoint = prepared.execution_input, prepared.endpoint
    if endpoint is None or not endpoint.exists or document.Strategy is None:
        return lines
    names = document.Names
    alarms = [*document.AlarmNames]
    if document.ErrorAlarms.Enabled:
        alarms += [f"{names.AlarmPrefix}-4xx (rate)", f"{names.AlarmPrefix}-5xx (rate)"]
    alarms.append(f"{names.AlarmPrefix}-abort")
    if document.Component is not None:  # an IC: its copies, the endpoint and its config untouched
        ours = [
            f"inference component {document.Component.Name}: UpdateInferenceComponent with the new model "
            "(or CreateInferenceComponent when it is missing); the endpoint and its config are not changed",
            f"  {guarded_plan(document.model_dump(mode='json'))}",
            f"  rollback alarms (AutoRollbackConfiguration): {', '.join(alarms)}",
            "  rolled back by SageMaker → back on the IC's current model, copies and compute",
        ]
    else:
        ours = _endpoint_plan(settings, prepared, alarms)
    kept = [line for line in lines if not line.startswith(_CANARY_ONLY)]
    at = next(
        (n for n, line in enumerate(kept) if line.startswith(("auto scaling", "notifications", "dry run"))),
        len(kept),
    )
    return kept[:at] + ours + kept[at:]


def _endpoint_plan(settings: Settings, prepared: Prepared, alarms: list[str]) -> list[str]:
    document, endpoint = prepared.execution_input, prepared.endpoint
    if endpoint is None or document.Strategy is None:
        return []
    names = document.Names
    variant = endpoint.variants[0] if endpoint.variants else None
    fleet = variant.instance_count if variant and variant.instance_type else None
    size = f"x{fleet} ({variant.instance_type})" if fleet and variant else "serverless"
    ours = [
        f"{settings.strategy}: endpoint config {names.FinalConfig} = variant "
        f"{variant.name if variant else '?'} with the new model, {size}; one UpdateEndpoint with "
        "SageMaker's DeploymentConfig",
        f"  {guarded_plan(document.model_dump(mode='json'))}",
        f"  rollback alarms (AutoRollbackConfiguration): {', '.join(alarms)}",
    ]
    if fleet:
        batch = document.Strategy.BatchSize if settings.strategy == "rolling" else None
        peak = peak_instances(settings.strategy, fleet, batch)
        ours.append(f"  peak: {peak} {variant.instance_type if variant else ''} instances (steady: {fleet})")
    ours.append(f"  rolled back by SageMaker → back on {endpoint.config_name}")
    return ours
