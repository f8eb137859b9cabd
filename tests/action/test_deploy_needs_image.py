"""A deploy needs ``image-uri`` and ``execution-role-arn``; approve and abort do not.

action.yml declares both inputs optional (``required: false``, empty default) so that the jobs that
answer a gate need only ``endpoint-name``; a deploy without them must still stop before any AWS call,
exit 2, and name each input with its fix (docs/design.md, "Guarantees").
"""

from __future__ import annotations

import pytest

from tests.action.conftest import Recorder, Runner, base_inputs

WITHOUT = {"image_uri", "execution_role_arn"}


@pytest.mark.parametrize("command", ["", "deploy"], ids=["command-omitted", "command-deploy"])
@pytest.mark.parametrize("given", ["absent", "empty"])
def test_a_deploy_without_image_or_role_exits_2_naming_both(
    runner: Runner, recorder: Recorder, command: str, given: str
) -> None:
    inputs = {key: value for key, value in base_inputs().items() if key not in WITHOUT}
    if given == "empty":  # what the runner passes for an omitted input with an empty default
        inputs.update(dict.fromkeys(WITHOUT, ""))
    if command:
        inputs["command"] = command
    result = runner.run(inputs)
    assert result.returncode == 2, result.stdout + result.stderr
    (error,) = result.log.named("error")
    assert error.properties.get("title") == "Invalid input"
    problems = {line.split(": ", 1)[0]: line for line in error.data.splitlines()}
    assert set(problems) == {"image-uri", "execution-role-arn"}, error.data
    assert "is required: the inference image, e.g. 123456789012.dkr.ecr." in problems["image-uri"]
    assert "is required: the IAM role SageMaker assumes, arn:aws:iam::" in problems["execution-role-arn"]
    assert recorder.operations == [], "no AWS call at all before the inputs are valid"
