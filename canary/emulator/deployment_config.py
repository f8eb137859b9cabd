"""DescribeEndpoint's ``LastDeploymentConfig`` on moto 5.2.5.

AWS: CreateEndpoint and UpdateEndpoint take a ``DeploymentConfig`` (blue/green or rolling guardrails,
auto-rollback alarms), and DescribeEndpoint reports "The most recent deployment configuration for the
endpoint" as ``LastDeploymentConfig``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html). moto drops the
request member and never reports it.

The emulator keeps the ``DeploymentConfig`` of the endpoint's most recent CreateEndpoint or
UpdateEndpoint that gave one, and DescribeEndpoint reports it. Whether a later update *without* one
clears it on AWS is not documented; here it stays. The deployment itself is not simulated by this
module: an update with a ``DeploymentConfig`` runs like one without.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_lock = threading.Lock()
_installed = False
_ATTRIBUTE = "canary_last_deployment_config"


def _remember(response: Any) -> None:
    config = response._get_param("DeploymentConfig")
    if not config:
        return
    endpoint = response.sagemaker_backend.endpoints.get(response._get_param("EndpointName"))
    if endpoint is not None:
        setattr(endpoint, _ATTRIBUTE, copy.deepcopy(config))


def install() -> None:
    """Wrap CreateEndpoint, UpdateEndpoint and DescribeEndpoint (after :mod:`.sagemaker` installed)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    with _lock:
        if _installed:
            return
        from moto.sagemaker.models import SageMakerModelBackend
        from moto.sagemaker.responses import SageMakerResponse

        for name in ("create_endpoint", "update_endpoint"):
            original = getattr(SageMakerResponse, name)

            def wrapped(self: Any, _original: Any = original) -> Any:
                answer = _original(self)
                _remember(self)
                return answer

            setattr(SageMakerResponse, name, wrapped)
        describe = SageMakerModelBackend.describe_endpoint

        def describe_endpoint(self: Any, endpoint_name: str) -> Any:
            described = describe(self, endpoint_name)
            config = getattr(self.endpoints.get(endpoint_name), _ATTRIBUTE, None)
            if config is not None and isinstance(described, dict):
                described["LastDeploymentConfig"] = copy.deepcopy(config)
            return described

        SageMakerModelBackend.describe_endpoint = describe_endpoint
        _installed = True


def reset() -> None:
    """Nothing to forget: the configs live on moto's endpoints, which the reset drops."""
