"""Application Auto Scaling's eventual consistency right after RegisterScalableTarget, on demand.

AWS: PutScalingPolicy and PutScheduledAction answer ``ObjectNotFoundException`` ("The specified object
could not be found") when the target is not found
(https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html,
https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html), and
users see it right after a RegisterScalableTarget that succeeded
(https://github.com/hashicorp/terraform-provider-aws/issues/427): the new target is not yet visible.
moto 5.2.5 is always consistent. With :func:`lag_after_registration` switched on (tests do; reset
switches it off), the first PutScalingPolicy or PutScheduledAction for a target after each of its
registrations fails once that way; the next call succeeds::

    from canary.emulator import autoscaling

    autoscaling.lag_after_registration()
    ...
    assert autoscaling.lagged() == 1
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_enabled = False
_fresh: set[tuple[str, str, str]] = set()
_lagged = 0
_installed = False


def lag_after_registration(enabled: bool = True) -> None:
    """Switch on (or off) the one failure after each registration."""
    global _enabled  # noqa: PLW0603 - process-wide emulator setting
    with _lock:
        _enabled = enabled
        _fresh.clear()


def lagged() -> int:
    """Calls failed so far because their target was just registered."""
    with _lock:
        return _lagged


def reset() -> None:
    """Switch the lag off and forget the fresh targets (the emulator's reset calls this)."""
    global _lagged  # noqa: PLW0603 - process-wide emulator setting
    lag_after_registration(False)
    with _lock:
        _lagged = 0


def _registered(key: tuple[str, str, str]) -> None:
    with _lock:
        if _enabled:
            _fresh.add(key)


def _check_visible(namespace: str, resource_id: str, dimension: str) -> None:
    """Raise ObjectNotFoundException once for a target registered just before."""
    global _lagged  # noqa: PLW0603 - process-wide emulator setting
    key = (namespace, resource_id, dimension)
    with _lock:
        if key not in _fresh:
            return
        _fresh.discard(key)
        _lagged += 1
    from moto.core.exceptions import JsonRESTError

    raise JsonRESTError(
        "ObjectNotFoundException",
        f"No scalable target registered for service namespace: {namespace}, resource ID: {resource_id}, "
        f"scalable dimension: {dimension}",
    )


def install() -> None:
    """Wrap moto's RegisterScalableTarget, PutScalingPolicy and PutScheduledAction."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    if _installed:
        return
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend as Backend

    register, put_policy, put_action = (
        Backend.register_scalable_target,
        Backend.put_scaling_policy,
        Backend.put_scheduled_action,
    )

    def register_scalable_target(
        self: Any, namespace: str, r_id: str, dimension: str, *a: Any, **k: Any
    ) -> Any:
        target = register(self, namespace, r_id, dimension, *a, **k)
        _registered((namespace, r_id, dimension))
        return target

    def put_scaling_policy(
        self: Any,
        policy_name: str,
        service_namespace: str,
        resource_id: str,
        scalable_dimension: str,
        *a: Any,
        **k: Any,
    ) -> Any:
        _check_visible(service_namespace, resource_id, scalable_dimension)
        return put_policy(self, policy_name, service_namespace, resource_id, scalable_dimension, *a, **k)

    def put_scheduled_action(self: Any, *a: Any, **k: Any) -> Any:
        _check_visible(k["service_namespace"], k["resource_id"], k["scalable_dimension"])
        return put_action(self, *a, **k)

    Backend.register_scalable_target = register_scalable_target
    Backend.put_scaling_policy = put_scaling_policy
    Backend.put_scheduled_action = put_scheduled_action
    _installed = True
