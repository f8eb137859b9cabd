"""Simulated endpoint traffic: the SageMaker metrics of each variant, written with PutMetricData.

:class:`FleetFeed` derives each variant's numbers from its traffic per instance (:class:`InstanceLoad`),
so an undersized canary is slower than its baseline by load alone.

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
    dims = [{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}]
    return metrics_of(dims, traffic, counts)


def metrics_of(
    dims: list[dict[str, str]], traffic: VariantTraffic, counts: tuple[int, int, int]
) -> list[dict[str, Any]]:
    """PutMetricData's ``MetricData`` of whatever ``dims`` name (a variant, an inference component):
    ``counts`` = (invocations, 5xx, 4xx) now, ModelLatency as a distribution of their latencies."""
    now = dt.datetime.now(dt.UTC)
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


@dataclass(frozen=True)
class InstanceLoad:
    """The emulator's model of one instance under load (docs/emulator.md, "Traffic per instance").

    Weights split an endpoint's traffic per variant, and a variant's traffic over its instances
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html). An
    instance serves up to ``capacity_per_second`` invocations a second; at utilisation ``u`` (its
    invocations per second over that capacity) a request waits as in a single-server queue, so
    ModelLatency is ``latency_ms / (1 - min(u, max_utilisation))`` (the p99 likewise from ``p99_ms``),
    and what exceeds the capacity (``u > 1``) is answered 5xx: a share ``1 - 1/u`` of the requests.
    """

    capacity_per_second: float = 100.0
    """Invocations per second one instance serves (the knee of its latency curve)."""
    latency_ms: float = 50.0
    """ModelLatency of most requests on an idle instance, milliseconds."""
    p99_ms: float = 100.0
    """ModelLatency of the slowest 2 % on an idle instance, milliseconds."""
    max_utilisation: float = 0.95
    """Where the queueing factor stops growing (latency at most 20x idle with the default)."""

    def traffic(self, per_second: float, instances: int, rate_5xx: float = 0.0) -> VariantTraffic:
        """A variant's metrics when ``instances`` share ``per_second`` invocations (``rate_5xx``: the
        model's own errors, added to the overload's)."""
        utilisation = per_second / max(instances, 1) / self.capacity_per_second
        slowdown = 1 / (1 - min(utilisation, self.max_utilisation))
        shed = 1 - 1 / utilisation if utilisation > 1 else 0.0
        return VariantTraffic(
            per_second,
            rate_5xx=min(1.0, rate_5xx + shed),
            latency_ms=self.latency_ms * slowdown,
            p99_ms=self.p99_ms * slowdown,
        )


class FleetFeed(TrafficFeed):
    """A :class:`TrafficFeed` whose variants follow the endpoint: before each write it reads
    DescribeEndpoint and splits ``per_second`` by each variant's ``CurrentWeight`` over its
    ``CurrentInstanceCount``, through ``load`` (a variant that is gone stops being written)."""

    def __init__(
        self,
        cloudwatch: Any,
        sagemaker: Any,
        endpoint: str,
        per_second: float,
        *,
        load: InstanceLoad | None = None,
        interval: float = 0.25,
    ) -> None:
        """``sagemaker``: a boto3 SageMaker client; ``per_second``: the endpoint's invocations a second."""
        super().__init__(cloudwatch, endpoint, {}, interval)
        self.sagemaker = sagemaker
        self.per_second = per_second
        self.load = load or InstanceLoad()

    def split(self, variants: list[Mapping[str, Any]]) -> dict[str, VariantTraffic]:
        """Each variant's traffic from a DescribeEndpoint's ``ProductionVariants``."""
        total = sum(float(v.get("CurrentWeight") or 0) for v in variants) or 1.0
        return {
            str(v["VariantName"]): self.load.traffic(
                self.per_second * float(v.get("CurrentWeight") or 0) / total,
                int(v.get("CurrentInstanceCount") or 1),
            )
            for v in variants
        }

    def write(self, seconds: float) -> None:
        described = self.sagemaker.describe_endpoint(EndpointName=self.endpoint)
        if described.get("ProductionVariants"):
            self.variants = self.split(described["ProductionVariants"])
        super().write(seconds)
