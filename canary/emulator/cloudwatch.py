"""moto extensions for CloudWatch: DescribeAlarms as the CloudWatch API reference describes it.

moto 5.2.5 applies only one DescribeAlarms filter (with ``AlarmNames`` given, ``StateValue`` is
ignored), returns composite alarms when ``AlarmTypes`` is omitted, lists alarms in creation order and
ignores ``MaxRecords``/``NextToken``. Here every filter applies together, alarms come sorted by name,
only metric alarms unless ``AlarmTypes`` asks for composites, in pages of ``MaxRecords`` (default 50,
1-100) with an opaque ``NextToken``.

moto also starts a new alarm in ``OK`` and resets an updated alarm's state. AWS starts it in
``INSUFFICIENT_DATA`` ("Unchecked: Initial alarm creation") and, when PutMetricAlarm updates an
existing alarm, leaves its state unchanged: so does this.

Left to moto, already as AWS: DeleteAlarms of a missing alarm is no error; SetAlarmState keeps its
``StateReason``/``StateReasonData``; SetAlarmState on a missing alarm is ``ResourceNotFound``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

DEFAULT_MAX_RECORDS = 50
MAX_MAX_RECORDS = 100
METRIC_ALARM = "MetricAlarm"
COMPOSITE_ALARM = "CompositeAlarm"
_TOKEN_PREFIX = "alarms-after:"  # noqa: S105 - a paging marker, not a secret
INITIAL_STATE = "INSUFFICIENT_DATA"


@dataclass(frozen=True)
class AlarmFilter:
    """The DescribeAlarms selection parameters; an omitted one selects everything."""

    names: frozenset[str] = frozenset()
    name_prefix: str | None = None
    state_value: str | None = None
    action_prefix: str | None = None
    types: frozenset[str] = frozenset({METRIC_ALARM})

    def matches(self, alarm: Any) -> bool:
        """Whether ``alarm`` (moto's Alarm) passes every given filter."""
        alarm_type = METRIC_ALARM if alarm.rule is None else COMPOSITE_ALARM
        return (
            alarm_type in self.types
            and (not self.names or alarm.name in self.names)
            and (self.name_prefix is None or alarm.name.startswith(self.name_prefix))
            and (self.state_value is None or alarm.state_value == self.state_value)
            and (
                self.action_prefix is None
                or any(action.startswith(self.action_prefix) for action in alarm.alarm_actions or [])
            )
        )


def encode_token(last_name: str) -> str:
    """An opaque NextToken resuming after the alarm named ``last_name``."""
    return base64.urlsafe_b64encode((_TOKEN_PREFIX + last_name).encode()).decode()


def decode_token(token: str) -> str | None:
    """The alarm name a NextToken resumes after; None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text.removeprefix(_TOKEN_PREFIX) if text.startswith(_TOKEN_PREFIX) else None


def select_alarms(
    alarms: Iterable[Any], selection: AlarmFilter, max_records: int, after: str | None
) -> tuple[list[Any], str | None]:
    """One page of matching alarms sorted by name, and the name to resume after (None: last page)."""
    matching = sorted((a for a in alarms if selection.matches(a)), key=lambda alarm: str(alarm.name))
    if after is not None:
        matching = [alarm for alarm in matching if alarm.name > after]
    page = matching[:max_records]
    return page, (page[-1].name if len(matching) > max_records else None)


def _describe_alarms(self: Any) -> Any:
    """DescribeAlarms applying every filter together, sorted, paged."""
    from moto.cloudwatch.exceptions import InvalidParameterCombination, InvalidParameterValue
    from moto.core.responses import ActionResult

    names = self._get_param("AlarmNames", []) or []
    name_prefix = self._get_param("AlarmNamePrefix")
    if names and name_prefix:
        raise InvalidParameterCombination("AlarmNamePrefix and AlarmNames cannot be specified together.")
    max_records = self._get_param("MaxRecords") or DEFAULT_MAX_RECORDS
    if not 1 <= int(max_records) <= MAX_MAX_RECORDS:
        raise InvalidParameterValue(f"MaxRecords must be between 1 and {MAX_MAX_RECORDS}.")
    token = self._get_param("NextToken")
    after = decode_token(token) if token else None
    if token and after is None:
        raise InvalidParameterValue("Invalid NextToken.")
    selection = AlarmFilter(
        names=frozenset(names),
        name_prefix=name_prefix,
        state_value=self._get_param("StateValue"),
        action_prefix=self._get_param("ActionPrefix"),
        types=frozenset(self._get_param("AlarmTypes", []) or [METRIC_ALARM]),
    )
    page, last = select_alarms(self.cloudwatch_backend.alarms.values(), selection, int(max_records), after)
    result: dict[str, Any] = {
        "MetricAlarms": [alarm for alarm in page if alarm.rule is None],
        "CompositeAlarms": [alarm for alarm in page if alarm.rule is not None],
    }
    if last is not None:
        result["NextToken"] = encode_token(last)
    return ActionResult(result)


_STATE_ATTRIBUTES = ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history")


def _install_alarm_state_on_put() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.put_metric_alarm

    def put_metric_alarm(self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs["name"] if "name" in kwargs else args[0]
        previous = self.alarms.get(name)
        alarm = original(self, *args, **kwargs)
        if previous is not None and previous is not alarm:
            for attribute in _STATE_ATTRIBUTES:
                setattr(alarm, attribute, getattr(previous, attribute))
        elif previous is None:
            alarm.state_value = INITIAL_STATE
        return alarm

    CloudWatchBackend.put_metric_alarm = put_metric_alarm


def install() -> None:
    """Patch moto's cloudwatch backend and responses (called once per process)."""
    from moto.cloudwatch.responses import CloudWatchResponse

    _install_alarm_state_on_put()

    original = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        # Alarm hierarchy queries stay moto's (this product does not use them).
        if self._get_param("ChildrenOfAlarmName") or self._get_param("ParentsOfAlarmName"):
            return original(self)
        return _describe_alarms(self)

    CloudWatchResponse.describe_alarms = describe_alarms


def reset() -> None:
    """Forget this module's own state (after moto's reset): it keeps none."""
