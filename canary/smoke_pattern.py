"""The smoke test's regular expression, compiled by Python into an automaton the state machine runs.

Step Functions has no ``$eval``: a definition cannot turn a string into a JSONata regex
(docs/state-machine.md, "Smoke test"). So the action compiles ``smoke-test-expect`` here, with Python's
own parser (``re._parser``), into a minimal deterministic automaton over character ranges; the automaton
travels in the execution input (``SmokeTest.Match``) and the definition (its ``SmokeCall`` state) only
runs it over the first :data:`WINDOW` characters of the answer.

The verdict is ``re.search(pattern, body[:1000], re.ASCII) is not None``: a match anywhere, ``^`` and
``\\A`` at the start, ``$`` at the end or before a final newline, ``\\Z`` at the end, and ``\\d \\w \\s``
(and ``\\D \\W \\S``) as ASCII classes. Everything a regular language needs works: characters, ``.``,
classes, groups, alternation, ``? * +`` and counted repetition ``{m,n}`` (greedy or lazy: only
whether a match exists counts). Refused, with the reason: backreferences, look-arounds, ``\\b \\B``,
possessive and atomic forms, the ``i m L`` flags, anchors other than at the ends, and an automaton of
more than :data:`MAX_AUTOMATON_BYTES` (its JSON in the execution input).

The automaton (``Match``), as JSON: ``{"S": [state, …], "A": a, "E": [e, …], "N": [n, …]}``; the run
starts in state 0. Each state is ``{"d": next, "r": [{"f": from, "t": to, "n": next}, …]}``: a
character ``c`` with ``from <= c <= to`` (one-character strings, compared as JSONata compares
strings) goes to that range's ``n``, any other to ``d``. (JSONata on AWS is JavaScript, which splits and
compares strings by UTF-16 code unit: a character beyond U+FFFF in the answer is two there, so a class
meant to match one may not; the emulator's JSONata compares code points.) ``A`` is the state a match
has been found in (it never leaves it; -1 when there is none); ``E`` the states that match if the text
ends there; ``N`` the states that match if what is left is one final newline (``$``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

WINDOW = 1000
"""Characters of the answer the expression is searched in."""
MAX_AUTOMATON_BYTES = 4096
"""Bytes of the compiled automaton (its compact JSON) the execution input may carry."""
_MAX_NFA_NODES = 4000
_MAX_DFA_STATES = 400
_TOP = 0x10FFFF

_DIGIT = ((0x30, 0x39),)
_WORD = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_SPACE = ((0x09, 0x0D), (0x20, 0x20))
_NEWLINE = ((0x0A, 0x0A),)


class PatternError(ValueError):
    """The expression cannot be compiled into an automaton the state machine runs (the message says why)."""


Ranges = tuple[tuple[int, int], ...]


def _normal(ranges: list[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _negate(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in ranges:
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _TOP:
        out.append((start, _TOP))
    return tuple(out)


_CATEGORIES: dict[Any, Ranges] = {
    sre.CATEGORY_DIGIT: _DIGIT,
    sre.CATEGORY_NOT_DIGIT: _negate(_DIGIT),
    sre.CATEGORY_WORD: _WORD,
    sre.CATEGORY_NOT_WORD: _negate(_WORD),
    sre.CATEGORY_SPACE: _SPACE,
    sre.CATEGORY_NOT_SPACE: _negate(_SPACE),
}
_BEGIN = {sre.AT_BEGINNING, sre.AT_BEGINNING_STRING}
_ANCHORS = {
    sre.AT_BEGINNING: "bol",
    sre.AT_BEGINNING_STRING: "bol",
    sre.AT_END: "eol",
    sre.AT_END_STRING: "eos",
}


@dataclass
class _Nfa:
    """Thompson NFA: ``edges[node]`` lists ``(kind, ranges, target)``; kind ``eps``, ``set``, or an anchor."""

    edges: list[list[tuple[str, Ranges, int]]] = field(default_factory=list)

    def node(self) -> int:
        if len(self.edges) >= _MAX_NFA_NODES:
            raise PatternError("is too large to compile: use fewer or smaller counted repetitions")
        self.edges.append([])
        return len(self.edges) - 1

    def edge(self, kind: str, source: int, target: int, ranges: Ranges = ()) -> None:
        self.edges[source].append((kind, ranges, target))

    def build(self, items: Any, start: int, dotall: bool) -> int:
        """Add ``items`` (a parsed sequence) from ``start``; returns the node where they end."""
        at = start
        for op, arg in items:
            at = self._item(op, arg, at, dotall)
        return at

    def _item(self, op: Any, arg: Any, at: int, dotall: bool) -> int:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            end = self.node()
            self.edge("set", at, end, _charset(op, arg, dotall))
            return end
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, items = arg
            _check_flags(add_flags | del_flags)
            inner = (dotall or bool(add_flags & sre.SRE_FLAG_DOTALL)) and not del_flags & sre.SRE_FLAG_DOTALL
            return self.build(items, at, inner)
        if op is sre.BRANCH:
            end = self.node()
            for alternative in arg[1]:
                begin = self.node()
                self.edge("eps", at, begin)
                self.edge("eps", self.build(alternative, begin, dotall), end)
            return end
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, items = arg
            for _ in range(low):
                at = self.build(items, at, dotall)
            if high is sre.MAXREPEAT:
                loop = self.node()
                self.edge("eps", at, loop)
                self.edge("eps", self.build(items, loop, dotall), loop)
                return loop
            end = self.node()
            for _ in range(high - low):
                self.edge("eps", at, end)
                at = self.build(items, at, dotall)
            self.edge("eps", at, end)
            return end
        if op is sre.AT and arg in _ANCHORS:
            end = self.node()
            self.edge(_ANCHORS[arg], at, end)
            return end
        raise PatternError(f"uses {_name(op, arg)}, which the state machine cannot match{_HINT}")


_HINT = (
    ": use characters, '.', \\d \\w \\s, [classes], groups, |, ? * + {m,n}, and ^ $ at the ends "
    "(or a plain substring)"
)


def _name(op: Any, arg: Any) -> str:
    names = {
        sre.GROUPREF: "a backreference",
        sre.GROUPREF_EXISTS: "a conditional group",
        sre.ASSERT: "a look-ahead or look-behind",
        sre.ASSERT_NOT: "a negative look-around",
        sre.POSSESSIVE_REPEAT: "a possessive repetition",
        sre.ATOMIC_GROUP: "an atomic group",
    }
    if op is sre.AT:
        return "\\b or \\B (a word boundary)"
    return names.get(op, str(op).lower())


def _check_flags(flags: int) -> None:
    refused = flags & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_MULTILINE | sre.SRE_FLAG_LOCALE)
    if refused:
        raise PatternError(
            "sets the i, m or L flag, which the state machine cannot match: write classes such as [Oo][Kk] "
            "instead of (?i)"
        )


def _charset(op: Any, arg: Any, dotall: bool) -> Ranges:
    if op is sre.LITERAL:
        return ((arg, arg),)
    if op is sre.NOT_LITERAL:
        return _negate(((arg, arg),))
    if op is sre.ANY:
        return ((0, _TOP),) if dotall else _negate(_NEWLINE)
    ranges: list[tuple[int, int]] = []
    negate = False
    for kind, value in arg:
        if kind is sre.NEGATE:
            negate = True
        elif kind is sre.LITERAL:
            ranges.append((value, value))
        elif kind is sre.RANGE:
            ranges.append(value)
        elif kind is sre.CATEGORY and value in _CATEGORIES:
            ranges.extend(_CATEGORIES[value])
        else:
            raise PatternError(f"uses {kind} {value} in a class, which the state machine cannot match{_HINT}")
    normal = _normal(ranges)
    return _negate(normal) if negate else normal


def _closure(nfa: _Nfa, nodes: set[int], follow: set[str]) -> frozenset[int]:
    seen = set(nodes)
    stack = list(nodes)
    while stack:
        for kind, _ranges, target in nfa.edges[stack.pop()]:
            if kind in follow and target not in seen:
                seen.add(target)
                stack.append(target)
    return frozenset(seen)


def _check_anchors(nfa: _Nfa, start: int, accept: int) -> None:
    """``^`` only where nothing was consumed yet, ``$``/``\\Z`` only where nothing is consumed after."""
    before = _closure(nfa, {start}, {"eps", "bol"})
    for node, edges in enumerate(nfa.edges):
        for kind, _ranges, target in edges:
            if kind == "bol" and node not in before:
                raise PatternError(
                    f"has ^ or \\A after the start, which the state machine cannot match{_HINT}"
                )
            if kind in ("eol", "eos"):
                after = _closure(nfa, {target}, {"eps", "eol", "eos"})
                if (
                    any(k in ("set", "bol") for n in after for k, _r, _t in nfa.edges[n])
                    or accept not in after
                ):
                    raise PatternError(
                        f"has $ or \\Z before the end, which the state machine cannot match{_HINT}"
                    )


def compile_pattern(pattern: str) -> dict[str, Any]:
    """The automaton (``SmokeTest.Match``) that decides ``re.search(pattern, text, re.ASCII)``.

    Raises :class:`PatternError` (a ``ValueError``) saying why when it cannot.
    """
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as error:
        raise PatternError(f"is not a regular expression ({error})") from error
    _check_flags(parsed.state.flags)
    nfa = _Nfa()
    start = nfa.node()
    accept = nfa.build(parsed.data, start, bool(parsed.state.flags & sre.SRE_FLAG_DOTALL))
    _check_anchors(nfa, start, accept)
    automaton = _determinize(nfa, start, accept)
    size = len(json.dumps(automaton, separators=(",", ":")).encode())
    if size > MAX_AUTOMATON_BYTES:
        raise PatternError(
            f"compiles to an automaton of {size:,} bytes, more than the {MAX_AUTOMATON_BYTES:,} the "
            "execution input carries: use fewer or smaller counted repetitions (or a plain substring)"
        )
    return automaton


def _determinize(nfa: _Nfa, start: int, accept: int) -> dict[str, Any]:
    bounds = {0}
    for edges in nfa.edges:
        for kind, ranges, _target in edges:
            if kind == "set":
                for lo, hi in ranges:
                    bounds.update((lo, hi + 1))
    cuts = sorted(b for b in bounds if b <= _TOP)
    classes = [(lo, (cuts[i + 1] - 1) if i + 1 < len(cuts) else _TOP) for i, lo in enumerate(cuts)]
    step = {"eps"}
    first = _closure(nfa, {start}, {"eps", "bol"})
    inject = _closure(nfa, {start}, step)
    states: dict[frozenset[int], int] = {}
    order: list[frozenset[int]] = []
    hit = frozenset({-1})

    def state_of(nodes: frozenset[int]) -> int:
        key = hit if accept in nodes else nodes
        if key not in states:
            if len(order) >= _MAX_DFA_STATES:
                raise PatternError("is too complex to compile: simplify it (or use a plain substring)")
            states[key] = len(order)
            order.append(key)
        return states[key]

    state_of(first)
    table: list[list[int]] = []
    index = 0
    while index < len(order):
        nodes = order[index]
        row: list[int] = []
        for lo, _hi in classes:
            if nodes is hit:
                row.append(index)
                continue
            moved = {t for n in nodes for k, r, t in nfa.edges[n] if k == "set" and _within(lo, r)}
            row.append(state_of(frozenset(_closure(nfa, moved, step) | inject)))
        table.append(row)
        index += 1
    ends = [
        i for i, nodes in enumerate(order) if nodes is not hit and accept in _end(nfa, nodes, {"eol", "eos"})
    ]
    newline = [i for i, nodes in enumerate(order) if nodes is not hit and accept in _end(nfa, nodes, {"eol"})]
    return _minimal(table, classes, states.get(hit, -1), set(ends), set(newline))


def _minimal(
    table: list[list[int]], classes: list[tuple[int, int]], found: int, ends: set[int], newline: set[int]
) -> dict[str, Any]:
    """The automaton with equivalent states merged (Moore's refinement), numbered from the start, 0."""
    kinds = [(i == found, i in ends, i in newline) for i in range(len(table))]
    block = [sorted(set(kinds)).index(kind) for kind in kinds]
    while True:
        keys = [(block[i], tuple(block[t] for t in row)) for i, row in enumerate(table)]
        numbering = {key: n for n, key in enumerate(dict.fromkeys(keys))}
        refined = [numbering[key] for key in keys]
        if len(set(refined)) == len(set(block)):
            break
        block = refined
    ids = {b: n for n, b in enumerate(dict.fromkeys(refined))}  # state 0 (the start) keeps number 0
    first = {ids[refined[i]]: i for i in reversed(range(len(table)))}
    rows = [[ids[refined[t]] for t in table[first[n]]] for n in range(len(ids))]
    return {
        "S": [_row(row, classes, found >= 0 and n == ids[refined[found]]) for n, row in enumerate(rows)],
        "A": ids[refined[found]] if found >= 0 else -1,
        "E": sorted({ids[refined[i]] for i in ends}),
        "N": sorted({ids[refined[i]] for i in newline}),
    }


def _within(code: int, ranges: Ranges) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _end(nfa: _Nfa, nodes: frozenset[int], anchors: set[str]) -> frozenset[int]:
    return _closure(nfa, set(nodes), {"eps"} | anchors)


def _row(row: list[int], classes: list[tuple[int, int]], absorbing: bool) -> dict[str, Any]:
    """One state: the commonest target as the default, the other targets as merged ranges."""
    if absorbing:
        return {"d": row[0], "r": []}
    counts: dict[int, int] = {}
    for target in row:
        counts[target] = counts.get(target, 0) + 1
    default = max(counts, key=lambda target: (counts[target], -target))
    ranges: list[dict[str, Any]] = []
    for (lo, hi), target in zip(classes, row, strict=True):
        if target == default:
            continue
        if ranges and ranges[-1]["n"] == target and ord(ranges[-1]["t"]) + 1 == lo:
            ranges[-1]["t"] = chr(hi)
        else:
            ranges.append({"f": chr(lo), "t": chr(hi), "n": target})
    return {"d": default, "r": ranges}


def run(automaton: dict[str, Any], text: str) -> bool:
    """What the ``SmokeTest`` state decides for an answer ``text`` (the same steps, in Python)."""
    states = automaton["S"]
    window = text[:WINDOW]
    previous, current = -1, 0
    for char in window:
        if current == automaton["A"]:
            break
        row = states[current]
        target = next((r["n"] for r in row["r"] if r["f"] <= char <= r["t"]), row["d"])
        previous, current = current, target
    if current == automaton["A"]:
        return True
    return current in automaton["E"] or (window.endswith("\n") and previous in automaton["N"])
