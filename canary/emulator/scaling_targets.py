"""Application Auto Scaling on moto 5.2.5, made to behave like AWS where a canary deploy depends on it.

- DeregisterScalableTarget deletes the target's scaling policies and scheduled actions: "Deregistering
  a scalable target deletes the scaling policies and the scheduled actions that are associated with
  it" (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeregisterScalableTarget.html).
  moto 5.2.5 leaves both behind.
- PutScheduledAction on a resource that is not a registered scalable target is refused with
  ``ObjectNotFoundException``: "You cannot create a scheduled action until you have registered the
  resource as a scalable target"; the exception is thrown "for any operation that depends on the
  existence of a scalable target"
  (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScheduledAction.html).
  moto accepts it.

- DescribeScheduledActions returns pages: "MaxResults ... can be between 1 and 50. The default value
  is 50", with a ``NextToken`` when more remain
  (https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DescribeScheduledActions.html).
  moto returns every action at once.

moto's Put/Describe/DeleteScheduledAction are otherwise used as they are (docs/emulator.md).
"""

from __future__ import annotations

from typing import Any


def _object_not_found(message: str) -> Exception:
    """Application Auto Scaling's ``ObjectNotFoundException`` (HTTP 400)."""
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError("ObjectNotFoundException", message)  # type: ignore[no-any-return]


def drop_dependents(backend: Any, namespace: str, resource_id: str, dimension: str) -> None:
    """Delete the scaling policies and scheduled actions of one (deregistered) scalable target."""
    for key, policy in list(backend.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
            namespace,
            resource_id,
            dimension,
        ):
            del backend.policies[key]
    backend.scheduled_actions = [
        action
        for action in backend.scheduled_actions
        if (action.service_namespace, action.resource_id, action.scalable_dimension)
        != (namespace, resource_id, dimension)
    ]


def install() -> None:
    """Patch moto's Application Auto Scaling backend (called once per process, from sagemaker)."""
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend

    deregister = ApplicationAutoscalingBackend.deregister_scalable_target
    put_scheduled_action = ApplicationAutoscalingBackend.put_scheduled_action

    def deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
        deregister(self, namespace, r_id, dimension)
        drop_dependents(self, namespace, r_id, dimension)

    def put_scheduled_action_of_a_target(self: Any, **kwargs: Any) -> None:
        namespace, r_id = kwargs["service_namespace"], kwargs["resource_id"]
        dimension = kwargs["scalable_dimension"]
        target = self.targets.get(dimension, {}).get(r_id)
        if target is None or target.service_namespace != namespace:
            raise _object_not_found(
                f"No scalable target registered for service namespace: {namespace}, resource ID: "
                f"{r_id}, scalable dimension: {dimension}"
            )
        put_scheduled_action(self, **kwargs)

    ApplicationAutoscalingBackend.deregister_scalable_target = deregister_scalable_target
    _install_scheduled_action_pages()
    ApplicationAutoscalingBackend.put_scheduled_action = put_scheduled_action_of_a_target


def _install_scheduled_action_pages() -> None:
    import json

    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse

    describe = ApplicationAutoScalingResponse.describe_scheduled_actions

    def describe_scheduled_actions(self: Any) -> str:
        params = json.loads(self.body or "{}")
        size = int(params.get("MaxResults") or 50)
        if not 1 <= size <= 50:
            from moto.applicationautoscaling.exceptions import AWSValidationException

            raise AWSValidationException(f"MaxResults must be between 1 and 50, got {size}")
        start = int(params.get("NextToken") or 0)
        found = json.loads(describe(self))
        actions = found["ScheduledActions"]
        page: dict[str, Any] = {"ScheduledActions": actions[start : start + size]}
        if start + size < len(actions):
            page["NextToken"] = str(start + size)
        return json.dumps(page)

    ApplicationAutoScalingResponse.describe_scheduled_actions = describe_scheduled_actions
