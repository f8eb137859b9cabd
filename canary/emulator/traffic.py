"""Simulated endpoint traffic: the SageMaker metrics of each variant, written with PutMetricData.

The emulator serves no real requests, so a test (or the demo) that needs a canary worse or no worse
than its baseline writes the numbers SageMaker would publish (namespace ``AWS/SageMaker``,
dimensions ``EndpointName`` + ``VariantName``; https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html):
``Invocations``, ``Invocation4XXErrors``, ``Invocation5XXErrors`` and ``ModelLatency`` in
microseconds, every ``interval`` seconds, stamped with the time of writing, through a real
CloudWatch client. The state machine's GetMetricData reads them back.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NAMESPACE = "AWS/SageMaker"


@dataclass(frozen=True)
class VariantTraffic:
    """What one variant serves each second."""

    per_second: float
    """Invocations per second."""
    rate_5xx: float = 0.0
    """Share of invocations answered 5xx (0-1)."""
    rate_4xx: float = 0.0
    """Share of invocations answered 4xx (0-1)."""
    latency_ms: float = 50.0
    """ModelLatency of most requests, milliseconds."""
    p99_ms: float | None = None
    """ModelLatency of the slowest 2 %, so the p99 (default: ``latency_ms``)."""


def metric_data(
    endpoint: str, variant: str, traffic: VariantTraffic, counts: tuple[int, int, int]
) -> list[dict[str, Any]]:
    """PutMetricData's ``MetricData`` of one variant: ``counts`` = (invocations, 5xx, 4xx) now."""
    now = dt.datetime.now(dt.UTC)
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    count, errors_5xx, errors_4xx = counts
    data: list[dict[str, Any]] = [
        {"MetricName": "Invocations", "Dimensions": dims, "Timestamp": now, "Value": count},
        {
            "MetricName": "Invocation5XXErrors",
            "Dimensions": dims,
            "Timestamp": now,
            "Value": errors_5xx,
        },
        {
            "MetricName": "Invocation4XXErrors",
            "Dimensions": dims,
            "Timestamp": now,
            "Value": errors_4xx,
        },
    ]
    if count:
        values, weights = [traffic.latency_ms * 1000], [count]
        if traffic.p99_ms is not None:  # the slowest 2 % (at least one request): p99 falls among them
            slow = max(1, math.ceil(count * 0.02))
            values, weights = [traffic.latency_ms * 1000, traffic.p99_ms * 1000], [count - slow, slow]
        data.append(
            {
                "MetricName": "ModelLatency",
                "Dimensions": dims,
                "Timestamp": now,
                "Unit": "Microseconds",
                "Values": values,
                "Counts": weights,
            }
        )
    return data


class TrafficFeed:
    """Writes each variant's metrics every ``interval`` seconds until stopped (a context manager)."""

    def __init__(
        self,
        cloudwatch: Any,
        endpoint: str,
        variants: Mapping[str, VariantTraffic],
        interval: float = 0.25,
    ) -> None:
        """``cloudwatch``: a boto3 CloudWatch client; ``variants``: variant name → its traffic."""
        self.cloudwatch = cloudwatch
        self.endpoint = endpoint
        self.variants = dict(variants)
        self.interval = interval
        self._expected: dict[str, tuple[float, float, float]] = {}
        """Per variant: invocations, 5xx and 4xx owed so far (whole counts are written, none lost)."""
        self._written: dict[str, tuple[int, int, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="traffic-feed", daemon=True)

    def set(self, variant: str, traffic: VariantTraffic) -> None:
        """Change one variant's traffic from the next write on."""
        self.variants = {**self.variants, variant: traffic}

    def write(self, seconds: float) -> None:
        """Write ``seconds`` of every variant's traffic now."""
        for variant, traffic in self.variants.items():
            calls, e5, e4 = self._expected.get(variant, (0.0, 0.0, 0.0))
            new = traffic.per_second * seconds
            expected = (calls + new, e5 + new * traffic.rate_5xx, e4 + new * traffic.rate_4xx)
            written = self._written.get(variant, (0, 0, 0))
            total = tuple(math.floor(value + 1e-9) for value in expected)
            counts = (total[0] - written[0], total[1] - written[1], total[2] - written[2])
            self._expected[variant], self._written[variant] = expected, (total[0], total[1], total[2])
            self.cloudwatch.put_metric_data(
                Namespace=NAMESPACE, MetricData=metric_data(self.endpoint, variant, traffic, counts)
            )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.write(self.interval)

    def __enter__(self) -> TrafficFeed:
        self.write(self.interval)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
