"""The inputs and checks that keep a deploy from doing something big by mistake: creating an endpoint
(``create-endpoint``) and deploying an image SageMaker could not pull (an ECR image of another region).
A part of :class:`canary.settings.Settings`, which inherits these fields and validators.

SageMaker: "The model artifacts in an Amazon S3 bucket and the Docker image for inference container
in Amazon EC2 Container Registry must be in the same region as the model or endpoint you are
creating" (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html).
The ECR registry's host names its region, so an image of another region is refused here, before any
AWS call. Other registries (a private registry in the VPC) say nothing of a region and are not checked;
nor is the model data's bucket (its region takes an S3 call, and a permission on the user's bucket
that the action's role does not otherwise need).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, model_validator

from canary.input_fields import InputModel, input_alias

ECR_HOST = re.compile(
    r"^\d{12}\.(?:dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"|dkr-ecr(?:-fips)?\.(?P<dual>[a-z0-9-]+)\.on\.aws)$"
)
"""An Amazon ECR private registry: ``ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]``, or its
dual-stack name ``ACCOUNT.dkr-ecr[-fips].REGION.on.aws``
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html)."""


def ecr_region(image_uri: str) -> str | None:
    """The region of the ECR registry an image URI names, or None for any other registry."""
    match = ECR_HOST.match(image_uri.split("/", 1)[0])
    return (match["region"] or match["dual"]) if match else None


def region_problem(image_uri: str, region: str) -> str | None:
    """Why SageMaker in ``region`` could not pull this image, or None."""
    registry = ecr_region(image_uri)
    if registry is None or registry == region:
        return None
    return (
        f"image-uri: the image is in Amazon ECR of {registry} but aws-region is {region}: SageMaker pulls "
        f"an ECR image only from the endpoint's own region (API_ContainerDefinition): push the image to "
        f"ECR in {region} (ECR replication can copy it there), or set aws-region to {registry} if the "
        "endpoint lives there"
    )


class SafetyInputs(InputModel):
    """``create-endpoint``, and the image's region checked against ``aws-region`` (action.yml)."""

    create_endpoint: Literal["allow", "never"] = Field(default="allow", alias=input_alias("create-endpoint"))
    """One of its values, checked by :class:`canary.input_fields.InputModel` (``CHOICES``)."""

    @model_validator(mode="after")
    def _image_in_the_endpoints_region(self) -> SafetyInputs:
        image, region = getattr(self, "image_uri", ""), getattr(self, "aws_region", "")
        problem = region_problem(image, region) if image and region else None
        if problem:
            raise ValueError(problem)
        return self
