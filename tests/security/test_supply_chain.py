"""Supply chain: everything the action and its CI run is pinned to content, and workflows get no token.

- Python dependencies: every requirement ``==``-pinned with ``--hash`` (pip's hash-checking mode,
  https://pip.pypa.io/en/stable/topics/secure-installs/#hash-checking-mode), installed with
  ``--require-hashes``.
- The base image is pinned by ``@sha256:`` digest (a tag can be moved to other content).
- Every ``uses:`` is pinned by a full 40-hex commit SHA, as GitHub's security hardening guide advises
  (https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions),
  with its version in a comment (``# vX.Y.Z``) and one SHA per action across files;
  ``./`` (this repository at the running commit) is the only local form.
- Workflows start from ``permissions: {}`` and each job asks for only what it needs
  (https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/controlling-permissions-for-github_token).
- ``make lint`` runs hadolint on the Dockerfile and zizmor on workflows and action.yml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
REQUIREMENTS = sorted((ROOT / "requirements").glob("*.txt"))
PINNED = re.compile(r"[A-Za-z0-9._-]+(\[[A-Za-z0-9,._-]+\])?==[A-Za-z0-9.+!-]+( ?;.*)?")
"""``name[extras]==version`` with an optional environment marker."""
SHA = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s+#\s+v\d+(\.\d+){0,2}\b")
OWN_ACTION = "org/sm-canary-action@v"
"""The examples show users the action by its moving major tag (README, .github/zizmor.yml policy)."""
ALLOWED_JOB_PERMISSIONS = {
    ("contents", "read"),
    ("id-token", "write"),  # OIDC: aws-actions/configure-aws-credentials
}
RELEASE_ONLY_PERMISSIONS = {
    ("packages", "write"),  # push the pre-built image to GHCR
    ("contents", "write"),  # create the release and move the major tag
}


def _requirements(path: Path) -> list[str]:
    """Requirement entries with their continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    entries = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            entries.append(line)
    return entries


def test_requirement_files_exist() -> None:
    assert {p.name for p in REQUIREMENTS} >= {"runtime.txt", "dev.txt"}


@pytest.mark.parametrize("path", REQUIREMENTS, ids=lambda p: p.name)
def test_every_requirement_is_pinned_exactly_with_hashes(path: Path) -> None:
    entries = _requirements(path)
    assert entries, f"{path.name} lists no requirement"
    for entry in entries:
        assert not entry.startswith(("-e", "--editable", "git+", "http", "-r", "-c", "--index-url")), entry
        requirement = entry.split(" --hash", 1)[0].strip()
        assert PINNED.fullmatch(requirement), f"{path.name}: {requirement!r} is not pinned with =="
        hashes = re.findall(r"--hash=sha256:([0-9a-f]+)", entry)
        assert hashes, f"{path.name}: {requirement} has no --hash"
        assert all(len(h) == 64 for h in hashes), entry


def test_runtime_lock_is_installed_with_require_hashes_in_the_image() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"pip install [^\n]*--require-hashes[^\n]*-r requirements/runtime\.txt", dockerfile)


def test_dockerfile_base_images_are_pinned_by_digest() -> None:
    froms = [
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip().upper().startswith("FROM ")
    ]
    assert froms, "no FROM in the Dockerfile"
    for image in froms:
        assert re.search(r"@sha256:[0-9a-f]{64}$", image), f"FROM {image} is not pinned by digest"


def _uses(document: Any) -> list[str]:
    """Every ``uses:`` value at any depth (job-level reusable workflows and step actions)."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "uses" and isinstance(value, str):
                found.append(value)
            else:
                found += _uses(value)
    elif isinstance(document, list):
        for item in document:
            found += _uses(item)
    return found


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_uses_is_pinned_by_commit_sha(path: Path) -> None:
    uses = _uses(_load(path))
    assert uses, f"{path.name} uses no action"
    for ref in uses:
        if ref.startswith("./"):
            continue
        if path in EXAMPLES and ref.startswith(OWN_ACTION):
            continue
        assert not ref.startswith("docker://") or "@sha256:" in ref, ref
        assert SHA.match(ref), f"{path.name}: uses {ref!r} is not pinned by a 40-hex commit SHA"


def test_every_pin_has_its_version_in_a_comment_and_each_action_one_sha() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS + EXAMPLES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = USES_LINE.match(line)
            if not match or not SHA.match(match["ref"]):
                continue  # local and own-action references: see the test above
            where = f"{path.name}:{number}"
            assert VERSION_COMMENT.match(match["rest"]), f"{where}: no `# vX.Y.Z` comment after the SHA"
            action, sha = match["ref"].split("@")
            pins.setdefault(action, set()).add(sha)
    assert "aws-actions/configure-aws-credentials" in pins
    drifted = {action: shas for action, shas in pins.items() if len(shas) > 1}
    assert not drifted, f"the same action pinned to different SHAs (bump them together): {drifted}"


def test_the_action_itself_is_referenced_only_by_major_tag_in_examples() -> None:
    """The single exception above is the user-facing ``@v1`` of this action, nothing else."""
    own = [ref for path in EXAMPLES for ref in _uses(_load(path)) if not SHA.match(ref)]
    assert own
    assert all(re.fullmatch(r"org/sm-canary-action@v\d+", ref) for ref in own), own


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_workflows_grant_no_token_by_default_and_jobs_only_what_they_need(path: Path) -> None:
    document = _load(path)
    assert document.get("permissions") == {}, f"{path.name}: top-level permissions must be {{}}"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must declare its permissions"
        permissions = job["permissions"] or {}
        assert isinstance(permissions, dict), (
            f"{path.name}: job {name}: {permissions!r} (no read-all/write-all)"
        )
        if path in EXAMPLES:  # a deploying job needs its OIDC token: the user sees what it takes
            assert permissions, f"{path.name}: job {name} declares no permissions"
        allowed = ALLOWED_JOB_PERMISSIONS | (
            RELEASE_ONLY_PERMISSIONS if path.name == "release.yml" else set()
        )
        extra = set(permissions.items()) - allowed
        assert not extra, f"{path.name}: job {name} asks for {sorted(extra)}"
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {name} has no timeout-minutes"


@pytest.mark.parametrize("path", WORKFLOWS + EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_checkouts_do_not_persist_credentials(path: Path) -> None:
    for job in _load(path)["jobs"].values():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert (step.get("with") or {}).get("persist-credentials") is False, step


def test_make_lint_runs_hadolint_and_zizmor() -> None:
    makefile = (ROOT / "Makefile").read_text()
    lint = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert re.search(r"hadolint\S* Dockerfile", lint)
    assert re.search(r"zizmor\S* .*\.github/workflows", lint)
    assert "action.yml" in lint.split("zizmor", 1)[1].splitlines()[0]
