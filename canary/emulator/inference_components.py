"""SageMaker inference components (ICs) on the emulator's endpoints; moto 5.2.5 has none.

An IC is a model hosted on an endpoint whose variant has instances and no model
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html): it
reserves CPU cores, accelerators and memory per copy, runs ``RuntimeConfig.CopyCount`` copies, and is
invoked by name. This module keeps the ICs and plays their lifecycle over the emulator's timings:

- CreateInferenceComponent: ``Creating`` for ``update_seconds`` (its copies are provisioned), then
  ``InService``; ``Failed`` with a ``FailureReason`` when the image is ``…:broken`` (health check) or
  when its copies do not fit the variant's instances beside the other ICs' (``ic_capacity``);
- UpdateInferenceComponent: ``Updating`` while ``ic_rollout`` plays the rolling deployment (or the
  default all-at-once update); afterwards ``InService`` on the new spec, or on the old one with a
  ``FailureReason`` when it rolled back;
- UpdateInferenceComponentRuntimeConfig: ``Updating``, then the copies that fit are placed;
- DeleteInferenceComponent: ``Deleting`` for ``weights_seconds``, then gone (its scalable target too).

Transitions settle lazily on every read, against moto's clock (naive UTC). ``ic_checks`` checks a
request against the endpoint, its models and its room; ``ic_api`` wires the API operations, tags, the
endpoint config checks and Application Auto Scaling onto moto.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from canary.emulator import ic_capacity, ic_checks, ic_rollout

DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
"""The Application Auto Scaling dimension of an IC's copy count (ResourceId ``inference-component/NAME``)."""


class _SageMakerLock:
    """SageMaker's one lock (``sagemaker._lock``): IC operations read endpoints and moto reads ICs
    (tags by ARN) under it, so a second lock could deadlock against it."""

    def __enter__(self) -> None:
        from canary.emulator import sagemaker

        sagemaker._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        from canary.emulator import sagemaker

        sagemaker._lock.release()


_lock = _SageMakerLock()
_components: dict[tuple[str, str], dict[str, Component]] = {}


@dataclass
class Component:
    """One inference component."""

    name: str
    arn: str
    endpoint_name: str
    endpoint_arn: str
    variant_name: str
    spec: dict[str, Any]
    copies: int
    """DesiredCopyCount."""
    current: int
    """CurrentCopyCount."""
    status: str
    created: datetime
    modified: datetime
    tags: list[dict[str, str]] = field(default_factory=list)
    failure: str | None = None
    last_config: dict[str, Any] | None = None
    due: datetime | None = None
    """When the create, runtime update or delete in flight ends (None: none)."""
    outcome: dict[str, Any] = field(default_factory=dict)
    """What it becomes then."""
    rollout: ic_rollout.Rollout | None = None
    """The current or last UpdateInferenceComponent."""
    backend: Any = None


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def _now() -> datetime:
    from moto.core.utils import utcnow

    return utcnow()  # type: ignore[no-any-return]


def _timings() -> Any:
    from canary.emulator import patches

    return patches.timings()


def _arn(backend: Any, name: str) -> str:
    from moto.sagemaker.utils import arn_formatter

    return arn_formatter("inference-component", name, backend.account_id, backend.region_name)  # type: ignore[no-any-return]


def store(backend: Any) -> dict[str, Component]:
    """The ICs of a SageMaker backend's account and region."""
    return _components.setdefault((backend.account_id, backend.region_name), {})


def reset() -> None:
    with _lock:
        _components.clear()


def get(backend: Any, name: str) -> Component:
    """The IC named ``name``, settled as of now; ValidationException when there is none."""
    component = store(backend).get(name)
    if component is None:
        raise _invalid(f'Could not find inference component "{_arn(backend, name)}".')
    settle(component)
    if store(backend).get(name) is None:  # its delete just finished
        raise _invalid(f'Could not find inference component "{_arn(backend, name)}".')
    return component


def hosts_components(variant: dict[str, Any]) -> bool:
    """A config's production variant for ICs: instances and no model."""
    return not variant.get("ModelName") and bool(variant.get("InstanceType"))


# --- operations -------------------------------------------------------------------------------------


def create(
    backend: Any,
    name: str,
    *,
    endpoint_name: str,
    variant_name: str | None,
    spec: dict[str, Any],
    runtime: dict[str, Any] | None,
    tags: list[dict[str, str]] | None,
) -> Component:
    from canary.emulator import sagemaker_settings

    with _lock:
        sagemaker_settings.check_tags(tags)
        if name in store(backend):
            raise _invalid(f'Cannot create already existing inference component "{_arn(backend, name)}".')
        endpoint = ic_checks.settled_endpoint(backend, endpoint_name)
        variant, instance_type, instances = ic_checks.variant(backend, endpoint, variant_name)
        ic_checks.check_spec(backend, endpoint_name, spec)
        adapter = bool(spec.get("BaseInferenceComponentName"))
        copies = int((runtime or {}).get("CopyCount", 0)) if not adapter else 0
        if not adapter and copies < 1:
            # Measured on AWS (stdapi-ai/stdapi.ai#43): "Inference components copy count an integer
            # larger than 0"; scale to zero comes later, through the copy count.
            raise _invalid("Inference components copy count must be an integer larger than 0.")
        now = _now()
        component = Component(
            name=name,
            arn=_arn(backend, name),
            endpoint_name=endpoint_name,
            endpoint_arn=endpoint.arn,
            variant_name=variant,
            spec=copy.deepcopy(spec),
            copies=copies,
            current=0,
            status="Creating",
            created=now,
            modified=now,
            tags=list(tags or []),
            backend=backend,
        )
        failure = ic_checks.health_failure(backend, name, spec)
        if failure is None and not adapter:
            short = ic_capacity.shortfall(
                instance_type,
                instances,
                [
                    *ic_checks.running_copies(backend, endpoint_name, variant),
                    (ic_capacity.need(spec), copies),
                ],
            )
            if short is not None:
                failure = f"Insufficient capacity to place inference component {name}: {short}."
        component.due = now + timedelta(seconds=float(_timings().update_seconds))
        component.outcome = (
            {"status": "Failed", "failure": failure, "current": 0}
            if failure
            else {"status": "InService", "failure": None, "current": copies}
        )
        store(backend)[name] = component
        settle(component)
        return component


def settle(component: Component) -> None:
    """Finish what the IC is doing if its time has come."""
    with _lock:
        rollout = component.rollout
        if component.status == "Updating" and rollout is not None and component.due is None:
            if not ic_rollout.advance(rollout):
                return
            end = rollout.started + timedelta(seconds=rollout.end())
            rolled_back = rollout.rollback_at is not None
            component.spec = copy.deepcopy(rollout.old_spec if rolled_back else rollout.new_spec)
            component.copies = component.current = rollout.old_count if rolled_back else rollout.new_count
            component.failure = rollout.reason if rolled_back else None
            component.status, component.modified = "InService", end
            return
        if component.due is None or _now() < component.due:
            return
        outcome, component.due = component.outcome, None
        component.modified = _now()
        if outcome.get("status") == "Deleted":
            store(component.backend).pop(component.name, None)
            _deregister(component)
            return
        component.status = outcome["status"]
        component.failure = outcome.get("failure")
        component.current = int(outcome.get("current", component.current))


def update(
    backend: Any,
    name: str,
    spec: dict[str, Any] | None,
    runtime: dict[str, Any] | None,
    deployment_config: dict[str, Any] | None,
) -> Component:
    from canary.emulator import guardrails

    with _lock:
        component = get(backend, name)
        if component.status != "InService":
            raise _invalid(
                f'Cannot update inference component "{component.arn}" in status {component.status}.'
            )
        endpoint = ic_checks.settled_endpoint(backend, component.endpoint_name)
        _, instance_type, instances = ic_checks.variant(backend, endpoint, component.variant_name)
        new_spec = copy.deepcopy(spec) if spec is not None else copy.deepcopy(component.spec)
        ic_checks.check_spec(backend, component.endpoint_name, new_spec)
        old, target = component.current, int((runtime or {}).get("CopyCount", component.copies))
        timings = _timings()
        scale = float(timings.deployment_wait_scale)
        clock = (float(timings.update_seconds), float(timings.weights_seconds), 0.0)
        alarms: tuple[str, ...] = ()
        timeout: float | None = None
        rollback_batch: int | None = None
        if deployment_config is not None:
            guardrails.check_shape(deployment_config)
            policy = deployment_config.get("RollingUpdatePolicy") or {}
            batch = ic_rollout.batch_size(policy.get("MaximumBatchSize") or {}, target, "MaximumBatchSize")
            clock = (clock[0], clock[1], float(policy.get("WaitIntervalInSeconds") or 0) * scale)
            steps = ic_rollout.rolling_steps(old, target, batch, clock)
            if policy.get("MaximumExecutionTimeoutInSeconds") is not None:
                timeout = float(policy["MaximumExecutionTimeoutInSeconds"]) * scale
            if policy.get("RollbackMaximumBatchSize") is not None:
                size = policy["RollbackMaximumBatchSize"]
                value = int(size.get("Value") or 0)
                rollback_batch = (
                    max(1, old * value // 100) if size.get("Type") == ic_rollout.CAPACITY_PERCENT else value
                )
            alarms = tuple(
                str(a["AlarmName"])
                for a in (deployment_config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
            )
        else:
            steps = ic_rollout.all_at_once_steps(old, target, clock)
        rollout = ic_rollout.Rollout(
            started=_now(),
            old_spec=copy.deepcopy(component.spec),
            new_spec=new_spec,
            old_count=old,
            new_count=target,
            steps=tuple(steps),
            alarms=alarms,
            timeout=timeout,
            rollback_batch=rollback_batch,
            provision=clock[0],
            shift=clock[1],
            account=backend.account_id,
            region=backend.region_name,
            failure=ic_checks.health_failure(backend, name, new_spec),
        )
        if not new_spec.get("BaseInferenceComponentName"):
            others = ic_checks.running_copies(
                backend, component.endpoint_name, component.variant_name, skip=name
            )
            at = 0.0
            for step in steps:
                if step.provisioning:
                    short = ic_capacity.shortfall(
                        instance_type,
                        instances,
                        [
                            *others,
                            (ic_capacity.need(component.spec), step.old),
                            (ic_capacity.need(new_spec), step.new),
                        ],
                    )
                    if short is not None:
                        rollout.capacity = (at, f"Insufficient capacity to place the new copies: {short}.")
                        break
                at += step.seconds
        component.rollout, component.status, component.modified = rollout, "Updating", rollout.started
        component.copies, component.failure, component.due = target, None, None
        if deployment_config:  # the most recent one; a plain update keeps it (as for endpoints)
            component.last_config = copy.deepcopy(deployment_config)
        settle(component)
        return component


def update_runtime(backend: Any, name: str, desired: dict[str, Any]) -> Component:
    with _lock:
        component = get(backend, name)
        if component.status != "InService":
            raise _invalid(
                f'Cannot update inference component "{component.arn}" in status {component.status}.'
            )
        if component.spec.get("BaseInferenceComponentName"):
            raise _invalid(
                f"Inference component {name} is an adapter: its copies are its base inference "
                "component's; update the base's copy count."
            )
        count = int(desired.get("CopyCount", component.copies))
        endpoint = ic_checks.settled_endpoint(backend, component.endpoint_name)
        _, instance_type, instances = ic_checks.variant(backend, endpoint, component.variant_name)
        others = ic_checks.running_copies(backend, component.endpoint_name, component.variant_name, skip=name)
        placed = count
        while placed > 0 and ic_capacity.shortfall(
            instance_type, instances, [*others, (ic_capacity.need(component.spec), placed)]
        ):
            placed -= 1
        timings = _timings()
        seconds = timings.update_seconds if count > component.current else timings.weights_seconds
        component.copies, component.status, component.modified = count, "Updating", _now()
        component.due = component.modified + timedelta(seconds=float(seconds))
        component.outcome = {"status": "InService", "failure": None, "current": placed}
        settle(component)
        return component


def delete(backend: Any, name: str) -> None:
    with _lock:
        component = get(backend, name)
        if component.status not in ("InService", "Failed"):
            raise _invalid(
                f'Cannot delete inference component "{component.arn}" in status {component.status}.'
            )
        adapters = [
            c.name for c in store(backend).values() if c.spec.get("BaseInferenceComponentName") == name
        ]
        if adapters:
            raise _invalid(
                f"Inference component {name} is the base of adapter inference component(s) "
                f"{', '.join(sorted(adapters))}: delete them first."
            )
        component.status, component.modified = "Deleting", _now()
        component.due = component.modified + timedelta(seconds=float(_timings().weights_seconds))
        component.outcome = {"status": "Deleted"}
        settle(component)


def _deregister(component: Component) -> None:
    """Its scalable target (and the target's policies and scheduled actions) go with it."""
    from moto.applicationautoscaling.models import applicationautoscaling_backends

    backend = component.backend
    autoscaling = applicationautoscaling_backends[backend.account_id][backend.region_name]
    resource = f"inference-component/{component.name}"
    autoscaling.targets.get(DIMENSION, {}).pop(resource, None)
    for key, policy in list(autoscaling.policies.items()):
        if policy.resource_id == resource:
            del autoscaling.policies[key]
    autoscaling.scheduled_actions = [a for a in autoscaling.scheduled_actions if a.resource_id != resource]
