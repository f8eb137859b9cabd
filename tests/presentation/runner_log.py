"""Read a step's output the way the GitHub runner does (a test helper, not product code).

A transcription of actions/runner ``src/Runner.Common/ActionCommand.cs`` (``TryParseV2`` then the
legacy ``TryParse``) and ``src/Runner.Worker/ActionCommandManager.cs`` (``stop-commands`` handling):
https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs

Also GitHub's file-command parser for ``$GITHUB_OUTPUT`` (``name=value`` and ``name<<DELIM`` heredocs):
https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGISTERED = {
    "set-env",
    "set-output",
    "save-state",
    "add-mask",
    "add-path",
    "add-matcher",
    "remove-matcher",
    "debug",
    "warning",
    "error",
    "notice",
    "group",
    "endgroup",
    "echo",
}
"""Command names the runner registers (ActionCommandManager's extensions)."""

_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))
_LEGACY = (("%3B", ";"), ("%0D", "\r"), ("%0A", "\n"), ("%5D", "]"), ("%25", "%"))


def _unescape(text: str, mappings: tuple[tuple[str, str], ...]) -> str:
    for escaped, token in mappings:
        text = text.replace(escaped, token)
    return text


@dataclass(frozen=True)
class Command:
    """A workflow command the runner acted on."""

    name: str
    properties: dict[str, str]
    data: str


def parse_v2(line: str, registered: set[str]) -> Command | None:
    """``TryParseV2``: ``::name k=v,k=v::data`` after leading whitespace is trimmed."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name = info.split(" ", 1)[0]
    if name.lower() not in registered:
        return None
    properties: dict[str, str] = {}
    if " " in info:
        for prop in (p for p in info.split(" ", 1)[1].strip().split(",") if p):
            pair = [x for x in prop.split("=", 1) if x]
            if len(pair) == 2:
                properties[pair[0]] = _unescape(pair[1], _PROPERTY)
    return Command(name.lower(), properties, _unescape(message[end + 2 :], _DATA))


def parse_legacy(line: str, registered: set[str]) -> Command | None:
    """``TryParse``: ``##[name k=v;k=v]data`` anywhere in the line."""
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    name = info.split(" ", 1)[0]
    if name.lower() not in registered:
        return None
    properties: dict[str, str] = {}
    if " " in info:
        for prop in (p for p in info.split(" ", 1)[1].split(";") if p):
            pair = [x for x in prop.split("=", 1) if x]
            if len(pair) == 2:
                properties[pair[0]] = _unescape(pair[1], _LEGACY)
    return Command(name.lower(), properties, _unescape(line[close + 1 :], _LEGACY))


@dataclass
class RunnerLog:
    """The result of feeding a step's output to the runner: commands acted on, and the log shown."""

    commands: list[Command] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    stopped: bool = False
    empty_stops: int = 0
    """``::stop-commands::`` followed by its ``::TOKEN::`` with no line between (noise in the log)."""

    def named(self, name: str) -> list[Command]:
        """Commands of one name that the runner acted on."""
        return [c for c in self.commands if c.name == name]

    @property
    def viewer_groups(self) -> list[str]:
        """Lines the log viewer folds as group starts (``##[group]`` at the start of a shown line)."""
        return [line[len("##[group]") :] for line in self.lines if line.startswith("##[group]")]


def process(output: str) -> RunnerLog:
    """Feed every line of ``output`` to the runner's command manager, honouring ``stop-commands``."""
    log = RunnerLog()
    registered = set(REGISTERED) | {"stop-commands"}
    token: str | None = None
    stopped_lines = 0
    for line in output.splitlines():
        command = parse_v2(line, registered) or parse_legacy(line, registered)
        if command is None:
            log.lines.append(line)
            stopped_lines += 1
            continue
        if token is not None:
            log.lines.append(line)
            if command.name == token.lower():
                registered.discard(token.lower())
                token = None
                log.empty_stops += int(stopped_lines == 0)
            else:
                stopped_lines += 1
            continue
        if command.name == "stop-commands":
            log.lines.append(line)
            token = command.data
            registered.add(token.lower())
            stopped_lines = 0
            continue
        log.commands.append(command)
        if command.name in {"group", "endgroup"}:
            log.lines.append(f"##[{command.name}]{command.data if command.name == 'group' else ''}")
    log.stopped = token is not None
    return log


def parse_output_file(text: str) -> dict[str, str]:
    """Parse ``$GITHUB_OUTPUT`` as the runner does (``SetOutputFileCommand``)."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        equals = line.find("=")
        heredoc = line.find("<<")
        if equals >= 0 and (heredoc < 0 or equals < heredoc):
            outputs[line[:equals]] = line[equals + 1 :]
            continue
        if heredoc < 0:
            raise ValueError(f"invalid output line: {line!r}")
        name, delimiter = line[:heredoc], line[heredoc + 2 :]
        value: list[str] = []
        while True:
            if index >= len(lines):
                raise ValueError(f"missing delimiter {delimiter!r}")
            current = lines[index]
            index += 1
            if current == delimiter:
                break
            value.append(current)
        outputs[name] = "\n".join(value)
    return outputs
