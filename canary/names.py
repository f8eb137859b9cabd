"""Names the action derives: the execution's, and those of the resources one deploy creates.

The *artifact* is what a deploy puts on the endpoint: image URI, model data, container environment
and instance type. Its short digest ties names to it, and two executions deploy "the same thing"
exactly when their artifacts are equal (:func:`artifact_of_input`).

Execution name (Step Functions: 1-80 characters of ``[A-Za-z0-9_-]``)::

    {endpoint}-{commit7}-{artifact8}-{run_id}-{run_attempt}     in GitHub Actions
    {endpoint}-{artifact8}-{UTC yyyymmddHHMMSS}                 elsewhere (the CLI)

The run attempt is part of it: GitHub's "Re-run jobs" of a deploy that already *ended* (rolled back,
failed) must start a fresh execution, and Step Functions refuses a closed execution's name for 90
days. A rerun while the first attempt's execution is still *running* attaches to it instead: the
action finds it among the machine's running executions by endpoint and artifact
(:mod:`canary.deploy`), whatever its name.

Resource names (SageMaker: 1-63 characters, ``[a-zA-Z0-9](-*[a-zA-Z0-9])*``), unique per deploy::

    Model, FinalConfig   {endpoint}-{artifact8}-{run_id}-{run_attempt}   (or -{UTC timestamp})
    CanaryConfig         …-canary
    AlarmPrefix          …-canary  (alarms …-canary-4xx, …-canary-5xx)

The endpoint part is shortened to fit; the digest and run keep them unique.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from canary.execution_input import DeployNames

EXECUTION_NAME_MAX = 80
SAGEMAKER_NAME_MAX = 63


@dataclass(frozen=True)
class Artifact:
    """What a deploy puts on the endpoint."""

    image: str
    model_data: str | None
    environment: Mapping[str, str]
    instance_type: str | None

    @property
    def digest(self) -> str:
        """8 hex characters of the SHA-256 of the artifact's canonical JSON."""
        document = {
            "image": self.image,
            "model_data": self.model_data,
            "environment": dict(sorted(self.environment.items())),
            "instance_type": self.instance_type,
        }
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def artifact_of_input(document: Mapping[str, Any]) -> tuple[str, Artifact] | None:
    """The endpoint and artifact of an execution input document, or None when it is not one of ours."""
    endpoint = document.get("EndpointName")
    container = document.get("Container")
    if not isinstance(endpoint, str) or not isinstance(container, Mapping):
        return None
    image = container.get("Image")
    if not isinstance(image, str):
        return None
    environment = container.get("Environment") or {}
    model_data = container.get("ModelDataUrl")
    instance_type = document.get("InstanceType")
    return endpoint, Artifact(
        image=image,
        model_data=model_data if isinstance(model_data, str) else None,
        environment={str(k): str(v) for k, v in environment.items()}
        if isinstance(environment, Mapping)
        else {},
        instance_type=instance_type if isinstance(instance_type, str) else None,
    )


@dataclass(frozen=True)
class RunContext:
    """Where the action runs: the GitHub run (if any) and the clock."""

    sha: str | None
    run_id: str | None
    run_attempt: str | None
    server_url: str
    repository: str | None
    now: datetime

    @classmethod
    def from_env(cls, env: Mapping[str, str], now: datetime | None = None) -> RunContext:
        """Read ``GITHUB_SHA``, ``GITHUB_RUN_ID``, ``GITHUB_RUN_ATTEMPT``, ``GITHUB_SERVER_URL`` and
        ``GITHUB_REPOSITORY`` from ``env``."""

        def clean(name: str) -> str | None:
            value = re.sub(r"[^A-Za-z0-9]", "", env.get(name, ""))
            return value or None

        return cls(
            sha=clean("GITHUB_SHA"),
            run_id=clean("GITHUB_RUN_ID"),
            run_attempt=clean("GITHUB_RUN_ATTEMPT") or "1",
            server_url=env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/"),
            repository=env.get("GITHUB_REPOSITORY") or None,
            now=now or datetime.now(UTC),
        )

    @property
    def run_url(self) -> str | None:
        """The workflow run's page, when running in GitHub Actions."""
        if not self.run_id or not self.repository:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}/attempts/{self.run_attempt}"

    @property
    def stamp(self) -> str:
        """``{run_id}-{attempt}`` in Actions, else the UTC time to the second."""
        if self.run_id:
            return f"{self.run_id}-{self.run_attempt}"
        return self.now.strftime("%Y%m%d%H%M%S")


def _fit(prefix: str, suffix: str, limit: int) -> str:
    """``prefix`` shortened so that ``prefix + suffix`` fits ``limit``, with no dangling hyphen."""
    room = max(limit - len(suffix), 1)
    return prefix[:room].rstrip("-_") + suffix


def execution_name(endpoint: str, artifact: Artifact, run: RunContext) -> str:
    """The default execution name: same endpoint, artifact and run attempt → same name."""
    if run.run_id:
        commit = f"-{run.sha[:7]}" if run.sha else ""
        suffix = f"{commit}-{artifact.digest}-{run.stamp}"
    else:
        suffix = f"-{artifact.digest}-{run.stamp}"
    return _fit(endpoint, suffix, EXECUTION_NAME_MAX)


def deploy_names(endpoint: str, artifact: Artifact, run: RunContext) -> DeployNames:
    """Names of the model, endpoint configs and alarms this deploy creates."""
    canary = "-canary"
    base = _fit(endpoint, f"-{artifact.digest}-{run.stamp}", SAGEMAKER_NAME_MAX - len(canary))
    return DeployNames(Model=base, CanaryConfig=base + canary, FinalConfig=base, AlarmPrefix=base + canary)
