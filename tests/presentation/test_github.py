"""The GitHub runner protocol: commands the runner acts on, and untrusted text it never acts on.

Workflow commands: https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from canary.github import Runner, escape_data, escape_property, inert
from canary.render import Renderer, make_console
from tests.presentation import snapshots
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
TERMINAL = "\x1b[2J\x1b]0;title\x07\x1b[31mred\x9b0m \x00nul\x7f\x90dcs\x1b\\ tab\tend"
"""Terminal sequences (CSI, OSC, DCS), BEL, NUL, DEL and C1 controls, as an alarm reason may carry."""
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0/C1 control characters but TAB, LF and CR (which commands escape and the runner unescapes)."""


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
    # a break the runner cannot escape becomes a space, another control character U+FFFD
    shown = attack.replace("\u2028", " ").replace("\x1b", "\ufffd")
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


def test_annotations_and_group_titles_carry_no_control_characters() -> None:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    with runner.protect():
        runner.group(f"Bake {TERMINAL}")
        runner.error(f"alarm: {TERMINAL}\nsecond line", title=f"Rolled back {TERMINAL}")
        runner.warning(TERMINAL, title=TERMINAL)
    assert not CONTROLS.search(out.getvalue().replace("\r", "")), repr(out.getvalue())
    commands = [c for c in process(out.getvalue()).commands if c.name != "endgroup"]
    assert [c.name for c in commands] == ["group", "error", "warning"]
    for command in commands:
        for text in (command.data, *command.properties.values()):
            assert not CONTROLS.search(text), repr(text)
    error = commands[1]
    assert error.data.startswith("alarm: \ufffd[2J\ufffd]0;title\ufffd\ufffd[31mred")
    assert error.data.endswith("tab\tend\nsecond line")
    assert error.properties["title"].startswith("Rolled back \ufffd[2J")


def test_add_mask_keeps_the_exact_value_to_mask() -> None:
    out = io.StringIO()
    Runner(out, ACTIONS).add_mask("s3cr\x1bt")
    assert [c.data for c in process(out.getvalue()).named("add-mask")] == ["s3cr\x1bt"]


def test_summary_text_carries_no_control_characters(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    runner = Runner(io.StringIO(), {"GITHUB_STEP_SUMMARY": str(summary)})
    runner.append_summary(f"| cause | {TERMINAL} |\r\n")
    text = summary.read_text(encoding="utf-8")
    assert not CONTROLS.search(text), repr(text)
    assert "\ufffd[31mred" in text
    assert "tab\tend" in text


def _runner_log(stream_taken: bool) -> tuple[Runner, io.StringIO]:
    out = io.StringIO()
    runner = Runner(out, ACTIONS)
    if stream_taken:
        assert runner.stream.writable()
    return runner, out


def test_a_protect_block_with_nothing_printed_writes_nothing() -> None:
    runner, out = _runner_log(stream_taken=True)
    with runner.protect():
        assert runner.protected
    assert not runner.protected
    assert out.getvalue() == ""


@pytest.mark.parametrize("attack", INJECTIONS)
def test_through_the_stream_untrusted_text_is_stopped_and_no_pair_is_empty(attack: str) -> None:
    runner, out = _runner_log(stream_taken=True)
    with runner.protect():
        runner.group("Bake")
        runner.stream.write(attack + "\n")  # raw, as a console prints: the runner must ignore it
        runner.line(attack)
        runner.endgroup()
        runner.group("Promote")
        runner.stream.write("partial ")
        runner.stream.write(attack)
        runner.error(f"cause: {attack}", title="Rolled back")  # last, as the outcome's annotation
    log = process(out.getvalue())
    shown = attack.replace("\u2028", " ").replace("\x1b", "\ufffd")
    assert [(c.name, c.data) for c in log.commands] == [
        ("group", "Bake"),
        ("endgroup", ""),
        ("group", "Promote"),
        ("error", f"cause: {shown}"),
        ("endgroup", ""),
    ]
    assert not log.stopped
    assert log.empty_stops == 0, out.getvalue()
    assert out.getvalue().count("::stop-commands::canary-") == 2


def test_the_rendered_deploy_has_no_empty_stop_pair_when_the_console_prints_through_the_runner() -> None:
    """The renderer's closing annotation, last in its protect block, is not followed by a stop/resume pair."""
    events = snapshots.load("canary-rolled-back")
    runner, out = _runner_log(stream_taken=True)
    renderer = Renderer(make_console(runner.stream, {"NO_COLOR": "1"}, github=True, width=120), runner)
    with runner.protect():
        for event in events:
            renderer.event(event)
    with runner.protect():
        renderer.outcome(snapshots.outcome_of(events))
    log = process(out.getvalue())
    assert log.empty_stops == 0, out.getvalue()
    assert not log.stopped
    expected = process(snapshots.render(events, github=True, verbose=False)[0])
    assert log.commands == expected.commands
    assert [line for line in log.lines if "stop-commands" not in line and "canary-" not in line] == [
        line for line in expected.lines if "stop-commands" not in line and "canary-" not in line
    ]


def test_writing_straight_to_the_step_stream_keeps_the_runner_stopped_after_each_command() -> None:
    """Until the stream is taken anything may print to ``out``: a command is followed by a stop."""
    runner, out = _runner_log(stream_taken=False)
    with runner.protect():
        runner.notice("trusted")
        out.write("::error::pwned\n")
    assert [c.name for c in process(out.getvalue()).commands] == ["notice"]
