"""The emulator's SageMaker returns every setting a model, endpoint config and endpoint was created with.

A canary deploy copies each setting of the current model, config and variant into the new ones, so
the emulator must return them exactly as given, as SageMaker does; otherwise a copy that drops one
would pass here. Each test gives every member botocore's service model lists (checked by the test
itself, so a member added to the API shows up here) and compares the Describe response as a whole.
API reference pages:
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModel.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpointConfig.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from tests.emulator.test_sagemaker import ARN, REPO, ROLE, error_of, wait_until_settled
from tests.emulator.test_stepfunctions import SDK, _run

SERVICE = botocore.session.get_session().get_service_model("sagemaker")
VPC = {"SecurityGroupIds": ["sg-0123"], "Subnets": ["subnet-a", "subnet-b"]}
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
S3_MODEL = {
    "S3Uri": "s3://bucket/model/",
    "S3DataType": "S3Prefix",
    "CompressionType": "None",
    "ModelAccessConfig": {"AcceptEula": True},
}

# ContainerDefinition: ModelDataUrl and ModelDataSource exclude each other, and so do Image and
# ModelPackageName, so two containers between them give every member.
CONTAINER_FROM_URL: dict[str, Any] = {
    "ContainerHostname": "main",
    "Image": f"{REPO}:v1",
    "ImageConfig": {
        "RepositoryAccessMode": "Vpc",
        "RepositoryAuthConfig": {
            "RepositoryCredentialsProviderArn": "arn:aws:lambda:us-east-1:123456789012:function:creds"
        },
    },
    "Mode": "MultiModel",
    "ModelDataUrl": "s3://bucket/models/",
    "Environment": {"SAGEMAKER_PROGRAM": "serve.py", "EMPTY": ""},
    "MultiModelConfig": {"ModelCacheSetting": "Disabled"},
    "ContainerMetricsConfig": {
        "MetricsEndpoints": [{"MetricsEndpointPath": "/metrics", "MetricPublishFrequencyInSeconds": 10}]
    },
}
CONTAINER_FROM_PACKAGE: dict[str, Any] = {
    "ContainerHostname": "packaged",
    "Mode": "SingleModel",
    "ModelDataSource": {"S3DataSource": S3_MODEL},
    "AdditionalModelDataSources": [{"ChannelName": "draft", "S3DataSource": S3_MODEL}],
    "ModelPackageName": f"{ARN}:model-package/pkg/1",
    "InferenceSpecificationName": "gpu",
    "Environment": {"A": "1"},
}

# ProductionVariant: an instance-based variant and a serverless one between them give every member.
INSTANCE_VARIANT: dict[str, Any] = {
    "VariantName": "Live",
    "ModelName": "m",
    "InitialInstanceCount": 2,
    "InstanceType": "ml.p3.2xlarge",
    "InstancePools": [{"InstanceType": "ml.p3.8xlarge", "ModelNameOverride": "m", "Priority": 1}],
    "VariantInstanceProvisionTimeoutInSeconds": 1800,
    "InitialVariantWeight": 0.9,
    "AcceleratorType": "ml.eia2.medium",
    "CoreDumpConfig": {"DestinationS3Uri": "s3://bucket/core-dumps", "KmsKeyId": KMS},
    "VolumeSizeInGB": 128,
    "ModelDataDownloadTimeoutInSeconds": 1200,
    "ContainerStartupHealthCheckTimeoutInSeconds": 600,
    "EnableSSMAccess": True,
    "ManagedInstanceScaling": {
        "Status": "ENABLED",
        "MinInstanceCount": 1,
        "MaxInstanceCount": 4,
        "ScaleInPolicy": {"Strategy": "IDLE_RELEASE", "MaximumStepSize": 1, "CooldownInMinutes": 5},
    },
    "RoutingConfig": {
        "RoutingStrategy": "PREFIX_AWARE",
        "PrefixAwareRoutingConfig": {"PrefixLength": 1024, "ConcurrencyThreshold": 8},
    },
    "InferenceAmiVersion": "al2-ami-sagemaker-inference-gpu-2",
    "CapacityReservationConfig": {
        "CapacityReservationPreference": "capacity-reservations-only",
        "MlReservationArn": f"{ARN}:training-plan/plan",
    },
    "AcceleratorPartitionLayouts": [{"AcceleratorPartitionTypes": ["1g.24gb"]}],
}
SERVERLESS_VARIANT: dict[str, Any] = {
    "VariantName": "Serverless",
    "ModelName": "m",
    "InitialVariantWeight": 0.1,
    "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5, "ProvisionedConcurrency": 1},
}
SHADOW_VARIANT: dict[str, Any] = {
    "VariantName": "Shadow",
    "ModelName": "shadow",
    "InitialInstanceCount": 1,
    "InstanceType": "ml.m5.large",
    "InitialVariantWeight": 0.5,
    "VolumeSizeInGB": 64,
    "RoutingConfig": {"RoutingStrategy": "RANDOM"},
}
DATA_CAPTURE: dict[str, Any] = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 25,
    "DestinationS3Uri": "s3://bucket/capture",
    "KmsKeyId": KMS,
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["application/json"]},
}
REALTIME_CONFIG: dict[str, Any] = {
    "ProductionVariants": [INSTANCE_VARIANT, SERVERLESS_VARIANT],
    "DataCaptureConfig": DATA_CAPTURE,
    "KmsKeyId": KMS,
    "ExplainerConfig": {
        "ClarifyExplainerConfig": {
            "EnableExplanations": "`true`",
            "InferenceConfig": {"ContentTemplate": '{"features":$features}', "MaxRecordCount": 10},
            "ShapConfig": {
                "ShapBaselineConfig": {"MimeType": "text/csv", "ShapBaseline": "1,2,3"},
                "Seed": 7,
            },
        }
    },
    "ShadowProductionVariants": [SHADOW_VARIANT],
    "ExecutionRoleArn": ROLE,
    "VpcConfig": VPC,
    "EnableNetworkIsolation": True,
    "MetricsConfig": {
        "EnableEnhancedMetrics": True,
        "EnableDetailedObservability": True,
        "MetricPublishFrequencyInSeconds": 60,
    },
}
ASYNC_CONFIG: dict[str, Any] = {
    "ProductionVariants": [{**INSTANCE_VARIANT, "VariantName": "Async"}],
    "AsyncInferenceConfig": {
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
        "OutputConfig": {
            "KmsKeyId": KMS,
            "S3OutputPath": "s3://bucket/async-out",
            "S3FailurePath": "s3://bucket/async-failed",
            "NotificationConfig": {
                "SuccessTopic": "arn:aws:sns:us-east-1:123456789012:ok",
                "ErrorTopic": "arn:aws:sns:us-east-1:123456789012:err",
                "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
            },
        },
    },
    "CrossRegionTrafficConfig": {
        "MaxInvocationsPerSecondPerInstance": 100,
        "MaxCrossRegionPercentPerEndpoint": 20,
    },
}


def members(shape_name: str) -> set[str]:
    return set(SERVICE.shape_for(shape_name).members)


def returned(create: str, describe: str) -> set[str]:
    """Members of a create request that the matching Describe response has too."""
    given = set(SERVICE.operation_model(create).input_shape.members)
    return given & set(SERVICE.operation_model(describe).output_shape.members)


def described(response: dict[str, Any], *generated: str) -> dict[str, Any]:
    """A Describe response without its metadata and the members SageMaker generates."""
    out = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    for name in generated:
        assert name in out, f"{name} missing"
        del out[name]
    return out


@pytest.fixture
def sm(aws: Any) -> Any:
    return aws("sagemaker")


def create_models(sm: Any) -> None:
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v1"})
    sm.create_model(ModelName="shadow", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v2"})


def test_the_test_values_cover_every_member_of_the_api() -> None:
    """The inputs below give every member botocore's service model lists for these shapes."""
    assert members("ContainerDefinition") == set(CONTAINER_FROM_URL) | set(CONTAINER_FROM_PACKAGE)
    assert members("ProductionVariant") == set(INSTANCE_VARIANT) | set(SERVERLESS_VARIANT)
    assert members("DataCaptureConfig") == set(DATA_CAPTURE)
    config_members = returned("CreateEndpointConfig", "DescribeEndpointConfig") - {"EndpointConfigName"}
    assert config_members == set(REALTIME_CONFIG) | set(ASYNC_CONFIG)


@pytest.mark.parametrize("container", [CONTAINER_FROM_URL, CONTAINER_FROM_PACKAGE], ids=["url", "package"])
def test_describe_model_returns_the_primary_container_and_settings_as_given(sm: Any, container: Any) -> None:
    """API_DescribeModel returns the ``PrimaryContainer``, ``ExecutionRoleArn``, ``VpcConfig`` and
    ``EnableNetworkIsolation`` given to CreateModel; moto 5.2.5 always said ``false`` for the last."""
    given = {
        "PrimaryContainer": container,
        "ExecutionRoleArn": ROLE,
        "VpcConfig": VPC,
        "EnableNetworkIsolation": True,
    }
    arn = sm.create_model(ModelName="m", **copy.deepcopy(given))["ModelArn"]
    response = sm.describe_model(ModelName="m")
    assert response["ModelArn"] == arn
    assert described(response, "ModelArn", "CreationTime") == {"ModelName": "m", **given}


def test_describe_model_returns_containers_and_inference_execution_config_and_nothing_not_given(
    sm: Any,
) -> None:
    """A multi-container model (``Containers``, ``InferenceExecutionConfig``) comes back as given, with
    no ``PrimaryContainer``, ``ExecutionRoleArn`` or ``VpcConfig`` invented (moto 5.2.5 added ``{}``,
    ``[]`` and ``arn:test``); ``EnableNetworkIsolation`` not given reads ``false``."""
    containers = [
        {"ContainerHostname": "pre", "Image": f"{REPO}:pre", "Environment": {"STEP": "1"}},
        {"ContainerHostname": "model", "Image": f"{REPO}:v1", "ModelDataUrl": "s3://bucket/m.tar.gz"},
    ]
    sm.create_model(ModelName="pipe", Containers=containers, InferenceExecutionConfig={"Mode": "Direct"})
    assert described(sm.describe_model(ModelName="pipe"), "ModelArn", "CreationTime") == {
        "ModelName": "pipe",
        "Containers": containers,
        "InferenceExecutionConfig": {"Mode": "Direct"},
        "EnableNetworkIsolation": False,
    }


@pytest.mark.parametrize("given", [REALTIME_CONFIG, ASYNC_CONFIG], ids=["realtime", "async"])
def test_describe_endpoint_config_returns_every_member_as_given(sm: Any, given: Any) -> None:
    """API_DescribeEndpointConfig returns each member given to CreateEndpointConfig, and each
    production and shadow variant with every ProductionVariant member given, none added or dropped.
    moto 5.2.5 dropped ``ShadowProductionVariants``, ``ExplainerConfig``, ``ExecutionRoleArn``,
    ``VpcConfig``, ``EnableNetworkIsolation``, ``MetricsConfig`` and ``CrossRegionTrafficConfig``."""
    create_models(sm)
    arn = sm.create_endpoint_config(EndpointConfigName="cfg", **copy.deepcopy(given))["EndpointConfigArn"]
    response = sm.describe_endpoint_config(EndpointConfigName="cfg")
    assert response["EndpointConfigArn"] == arn == f"{ARN}:endpoint-config/cfg"
    assert described(response, "EndpointConfigArn", "CreationTime") == {"EndpointConfigName": "cfg", **given}


def test_describe_endpoint_config_adds_only_the_default_variant_weight(sm: Any) -> None:
    """A minimal config gets no member it was not given, but for ``InitialVariantWeight``, whose
    default API_ProductionVariant gives as 1.0; no ``DataCaptureConfig``, ``KmsKeyId`` or shadows."""
    create_models(sm)
    variant = {
        "VariantName": "Live",
        "ModelName": "m",
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
    }
    sm.create_endpoint_config(EndpointConfigName="cfg", ProductionVariants=[variant])
    assert described(
        sm.describe_endpoint_config(EndpointConfigName="cfg"), "EndpointConfigArn", "CreationTime"
    ) == {
        "EndpointConfigName": "cfg",
        "ProductionVariants": [{**variant, "InitialVariantWeight": 1.0}],
    }


def test_a_shadow_variant_on_a_missing_model_is_refused_and_nothing_created(sm: Any) -> None:
    """A shadow variant names a model as a production variant does; a missing one is refused."""
    create_models(sm)
    code, message = error_of(
        sm.create_endpoint_config,
        EndpointConfigName="cfg",
        ProductionVariants=[{**SHADOW_VARIANT, "VariantName": "Live", "ModelName": "m"}],
        ShadowProductionVariants=[{**SHADOW_VARIANT, "ModelName": "absent"}],
    )
    assert (code, message) == ("ValidationException", f'Could not find model "{ARN}:model/absent".')
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []


def test_describe_endpoint_shows_the_deployed_configs_shadow_variants_and_settings(sm: Any) -> None:
    """API_DescribeEndpoint: ``ShadowProductionVariants`` are ProductionVariantSummary objects, a
    serverless variant has ``CurrentServerlessConfig``/``DesiredServerlessConfig``, each variant its
    ``ManagedInstanceScaling`` and ``RoutingConfig``; ``ExplainerConfig``, ``MetricsConfig``,
    ``AsyncInferenceConfig`` and the data capture KMS key are the deployed config's. After an update to a
    config without them, they are gone."""
    create_models(sm)
    sm.create_endpoint_config(EndpointConfigName="cfg", **copy.deepcopy(REALTIME_CONFIG))
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    endpoint = wait_until_settled(sm, "ep")
    live, serverless = endpoint["ProductionVariants"]
    assert live["ManagedInstanceScaling"] == INSTANCE_VARIANT["ManagedInstanceScaling"]
    assert live["RoutingConfig"] == INSTANCE_VARIANT["RoutingConfig"]
    assert live["CapacityReservationConfig"] == INSTANCE_VARIANT["CapacityReservationConfig"]
    assert (live["CurrentInstanceCount"], live["CurrentWeight"]) == (2, 0.9)
    assert serverless["CurrentServerlessConfig"] == SERVERLESS_VARIANT["ServerlessConfig"]
    assert serverless["DesiredServerlessConfig"] == SERVERLESS_VARIANT["ServerlessConfig"]
    assert "CurrentInstanceCount" not in serverless
    [shadow] = endpoint["ShadowProductionVariants"]
    assert shadow["VariantName"] == "Shadow"
    assert shadow["DeployedImages"][0]["SpecifiedImage"] == f"{REPO}:v2"
    assert (shadow["CurrentWeight"], shadow["CurrentInstanceCount"]) == (0.5, 1)
    assert shadow["RoutingConfig"] == {"RoutingStrategy": "RANDOM"}
    assert endpoint["ExplainerConfig"] == REALTIME_CONFIG["ExplainerConfig"]
    assert endpoint["MetricsConfig"] == REALTIME_CONFIG["MetricsConfig"]
    assert endpoint["DataCaptureConfig"]["KmsKeyId"] == KMS
    assert "AsyncInferenceConfig" not in endpoint

    sm.create_endpoint_config(EndpointConfigName="cfg-async", **copy.deepcopy(ASYNC_CONFIG))
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg-async")
    updated = wait_until_settled(sm, "ep")
    assert updated["EndpointConfigName"] == "cfg-async"
    assert updated["AsyncInferenceConfig"] == ASYNC_CONFIG["AsyncInferenceConfig"]
    assert updated["CrossRegionTrafficConfig"] == ASYNC_CONFIG["CrossRegionTrafficConfig"]
    for gone in ("ShadowProductionVariants", "ExplainerConfig", "MetricsConfig", "DataCaptureConfig"):
        assert gone not in updated, gone


def test_pending_deployment_summary_lists_the_new_configs_shadow_variants(aws: Any, emulator: Any) -> None:
    """API_PendingDeploymentSummary has ``ShadowProductionVariants`` while an update to a config with
    shadows runs."""
    from canary.emulator import EmulatorTimings

    sm = aws("sagemaker")
    create_models(sm)
    sm.create_endpoint_config(
        EndpointConfigName="plain", ProductionVariants=[{**SHADOW_VARIANT, "ModelName": "m"}]
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="plain")
    wait_until_settled(sm, "ep")
    sm.create_endpoint_config(EndpointConfigName="cfg", **copy.deepcopy(REALTIME_CONFIG))
    emulator.set_timings(EmulatorTimings(update_seconds=30))
    sm.update_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    pending = sm.describe_endpoint(EndpointName="ep")["PendingDeploymentSummary"]
    [shadow] = pending["ShadowProductionVariants"]
    assert (shadow["VariantName"], shadow["InstanceType"]) == ("Shadow", "ml.m5.large")
    assert shadow["VariantStatus"][0]["Status"] == "Creating"


def test_tags_given_at_create_time_are_listed_for_model_config_and_endpoint(sm: Any) -> None:
    """API_ListTags returns the ``Tags`` given to CreateModel, CreateEndpointConfig and CreateEndpoint;
    API_AddTags "adds or overwrites": a key already there gets the new value, listed once."""
    tags = [{"Key": "team", "Value": "ml"}, {"Key": "cost-center", "Value": "42"}]
    model_arn = sm.create_model(
        ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v1"}, Tags=tags
    )["ModelArn"]
    config_arn = sm.create_endpoint_config(
        EndpointConfigName="cfg", ProductionVariants=[{**SHADOW_VARIANT, "ModelName": "m"}], Tags=tags[:1]
    )["EndpointConfigArn"]
    endpoint_arn = sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg", Tags=tags[1:])[
        "EndpointArn"
    ]
    assert sm.list_tags(ResourceArn=model_arn)["Tags"] == tags
    assert sm.list_tags(ResourceArn=config_arn)["Tags"] == tags[:1]
    assert sm.list_tags(ResourceArn=endpoint_arn)["Tags"] == tags[1:]
    sm.add_tags(ResourceArn=model_arn, Tags=[{"Key": "team", "Value": "platform"}])
    listed = sm.list_tags(ResourceArn=model_arn)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in listed) == [("cost-center", "42"), ("team", "platform")]


@pytest.mark.parametrize("key", ["aws:created-by", "AWS:team", "Aws:x"])
def test_tag_keys_with_the_reserved_aws_prefix_are_refused_and_nothing_created(sm: Any, key: str) -> None:
    """The ``Tags`` of CreateModel, CreateEndpointConfig, CreateEndpoint and AddTags link "Tagging AWS
    resources" (https://docs.aws.amazon.com/general/latest/gr/aws_tagging.html): the ``aws:`` prefix,
    in any case, is reserved for AWS use. Each call is refused; nothing is created or tagged."""
    bad = [{"Key": "team", "Value": "ml"}, {"Key": key, "Value": "1"}]
    model_args = {"ModelName": "m", "ExecutionRoleArn": ROLE, "PrimaryContainer": {"Image": f"{REPO}:v1"}}
    code, message = error_of(sm.create_model, **model_args, Tags=bad)
    assert code == "ValidationException"
    assert key in message
    assert "reserved" in message
    assert sm.list_models()["Models"] == []

    model_arn = sm.create_model(**model_args)["ModelArn"]
    config_args = {"EndpointConfigName": "cfg", "ProductionVariants": [{**SHADOW_VARIANT, "ModelName": "m"}]}
    assert error_of(sm.create_endpoint_config, **config_args, Tags=bad)[0] == "ValidationException"
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []

    sm.create_endpoint_config(**config_args)
    assert error_of(sm.create_endpoint, EndpointName="ep", EndpointConfigName="cfg", Tags=bad)[0] == (
        "ValidationException"
    )
    assert sm.list_endpoints()["Endpoints"] == []

    assert error_of(sm.add_tags, ResourceArn=model_arn, Tags=bad)[0] == "ValidationException"
    assert sm.list_tags(ResourceArn=model_arn)["Tags"] == []


def test_a_tag_value_may_start_with_aws(sm: Any) -> None:
    """Only keys are reserved: a value ``aws:…`` is an ordinary tag."""
    tags = [{"Key": "source", "Value": "aws:marketplace"}]
    arn = sm.create_model(ModelName="m", PrimaryContainer={"Image": f"{REPO}:v1"}, Tags=tags)["ModelArn"]
    assert sm.list_tags(ResourceArn=arn)["Tags"] == tags


def _jsonata(states: dict[str, Any]) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def _output(execution: dict[str, Any]) -> Any:
    assert execution["status"] == "SUCCEEDED", (execution.get("error"), execution.get("cause"))
    return json.loads(execution["output"])


def test_state_machine_creates_an_endpoint_config_from_a_jsonata_expression(aws: Any) -> None:
    """An aws-sdk ``createEndpointConfig`` task whose ``Arguments`` are one JSONata expression
    (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html) creates a config with
    data capture, a KMS key and a variant volume size, all of which DescribeEndpointConfig returns."""
    sm = aws("sagemaker")
    create_models(sm)
    machine = _jsonata(
        {
            "Create": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:createEndpointConfig",
                "Arguments": (
                    "{% {'EndpointConfigName': $states.input.name, 'KmsKeyId': $states.input.kms,"
                    " 'DataCaptureConfig':"
                    " $merge([$states.input.capture, {'InitialSamplingPercentage': 10}]),"
                    " 'ProductionVariants': [$merge([$states.input.variant, {'VolumeSizeInGB': 256}])]} %}"
                ),
                "Output": "{% $states.result %}",
                "End": True,
            }
        }
    )
    variant = {
        "VariantName": "Live",
        "ModelName": "m",
        "InstanceType": "ml.p3.2xlarge",
        "InitialInstanceCount": 1,
    }
    capture = {"EnableCapture": True, "DestinationS3Uri": "s3://bucket/capture", "KmsKeyId": KMS}
    execution = _run(
        aws("stepfunctions"),
        machine,
        {"name": "from-sfn", "kms": KMS, "capture": capture, "variant": variant},
    )
    assert _output(execution) == {"EndpointConfigArn": f"{ARN}:endpoint-config/from-sfn"}
    response = sm.describe_endpoint_config(EndpointConfigName="from-sfn")
    assert described(response, "EndpointConfigArn", "CreationTime") == {
        "EndpointConfigName": "from-sfn",
        "KmsKeyId": KMS,
        "DataCaptureConfig": {**capture, "InitialSamplingPercentage": 10},
        "ProductionVariants": [{**variant, "VolumeSizeInGB": 256, "InitialVariantWeight": 1.0}],
    }


def test_state_machine_reads_a_models_settings_and_tags_intact(aws: Any) -> None:
    """``describeModel`` and ``listTags`` as aws-sdk tasks: ``$states.result`` holds every member
    DescribeModel and ListTags return, as given to CreateModel (the canary copies them from there)."""
    sm = aws("sagemaker")
    tags = [{"Key": "team", "Value": "ml"}, {"Key": "stage", "Value": "prod"}]
    given = {
        "PrimaryContainer": CONTAINER_FROM_URL,
        "ExecutionRoleArn": ROLE,
        "VpcConfig": VPC,
        "EnableNetworkIsolation": True,
    }
    arn = sm.create_model(ModelName="m", Tags=tags, **copy.deepcopy(given))["ModelArn"]
    machine = _jsonata(
        {
            "Describe": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeModel",
                "Arguments": {"ModelName": "{% $states.input.model %}"},
                "Assign": {
                    "model": (
                        "{% $sift($states.result,"
                        " function($v, $k) {$k != 'CreationTime' and $k != 'ModelArn'}) %}"
                    ),
                    "arn": "{% $states.result.ModelArn %}",
                },
                "Next": "Tags",
            },
            "Tags": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:listTags",
                "Arguments": {"ResourceArn": "{% $arn %}"},
                "Output": {"model": "{% $model %}", "tags": "{% $states.result.Tags %}"},
                "End": True,
            },
        }
    )
    output = _output(_run(aws("stepfunctions"), machine, {"model": "m"}))
    assert output == {"model": {"ModelName": "m", **given}, "tags": tags}
    assert sm.describe_model(ModelName="m")["ModelArn"] == arn


def test_model_created_by_a_state_machine_keeps_network_isolation(aws: Any) -> None:
    """A ``createModel`` aws-sdk task with ``EnableNetworkIsolation`` and ``InferenceExecutionConfig``
    from ``$states.input``: DescribeModel returns both (moto 5.2.5 said ``false`` and dropped the other)."""
    sm = aws("sagemaker")
    machine = _jsonata(
        {
            "Create": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:createModel",
                "Arguments": "{% $states.input %}",
                "Output": "{% $states.result %}",
                "End": True,
            }
        }
    )
    given = {
        "ModelName": "m",
        "Containers": [{"Image": f"{REPO}:v1", "ContainerHostname": "a"}],
        "InferenceExecutionConfig": {"Mode": "Serial"},
        "EnableNetworkIsolation": True,
    }
    assert _output(_run(aws("stepfunctions"), machine, given)) == {"ModelArn": f"{ARN}:model/m"}
    assert described(sm.describe_model(ModelName="m"), "ModelArn", "CreationTime") == given
    with pytest.raises(ClientError):
        sm.describe_model(ModelName="other")


def test_state_machine_copies_a_described_config_into_a_new_one_member_for_member(aws: Any) -> None:
    """What a canary deploy does: ``describeEndpointConfig`` as an aws-sdk task, then
    ``createEndpointConfig`` from ``$states.result`` with only the model names changed. Member names keep
    their API casing in ``$states.result`` (``VolumeSizeInGB``, ``EnableSSMAccess``), so the copy is
    the original but for the models. (``$map`` over a one-element array returns the element itself, as
    JSONata does: the ``[…]`` around it keeps a list.)"""
    sm = aws("sagemaker")
    create_models(sm)
    sm.create_model(ModelName="m-new", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:v3"})
    sm.create_endpoint_config(EndpointConfigName="cfg", **copy.deepcopy(REALTIME_CONFIG))
    machine = _jsonata(
        {
            "Describe": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:describeEndpointConfig",
                "Arguments": {"EndpointConfigName": "cfg"},
                "Next": "Copy",
            },
            "Copy": {
                "Type": "Task",
                "Resource": SDK + "sagemaker:createEndpointConfig",
                "Arguments": (
                    "{% $merge([$sift($states.input, function($v, $k) {$not($k in"
                    " ['EndpointConfigArn', 'CreationTime'])}), {'EndpointConfigName': 'cfg-copy',"
                    " 'ProductionVariants':"
                    " [$map($states.input.ProductionVariants,"
                    " function($v) {$merge([$v, {'ModelName': 'm-new'}])})]}]) %}"
                ),
                "End": True,
            },
        }
    )
    _output(_run(aws("stepfunctions"), machine))
    copied = described(
        sm.describe_endpoint_config(EndpointConfigName="cfg-copy"), "EndpointConfigArn", "CreationTime"
    )
    expected = copy.deepcopy(REALTIME_CONFIG)
    for variant in expected["ProductionVariants"]:
        variant["ModelName"] = "m-new"
    assert copied == {"EndpointConfigName": "cfg-copy", **expected}


def test_a_shadow_variant_that_fails_its_health_check_fails_the_create(sm: Any) -> None:
    """Shadow variants run on instances of their own: one whose container fails the ping health check
    fails the endpoint as a production variant would (the emulator's ``broken`` image tag)."""
    create_models(sm)
    sm.create_model(ModelName="bad", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": f"{REPO}:broken"})
    sm.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[{**SHADOW_VARIANT, "VariantName": "Live", "ModelName": "m"}],
        ShadowProductionVariants=[{**SHADOW_VARIANT, "ModelName": "bad"}],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    endpoint = wait_until_settled(sm, "ep")
    assert endpoint["EndpointStatus"] == "Failed"
    assert "production variant Shadow" in endpoint["FailureReason"]
