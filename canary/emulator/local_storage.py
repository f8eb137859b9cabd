"""SageMaker CreateEndpointConfig refuses EBS settings on instance types with local NVMe storage.

AWS: on the hosting instance types whose storage is the instance's own NVMe SSD
(``canary.instance_storage``, from https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html)
a production variant's ``VolumeSizeInGB`` and the config's ``KmsKeyId`` are refused: "If you specify
a value for KmsKeyId when using any nitro-based instances with local storage, the call to
CreateEndpointConfig fails"
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html).
moto 5.2.5 accepts both. Here the call fails with ``ValidationException`` and nothing is created (the
wording is the emulator's; SageMaker's exact message is not documented).
"""

from __future__ import annotations

from typing import Any

from canary.instance_storage import config_problem

_installed = False


def install() -> None:
    """Wrap moto's (already extended) ``create_endpoint_config`` with the check (after ``sagemaker``)."""
    global _installed  # noqa: PLW0603 - one process-wide patch of moto
    if _installed:
        return
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.create_endpoint_config

    def create_endpoint_config(self: Any, endpoint_config_name: str, **kwargs: Any) -> Any:
        problem = config_problem(kwargs.get("production_variants") or [], kwargs.get("kms_key_id"))
        if problem:
            raise ValidationError(message=problem)
        return original(self, endpoint_config_name=endpoint_config_name, **kwargs)

    SageMakerModelBackend.create_endpoint_config = create_endpoint_config
    _installed = True
