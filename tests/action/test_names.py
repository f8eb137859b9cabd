"""Derived names: valid for Step Functions and SageMaker, idempotent per run attempt, unique per deploy.

Limits: StartExecution ``name`` 1-80 characters
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html); SageMaker
model / endpoint config names ``^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from canary.names import Artifact, RunContext, artifact_of_input, deploy_names, execution_name

SFN_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
NOW = datetime(2026, 11, 25, 4, 50, 0, tzinfo=UTC)
ARTIFACT = Artifact("123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1", "s3://b/m.tar.gz", {"A": "1"}, None)
GITHUB = {
    "GITHUB_SHA": "3f2c1b0a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
    "GITHUB_RUN_ID": "98765432109",
    "GITHUB_RUN_ATTEMPT": "1",
    "GITHUB_REPOSITORY": "acme/models",
}


def run(**overrides: str) -> RunContext:
    return RunContext.from_env({**GITHUB, **overrides}, now=NOW)


@pytest.mark.parametrize("endpoint", ["e", "churn-model", "a" * 63, "a-" * 31 + "b"])
def test_names_are_valid_for_step_functions_and_sagemaker(endpoint: str) -> None:
    for context in (run(), RunContext.from_env({}, now=NOW)):
        name = execution_name(endpoint, ARTIFACT, context)
        assert SFN_NAME.match(name), name
        names = deploy_names(endpoint, ARTIFACT, context)
        for value in (names.Model, names.CanaryConfig, names.FinalConfig):
            assert SAGEMAKER_NAME.match(value), value


def test_same_endpoint_artifact_and_attempt_give_the_same_execution_name() -> None:
    assert execution_name("churn", ARTIFACT, run()) == execution_name("churn", ARTIFACT, run())


def test_a_rerun_attempt_gets_a_new_execution_name_and_new_resource_names() -> None:
    """A closed execution's name cannot be reused for 90 days (StartExecution), so attempt 2 needs its own."""
    first, second = run(), run(GITHUB_RUN_ATTEMPT="2")
    assert execution_name("churn", ARTIFACT, first) != execution_name("churn", ARTIFACT, second)
    assert deploy_names("churn", ARTIFACT, first).Model != deploy_names("churn", ARTIFACT, second).Model


def test_another_artifact_in_the_same_run_gets_other_names() -> None:
    other = Artifact(ARTIFACT.image, ARTIFACT.model_data, {"A": "2"}, None)
    assert ARTIFACT.digest != other.digest
    assert execution_name("churn", ARTIFACT, run()) != execution_name("churn", other, run())
    assert deploy_names("churn", ARTIFACT, run()).Model != deploy_names("churn", other, run()).Model


def test_execution_name_carries_endpoint_commit_and_run() -> None:
    name = execution_name("churn", ARTIFACT, run())
    assert name.startswith("churn-3f2c1b0-")
    assert name.endswith("-98765432109-1")


def test_environment_order_does_not_change_the_artifact() -> None:
    a = Artifact("r.example.com/m:1", None, {"A": "1", "B": "2"}, "ml.m5.large")
    b = Artifact("r.example.com/m:1", None, {"B": "2", "A": "1"}, "ml.m5.large")
    assert a.digest == b.digest


def test_artifact_is_read_back_from_an_execution_input() -> None:
    document = {
        "EndpointName": "churn",
        "Container": {
            "Image": ARTIFACT.image,
            "ModelDataUrl": ARTIFACT.model_data,
            "Environment": {"A": "1"},
        },
    }
    assert artifact_of_input(document) == ("churn", ARTIFACT)
    assert artifact_of_input({"something": "else"}) is None


def test_untrusted_github_values_cannot_break_names() -> None:
    context = run(GITHUB_RUN_ID="12;rm -rf", GITHUB_SHA="::error::x")
    assert SFN_NAME.match(execution_name("churn", ARTIFACT, context))
