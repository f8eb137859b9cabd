"""Read before anything is created: what the deploy relies on but does not own.

- **The user's alarms exist.** CloudWatch DescribeAlarms leaves out names that have no alarm, without
  an error (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html),
  so a misspelled ``alarm-names`` entry would be a safety net that never existed. Every name must be a
  metric or a composite alarm of the region: else exit 2, naming the missing ones. The state machine
  checks the same at its start (``CheckAlarmNames``), and a check during a bake that finds fewer alarms
  than it named rolls back (docs/state-machine.md, "Alarms that must exist").
- **A missing endpoint is created only when allowed.** ``create-endpoint: never`` refuses (exit 2) a
  deploy to an endpoint that does not exist; with ``allow`` a first deploy is announced by a warning
  (:func:`first_deploy_warning`) before the start.

Each check is a read; :func:`canary.deploy.prepare` runs them before the state machine is created or
updated, so a refusal changes nothing in AWS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from canary.endpoint import EndpointState
from canary.errors import ConfigurationError
from canary.settings import Settings

if TYPE_CHECKING:
    from types_boto3_cloudwatch.client import CloudWatchClient

ALARM_TYPES = ["MetricAlarm", "CompositeAlarm"]
"""Both kinds: DescribeAlarms without ``AlarmTypes`` returns metric alarms only."""
MAX_NAMES_PER_CALL = 100
"""DescribeAlarms' largest ``MaxRecords``: this many names fit in one page of one call."""


def missing_alarms(cloudwatch: CloudWatchClient, names: Sequence[str]) -> list[str]:
    """The names among ``names`` that are neither a metric nor a composite alarm, in their order."""
    found: set[str] = set()
    for start in range(0, len(names), MAX_NAMES_PER_CALL):
        answer = cloudwatch.describe_alarms(
            AlarmNames=list(names[start : start + MAX_NAMES_PER_CALL]),
            AlarmTypes=ALARM_TYPES,  # type: ignore[arg-type]
            MaxRecords=MAX_NAMES_PER_CALL,
        )
        alarms = [*answer.get("MetricAlarms", []), *answer.get("CompositeAlarms", [])]
        found |= {str(alarm.get("AlarmName")) for alarm in alarms}
    return [name for name in names if name not in found]


def check_alarms(cloudwatch: CloudWatchClient, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` when an ``alarm-names`` entry has no alarm."""
    if not settings.alarm_names:
        return
    missing = missing_alarms(cloudwatch, settings.alarm_names)
    if missing:
        listed = ", ".join(missing)
        raise ConfigurationError(
            f"alarm-names: no alarm named {listed} in {settings.aws_region} (DescribeAlarms found neither a "
            "metric nor a composite alarm of that name), so it could never roll the canary back: correct "
            "the name, create the alarm first, or remove it from alarm-names; nothing was changed"
        )


def check_create(endpoint: EndpointState, settings: Settings) -> None:
    """Raise :class:`ConfigurationError` when the endpoint does not exist and may not be created."""
    if endpoint.exists or settings.create_endpoint == "allow":
        return
    raise ConfigurationError(
        f"endpoint-name: endpoint {endpoint.name} does not exist in {settings.aws_region} and "
        "create-endpoint is never, so nothing was created: check endpoint-name and aws-region (a typo in "
        "either would create a new endpoint), or set create-endpoint: allow for a first deploy"
    )


def first_deploy_warning(settings: Settings) -> str:
    """What a first deploy is about to create, said before the start."""
    count = settings.instance_count
    return (
        f"endpoint {settings.endpoint_name} does not exist in {settings.aws_region}: this creates it, "
        f"{count} new billable instance{'s' if count != 1 else ''} of {settings.instance_type or '?'} "
        "(create-endpoint: never forbids this)"
    )
