"""``python -m canary --help`` and ``deploy --help`` read as plain text, each flag described as its
action input is in action.yml."""

from __future__ import annotations

import re

import pytest
import yaml

from canary.__main__ import main
from canary.cli_help import ACTION_YML
from canary.settings import INPUT_NAMES


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_the_top_level_help_shows_no_double_backticks(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    assert "``" not in text
    assert "\n- deploy: the action itself" in text, "one line per command, as written"


def test_every_deploy_flag_is_described_as_in_action_yml(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100000")  # argparse wraps at the terminal's width (and at hyphens)
    text = " ".join(_help(capsys, "deploy").split())
    inputs = yaml.safe_load(ACTION_YML.read_text())["inputs"]
    for name in INPUT_NAMES:
        description = " ".join(str(inputs[name]["description"]).split())
        assert f"--{name} VALUE {description}" in text, name
    assert "--endpoint-name VALUE SageMaker endpoint to deploy to" in text
    assert re.search(r"--canary-weights VALUE .*\(default: 20\)", text)


def test_the_readmes_local_deploy_uses_real_inputs_and_writes_a_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """README "Running locally" deploys to the emulator with the CLI and shows where the summary goes."""
    readme = (ACTION_YML.parent / "README.md").read_text()
    section = readme.split("## Running locally", 1)[1].split("\n## ", 1)[0]
    assert "python -m canary deploy" in section
    assert "export GITHUB_STEP_SUMMARY=" in section
    assert "tests.presentation.summary_render" in section
    flags = set(re.findall(r"(?<![\w-])--([a-z0-9-]+)", section))
    cli_only = set(re.findall(r"(?<![\w-])--([a-z0-9-]+)", _help(capsys, "emulator"))) | {"help"}
    assert flags - cli_only <= set(INPUT_NAMES), sorted(flags - cli_only - set(INPUT_NAMES))
    assert {"endpoint-name", "image-uri", "canary-weights"} <= flags
