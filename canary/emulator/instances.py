"""The instance timeline: how many instances of each type every endpoint runs, over time.

Not an AWS API: a record the emulator keeps so that tests and the bench can measure what a deploy
costs in instances (docs/emulator.md, "Instance timeline"). It follows SageMaker's documented model:

- CreateEndpoint provisions the config's instances; a create that fails ends with none;
- UpdateEndpoint "deploys the EndpointConfig ... to a new fleet of instances"
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html): while it runs,
  the old fleet and the new one both run; when it completes only the new one does (a failed update
  keeps the old one);
- UpdateEndpointWeightsAndCapacities with a larger ``DesiredInstanceCount`` adds instances to that
  variant only (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html);
  a smaller one removes them when the update completes;
- DeleteEndpoint ends them.

:mod:`canary.emulator.sagemaker` calls :func:`begin` whenever an endpoint starts a create or update
(it knows then what runs during and after it, and when it ends) and :func:`deleted`. Times are
``time.monotonic()`` seconds, the clock the emulator's SageMaker settles on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sample:
    """From ``at`` (monotonic seconds) on, the endpoint runs ``instances`` (type → count)."""

    at: float
    instances: Mapping[str, int]

    @property
    def total(self) -> int:
        """Instances of every type."""
        return sum(self.instances.values())


_lock = threading.Lock()
_timelines: dict[tuple[str, str, str], list[Sample]] = {}


def _counts(variants: Iterable[Mapping[str, Any]], types: Mapping[str, str], key: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for variant in variants:
        instance_type = types.get(str(variant.get("VariantName")))
        count = int(variant.get(key) or 0)
        if instance_type and count:
            counts[instance_type] = counts.get(instance_type, 0) + count
    return counts


def _sum(*parts: Mapping[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in parts:
        for instance_type, count in part.items():
            out[instance_type] = out.get(instance_type, 0) + count
    return out


def _record(key: tuple[str, str, str], at: float, instances: Mapping[str, int]) -> None:
    samples = _timelines.setdefault(key, [])
    while samples and samples[-1].at > at:  # a scheduled "after" the new change overtakes
        samples.pop()
    if samples and dict(samples[-1].instances) == dict(instances):
        return
    samples.append(Sample(at, dict(instances)))


def begin(tracked: Any) -> None:
    """Record the fleet while ``tracked.pending`` runs, and from its end (``pending.due``) on."""
    pending = tracked.pending
    endpoint = tracked.endpoint
    _, _, _, region, account, _ = str(endpoint.arn).split(":", 5)
    key = (account, region, endpoint.endpoint_name)
    old = (
        _counts(endpoint.production_variants or [], tracked.instance_types, "CurrentInstanceCount")
        if tracked.live
        else {}
    )
    variants = [*pending.variants, *pending.shadow_variants]
    new = _counts(variants, pending.instance_types, "CurrentInstanceCount")
    if pending.kind == "weights":
        current = {
            str(v["VariantName"]): int(v.get("CurrentInstanceCount") or 0)
            for v in endpoint.production_variants
        }
        grown = [
            {
                **v,
                "CurrentInstanceCount": max(
                    int(v.get("CurrentInstanceCount") or 0), current.get(v["VariantName"], 0)
                ),
            }
            for v in pending.variants
        ]
        during = _sum(_counts(grown, pending.instance_types, "CurrentInstanceCount"), _shadows(tracked))
        after = _sum(
            _counts(pending.variants, pending.instance_types, "CurrentInstanceCount"), _shadows(tracked)
        )
    else:
        during = _sum(old, new)
        after = old if pending.failure is not None else new
    now = time.monotonic()
    with _lock:
        _record(key, now, during)
        _record(key, max(now, pending.due), after)


def _shadows(tracked: Any) -> dict[str, int]:
    return _counts(tracked.shadow_variants, tracked.instance_types, "CurrentInstanceCount")


def deleted(account: str, region: str, endpoint_name: str) -> None:
    """The endpoint is gone: no instances from now on."""
    with _lock:
        _record((account, region, endpoint_name), time.monotonic(), {})


def timeline(
    endpoint_name: str, *, region: str = "us-east-1", account: str = "123456789012", now: float | None = None
) -> list[Sample]:
    """The endpoint's samples up to ``now`` (default: the present), oldest first."""
    moment = time.monotonic() if now is None else now
    with _lock:
        return [s for s in _timelines.get((account, region, endpoint_name), []) if s.at <= moment]


def peak(samples: Iterable[Sample]) -> dict[str, int]:
    """Instance type → the most instances of it at once."""
    out: dict[str, int] = {}
    for sample in samples:
        for instance_type, count in sample.instances.items():
            out[instance_type] = max(out.get(instance_type, 0), count)
    return out


def instance_seconds(samples: list[Sample], start: float, end: float, *, above: int = 0) -> float:
    """Instance-seconds (all types) between ``start`` and ``end``, counting only what runs over ``above``."""
    total = 0.0
    for index, sample in enumerate(samples):
        stop = samples[index + 1].at if index + 1 < len(samples) else end
        begin_at, stop = max(sample.at, start), min(stop, end)
        if stop > begin_at:
            total += max(0, sample.total - above) * (stop - begin_at)
    return total


def reset() -> None:
    """Forget every timeline (the emulator's reset)."""
    with _lock:
        _timelines.clear()
