"""README, action.yml, examples/ and the repository's workflows agree with one another.

action.yml is the contract: every input and output appears in README.md's generated tables with its
default, every example and workflow is a valid GitHub workflow that passes the action only inputs it
declares (and all it requires). Pinning and workflow permissions are checked once, in
tests/security/test_supply_chain.py. Workflow syntax: https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import gen_action_docs, release_action_image

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
README = ROOT / "README.md"
ACTION = ROOT / "action.yml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
MARKDOWN = [README, ROOT / "CONTRIBUTING.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]

THIS_ACTION = "org/sm-canary-action"
# This repository at the running commit: GitHub's self-repository syntax, or the checked-out workspace.
SELF = {"$/", "./"}
# Files other parts of the project are still writing; links to them may dangle until they land.
PENDING_LINK_TARGETS = {
    "canary/statemachine.asl.json",
    "cloudformation/canary-deploy.yaml",
    "docs/performance.md",
}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _readme_yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def _readme_workflows() -> list[str]:
    """README's YAML blocks that are whole workflows (they start with ``name:`` or ``on:``)."""
    return [block for block in _readme_yaml_blocks() if re.match(r"(name|on):", block)]


def _steps(document: Any) -> Iterator[dict[str, Any]]:
    """Every step of a workflow document, or of a bare list of steps (a README fragment)."""
    if isinstance(document, list):
        yield from (step for step in document if isinstance(step, dict))
        return
    for job in (document.get("jobs") or {}).values():
        yield from job.get("steps") or []


def _uses_of_this_action() -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, with-mapping) of every step that runs this action, in examples, workflows and README."""
    documents: list[tuple[str, Any]] = [(p.name, _yaml(p)) for p in [*EXAMPLES, *WORKFLOWS]]
    documents += [
        (f"README block {i}", yaml.safe_load(textwrap.dedent(b))) for i, b in enumerate(_readme_yaml_blocks())
    ]
    for where, document in documents:
        for step in _steps(document):
            uses = str(step.get("uses", ""))
            if uses in SELF or uses.startswith(f"{THIS_ACTION}@"):
                yield f"{where}: step {step.get('id') or step.get('name') or uses}", step.get("with") or {}


def _table_rows(section: str) -> dict[str, list[str]]:
    """First-column name (without backticks) → the row's other cells, for README's section."""
    text = README.read_text(encoding="utf-8")
    body = text.split(f"<!-- {section}:start -->")[1].split(f"<!-- {section}:end -->")[0]
    rows = {}
    for line in body.splitlines():
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def test_readme_tables_are_what_the_generator_makes_from_action_yml() -> None:
    readme = README.read_text(encoding="utf-8")
    assert gen_action_docs.render(readme, gen_action_docs.load_action()) == readme, (
        "README.md is out of date with action.yml: run `python scripts/gen_action_docs.py`"
    )


def test_every_input_is_documented_with_its_default_and_no_other() -> None:
    declared = _yaml(ACTION)["inputs"]
    rows = _table_rows("inputs")
    assert list(rows) == list(declared)
    for name, spec in declared.items():
        required, default, description = rows[name]
        assert required == ("**yes**" if spec.get("required") else "no"), name
        if "default" in spec:
            expected = "*empty*" if spec["default"] == "" else f"`{spec['default']}`"
            assert default == expected, name
        assert description, f"{name} has no description"


def test_every_output_is_documented_and_no_other() -> None:
    declared = _yaml(ACTION)["outputs"]
    rows = _table_rows("outputs")
    assert list(rows) == list(declared)
    assert all(cells[0] for cells in rows.values())


def test_check_fails_when_an_input_is_added_to_action_yml_without_regenerating(tmp_path: Path) -> None:
    action = tmp_path / "action.yml"
    readme = tmp_path / "README.md"
    readme.write_text(README.read_text(encoding="utf-8"), encoding="utf-8")
    action.write_text(
        ACTION.read_text(encoding="utf-8").replace(
            "\noutputs:\n",
            "  brand-new-input:\n    description: Added without docs.\n"
            '    required: false\n    default: "x"\n\noutputs:\n',
        ),
        encoding="utf-8",
    )
    assert "brand-new-input" in gen_action_docs.load_action(action)["inputs"]
    assert gen_action_docs.main(["--check", "--action", str(action), "--readme", str(readme)]) == 1
    assert gen_action_docs.main(["--action", str(action), "--readme", str(readme)]) == 0
    assert "| `brand-new-input` | no | `x` | Added without docs. |" in readme.read_text(encoding="utf-8")
    assert gen_action_docs.main(["--check", "--action", str(action), "--readme", str(readme)]) == 0


def test_generator_escapes_pipes_in_descriptions() -> None:
    table = gen_action_docs.inputs_table({"inputs": {"a": {"description": "x | y", "default": ""}}})
    assert "| `a` | no | *empty* | x \\| y |" in table


def test_examples_and_readme_workflows_are_valid_against_the_workflow_schema(tmp_path: Path) -> None:
    readme_files = []
    for index, block in enumerate(_readme_workflows()):
        path = tmp_path / f"readme-{index}.yml"
        path.write_text(block, encoding="utf-8")
        readme_files.append(path)
    assert readme_files, "README has no complete workflow (the quick start)"
    assert len(EXAMPLES) >= 5
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *EXAMPLES, *readme_files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_this_action_gets_only_declared_inputs_and_every_required_one() -> None:
    declared = _yaml(ACTION)["inputs"]
    required = {name for name, spec in declared.items() if spec.get("required")}
    uses = list(_uses_of_this_action())
    assert len(uses) >= len(EXAMPLES)
    for where, given in uses:
        assert set(given) <= set(declared), f"{where}: undeclared inputs {set(given) - set(declared)}"
        assert required <= set(given), f"{where}: missing required inputs {required - set(given)}"


def test_every_deploying_job_has_a_concurrency_group_that_never_cancels_a_deploy() -> None:
    deploying = answering = 0
    for path in EXAMPLES:
        for name, job in _yaml(path)["jobs"].items():
            steps = [s for s in job.get("steps", []) if str(s.get("uses", "")).startswith(THIS_ACTION)]
            if not steps or all(str(s.get("with", {}).get("dry-run")) == "true" for s in steps):
                continue
            if all(str(s.get("with", {}).get("command", "deploy")) != "deploy" for s in steps):
                # It answers a deploy that holds the endpoint's group: in it, it would wait for that deploy.
                group = str((job.get("concurrency") or {}).get("group", ""))
                assert "sagemaker-endpoint-" not in group, f"{path.name}: job {name} answers a deploy"
                answering += 1
                continue
            deploying += 1
            concurrency = job.get("concurrency") or {}
            assert "sagemaker-endpoint-" in str(concurrency.get("group")), f"{path.name}: job {name}"
            assert concurrency.get("cancel-in-progress") is False, f"{path.name}: job {name}"
    assert deploying >= 4
    assert answering >= 2, "approval-gate.yml and abort-deploy.yml answer deploys"


def test_examples_pass_zizmor() -> None:
    zizmor = BIN / "zizmor"
    result = subprocess.run(
        [zizmor, "--offline", "--no-progress", *EXAMPLES],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_action_from_the_repository() -> None:
    ci = _yaml(ROOT / ".github" / "workflows" / "ci.yml")
    steps = [step for job in ci["jobs"].values() for step in job.get("steps", [])]
    assert any(step.get("uses") in SELF and step.get("with", {}).get("dry-run") == "true" for step in steps)
    assert any("bash .ci/run" in str(step.get("run", "")) for step in steps)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_relative_links_point_at_files_that_exist(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"{path.name} is missing")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        resolved = (path.parent / target).resolve()
        relative = resolved.relative_to(ROOT).as_posix()
        assert resolved.exists() or relative in PENDING_LINK_TARGETS, f"{path.name}: broken link {target}"


def test_release_rewrite_points_action_yml_at_the_prebuilt_image_and_changes_nothing_else(
    tmp_path: Path,
) -> None:
    original = ACTION.read_text(encoding="utf-8")
    released = release_action_image.pin_image(original, "ghcr.io/org/sm-canary-action:v1.2.3")
    changed = [(a, b) for a, b in zip(original.splitlines(), released.splitlines(), strict=True) if a != b]
    assert changed == [("  image: Dockerfile", "  image: docker://ghcr.io/org/sm-canary-action:v1.2.3")]
    assert yaml.safe_load(released)["runs"] == {
        "using": "docker",
        "image": "docker://ghcr.io/org/sm-canary-action:v1.2.3",
    }
    path = tmp_path / "action.yml"
    path.write_text(released, encoding="utf-8")
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-actions", path],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("image", ["ghcr.io/org/sm-canary-action", "v1.2.3", "ghcr.io/org/x:v1 ; rm -rf /"])
def test_release_rewrite_refuses_an_image_without_registry_or_tag(image: str, tmp_path: Path) -> None:
    path = tmp_path / "action.yml"
    shutil.copy(ACTION, path)
    assert release_action_image.main([image, "--action", str(path)]) == 2
    assert path.read_text(encoding="utf-8") == ACTION.read_text(encoding="utf-8")


def test_dependabot_watches_every_ecosystem_and_passes_its_schema_and_zizmor() -> None:
    path = ROOT / ".github" / "dependabot.yml"
    ecosystems = {(u["package-ecosystem"], u["directory"]) for u in _yaml(path)["updates"]}
    assert ecosystems == {("github-actions", "/"), ("pip", "/"), ("docker", "/"), ("npm", "/tools")}
    for command in (
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.dependabot", path],
        [BIN / "zizmor", "--offline", "--no-progress", path],
    ):
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


def _asl_state_names(states: dict[str, Any]) -> set[str]:
    names = set(states)
    for state in states.values():
        for branch in state.get("Branches", []):
            names |= _asl_state_names(branch["States"])
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            names |= _asl_state_names(processor["States"])
    return names


def test_flow_diagram_names_only_states_the_bundled_state_machine_has() -> None:
    asl = ROOT / "canary" / "statemachine.asl.json"
    if not asl.exists():
        pytest.skip("canary/statemachine.asl.json is not written yet")
    states = _asl_state_names(json.loads(asl.read_text(encoding="utf-8"))["States"])
    diagram = re.findall(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)[0]
    named = {name for label in re.findall(r"<i>(.*?)</i>", diagram) for name in re.findall(r"\w+", label)}
    assert len(named) >= 20
    assert named <= states, f"README's diagram names states the state machine lacks: {named - states}"


def test_readme_links_every_example() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [path.name for path in EXAMPLES if f"](examples/{path.name})" not in readme]
    assert not missing, f"README's recipes do not link {missing}"
