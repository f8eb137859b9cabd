"""The definition passes the two validators ``make lint`` runs on it, and both really catch errors.

``tools/validate-asl.mjs`` runs amazon-states-language-service (the validator of the AWS Toolkit's
ASL editor, https://github.com/aws/amazon-states-language-service): transition targets, terminal and
unreachable states, unsupported fields, with line numbers. It does not tell a JSONata field from a
JSONPath one, nor parse JSONata or JSONPath expressions; asl-validator does both, so lint runs it too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from canary.statemachine import DEFINITION_PATH, GUARDRAILS_PATH

TOOLS = Path(__file__).resolve().parents[2] / "tools"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed (the validators are npm packages)"
)


@pytest.fixture(scope="module", autouse=True)
def _node_modules() -> None:
    if not (TOOLS / "node_modules" / "amazon-states-language-service").is_dir():
        pytest.fail("tools/node_modules is missing: run `make tools/node_modules/.installed`")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(TOOLS / "validate-asl.mjs"), str(path)], capture_output=True, text=True, check=False
    )


def _asl_validator(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TOOLS / "node_modules" / ".bin" / "asl-validator"), "--json-path", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def _write(tmp_path: Path, definition: dict[str, Any]) -> Path:
    path = tmp_path / "definition.asl.json"
    path.write_text(json.dumps(definition, indent=2), encoding="utf-8")
    return path


BUNDLED = [DEFINITION_PATH, GUARDRAILS_PATH]
"""The canary flow, and SageMaker's guardrails (strategy blue-green or rolling)."""


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_the_bundled_definition_has_no_diagnostics(path: Path) -> None:
    result = _validate(path)
    assert (result.returncode, result.stdout.strip()) == (0, f"{path}: no diagnostics"), result.stdout


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_the_bundled_definition_passes_asl_validator(path: Path) -> None:
    result = _asl_validator(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_next_to_a_missing_state_is_an_error_on_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}, "B": {"Type": "Succeed"}}},
    )
    result = _validate(path)
    assert result.returncode == 1
    line, column = next(
        (number, text.index('"Nowhere"') + 1)
        for number, text in enumerate(path.read_text().splitlines(), 1)
        if '"Nowhere"' in text
    )
    assert (
        f'{path}:{line}:{column}: error: The value of "Next" property must be the name of an existing state.'
        in result.stdout.splitlines()
    )
    assert "The state cannot be reached" in result.stdout


def test_a_jsonata_definition_in_yaml_is_validated_too(tmp_path: Path) -> None:
    path = tmp_path / "definition.asl.yaml"
    path.write_text(
        "QueryLanguage: JSONata\n"
        "StartAt: Read\n"
        "States:\n"
        "  Read:\n"
        "    Type: Task\n"
        "    Resource: arn:aws:states:::aws-sdk:sagemaker:describeEndpoint\n"
        '    Arguments: {EndpointName: "{% $states.input.EndpointName %}"}\n'
        "    Next: Done\n"
        "  Done: {Type: Succeed}\n",
        encoding="utf-8",
    )
    assert _validate(path).returncode == 0
    path.write_text(path.read_text().replace("Next: Done", "Next: Gone"), encoding="utf-8")
    result = _validate(path)
    assert result.returncode == 1
    assert f'{path}:8:11: error: The value of "Next" property must be the name of an existing state.' in (
        result.stdout.splitlines()
    )


def test_an_unsupported_field_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, {"StartAt": "A", "States": {"A": {"Type": "Pass", "Resultt": {}, "End": True}}})
    result = _validate(path)
    assert result.returncode == 1
    assert "error: Field is not supported." in result.stdout


@pytest.mark.parametrize(
    ("query_language", "state"),
    [
        ("JSONPath", {"Type": "Pass", "Output": "{% $states.input %}", "End": True}),
        ("JSONata", {"Type": "Pass", "Parameters": {"x.$": "$.y"}, "End": True}),
    ],
    ids=["jsonata-field-in-jsonpath", "jsonpath-field-in-jsonata"],
)
def test_mixing_query_languages_is_caught_by_asl_validator_only(
    tmp_path: Path, query_language: str, state: dict[str, Any]
) -> None:
    """Why lint keeps asl-validator: the AWS service accepts a field of the other query language.

    Should a new amazon-states-language-service catch it, the first assert fails: then asl-validator
    may be dropped if it adds nothing else (it also parses JSONPath and JSONata expressions).
    """
    path = _write(tmp_path, {"QueryLanguage": query_language, "StartAt": "A", "States": {"A": state}})
    assert _validate(path).returncode == 0
    result = _asl_validator(path)
    assert result.returncode == 1
    assert "SCHEMA_VALIDATION_FAILED: /States/A" in result.stderr


@pytest.mark.parametrize(("expression", "valid"), [("$states.input.($)", True), ("$states.input.(", False)])
def test_jsonata_syntax_is_checked_by_asl_validator(tmp_path: Path, expression: str, valid: bool) -> None:
    state = {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}
    path = _write(tmp_path, {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": state}})
    assert _validate(path).returncode == 0
    assert (_asl_validator(path).returncode == 0) is valid


def test_an_unreadable_definition_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    result = _validate(tmp_path / "missing.asl.json")
    assert result.returncode == 2
    assert f"{tmp_path / 'missing.asl.json'}: cannot validate" in result.stderr
