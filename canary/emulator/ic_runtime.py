"""InvokeEndpoint with ``InferenceComponentName``, the ICs' CloudWatch metrics, and their copy timeline.

- ``InferenceComponentName`` (header ``X-Amzn-SageMaker-Inference-Component``,
  https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html) sends
  the request to that IC's copies: during an update, to old or new copies in proportion to those
  answering (``ic_rollout.serves_new``). The copy answers as the emulator's variant containers do
  (``runtime``): ``…:broken`` → ``ModelError`` 424 with ``OriginalStatusCode`` 502, ``…:smoke-500`` →
  ``ModelError`` with 500, ``…:smoke-wrong`` → a wrong body, otherwise an echo naming the IC. An IC
  the endpoint does not have, an IC with no copy running, and an IC endpoint invoked without the
  name are ``ValidationError`` (400); the wording of these is the emulator's (a guess).
- The IC's invocation metrics: namespace ``AWS/SageMaker``, dimension ``InferenceComponentName``
  ("SageMaker AI endpoint invocation metrics" and "SageMaker AI inference component metrics",
  https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html), written by
  :class:`ComponentTrafficFeed` as ``traffic.TrafficFeed`` writes a variant's.
- :func:`copy_timeline`: the copies old/new of an IC's last update over time (not an AWS API).
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from typing import Any

from canary.emulator import ic_checks, ic_rollout, inference_components, runtime, sagemaker_variants, traffic

HEADER = "x-amzn-sagemaker-inference-component"


@dataclass(frozen=True)
class Invocation:
    """One InvokeEndpoint with an IC name, as the emulator answered it."""

    endpoint: str
    component: str | None
    new_copy: bool
    """Answered by a copy of the spec being rolled out."""
    image: str | None
    status: int


_lock = threading.Lock()
_invocations: list[Invocation] = []


def invocations() -> list[Invocation]:
    with _lock:
        return list(_invocations)


def reset() -> None:
    with _lock:
        _invocations.clear()


def _record(item: Invocation) -> None:
    with _lock:
        _invocations.append(item)


def invoke(backend: Any, endpoint: Any, headers: dict[str, str], text: str) -> Any:
    """The answer to an InvokeEndpoint on an endpoint that hosts ICs, or one naming an IC; None when
    neither (the variant path answers)."""
    name = headers.get(HEADER)
    with inference_components._lock:
        hosted = [
            c
            for c in inference_components.store(backend).values()
            if c.endpoint_name == endpoint.endpoint_name
        ]
        if name is None:
            if not hosted:
                return None
            _record(Invocation(endpoint.endpoint_name, None, False, None, 400))
            raise runtime._error(
                "ValidationError",
                "Inference Component Name header is required for endpoints to which you plan to deploy "
                "inference components. Please include Inference Component Name header or consider using "
                "SageMaker models.",
                400,
            )
        component = next((c for c in hosted if c.name == name), None)
        if component is not None:
            inference_components.settle(component)
        if component is None or component.status in ("Creating", "Failed", "Deleting"):
            _record(Invocation(endpoint.endpoint_name, name, False, None, 400))
            raise runtime._error(
                "ValidationError",
                f"Inference component {name} not found or not in service for endpoint "
                f"{endpoint.endpoint_name}.",
                400,
            )
        spec, new_copy = component.spec, False
        rollout = component.rollout
        if component.status == "Updating" and rollout is not None and not rollout.done:
            new_copy = ic_rollout.serves_new(rollout)
            spec = rollout.new_spec if new_copy else rollout.old_spec
            serving = ic_rollout.current(rollout)
            copies = serving.old + serving.serving_new
        else:
            copies = component.current
        if copies == 0:
            _record(Invocation(endpoint.endpoint_name, name, False, None, 400))
            raise runtime._error(
                "ValidationError",
                f"Inference component {name} has no copies running (copy count 0): scale it out first.",
                400,
            )
        image = ic_checks.image(backend, spec) or ""
    tag = sagemaker_variants.image_tag(image)
    status = 200
    if tag in (sagemaker_variants.BROKEN_TAG, runtime.SERVER_ERROR_TAG):
        status = 424
        _record(Invocation(endpoint.endpoint_name, name, new_copy, image, status))
        code = 502 if tag == sagemaker_variants.BROKEN_TAG else 500
        message = "container is not running" if code == 502 else '{"error": "internal"}'
        raise runtime._error(
            "ModelError",
            f'Received server error ({code}) from primary with message "{message}".',
            424,
            OriginalStatusCode=code,
            OriginalMessage=message,
        )
    _record(Invocation(endpoint.endpoint_name, name, new_copy, image, status))
    body = (
        runtime.WRONG_BODY
        if tag == runtime.WRONG_BODY_TAG
        else json.dumps(
            {
                "inferenceComponent": name,
                "variant": component.variant_name,
                "model": spec.get("ModelName", ""),
                "image": image,
                "input": text,
            }
        )
    )
    return (
        200,
        {"Content-Type": "application/json", "x-Amzn-Invoked-Production-Variant": component.variant_name},
        body,
    )


def metric_data(
    component: str, per_second: traffic.VariantTraffic, counts: tuple[int, int, int]
) -> list[dict[str, Any]]:
    """PutMetricData's ``MetricData`` for one IC: ``counts`` = (invocations, 5xx, 4xx) now."""
    return traffic.metrics_of([{"Name": "InferenceComponentName", "Value": component}], per_second, counts)


class ComponentTrafficFeed(traffic.TrafficFeed):
    """``traffic.TrafficFeed`` for ICs: ``variants`` maps IC names to their traffic; the metrics carry
    the ``InferenceComponentName`` dimension (the endpoint argument is kept for the log only)."""

    def write(self, seconds: float) -> None:
        for component, per_second in self.variants.items():
            calls, e5, e4 = self._expected.get(component, (0.0, 0.0, 0.0))
            new = per_second.per_second * seconds
            expected = (calls + new, e5 + new * per_second.rate_5xx, e4 + new * per_second.rate_4xx)
            written = self._written.get(component, (0, 0, 0))
            total = tuple(math.floor(value + 1e-9) for value in expected)
            counts = (total[0] - written[0], total[1] - written[1], total[2] - written[2])
            self._expected[component], self._written[component] = expected, (total[0], total[1], total[2])
            self.cloudwatch.put_metric_data(
                Namespace=traffic.NAMESPACE, MetricData=metric_data(component, per_second, counts)
            )


def copy_timeline(
    name: str, region: str = "us-east-1", account: str | None = None
) -> list[ic_rollout.Moment]:
    """The copies old/new of the IC's last UpdateInferenceComponent, from each step on and after its
    end (brought up to now first); empty when it had none."""
    from moto.sagemaker.models import sagemaker_backends

    from canary.emulator.server import ACCOUNT_ID

    backend = sagemaker_backends[account or ACCOUNT_ID][region]
    with inference_components._lock:
        component = inference_components.store(backend).get(name)
        if component is None or component.rollout is None:
            return []
        inference_components.settle(component)
        return ic_rollout.timeline(component.rollout)
