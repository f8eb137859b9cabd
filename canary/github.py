"""The GitHub runner protocol: workflow commands, outputs, step summary — the only place that writes them.

How the runner reads a step's output (actions/runner ``ActionCommandManager`` and ``ActionCommand``):

- every line of stdout/stderr is offered to two parsers: the current form, a line that starts with
  ``::`` after leading whitespace is trimmed (``::name k=v,k=v::data``), and the legacy form, ``##[``
  found *anywhere* in the line (``##[name k=v;k=v]data``). Command names are case-insensitive.
- ``::stop-commands::TOKEN`` makes the runner ignore every command until a line whose command name is
  ``TOKEN`` (``::TOKEN::``). The token is registered as a command name while stopped.
- ``::group::title`` is turned into a ``##[group]title`` log line, which the log viewer folds; a raw
  ``##[group]`` line printed while commands are stopped is therefore still folded by the viewer.

So untrusted text (AWS payloads, failure causes, alarm reasons) is made inert three ways:
1. the whole follow stream runs inside :meth:`Runner.protect` (``::stop-commands::`` with a random
   token; a trusted command emitted meanwhile resumes, emits, and re-stops with a fresh token);
2. untrusted text embedded in a log line goes through :func:`inert` (one line: no CR/LF or other
   control characters; no ``##[``; no leading ``::``);
3. untrusted text inside a command is escaped (``%``, CR, LF; properties also ``:`` and ``,``).

Outside GitHub Actions (``GITHUB_ACTIONS`` is not ``true``: the CLI), no workflow command is printed:
annotations become readable ``Error: …`` lines, a group title becomes a ``── title`` line, and masks,
stop-commands and outputs are skipped (outputs are written only when ``GITHUB_OUTPUT`` is set).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_OTHER_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_WORD_JOINER = "\u2060"


def escape_data(value: str) -> str:
    """Escape a workflow command's data (the runner unescapes ``%25``, ``%0D``, ``%0A``).

    Characters some readers take as line breaks but the runner cannot escape (VT, FF, NEL,
    U+2028, …) become spaces, so a command is one line for every reader.
    """
    value = _OTHER_BREAKS.sub(" ", value)
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command property value (data escapes plus ``:`` and ``,``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def inert(text: str) -> str:
    """Make untrusted text safe to embed in one log line: the runner cannot read it as a command.

    Newlines become ``⏎``, other control characters (ANSI escapes included) become ``�``, the legacy
    ``##[`` marker and a leading ``::`` are broken with an invisible word joiner. Printable text,
    ARNs (``arn:aws:iam::…``) included, is otherwise unchanged.
    """
    text = _NEWLINES.sub("⏎", text)
    text = _CONTROL.sub("\ufffd", text)
    text = text.replace("##[", f"##{_WORD_JOINER}[")
    stripped = text.lstrip()
    if stripped.startswith("::"):
        cut = len(text) - len(stripped) + 1
        text = text[:cut] + _WORD_JOINER + text[cut:]
    return text


def _format_command(name: str, message: str, props: Mapping[str, str | int | None]) -> str:
    if not _NAME.match(name) or not all(_NAME.match(key) for key in props):
        raise ValueError(f"invalid workflow command name or property: {name!r} {sorted(props)!r}")
    rendered = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in props.items() if value is not None
    )
    return f"::{name}{' ' + rendered if rendered else ''}::{escape_data(message)}"


def _new_token() -> str:
    return f"canary-{secrets.token_hex(16)}"


class Runner:
    """Talks to the GitHub Actions runner through stdout and the files it names in the environment.

    Thread-safe: a signal handler may emit while the main thread renders.
    """

    def __init__(self, out: TextIO, env: Mapping[str, str]) -> None:
        """``out`` is the step's log stream (stdout); ``env`` the process environment."""
        self._out = out
        self._env = env
        self._lock = threading.RLock()
        self._stop_token: str | None = None
        self._group_open = False

    @property
    def is_actions(self) -> bool:
        """True when running as a GitHub Actions step (``GITHUB_ACTIONS=true``)."""
        return self._env.get("GITHUB_ACTIONS", "").lower() == "true"

    @property
    def protected(self) -> bool:
        """True while the runner has been told to stop processing commands."""
        return self._stop_token is not None

    def _write(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def line(self, text: str) -> None:
        """Print one plain log line made of untrusted text (passed through :func:`inert`)."""
        with self._lock:
            self._write(inert(text))

    def command(self, name: str, message: str = "", **props: str | int | None) -> None:
        """Emit the workflow command ``::name props::message`` (escaped), resuming protection around it.

        ``name`` and property keys are trusted identifiers; ``message`` and property values may be
        anything. Properties whose value is ``None`` are left out. Does nothing outside Actions.
        """
        self._emit([_format_command(name, message, props)])

    def _emit(self, lines: list[str]) -> None:
        """Write trusted command lines; while protected, resume once around them and re-stop."""
        if not self.is_actions or not lines:
            return
        with self._lock:
            if self._stop_token is None:
                for line in lines:
                    self._write(line)
                return
            self._write(f"::{self._stop_token}::")
            for line in lines:
                self._write(line)
            self._stop_token = _new_token()
            self._write(f"::stop-commands::{self._stop_token}")

    def _annotation(self, kind: str, message: str, title: str | None) -> None:
        if self.is_actions:
            self.command(kind, message, title=title)
            return
        label = kind.capitalize()
        text = f"{label}: {title}: {message}" if title else f"{label}: {message}"
        with self._lock:
            for part in _NEWLINES.split(text):
                self._write(inert(part))

    def error(self, message: str, title: str | None = None) -> None:
        """An error annotation (shown on the run's summary page); a readable line outside Actions."""
        self._annotation("error", message, title)

    def warning(self, message: str, title: str | None = None) -> None:
        """A warning annotation; a readable line outside Actions."""
        self._annotation("warning", message, title)

    def notice(self, message: str, title: str | None = None) -> None:
        """A notice annotation; a readable line outside Actions."""
        self._annotation("notice", message, title)

    def group(self, title: str) -> None:
        """Start a folded group of log lines, ending the open one first (groups do not nest)."""
        if not self.is_actions:
            self.line(f"── {title}")
            return
        with self._lock:
            lines = [_format_command("endgroup", "", {})] if self._group_open else []
            self._emit([*lines, _format_command("group", title, {})])
            self._group_open = True

    def endgroup(self) -> None:
        """End the open group (no-op when none is open)."""
        with self._lock:
            if self._group_open:
                self._emit([_format_command("endgroup", "", {})])
                self._group_open = False

    def add_mask(self, value: str) -> None:
        """Mask ``value`` (and each of its lines) in the rest of the log."""
        parts = [value, *(part for part in _NEWLINES.split(value) if part.strip())]
        for part in dict.fromkeys(parts):
            if part.strip():
                self.command("add-mask", part)

    @contextlib.contextmanager
    def protect(self) -> Iterator[None]:
        """Stop the runner from processing commands for the block (``::stop-commands::<random>``).

        Trusted :meth:`command` calls inside still work. Re-entrant: an inner block is a no-op.
        A group still open when the block ends is ended with it, so whatever follows (a timeout,
        a cancellation) is not folded away.
        """
        if not self.is_actions or self._stop_token is not None:
            yield
            return
        with self._lock:
            self._stop_token = _new_token()
            self._write(f"::stop-commands::{self._stop_token}")
        try:
            yield
        finally:
            with self._lock:
                token, self._stop_token = self._stop_token, None
                self._write(f"::{token}::")
                if self._group_open:
                    self._write(_format_command("endgroup", "", {}))
                    self._group_open = False

    def set_outputs(self, outputs: Mapping[str, str]) -> None:
        """Append step outputs to ``$GITHUB_OUTPUT`` in the multiline form (any value is safe).

        Each value is written as ``name<<DELIMITER``, the value, ``DELIMITER``, with a random
        delimiter that does not occur in the value. Line ends are written as LF (the runner reads
        CR LF and CR as line ends too). No-op when ``GITHUB_OUTPUT`` is unset.
        """
        path = self._env.get("GITHUB_OUTPUT")
        if not path:
            return
        chunks = []
        for name, raw in outputs.items():
            if not _NAME.match(name):
                raise ValueError(f"invalid output name: {name!r}")
            value = _NEWLINES.sub("\n", raw)
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            while delimiter in value:  # pragma: no cover - 128 random bits
                delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
            chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        with self._lock, Path(path).open("a", encoding="utf-8", newline="\n") as handle:
            handle.write("".join(chunks))

    def append_summary(self, markdown: str) -> None:
        """Append Markdown to the job's step summary (``$GITHUB_STEP_SUMMARY``); no-op when unset."""
        path = self._env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return
        with self._lock, Path(path).open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
