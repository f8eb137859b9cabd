"""SageMaker hosting instance types with local NVMe instance storage, and what they refuse.

From SageMaker's "Instance storage volumes" page
(https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html), whose table gives, for
each hosting instance type, its storage: an EBS volume SageMaker attaches, or the instance's own NVMe
SSD. On the NVMe types SageMaker attaches no EBS volume, so CreateEndpointConfig refuses:

- a variant's ``VolumeSizeInGB`` ("the size of the ML storage volume attached to individual inference
  instance"; https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html);
- the config's ``KmsKeyId`` when any of its production variants runs on such a type: "If any of the
  models that you specify in the ProductionVariants parameter use nitro-based instances with local
  storage, do not specify a value for the KmsKeyId parameter. If you specify a value for KmsKeyId when
  using any nitro-based instances with local storage, the call to CreateEndpointConfig fails."
  (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html).

One table, read by the action (before any change) and by the emulator (which refuses as SageMaker
does). Types, not family names: a new size of a family is not assumed to have local storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PAGE = "https://docs.aws.amazon.com/sagemaker/latest/dg/host-instance-storage.html"
"""Where the table comes from."""


def _sizes(family: str, sizes: str) -> frozenset[str]:
    return frozenset(f"ml.{family}.{size}" for size in sizes.split())


_SIX_ID = "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 32xlarge"
_GPU_8 = "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge 48xlarge"

LOCAL_STORAGE_TYPES: frozenset[str] = frozenset().union(
    _sizes("c5d", "large xlarge 2xlarge 4xlarge 9xlarge 18xlarge"),
    _sizes("c6id", _SIX_ID),
    _sizes("m5d", "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge"),
    _sizes("m6id", _SIX_ID),
    _sizes("r5d", "large xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge 24xlarge"),
    _sizes("r6id", _SIX_ID),
    _sizes("g4dn", "xlarge 2xlarge 4xlarge 8xlarge 12xlarge 16xlarge"),
    _sizes("g5", _GPU_8),
    _sizes("g6", _GPU_8),
    _sizes("g6e", _GPU_8),
    _sizes("gr6", "4xlarge 8xlarge"),
    _sizes("p3dn", "24xlarge"),
    _sizes("p4d", "24xlarge"),
    _sizes("p4de", "24xlarge"),
    _sizes("p5", "48xlarge"),
    _sizes("p5e", "48xlarge"),
    _sizes("p5en", "48xlarge"),
    _sizes("trn1", "2xlarge 32xlarge"),
    _sizes("trn1n", "32xlarge"),
)
"""Hosting instance types whose storage is the instance's NVMe SSD (no EBS volume): see :data:`PAGE`."""


def has_local_storage(instance_type: str | None) -> bool:
    """True when SageMaker hosts this instance type on its local NVMe storage (no EBS volume)."""
    return instance_type in LOCAL_STORAGE_TYPES


def config_problem(variants: Iterable[Mapping[str, Any]], kms_key_id: str | None) -> str | None:
    """Why SageMaker's CreateEndpointConfig refuses these production variants (with this
    ``KmsKeyId``) for local storage, or None."""
    variants = list(variants)
    for variant in variants:
        instance_type = variant.get("InstanceType")
        if has_local_storage(instance_type) and variant.get("VolumeSizeInGB") is not None:
            return (
                f"VolumeSizeInGB is not supported for variant {variant.get('VariantName')}: instance type "
                f"{instance_type} uses local NVMe instance storage, not an EBS volume."
            )
    local = [v.get("InstanceType") for v in variants if has_local_storage(v.get("InstanceType"))]
    if kms_key_id and local:
        return (
            f"KmsKeyId cannot be specified with instance type {local[0]}: its local instance storage is "
            "encrypted by a hardware module on the instance."
        )
    return None
