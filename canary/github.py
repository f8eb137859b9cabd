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
3. untrusted text inside a command is escaped (``%``, CR, LF; properties also ``:`` and ``,``), and
   its other C0/C1 control characters (ESC and so terminal escape sequences, BEL, NUL, …) are
   replaced by ``�``: an annotation, its title or a group title shows text, never a terminal
   sequence. Step summary text loses the same characters.

When everything that prints goes through the runner (:meth:`Runner.line`, and :attr:`Runner.stream`
for a rich console), ``::stop-commands::`` is written only right before the first untrusted text of
a :meth:`~Runner.protect` block, and after a trusted command only when more untrusted text follows:
the log never holds a stop/resume pair with nothing between. Until :attr:`Runner.stream` is taken,
anything may write to the step's stream directly, so a protect block stops at once and re-stops
after every command, as it must.

Outside GitHub Actions (``GITHUB_ACTIONS`` is not ``true``: the CLI), no workflow command is printed:
annotations become readable ``Error: …`` lines, a group title becomes a ``── title`` line, and masks,
stop-commands and outputs are skipped (outputs are written only when ``GITHUB_OUTPUT`` is set).
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO, cast

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n|\r|\n")
_OTHER_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
"""C0/C1 controls but TAB, CR, LF and the breaks of :data:`_OTHER_BREAKS`."""
_SUMMARY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0/C1 controls but TAB, CR and LF."""
_WORD_JOINER = "\u2060"


def _text(value: str) -> str:
    """``value`` with line breaks other than CR/LF as spaces and other control characters as ``�``."""
    return _OTHER_CONTROLS.sub("\ufffd", _OTHER_BREAKS.sub(" ", value))


def escape_data(value: str) -> str:
    """Escape a workflow command's data (the runner unescapes ``%25``, ``%0D``, ``%0A``).

    Characters some readers take as line breaks but the runner cannot escape (VT, FF, NEL,
    U+2028, …) become spaces, so a command is one line for every reader; other control characters
    but TAB (ESC, BEL, NUL, CSI, …) become ``�``, so an annotation never carries a terminal sequence.
    """
    return _text(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_mask(value: str) -> str:
    """Escape an ``add-mask`` value: its other control characters are kept, the mask is the value."""
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
    data = _escape_mask(message) if name == "add-mask" else escape_data(message)
    return f"::{name}{' ' + rendered if rendered else ''}::{data}"


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
        self._protecting = False
        self._group_open = False
        self._at_line_start = True
        self._stream: _LogStream | None = None

    @property
    def is_actions(self) -> bool:
        """True when running as a GitHub Actions step (``GITHUB_ACTIONS=true``)."""
        return self._env.get("GITHUB_ACTIONS", "").lower() == "true"

    @property
    def protected(self) -> bool:
        """True inside :meth:`protect` in Actions: untrusted text printed now is never acted on."""
        return self._protecting

    @property
    def stream(self) -> TextIO:
        """The step's log stream for untrusted text of any shape (e.g. a rich console's ``file``).

        Text written here is shown as written; inside :meth:`protect` the runner is stopped before
        it reaches the log. Once this is taken, the runner knows every write (print the log only
        through it and the runner's methods from then on) and stops the runner only when untrusted
        text comes, never around nothing.
        """
        with self._lock:
            if self._stream is None:
                self._stream = _LogStream(self)
            return cast("TextIO", self._stream)

    def _write(self, line: str) -> None:
        self._raw(line + "\n")

    def _raw(self, text: str) -> None:
        if text:
            self._out.write(text)
            self._out.flush()
            self._at_line_start = text.endswith("\n")

    def _untrusted(self, text: str) -> None:
        """Write untrusted text; inside :meth:`protect`, stop the runner first if it is not stopped."""
        with self._lock:
            if text and self._protecting and self._stop_token is None:
                if not self._at_line_start:
                    self._raw("\n")  # a command is read only at the start of a line
                self._stop()
            self._raw(text)

    def _stop(self) -> None:
        self._stop_token = _new_token()
        self._write(f"::stop-commands::{self._stop_token}")

    def line(self, text: str) -> None:
        """Print one plain log line made of untrusted text (passed through :func:`inert`)."""
        self._untrusted(inert(text) + "\n")

    def command(self, name: str, message: str = "", **props: str | int | None) -> None:
        """Emit the workflow command ``::name props::message`` (escaped), resuming protection around it.

        ``name`` and property keys are trusted identifiers; ``message`` and property values may be
        anything. Properties whose value is ``None`` are left out. Does nothing outside Actions.
        """
        self._emit([_format_command(name, message, props)])

    def _emit(self, lines: list[str]) -> None:
        """Write trusted command lines; while stopped, resume around them (re-stop: see :attr:`stream`)."""
        if not self.is_actions or not lines:
            return
        with self._lock:
            if not self._at_line_start:
                self._raw("\n")  # a command is read only at the start of a line
            if self._stop_token is not None:
                self._write(f"::{self._stop_token}::")
                self._stop_token = None
            for line in lines:
                self._write(line)
            if self._protecting and self._stream is None:
                self._stop()  # anything may print next, straight to the step's stream

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
        a cancellation) is not folded away. Once :attr:`stream` is taken, the runner is stopped at
        the block's first untrusted text, not at its start.
        """
        if not self.is_actions or self._protecting:
            yield
            return
        with self._lock:
            self._protecting = True
            if self._stream is None:
                self._stop()  # anything may print next, straight to the step's stream
        try:
            yield
        finally:
            with self._lock:
                self._protecting = False
                if self._stop_token is not None:
                    if not self._at_line_start:
                        self._raw("\n")
                    self._write(f"::{self._stop_token}::")
                    self._stop_token = None
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
        """Append Markdown to the job's step summary (``$GITHUB_STEP_SUMMARY``); no-op when unset.

        Control characters but TAB, CR and LF (ESC, BEL, NUL, …: untrusted text may carry them)
        become ``�``.
        """
        path = self._env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return
        markdown = _SUMMARY_CONTROLS.sub("\ufffd", markdown)
        with self._lock, Path(path).open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")


class _LogStream(io.TextIOBase):
    """:attr:`Runner.stream`: a text stream whose writes are the runner's untrusted text."""

    def __init__(self, runner: Runner) -> None:
        super().__init__()
        self._runner = runner

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The step stream's encoding."""
        return str(getattr(self._runner._out, "encoding", None) or "utf-8")

    def writable(self) -> bool:
        """Always writable."""
        return True

    def write(self, text: str) -> int:
        """Write untrusted text to the step's log (stopping the runner first when protected)."""
        self._runner._untrusted(text)
        return len(text)

    def flush(self) -> None:
        """Each write is flushed already."""

    def isatty(self) -> bool:
        """Whether the step's stream is a terminal."""
        isatty = getattr(self._runner._out, "isatty", None)
        return bool(isatty()) if callable(isatty) else False
