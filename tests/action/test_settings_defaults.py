"""action.yml's defaults and ``Settings``' are the same values, and name the same inputs.

The runner passes action.yml's ``default:`` when a workflow omits an input; the CLI and an empty
input get ``Settings``' field defaults. The two must not drift (docs/design.md, "What the runtime
relies on from the product contract").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from canary.settings import INPUT_NAMES, Settings, settings_from_inputs

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
REQUIRED = {
    "endpoint-name": "churn-model",
    "image-uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0",
    "execution-role-arn": "arn:aws:iam::123456789012:role/sagemaker-execution",
    "aws-region": "us-east-1",
}


def _declared() -> dict[str, Any]:
    inputs: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["inputs"]
    return inputs


def test_action_yml_declares_exactly_the_inputs_settings_reads() -> None:
    assert sorted(_declared()) == sorted(INPUT_NAMES)


def test_required_inputs_are_the_ones_settings_cannot_default() -> None:
    required = {name for name, spec in _declared().items() if spec.get("required")}
    # image-uri and execution-role-arn are needed by command: deploy only; Settings refuses a deploy
    # without them (tests/action/test_deploy_needs_image.py).
    assert required == {"endpoint-name"}


@pytest.mark.parametrize("name", sorted(set(INPUT_NAMES) - set(REQUIRED)))
def test_action_yml_default_parses_to_the_settings_default(name: str) -> None:
    spec = _declared()[name]
    assert "default" in spec, f"{name}: action.yml gives no default"
    given = settings_from_inputs({**REQUIRED, name: str(spec["default"])})
    omitted = settings_from_inputs(REQUIRED)
    field = next(f for f, info in Settings.model_fields.items() if str(info.alias).endswith(name.upper()))
    assert getattr(given, field) == getattr(omitted, field), (
        f"{name}: action.yml's default {spec['default']!r} gives {getattr(given, field)!r}, "
        f"Settings' default is {getattr(omitted, field)!r}"
    )
