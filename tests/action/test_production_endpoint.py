"""A deploy to an endpoint shaped like a production one, through the action with action.yml's defaults:
a 63-character name, 4 instances under auto scaling (min 2, max 8, target tracking) with a nightly
scheduled scale-down, data capture, a KMS key, 200 GB volumes, long download and start-up time-outs,
a model in a VPC with network isolation, tags on model and config, and 20 alarms of the team's own.
Only the model changes: every one of those is there again after the promotion (docs/state-machine.md,
"Only the model changes" and "The fleet")."""

from __future__ import annotations

from typing import Any

from tests.action.conftest import ACCOUNT, REGION, ROLE, Runner, base_inputs, wait_for

NAME = "churn-model-production-eu-" + "x" * 37  # 63 characters, SageMaker's longest endpoint name
RESOURCE = f"endpoint/{NAME}/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPC = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
CAPTURE = {
    "EnableCapture": True,
    "InitialSamplingPercentage": 30,
    "DestinationS3Uri": f"s3://capture-{ACCOUNT}/churn",
    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
}
ALARMS = [f"team-slo-{i:02}" for i in range(20)]


def _production_endpoint(aws: Any) -> None:
    sagemaker, scaling, cloudwatch = aws("sagemaker"), aws("application-autoscaling"), aws("cloudwatch")
    assert len(NAME) == 63
    sagemaker.create_model(
        ModelName="churn-v41",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:0.41"},
        VpcConfig=VPC,
        EnableNetworkIsolation=True,
        Tags=[{"Key": "team", "Value": "churn"}],
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="churn-v41",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "churn-v41",
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 4,
                "InitialVariantWeight": 1.0,
                "VolumeSizeInGB": 200,
                "ModelDataDownloadTimeoutInSeconds": 1800,
                "ContainerStartupHealthCheckTimeoutInSeconds": 1200,
            }
        ],
        DataCaptureConfig=CAPTURE,
        KmsKeyId=KEY,
        Tags=[{"Key": "cost-center", "Value": "ml-42"}],
    )
    sagemaker.create_endpoint(EndpointName=NAME, EndpointConfigName="churn-v41")
    wait_for(lambda: sagemaker.describe_endpoint(EndpointName=NAME)["EndpointStatus"] == "InService", 30)
    scaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=2,
        MaxCapacity=8,
    )
    scaling.put_scaling_policy(
        PolicyName="SageMakerEndpointInvocationScalingPolicy",
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70.0,
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
            },
        },
    )
    scaling.put_scheduled_action(
        ServiceNamespace="sagemaker",
        ScheduledActionName="nightly-scale-down",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 2, "MaxCapacity": 4},
    )
    for alarm in ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=alarm,
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Dimensions=[
                {"Name": "EndpointName", "Value": NAME},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            Statistic="Average",
            Period=60,
            EvaluationPeriods=3,
            Threshold=2_000_000,
            ComparisonOperator="GreaterThanThreshold",
        )


def test_a_production_shaped_endpoint_keeps_everything_but_its_model(runner: Runner, aws: Any) -> None:
    _production_endpoint(aws)
    run = runner.run(
        base_inputs(
            NAME,
            instance_type="",
            instance_count="",
            canary_instance_count="",
            canary_weights="25,50",
            alarm_names=",".join(ALARMS),
        )
    )
    assert run.returncode == 0, run.stdout + run.stderr
    sagemaker, scaling = aws("sagemaker"), aws("application-autoscaling")
    endpoint = sagemaker.describe_endpoint(EndpointName=NAME)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    [variant] = config["ProductionVariants"]
    assert endpoint["EndpointConfigName"] != "churn-v41", "promoted"
    assert (variant["VariantName"], variant["InstanceType"], variant["InitialInstanceCount"]) == (
        "AllTraffic",
        "ml.m5.xlarge",
        4,
    ), "the fleet is kept"
    assert (variant["VolumeSizeInGB"], variant["ModelDataDownloadTimeoutInSeconds"]) == (200, 1800)
    assert variant["ContainerStartupHealthCheckTimeoutInSeconds"] == 1200
    assert config["KmsKeyId"] == KEY
    assert config["DataCaptureConfig"]["InitialSamplingPercentage"] == 30
    assert {"Key": "cost-center", "Value": "ml-42"} in sagemaker.list_tags(
        ResourceArn=config["EndpointConfigArn"]
    )["Tags"]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["VpcConfig"] == VPC
    assert model["EnableNetworkIsolation"] is True
    assert {"Key": "team", "Value": "churn"} in sagemaker.list_tags(ResourceArn=model["ModelArn"])["Tags"]
    [target] = scaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RESOURCE])[
        "ScalableTargets"
    ]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 8), "the captured target, exactly"
    policies = scaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RESOURCE)
    assert [p["PolicyName"] for p in policies["ScalingPolicies"]] == [
        "SageMakerEndpointInvocationScalingPolicy"
    ]
    [scheduled] = scaling.describe_scheduled_actions(ServiceNamespace="sagemaker", ResourceId=RESOURCE)[
        "ScheduledActions"
    ]
    assert (scheduled["ScheduledActionName"], scheduled["Schedule"]) == (
        "nightly-scale-down",
        "cron(0 22 * * ? *)",
    )
    assert "Canary 25% x1" in run.stdout, "the canary sized to its share: ceil(4 x 25 / 100)"
    assert "Canary 50% x2" in run.stdout, "and grown for the next step: ceil(4 x 50 / 100)"
