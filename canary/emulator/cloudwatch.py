"""moto extensions for CloudWatch: DescribeAlarms as the CloudWatch API reference describes it.

moto 5.2.5 applies only one DescribeAlarms filter (with ``AlarmNames`` given, ``StateValue`` is
ignored), returns composite alarms when ``AlarmTypes`` is omitted, lists alarms in creation order and
ignores ``MaxRecords``/``NextToken``. Here every filter applies together, alarms come sorted by name,
only metric alarms unless ``AlarmTypes`` asks for composites, in pages of ``MaxRecords`` (default 50,
1-100) with an opaque ``NextToken``.

moto also starts a new alarm in ``OK`` and resets an updated alarm's state. AWS starts it in
``INSUFFICIENT_DATA`` ("Unchecked: Initial alarm creation") and, when PutMetricAlarm updates an
existing alarm, leaves its state unchanged: so does this.

PutCompositeAlarm, which moto 5.2.5 does not route, is moto's PutMetricAlarm with the ``AlarmRule``
(stored, not evaluated). Left to moto, already as AWS: DescribeAlarms leaves out names that have no
alarm (no error); DeleteAlarms of a missing alarm is no error; SetAlarmState keeps its
``StateReason``/``StateReasonData``; SetAlarmState on a missing alarm is ``ResourceNotFound``.

GetMetricData's ``MetricStat`` queries are answered here from the datapoints PutMetricData stored
(moto 5.2.5 has no percentiles, ignores the namespace once dimensions are given and compares
dimension lists with a broken ordering): a metric is its namespace, name and exact set of
dimensions; the start time is rounded down as the API reference says; one datapoint per period that
has data, newest first unless ``ScanBy`` says otherwise; ``Sum``, ``Average``, ``Minimum``,
``Maximum``, ``SampleCount`` and percentiles ``pNN``/``pNN.N`` (nearest rank over the raw values; a
statistic set counts only when it holds one sample or its Minimum equals its Maximum, and a period
holding any other set has no percentile, as API_PutMetricData says). Metric math expressions stay
moto's.

Late data: a datapoint becomes readable ``EmulatorTimings.metrics_delay_seconds`` after PutMetricData
stored it (SageMaker's metrics reach CloudWatch minutes after the minute they describe). Statistic
sets: :func:`store_as_statistic_sets` makes PutMetricData store a namespace's datapoints as statistic
sets (``Values``/``Counts`` and ``Value`` folded into SampleCount, Sum, Minimum, Maximum), as
SageMaker's metrics page lists only those statistics for ``ModelLatency``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import threading
from collections.abc import Iterable, Sequence
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
    from moto.cloudwatch.exceptions import (
        InvalidParameterCombination,
        InvalidParameterValue,
        ValidationError,
    )
    from moto.core.responses import ActionResult

    names = self._get_param("AlarmNames", []) or []
    if len(names) > MAX_MAX_RECORDS:  # "Array Members: Maximum number of 100 items."
        raise ValidationError(
            f"1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member "
            f"must have length less than or equal to {MAX_MAX_RECORDS}"
        )
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


# -- GetMetricData ---------------------------------------------------------------------------------

PERIODS_BELOW_A_MINUTE = frozenset({1, 5, 10, 20, 30})
"""MetricStat.Period: "Valid values are 1, 5, 10, 20, 30, 60, and any multiple of 60"."""
BASIC_STATS = frozenset({"Sum", "Average", "Minimum", "Maximum", "SampleCount"})
_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d{1,10})?|100)$")


@dataclass(frozen=True)
class Datapoint:
    """One stored datapoint: a single value, or a statistic set (a percentile only from a set of one
    sample or with Minimum = Maximum: then ``value`` is that value, held ``count`` times)."""

    timestamp: dt.datetime
    """Naive UTC, as moto stores it."""
    count: float
    total: float
    minimum: float
    maximum: float
    value: float | None
    """The raw value (of a single value, or of every sample of a set with Minimum = Maximum); None for
    a statistic set whose samples CloudWatch cannot know."""


def round_start(start: dt.datetime, period: int, now: dt.datetime) -> dt.datetime:
    """StartTime as CloudWatch rounds it (GetMetricData API reference, ``StartTime``): to the whole
    minute (less than 15 days ago), 5 minutes (15-63 days) or hour (older); a period of 5-30 s to
    its division of the minute, 1 s to the second."""
    start = start.replace(microsecond=0)
    age = now - start
    if age > dt.timedelta(days=63):
        return start.replace(minute=0, second=0)
    if age > dt.timedelta(days=15):
        return start.replace(minute=start.minute - start.minute % 5, second=0)
    if period in PERIODS_BELOW_A_MINUTE:
        return start.replace(second=start.second - start.second % period)
    return start.replace(second=0)


def percentile(values: Sequence[float], rank: float, counts: Sequence[float] | None = None) -> float | None:
    """The nearest-rank ``rank``-th percentile of ``values``, each held ``counts`` times (default once);
    None when there are none."""
    weights = list(counts) if counts is not None else [1.0] * len(values)
    pairs = sorted((v, w) for v, w in zip(values, weights, strict=True) if w > 0)
    total = sum(w for _, w in pairs)
    if not pairs:
        return None
    target, seen = max(1.0, math.ceil(rank / 100 * total)), 0.0
    for value, weight in pairs:
        seen += weight
        if seen >= target:
            return value
    return pairs[-1][0]


def statistic(points: Sequence[Datapoint], stat: str) -> float | None:
    """``stat`` over ``points`` (None when it cannot be computed, e.g. a percentile of statistic sets)."""
    if stat == "Sum":
        return sum(p.total for p in points)
    if stat == "SampleCount":
        return sum(p.count for p in points)
    if stat == "Minimum":
        return min(p.minimum for p in points)
    if stat == "Maximum":
        return max(p.maximum for p in points)
    if stat == "Average":
        count = sum(p.count for p in points)
        return sum(p.total for p in points) / count if count else None
    match = _PERCENTILE.match(stat)
    if match is None or any(p.value is None for p in points):
        return None  # "CloudWatch needs raw data points to calculate percentile statistics"
    return percentile(
        [p.value for p in points if p.value is not None], float(match[1]), [p.count for p in points]
    )


def _datapoints(backend: Any, metric: dict[str, Any], unit: str | None) -> list[Datapoint]:
    """The stored datapoints of exactly this metric (namespace, name, set of dimensions) that are
    readable now (stored at least ``metrics_delay_seconds`` ago)."""
    from moto.cloudwatch.models import MetricAggregatedDatum, MetricDatum

    from canary.emulator import patches

    readable = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=patches.timings().metrics_delay_seconds)
    wanted = {(d["Name"], d["Value"]) for d in metric.get("Dimensions") or []}
    points = []
    for datum in backend.get_all_metrics():
        if datum.namespace != metric["Namespace"] or datum.name != metric["MetricName"]:
            continue
        if {(d.name, d.value) for d in datum.dimensions} != wanted or (unit and datum.unit != unit):
            continue
        if getattr(datum, _STORED_AT, readable) > readable:
            continue
        stamp = datum.timestamp
        if stamp.tzinfo is not None:
            stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
        if isinstance(datum, MetricDatum):
            value = float(datum.value)
            points.append(Datapoint(stamp, 1.0, value, value, value, value))
        elif isinstance(datum, MetricAggregatedDatum):
            known = datum.min if datum.sample_count == 1 or datum.min == datum.max else None
            points.append(Datapoint(stamp, datum.sample_count, datum.sum, datum.min, datum.max, known))
    return points


def metric_stat_result(
    backend: Any, query: dict[str, Any], start: dt.datetime, end: dt.datetime, scan_by: str
) -> dict[str, Any]:
    """One MetricStat query's MetricDataResult: a value per period of [start, end) that has data."""
    from moto.cloudwatch.exceptions import InvalidParameterValue

    stat_query = query["MetricStat"]
    period, stat = int(stat_query["Period"]), str(stat_query["Stat"])
    if period < 1 or (period not in PERIODS_BELOW_A_MINUTE and period % 60):
        raise InvalidParameterValue(
            "The parameter MetricDataQueries.member.Period must be 1, 5, 10, 20, 30, 60 or a multiple "
            f"of 60 (got {period})."
        )
    if stat not in BASIC_STATS and not _PERCENTILE.match(stat):
        raise InvalidParameterValue(f"The emulator does not compute the statistic {stat}.")
    points = [
        p
        for p in _datapoints(backend, stat_query["Metric"], stat_query.get("Unit"))
        if start <= p.timestamp < end
    ]
    timestamps, values = [], []
    bucket = start
    while bucket < end:
        following = bucket + dt.timedelta(seconds=period)
        inside = [p for p in points if bucket <= p.timestamp < following]
        value = statistic(inside, stat) if inside else None
        if value is not None:
            timestamps.append(bucket.replace(tzinfo=dt.UTC))
            values.append(value)
        bucket = following
    if scan_by != "TimestampAscending":
        timestamps.reverse()
        values.reverse()
    label = query.get("Label") or f"{stat_query['Metric']['MetricName']} {stat}"
    return {
        "Id": query["Id"],
        "Label": label,
        "Timestamps": timestamps,
        "Values": values,
        "StatusCode": "Complete",
    }


def _naive_utc(value: Any) -> dt.datetime:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value  # type: ignore[no-any-return]


def _get_metric_data(self: Any, original: Any) -> Any:
    """GetMetricData: MetricStat queries answered here; any metric math expression goes to moto."""
    from moto.cloudwatch.exceptions import ValidationError
    from moto.core.responses import ActionResult

    params = self._get_params()
    queries = params.get("MetricDataQueries", [])
    if any("Expression" in query for query in queries):
        return original(self)
    for number, query in enumerate(queries, start=1):
        if "MetricStat" not in query:
            raise ValidationError(
                f"The parameter MetricDataQueries.member.{number}.MetricStat is required.\n"
            )
    start, end = _naive_utc(params["StartTime"]), _naive_utc(params["EndTime"])
    if start >= end:
        raise ValidationError("The parameter StartTime must be less than the parameter EndTime.")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    scan_by = params.get("ScanBy") or "TimestampDescending"
    results = []
    for query in queries:
        period = int(query["MetricStat"]["Period"])
        rounded = round_start(start, period, now)
        result = metric_stat_result(self.cloudwatch_backend, query, rounded, end, scan_by)
        if query.get("ReturnData", True):
            results.append(result)
    return ActionResult({"MetricDataResults": results, "Messages": []})


# -- PutMetricData: when a datapoint becomes readable, and statistic sets ------------------------

_STORED_AT = "canary_stored_at"
"""Attribute set on each of moto's stored datums: when PutMetricData stored it (aware UTC)."""
_lock = threading.Lock()
_statistic_set_namespaces: set[str] = set()


def store_as_statistic_sets(namespace: str = "AWS/SageMaker") -> None:
    """From now on (until the emulator is reset), PutMetricData stores ``namespace``'s datapoints as
    statistic sets, so GetMetricData has percentiles of them only where CloudWatch could compute one."""
    with _lock:
        _statistic_set_namespaces.add(namespace)


def as_statistic_set(member: dict[str, Any]) -> dict[str, Any]:
    """A PutMetricData ``MetricData`` member with its ``Value`` or ``Values``/``Counts`` folded into
    ``StatisticValues`` (SampleCount, Sum, Minimum, Maximum)."""
    if "StatisticValues" in member:
        return member
    values = [float(v) for v in member.get("Values") or [member.get("Value", 0)]]
    counts = [float(c) for c in member.get("Counts") or [1] * len(values)]
    folded = {k: v for k, v in member.items() if k not in {"Value", "Values", "Counts"}}
    folded["StatisticValues"] = {
        "SampleCount": sum(counts),
        "Sum": sum(v * c for v, c in zip(values, counts, strict=True)),
        "Minimum": min(values),
        "Maximum": max(values),
    }
    return folded


def _install_put_metric_data() -> None:
    from moto.cloudwatch.models import CloudWatchBackend

    original = CloudWatchBackend.put_metric_data

    def put_metric_data(self: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
        with _lock:
            fold = namespace in _statistic_set_namespaces
        if fold:
            metric_data = [as_statistic_set(member) for member in metric_data]
        stored = len(self.metric_data)
        original(self, namespace, metric_data)
        now = dt.datetime.now(dt.UTC)
        for datum in self.metric_data[stored:]:
            setattr(datum, _STORED_AT, now)

    CloudWatchBackend.put_metric_data = put_metric_data


def install() -> None:
    """Patch moto's cloudwatch backend and responses (called once per process)."""
    from moto.cloudwatch.responses import CloudWatchResponse

    _install_alarm_state_on_put()
    _install_put_metric_data()

    original_get_metric_data = CloudWatchResponse.get_metric_data

    def get_metric_data(self: Any) -> Any:
        return _get_metric_data(self, original_get_metric_data)

    CloudWatchResponse.get_metric_data = get_metric_data

    original = CloudWatchResponse.describe_alarms

    def describe_alarms(self: Any) -> Any:
        # Alarm hierarchy queries stay moto's (this product does not use them).
        if self._get_param("ChildrenOfAlarmName") or self._get_param("ParentsOfAlarmName"):
            return original(self)
        return _describe_alarms(self)

    CloudWatchResponse.describe_alarms = describe_alarms

    def put_composite_alarm(self: Any) -> Any:
        # moto reads AlarmRule in put_metric_alarm "to re-use this method for composite alarms" but
        # routes no PutCompositeAlarm to it; the rule is stored, not evaluated.
        return self.put_metric_alarm()

    CloudWatchResponse.put_composite_alarm = put_composite_alarm


def reset() -> None:
    """Forget this module's own state (after moto's reset): the statistic-set namespaces."""
    with _lock:
        _statistic_set_namespaces.clear()
