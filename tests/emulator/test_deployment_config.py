"""DescribeEndpoint reports the endpoint's ``LastDeploymentConfig``: "The most recent deployment
configuration for the endpoint" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html),
given to CreateEndpoint or UpdateEndpoint as ``DeploymentConfig``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html)."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:v1"
ROLLING = {
    "RollingUpdatePolicy": {
        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
        "WaitIntervalInSeconds": 60,
    },
    "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "churn-5xx"}]},
}


def test_the_deployment_config_of_the_last_update_that_gave_one_is_reported(aws: Any) -> None:
    sm = aws("sagemaker")
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    for name in ("c1", "c2"):
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "A",
                    "ModelName": "m",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 2,
                }
            ],
        )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    assert "LastDeploymentConfig" not in sm.describe_endpoint(EndpointName="ep")

    sm.update_endpoint(EndpointName="ep", EndpointConfigName="c2", DeploymentConfig=ROLLING)

    assert sm.describe_endpoint(EndpointName="ep")["LastDeploymentConfig"] == ROLLING
