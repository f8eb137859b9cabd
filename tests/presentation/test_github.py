"""The GitHub runner protocol: commands the runner acts on, and untrusted text it never acts on.

Workflow commands: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from canary.github import Runner, escape_data, escape_property, inert
from tests.presentation.runner_log import parse_output_file, process

ACTIONS = {"GITHUB_ACTIONS": "true"}

INJECTIONS = [
    "::set-output name=status::SUCCEEDED",
    "::add-mask::AKIA",
    "::error::pwned",
    "##[group]fake group",
    "##[error]legacy error",
    "  ::warning title=x::indented",
    "ok\n::error::after a newline",
    "ok\r::error::after a carriage return",
    "ok%0A::error::escaped newline",
    "ok\r\n##[set-output name=x;]y",
    "ok\u2028::error::line separator",
    "\x1b[31m::error::ansi",
    "::stop-commands::mine",
    "::endgroup::",
]


def test_command_escapes_data_and_properties_so_the_runner_reads_back_the_same_text() -> None:
    out = io.StringIO()
    Runner(out, ACTIONS).command("error", "50% failed\r\nsecond line", title="a:b,c%\n")
    log = process(out.getvalue())
    assert [(c.name, c.properties, c.data) for c in log.commands] == [
        ("error", {"title": "a:b,c%\n"}, "50% failed\r\nsecond line")
    ]
    assert len(out.getvalue().splitlines()) == 1


def test_escape_functions_follow_the_runner_mappings() -> None:
    assert escape_data("%\r\n:,") == "%25%0D%0A:,"
    assert escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"


def test_command_rejects_untrusted_command_names() -> None:
    with pytest.raises(ValueError, match="invalid workflow command"):
        Runner(io.StringIO(), ACTIONS).command("error::x")


@pytest.mark.parametrize("attack", INJECTIONS)
def test_inert_text_printed_as_a_line_is_never_a_command_even_unprotected(attack: str) -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    runner.line(f"reason: {attack}")
    runner.line(attack)
    log = process(out.getvalue())
    assert log.commands == []
    assert log.viewer_groups == []
    assert len(out.getvalue().splitlines()) == 2


@pytest.mark.parametrize("attack", INJECTIONS)
def test_raw_untrusted_lines_inside_protect_are_never_acted_on(attack: str) -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        out.write(attack + "\n")  # even without inert(), the runner must ignore it
        runner.error(f"cause: {attack}", title=attack)
        out.write(attack + "\n")
    log = process(out.getvalue())
    shown = attack.replace("\u2028", " ")  # a break the runner cannot escape becomes a space
    assert [(c.name, c.data, c.properties) for c in log.commands] == [
        ("error", f"cause: {shown}", {"title": shown})
    ]
    assert not log.stopped


def test_protect_resumes_for_trusted_commands_with_a_fresh_token_each_time() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        assert runner.protected
        runner.group("Canary 20%")
        runner.endgroup()
    assert not runner.protected
    text = out.getvalue()
    tokens = [line.split("::")[2] for line in text.splitlines() if line.startswith("::stop-commands::")]
    assert len(tokens) == 3
    assert len(set(tokens)) == 3
    assert [c.name for c in process(text).commands] == ["group", "endgroup"]


def test_a_guessed_or_leaked_old_token_does_not_resume_commands() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        runner.notice("trusted")
        old = out.getvalue().splitlines()[0].split("::")[2]
        out.write(f"::{old}::\n::error::pwned\n")
    assert [c.data for c in process(out.getvalue()).commands] == ["trusted"]


def test_protect_is_reentrant() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect(), runner.protect():
        pass
    assert out.getvalue().count("stop-commands") == 1
    assert not process(out.getvalue()).stopped


def test_outside_actions_no_workflow_command_is_printed_and_annotations_are_readable() -> None:
    out = io.StringIO()
    runner = Runner(out, {})
    assert not runner.is_actions
    with runner.protect():
        runner.group("Bake")
        runner.error("alarm fired\n::error::x", title="Rolled back")
        runner.add_mask("secret")
        runner.endgroup()
    text = out.getvalue()
    assert process(text).commands == []
    assert "secret" not in text
    assert text.splitlines() == ["── Bake", "Error: Rolled back: alarm fired", ":\u2060:error::x"]


def test_add_mask_masks_the_value_and_each_of_its_lines() -> None:
    out = io.StringIO()
    Runner(out, ACTIONS).add_mask("line one\nline two")
    assert [c.data for c in process(out.getvalue()).named("add-mask")] == [
        "line one\nline two",
        "line one",
        "line two",
    ]


@pytest.mark.parametrize(
    "value",
    ["plain", "", "two\nlines", "name<<EOF\nEOF\n", "x=y", "ghadelimiter_", "trailing\n", "\r\nwindows\r\n"],
)
def test_set_outputs_round_trips_any_value_through_the_runner_file_parser(tmp_path: Path, value: str) -> None:
    output = tmp_path / "output"
    runner = Runner(io.StringIO(), {**ACTIONS, "GITHUB_OUTPUT": str(output)})
    runner.set_outputs({"outcome": "deployed", "cause": value})
    runner.set_outputs({"status": "SUCCEEDED"})
    parsed = parse_output_file(output.read_bytes().decode())
    assert parsed == {"outcome": "deployed", "cause": value.replace("\r\n", "\n"), "status": "SUCCEEDED"}


def test_set_outputs_without_github_output_writes_nothing(tmp_path: Path) -> None:
    Runner(io.StringIO(), ACTIONS).set_outputs({"outcome": "deployed"})
    assert list(tmp_path.iterdir()) == []


def test_append_summary_appends_markdown(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    runner = Runner(io.StringIO(), {"GITHUB_STEP_SUMMARY": str(summary)})
    runner.append_summary("# one")
    runner.append_summary("two\n")
    assert summary.read_text() == "# one\ntwo\n"


def test_inert_keeps_printable_text_and_arns() -> None:
    arn = "arn:aws:iam::123456789012:role/x"
    assert inert(f"role {arn}") == f"role {arn}"
    assert inert("a\nb\r\nc") == "a⏎b⏎c"
    assert inert("\x1b[31mred") == "\ufffd[31mred"


def test_leaving_protect_ends_a_group_left_open() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        runner.group("Bake 20%")
    runner.warning("cancelled")
    assert [c.name for c in process(out.getvalue()).commands] == ["group", "endgroup", "warning"]


def test_group_ends_the_open_group_in_one_resume() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        runner.group("one")
        runner.group("two")
        runner.endgroup()
        runner.endgroup()
    assert [c.name for c in process(out.getvalue()).commands] == ["group", "endgroup", "group", "endgroup"]
    assert out.getvalue().count("::stop-commands::") == 4
