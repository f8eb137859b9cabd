"""Fault injection inside the emulator: make chosen AWS operations fail on purpose, whoever calls them.

Faults are applied in moto's request dispatch (``BaseResponse.call_action``), so they hit every
request the server answers: the action's own calls *and* the calls a running state machine's aws-sdk
tasks make back into the emulator. That is what lets a test prove that the state machine's ``Retry``
rules, not luck, carry a deploy through throttling::

    from canary.emulator import faults

    fault = faults.inject("sagemaker", "UpdateEndpoint", count=2)           # the next 2 calls throttle
    faults.inject("sagemaker", "DescribeEndpoint", rate=0.3, seed=7)        # 30% of calls, repeatable
    faults.inject("cloudwatch", "DescribeAlarms", error="InternalFailure", status=500, count=1)
    ...
    assert fault.fired == 2

The error is serialized in the service's own protocol (JSON for SageMaker and Step Functions, query
or JSON for CloudWatch) by moto's serializer, so the SDK sees exactly what it would see from AWS:
``ThrottlingException`` with HTTP 400 by default, as SageMaker answers a throttled request
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html). ``message`` is the
error message and may be any text — tests use it to carry attacker-controlled text into a task's
failure cause.

Faults live until they are used up or :func:`reset` (which the emulator's reset calls) clears them.
"""

from __future__ import annotations

import random
import threading
import warnings
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ERROR = "ThrottlingException"
DEFAULT_MESSAGE = "Rate exceeded"
_STATUS = {
    "ThrottlingException": 400,
    "Throttling": 400,
    "TooManyRequestsException": 400,
    "InternalFailure": 500,
    "InternalServerError": 500,
    "ServiceUnavailable": 503,
}
"""HTTP status by error code, when :func:`inject` is not given one (anything else: 400)."""


def _service_key(name: str) -> str:
    """Normalise a service name: ``sagemaker``, ``stepfunctions``/``states``/``sfn``, ``cloudwatch``, …"""
    key = name.lower().replace("-", "").replace("_", "")
    return {"states": "stepfunctions", "sfn": "stepfunctions", "monitoring": "cloudwatch"}.get(key, key)


@dataclass
class Fault:
    """One injected fault; :attr:`fired` counts the requests it failed."""

    service: str
    operation: str
    error: str
    message: str
    status: int
    count: int | None
    """Fail this many matching requests, then stop (None: no limit)."""
    rate: float
    """Probability that a matching request fails (1.0: every one, until ``count`` is used up)."""
    seed: int | None
    fired: int = 0
    seen: int = 0
    """Matching requests, failed or not."""
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - test fault schedule, not cryptography

    @property
    def exhausted(self) -> bool:
        """True once ``count`` requests have been failed."""
        return self.count is not None and self.fired >= self.count

    def matches(self, service: str, operation: str) -> bool:
        """True for a request to this fault's service and operation (``*`` matches any operation)."""
        return self.service == _service_key(service) and self.operation in {"*", operation}

    def _decide(self) -> bool:
        """Called under the module lock for a matching request: fail it?"""
        self.seen += 1
        if self.exhausted:
            return False
        if self.rate < 1.0 and self._rng.random() >= self.rate:
            return False
        self.fired += 1
        return True


_lock = threading.Lock()
_faults: list[Fault] = []
_installed = False


def inject(
    service: str,
    operation: str,
    *,
    error: str = DEFAULT_ERROR,
    message: str = DEFAULT_MESSAGE,
    status: int | None = None,
    count: int | None = None,
    rate: float | None = None,
    seed: int | None = None,
) -> Fault:
    """Fail requests to ``service``'s ``operation`` (PascalCase API name, or ``*``) with ``error``.

    ``count`` limits how many requests fail; ``rate`` fails each matching request with that
    probability (``seed`` makes the schedule repeatable). With neither, every matching request fails
    until :func:`reset`. Returns the :class:`Fault`, whose ``fired`` counts the failures.
    """
    if count is not None and count < 0:
        raise ValueError("count must be >= 0")
    if rate is not None and not 0.0 < rate <= 1.0:
        raise ValueError("rate must be in (0, 1]")
    fault = Fault(
        service=_service_key(service),
        operation=operation,
        error=error,
        message=message,
        status=status if status is not None else _STATUS.get(error, 400),
        count=count,
        rate=1.0 if rate is None else rate,
        seed=seed,
    )
    with _lock:
        _faults.append(fault)
    return fault


def faults() -> list[Fault]:
    """The faults in force (a copy of the list)."""
    with _lock:
        return list(_faults)


def fired(service: str | None = None, operation: str | None = None) -> int:
    """Requests failed so far by the faults in force, optionally only those of a service/operation."""
    with _lock:
        return sum(
            f.fired
            for f in _faults
            if (service is None or f.service == _service_key(service))
            and (operation is None or f.operation == operation)
        )


def reset() -> None:
    """Remove every fault (the emulator's reset calls this)."""
    with _lock:
        _faults.clear()


def match(service: str, operation: str) -> Fault | None:
    """The first fault in force that fails this request now (and counts it), or None."""
    with _lock:
        for fault in _faults:
            if fault.matches(service, operation) and fault._decide():
                return fault
    return None


def install() -> None:
    """Wrap moto's ``BaseResponse.call_action`` so every request goes through :func:`match` first."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _lock:
        if _installed:
            return
        from moto.core.exceptions import ServiceException
        from moto.core.responses import ActionResult, BaseResponse

        class InjectedFault(ServiceException):  # type: ignore[misc]
            """An injected error (defined outside ``moto.*``: serialized against the called service)."""

        original = BaseResponse.call_action

        def call_action(self: Any) -> Any:
            if _faults:
                try:
                    operation = self._get_action()
                except Exception:  # an unroutable request is moto's to answer
                    operation = None
                fault = match(self.boto3_service_name or "", operation) if operation else None
                if fault is not None:
                    error = InjectedFault(fault.error, fault.message)
                    # Throttling and 5xx codes are no modeled error shape: moto warns, then serializes.
                    with _lock, warnings.catch_warnings():
                        warnings.simplefilter("ignore", UserWarning)
                        _, headers, body = self.serialized(ActionResult(error))
                    headers = {**headers, "status": fault.status}
                    return fault.status, headers, body
            return original(self)

        BaseResponse.call_action = call_action
        _installed = True
