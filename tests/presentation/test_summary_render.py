"""The step summary as a reviewer sees it on github.com: GFM and Mermaid 11 drawn in headless Chromium.

The summaries of a promotion and of a rollback (the demo's recorded runs: a two-step canary promoted,
and a canary rolled back as worse than its baseline, whose cause has an apostrophe and whose plan
sets both relative gates) go through ``tools/render-summary.mjs`` once, on GitHub's light and dark
pages (tests/presentation/summary_render.py). Screenshots: ``make screenshots``.

GitHub renders ```mermaid blocks with Mermaid:
https://docs.github.com/en/get-started/writing-on-github/working-with-advanced-formatting/creating-diagrams
Non-text contrast of 3:1 (WCAG 2.1, success criterion 1.4.11):
https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from canary.summary_charts import BASELINE, LIMIT, NEW
from tests.presentation import summary_render

CASES = ("canary-promoted", "canary-worse-than-baseline")
COLOURS = {colour[1]: colour[0] for colour in (NEW, BASELINE, LIMIT)}
"""A legend's colour names → the colour Mermaid must draw."""
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _rgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` or ``rgb(r, g, b)`` as 0..1 channels."""
    if colour.startswith("#"):
        return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]
    r, g, b = (int(n) / 255 for n in re.findall(r"\d+", colour)[:3])
    return r, g, b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours."""

    def luminance(colour: str) -> float:
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in _rgb(colour)]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_rendered_summaries_of_a_promotion_and_a_rollback() -> None:
    """One test, so that one browser start serves every check (xdist spreads tests over workers)."""
    if problem := summary_render.missing():
        pytest.fail(f"the summary render test needs {problem}")
    seen = summary_render.render(summary_render.summaries(CASES))
    assert sorted((s["name"], s["theme"]) for s in seen) == sorted(
        (name, theme) for name in CASES for theme in ("light", "dark")
    )
    problems = [
        *charts_drawn(seen),
        *mermaid_errors(seen),
        *entities_shown(seen),
        *low_contrast(seen),
        *legends_missing(seen),
        *limits_missing(seen),
    ]
    assert problems == [], "\n".join(problems)


def charts_drawn(seen: list[dict[str, Any]]) -> list[str]:
    expected = ["Traffic to the new model (%)", "5xx rate (%)", "p99 ModelLatency (ms)"]
    return [
        f"{page['name']} ({page['theme']}): charts {titles}, expected {expected}"
        for page in seen
        if (titles := [chart["title"] for chart in page["charts"]]) != expected
    ]


def mermaid_errors(seen: list[dict[str, Any]]) -> list[str]:
    return [
        f"{page['name']} ({page['theme']}): Mermaid error {chart['error']!r}"
        for page in seen
        for chart in page["charts"]
        if chart["error"]
    ]


def entities_shown(seen: list[dict[str, Any]]) -> list[str]:
    """The cause "… above the baseline's …" must read with its apostrophe, not ``baseline&#x27;s``."""
    problems = [
        f"{page['name']} ({page['theme']}): HTML entity {entity!r} shown as text"
        for page in seen
        for entity in ENTITY.findall(page["text"])
    ]
    [rollback] = [p for p in seen if p["name"] == "canary-worse-than-baseline" and p["theme"] == "light"]
    for text in ("points above the baseline's", "s3://demo-models/churn/1.3/model.tar.gz"):
        if text not in rollback["text"]:
            problems.append(f"the rollback's summary does not read {text!r}")
    return problems


def low_contrast(seen: list[dict[str, Any]]) -> list[str]:
    return [
        f"{page['name']} ({page['theme']}) {chart['title']}: series {colour} on {background}: {ratio:.2f}:1"
        for page in seen
        for chart in page["charts"]
        for colour in chart["series"]
        for background in (page["page"], chart["background"])
        if (ratio := contrast(colour, background)) < 3.0
    ]


def legends_missing(seen: list[dict[str, Any]]) -> list[str]:
    """Each chart is followed by a legend that names the colour of each of its series, in order."""
    problems = []
    for page in seen:
        for chart in page["charts"]:
            legend = chart["legend"] or ""
            named = re.findall(rf"\b({'|'.join(COLOURS)}): ", legend)
            drawn = [f"#{''.join(f'{round(c * 255):02x}' for c in _rgb(s))}" for s in chart["series"]]
            if not legend.startswith("Legend: ") or [COLOURS[name] for name in named] != drawn:
                problems.append(f"{page['name']} {chart['title']}: series {drawn}, legend {legend!r}")
    return problems


def limits_missing(seen: list[dict[str, Any]]) -> list[str]:
    """The rollback's plan sets max-error-rate-increase and max-latency-increase: each of its
    comparison charts has a third series, the limit; the promotion's plan sets no gate: two."""
    problems = []
    for page in seen:
        gated = page["name"] == "canary-worse-than-baseline"
        for chart in page["charts"][1:]:
            if (
                len(chart["series"]) != (3 if gated else 2)
                or ("limit" in (chart["legend"] or "")) is not gated
            ):
                problems.append(f"{page['name']} {chart['title']}: {len(chart['series'])} series")
    return problems
