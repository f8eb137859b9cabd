"""moto extension for Step Functions' GetExecutionHistory: paging as the API reference has it.

Moved out of ``canary/emulator/stepfunctions.py`` (which installs and resets it). GetExecutionHistory
pages (``maxResults``, ``nextToken``, ``reverseOrder``, ``includeExecutionData``) at a cost
proportional to the page: each event is serialized once per execution and cached (past events never
change), and a page joins cached JSON. Tokens are opaque and HMAC-bound to the execution and
direction; anything else is ``InvalidToken``. moto 5.2.5 ignored all four parameters.

docs/emulator.md describes this against AWS and moto.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import os
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from canary.emulator.sfn_sdk_tasks import json_safe

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Payload fields left out of every *EventDetails when includeExecutionData is false.
EXECUTION_DATA_FIELDS = ("input", "output")

_TOKEN_KEY = os.urandom(32)
_TOKEN_MAC_BYTES = 16


@dataclass
class _EventCache:
    """Events of one execution serialized once each (by 0-based position), with and without data."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    full: dict[int, str] = field(default_factory=dict)
    lean: dict[int, str] = field(default_factory=dict)


_caches: weakref.WeakKeyDictionary[Any, _EventCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_none(item) for item in value]
    return value


def _epoch_seconds(timestamp: Any) -> float:
    """The wire form of a history timestamp (awsJson: epoch seconds), from moto's ISO string."""
    if isinstance(timestamp, str):
        parsed = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")
        return parsed.replace(tzinfo=datetime.UTC).timestamp()
    if isinstance(timestamp, datetime.datetime):
        return timestamp.timestamp()
    return float(timestamp)


def _event_json(event: dict[str, Any], include_data: bool) -> str:
    wire = _without_none(json_safe(dict(event)))
    wire["timestamp"] = _epoch_seconds(event["timestamp"])
    if not include_data:
        for key, details in wire.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                for name in EXECUTION_DATA_FIELDS:
                    details.pop(name, None)
    return json.dumps(wire, separators=(",", ":"))


def _serialized_page(execution: Any, events: list[Any], positions: range, include_data: bool) -> list[str]:
    """The JSON of ``events[i]`` for each position, serializing only those not seen before."""
    with _caches_lock:
        cache = _caches.get(execution)
        if cache is None:
            cache = _caches[execution] = _EventCache()
    known = cache.full if include_data else cache.lean
    with cache.lock:
        for index in positions:
            if index not in known:
                known[index] = _event_json(events[index], include_data)
        return [known[index] for index in positions]


def _token_mac(execution_arn: str, payload: bytes) -> bytes:
    message = execution_arn.encode() + b"\0" + payload
    return hmac.new(_TOKEN_KEY, message, hashlib.sha256).digest()[:_TOKEN_MAC_BYTES]


def encode_history_token(execution_arn: str, next_index: int, reverse: bool) -> str:
    """An opaque token for the page starting at 0-based event ``next_index`` in that direction."""
    payload = f"{next_index}:{int(reverse)}".encode()
    raw = payload + _token_mac(execution_arn, payload)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_history_token(execution_arn: str, token: str, reverse: bool) -> int | None:
    """The 0-based index a token of this execution and direction resumes at; None if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return None
    payload, mac = raw[:-_TOKEN_MAC_BYTES], raw[-_TOKEN_MAC_BYTES:]
    if len(raw) <= _TOKEN_MAC_BYTES or not hmac.compare_digest(mac, _token_mac(execution_arn, payload)):
        return None
    index_text, _, direction = payload.decode().partition(":")
    if direction != str(int(reverse)):
        return None
    return int(index_text)


@dataclass(frozen=True)
class HistoryPage:
    """Which events (0-based positions, in response order) a page holds, and where the next starts."""

    positions: range
    next_index: int | None


def history_page(total: int, start: int | None, size: int, reverse: bool) -> HistoryPage:
    """Slice ``total`` events into the page of ``size`` starting at ``start`` (None: the first page)."""
    if reverse:
        first = total - 1 if start is None else min(start, total - 1)
        last = max(first - size + 1, 0)
        positions = range(first, last - 1, -1)
        return HistoryPage(positions, last - 1 if last > 0 else None)
    first = 0 if start is None else start
    end = min(first + size, total)
    return HistoryPage(range(first, end), end if end < total else None)


def _get_execution_history(self: Any) -> Any:
    """GetExecutionHistory that honours its paging parameters, O(page) per call."""
    from moto.stepfunctions.exceptions import InvalidToken, ValidationException

    execution_arn = self._get_param("executionArn")
    max_results = self._get_param("maxResults") or DEFAULT_PAGE_SIZE
    reverse = bool(self._get_param("reverseOrder", False))
    include_data = self._get_param("includeExecutionData")
    include_data = True if include_data is None else bool(include_data)
    token = self._get_param("nextToken")
    if not isinstance(max_results, int) or not 0 <= max_results <= MAX_PAGE_SIZE:
        raise ValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE_SIZE}"
        )
    execution = self.stepfunction_backend.describe_execution(execution_arn)
    worker = getattr(execution, "exec_worker", None)
    env = getattr(worker, "env", None)
    events: list[Any] = env.event_manager._history_event_list if env is not None else []
    total = len(events)
    start = None
    if token is not None:
        start = decode_history_token(execution_arn, token, reverse)
        if start is None or start > total:
            raise InvalidToken(f"'{token}'")
    page = history_page(total, start, max_results, reverse)
    body = '{"events":[' + ",".join(_serialized_page(execution, events, page.positions, include_data)) + "]"
    if page.next_index is not None:
        body += ',"nextToken":' + json.dumps(encode_history_token(execution_arn, page.next_index, reverse))
    return body + "}"


def install() -> None:
    """Patch moto's GetExecutionHistory (called once per process, from ``stepfunctions.install``)."""
    from moto.stepfunctions.responses import StepFunctionResponse

    StepFunctionResponse.get_execution_history = _get_execution_history


def reset() -> None:
    """Forget the serialized events (after moto's reset)."""
    with _caches_lock:
        _caches.clear()
