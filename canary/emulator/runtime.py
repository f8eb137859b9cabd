"""moto extension for SageMaker Runtime: ``InvokeEndpoint`` answers per production variant.

moto 5.2.5 answers every InvokeEndpoint with canned data, whatever the endpoint, its variants or
``TargetVariant``. Here the request reaches the variant SageMaker would route it to
([InvokeEndpoint](https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html)):
``TargetVariant`` when given (refused with ``ValidationError`` when the endpoint has no such variant),
else the variant with the highest current weight. What the variant answers depends on its model's
image tag, so tests choose the behaviour by the image they deploy:

- ``…:broken``: the container is down: ``ModelError`` (HTTP 424), ``OriginalStatusCode`` 502;
- ``…:smoke-500``: the container answers HTTP 500: ``ModelError`` with ``OriginalStatusCode`` 500 and
  the container's body in ``OriginalMessage``;
- ``…:smoke-wrong``: HTTP 200 with a body no smoke test expects (``{"error": "wrong model"}``);
- ``…:smoke-large``: HTTP 200 with a 1 MiB JSON body (embeddings, an image: InvokeEndpoint answers up
  to 6 MB), larger than the 256 KiB a Step Functions task result may be;
- any other image: HTTP 200 echoing the request, deterministically:
  ``{"variant": V, "model": M, "image": I, "input": <the request body as text>}``.

An endpoint whose config has ``AsyncInferenceConfig`` "can only receive asynchronous invocations"
([async inference](https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference.html)): a
synchronous InvokeEndpoint is refused with ``ValidationError`` (HTTP 400), SageMaker Runtime's error for
a request it will not serve; the wording is the emulator's.

Every invocation is recorded (``invocations()``) so tests can assert which variant was reached.
An endpoint that hosts inference components, or a request naming one (``InferenceComponentName``),
is answered by ``ic_runtime`` instead.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

SERVER_ERROR_TAG = "smoke-500"
"""Image tag whose container answers every invocation with HTTP 500."""
WRONG_BODY_TAG = "smoke-wrong"
"""Image tag whose container answers HTTP 200 with a body no smoke test expects."""
WRONG_BODY = '{"error": "wrong model"}'
LARGE_BODY_TAG = "smoke-large"
"""Image tag whose container answers every invocation with :data:`LARGE_BODY_BYTES` of JSON."""
LARGE_BODY_BYTES = 1024 * 1024


def large_body() -> str:
    """A JSON document of exactly :data:`LARGE_BODY_BYTES` bytes, as an embeddings model might answer."""
    head, tail = '{"embedding": "', '"}'
    return head + "0" * (LARGE_BODY_BYTES - len(head) - len(tail)) + tail


@dataclass(frozen=True)
class Invocation:
    """One InvokeEndpoint the emulator answered (or refused)."""

    endpoint: str
    variant: str | None
    target_variant: str | None
    content_type: str | None
    accept: str | None
    body: str
    status: int


_lock = threading.Lock()
_invocations: list[Invocation] = []
_installed = False


def install() -> None:
    """Replace moto's canned InvokeEndpoint handler (called once per process)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _lock:
        if _installed:
            return
        from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

        SageMakerRuntimeResponse.invoke_endpoint = _invoke_endpoint_response
        _installed = True


def reset() -> None:
    """Forget the recorded invocations."""
    with _lock:
        _invocations.clear()


def invocations() -> list[Invocation]:
    """Every InvokeEndpoint answered since the last reset, oldest first."""
    with _lock:
        return list(_invocations)


def _error(code: str, message: str, status: int, **extra: Any) -> Any:
    from moto.core.exceptions import JsonRESTError

    error = JsonRESTError(code, message)
    error.code = status
    error.description = json.dumps({"__type": code, "message": message, "Message": message, **extra})
    return error


def _route(endpoint: Any, target: str | None) -> dict[str, Any] | None:
    variants = list(endpoint.production_variants or [])
    if target is not None:
        found: dict[str, Any] | None = next((v for v in variants if v.get("VariantName") == target), None)
        return found
    if not variants:
        return None
    heaviest: dict[str, Any] = max(variants, key=lambda v: float(v.get("CurrentWeight", 0.0)))
    return heaviest


def _invoke_endpoint_response(self: Any) -> Any:
    from moto.sagemaker.models import sagemaker_backends

    from canary.emulator import guardrails_run, ic_runtime, sagemaker, sagemaker_variants

    name = self.path.split("/")[2]
    headers = {key.lower(): value for key, value in self.headers.items()}
    target = headers.get("x-amzn-sagemaker-target-variant")
    raw = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
    text = raw.decode("utf-8", errors="replace")
    backend = sagemaker_backends[self.current_account][self.region]
    endpoint = backend.endpoints.get(name)
    record = {
        "endpoint": name,
        "target_variant": target,
        "content_type": headers.get("content-type"),
        "accept": headers.get("accept"),
        "body": text,
    }
    if endpoint is not None:
        sagemaker.settle_endpoint(backend, endpoint)
        answer = ic_runtime.invoke(backend, endpoint, headers, text)  # InferenceComponentName
        if answer is not None:
            return answer
    variant = None if endpoint is None else _route(endpoint, target)
    if endpoint is None or variant is None:
        _record(Invocation(variant=None, status=400, **record))
        what = f"Endpoint {name} of account {self.current_account} not found."
        if endpoint is not None:
            what = f"Variant {target} not found for endpoint {name}."
        raise _error("ValidationError", what, 400)
    serving = guardrails_run.serving_config(endpoint, variant["VariantName"])  # during a guarded deployment
    config = backend.endpoint_configs.get(serving or endpoint.endpoint_config_name)
    if getattr(config, "async_inference_config", None):
        _record(Invocation(variant=None, status=400, **record))
        raise _error(
            "ValidationError",
            f"Endpoint {name} is configured for asynchronous inference (AsyncInferenceConfig) and can only "
            "receive asynchronous invocations: call InvokeEndpointAsync.",
            400,
        )
    specs = list(getattr(config, "production_variants", None) or [])
    model = next(
        (v.get("ModelName", "") for v in specs if v.get("VariantName") == variant["VariantName"]), ""
    )
    image = sagemaker_variants.model_image(backend, model) or ""
    tag = sagemaker_variants.image_tag(image)
    if tag == sagemaker_variants.BROKEN_TAG:
        _record(Invocation(variant=variant["VariantName"], status=424, **record))
        raise _error(
            "ModelError",
            f'Received server error (502) from primary with message "container {image} is not running".',
            424,
            OriginalStatusCode=502,
            OriginalMessage="container is not running",
        )
    if tag == SERVER_ERROR_TAG:
        _record(Invocation(variant=variant["VariantName"], status=424, **record))
        raise _error(
            "ModelError",
            'Received server error (500) from primary with message "{"error": "internal"}".',
            424,
            OriginalStatusCode=500,
            OriginalMessage='{"error": "internal"}',
        )
    if tag == WRONG_BODY_TAG:
        body = WRONG_BODY
    elif tag == LARGE_BODY_TAG:
        body = large_body()
    else:
        body = json.dumps({"variant": variant["VariantName"], "model": model, "image": image, "input": text})
    _record(Invocation(variant=variant["VariantName"], status=200, **record))
    response_headers = {
        "Content-Type": "application/json",
        "x-Amzn-Invoked-Production-Variant": variant["VariantName"],
    }
    return 200, response_headers, body


def _record(invocation: Invocation) -> None:
    with _lock:
        _invocations.append(invocation)
