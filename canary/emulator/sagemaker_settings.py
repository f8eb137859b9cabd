"""SageMaker models and endpoint configs keep every setting they were created with, as AWS does.

moto 5.2.5 keeps only the members its backend signatures name: ``DescribeModel`` always says
``EnableNetworkIsolation: false``, drops ``InferenceExecutionConfig``, and invents
``ExecutionRoleArn: "arn:test"``, ``VpcConfig: {}``, ``PrimaryContainer: {}`` and ``Containers: []``
for members never given; ``DescribeEndpointConfig`` drops ``ShadowProductionVariants``,
``ExplainerConfig``, ``ExecutionRoleArn``, ``VpcConfig``, ``EnableNetworkIsolation``,
``MetricsConfig`` and ``CrossRegionTrafficConfig``. Here the create request's members that the
matching Describe response also has (enumerated from botocore's service model, so a member added to
the API is kept too) are stored as given and returned as given; moto's own fields are used only for
the name, ARN and creation time.

Tags (``Tags`` on CreateModel, CreateEndpointConfig, CreateEndpoint, and AddTags): a key starting with
``aws:`` in any case is refused with a ``ValidationException`` and nothing is created ("The aws: prefix
is reserved for AWS use", https://docs.aws.amazon.com/general/latest/gr/aws_tagging.html, the page the
SageMaker API reference links for ``Tags``); AddTags overwrites the value of a key the resource
already has instead of adding a second tag with that key
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html: "Adds or overwrites").
"""

from __future__ import annotations

import copy
import functools
from typing import Any

GIVEN = "emulator_given"
"""Attribute of a moto ``Model``/``FakeEndpointConfig``: the create request's members, as given."""

_IDENTITY = frozenset({"ModelName", "EndpointConfigName"})


@functools.cache
def _kept_members(create: str, describe: str) -> frozenset[str]:
    """Members of the ``create`` request that the ``describe`` response returns (botocore's model)."""
    from canary.emulator.sfn_sdk_tasks import service_model

    model = service_model("sagemaker")
    request: Any = model.operation_model(create).input_shape
    response: Any = model.operation_model(describe).output_shape
    given, returned = set(request.members), set(response.members)
    return frozenset((given & returned) - _IDENTITY)


def _given(params: dict[str, Any], create: str, describe: str) -> dict[str, Any]:
    kept = _kept_members(create, describe)
    return {
        name: copy.deepcopy(value) for name, value in params.items() if name in kept and value is not None
    }


def _invalid(message: str) -> Exception:
    from moto.sagemaker.exceptions import ValidationError

    return ValidationError(message=message)  # type: ignore[no-any-return]


def check_tags(tags: list[dict[str, Any]] | None) -> None:
    """Refuse caller-given tag keys with the reserved ``aws:`` prefix (any case)."""
    for tag in tags or []:
        key = str(tag.get("Key", ""))
        if key.lower().startswith("aws:"):
            raise _invalid(
                f'Tag key "{key}" is not allowed: the aws: prefix is reserved for AWS use. '
                "Use a key that does not start with aws:."
            )


def install() -> None:
    """Patch moto's SageMaker responses (called once per process, from ``sagemaker.install``)."""
    from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse
    from moto.sagemaker.utils import arn_formatter

    create_model = SageMakerResponse.create_model
    create_endpoint_config = SageMakerResponse.create_endpoint_config

    def create_model_response(self: Any) -> Any:
        check_tags(self._get_param("Tags"))
        result = create_model(self)
        model = self.sagemaker_backend._models[self._get_param("ModelName")]
        setattr(model, GIVEN, _given(self.params, "CreateModel", "DescribeModel"))
        return result

    def describe_model_response(self: Any) -> Any:
        from moto.core.responses import ActionResult

        model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
        return ActionResult(describe_model(model))

    def create_endpoint_config_response(self: Any) -> Any:
        check_tags(self._get_param("Tags"))
        backend = self.sagemaker_backend
        for variant in self._get_param("ShadowProductionVariants") or []:  # moto checks only the others
            if variant.get("InstanceType") is not None:
                FakeEndpointConfig.validate_instance_type(None, variant["InstanceType"])
            elif variant.get("ServerlessConfig") is not None:
                FakeEndpointConfig.validate_serverless_config(None, variant["ServerlessConfig"])
            if variant.get("ModelName") not in backend._models:
                arn = arn_formatter(
                    "model", str(variant.get("ModelName")), backend.account_id, backend.region_name
                )
                raise _invalid(f'Could not find model "{arn}".')
        result = create_endpoint_config(self)
        config = self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")]
        setattr(config, GIVEN, _given(self.params, "CreateEndpointConfig", "DescribeEndpointConfig"))
        return result

    def add_tags_overwriting(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        check_tags(tags)
        resource = self._get_resource_from_arn(arn)
        new = {tag["Key"]: tag for tag in tags}
        resource.tags = [tag for tag in resource.tags if tag["Key"] not in new] + list(new.values())
        return resource.tags  # type: ignore[no-any-return]

    SageMakerResponse.create_model = create_model_response
    SageMakerResponse.describe_model = describe_model_response
    SageMakerResponse.create_endpoint_config = create_endpoint_config_response
    SageMakerModelBackend.add_tags = add_tags_overwriting  # moto's appends: a key could be listed twice


def describe_model(model: Any) -> dict[str, Any]:
    """The DescribeModel response: name, ARN, creation time, and every member given to CreateModel.

    ``EnableNetworkIsolation`` is ``false`` when not given (API_DescribeModel lists it for every model).
    """
    given: dict[str, Any] | None = getattr(model, GIVEN, None)
    if given is None:  # created another way (CloudFormation): moto's view
        return model.response_object  # type: ignore[no-any-return]
    out: dict[str, Any] = {
        "ModelName": model.model_name,
        "ModelArn": model.arn,
        "CreationTime": model.creation_time,
        "EnableNetworkIsolation": False,
    }
    out.update(copy.deepcopy(given))
    return out


def describe_endpoint_config(config: Any) -> dict[str, Any]:
    """The DescribeEndpointConfig response: name, ARN, creation time, and every member given.

    The one member added: an instance-based variant given no ``InitialVariantWeight`` shows its
    default, 1.0 (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html).
    """
    given: dict[str, Any] | None = getattr(config, GIVEN, None)
    out: dict[str, Any]
    if given is None:  # created another way (CloudFormation): moto's view
        out = copy.deepcopy(config.response_object)
        if not out.get("DataCaptureConfig"):
            out.pop("DataCaptureConfig", None)  # AWS omits it; {} would not be valid input again
    else:
        out = {
            "EndpointConfigName": config.endpoint_config_name,
            "EndpointConfigArn": config.endpoint_config_arn,
            "CreationTime": config.creation_time,
        }
        out.update(copy.deepcopy(given))
    for key in ("ProductionVariants", "ShadowProductionVariants"):
        for variant in out.get(key) or []:
            if variant.get("InstanceType") is not None:
                variant.setdefault("InitialVariantWeight", 1.0)
    return out


def shadow_variants(config: Any) -> list[dict[str, Any]]:
    """The config's ``ShadowProductionVariants`` as given (empty for none)."""
    given: dict[str, Any] = getattr(config, GIVEN, None) or {}
    return list(given.get("ShadowProductionVariants") or [])


def endpoint_settings(config: Any) -> dict[str, Any]:
    """Members of the deployed config that DescribeEndpoint returns as they are."""
    given: dict[str, Any] = getattr(config, GIVEN, None) or {}
    return {
        name: copy.deepcopy(given[name])
        for name in ("AsyncInferenceConfig", "ExplainerConfig", "MetricsConfig", "CrossRegionTrafficConfig")
        if name in given
    }
