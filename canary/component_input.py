"""The execution input's ``Component`` block: a deploy to an inference component (IC).

With ``Component`` (and a rolling ``Strategy``) in the input, the guardrails definition
(canary/guardrails.asl.yaml, its "Inference component" branch) updates that IC with a rolling
``DeploymentConfig`` of copies, or creates it on the existing endpoint
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html,
https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html).
Design: docs/inference-components.md.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ComponentCompute(BaseModel):
    """``InferenceComponentComputeResourceRequirements`` members the inputs give (absent: kept)
    (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentComputeResourceRequirements.html)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    NumberOfCpuCoresRequired: float | None = Field(default=None, gt=0)
    NumberOfAcceleratorDevicesRequired: float | None = Field(default=None, ge=0)
    MinMemoryRequiredInMb: int | None = Field(default=None, ge=128)


class ComponentSettings(BaseModel):
    """The IC to deploy to, what the inputs change of its compute, and a new IC's size."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    Name: str = Field(min_length=1, max_length=63, description="InferenceComponentName.")
    Compute: ComponentCompute = Field(
        default_factory=ComponentCompute,
        description="An existing IC: the compute requirements the inputs change (the others are kept).",
    )
    NewCompute: ComponentCompute = Field(
        description="A new IC: its compute requirements (the inputs, else documented defaults)."
    )
    NewCopies: int = Field(default=1, ge=1, description="A new IC: its copy count.")
