"""Step summaries drawn as github.com draws them: GFM and Mermaid 11 in headless Chromium.

The summaries are those of the demo's recorded runs (``tests/snapshots/*.events.json``, recorded
from ``make demo``'s scenarios): :func:`summaries` builds them as the action does, and :func:`render`
hands them to ``tools/render-summary.mjs`` (micromark with GFM, Mermaid from ``tools/``'s npm lock,
Debian's ``chromium`` through playwright-core), which reports what a reader sees on the light and
the dark page. Screenshots, for a look with your own eyes (the folder is git-ignored):

    .venv/bin/python -m tests.presentation.summary_render [FOLDER [SUMMARY.md ...]]

FOLDER defaults to .screenshots/; given Markdown files (a ``$GITHUB_STEP_SUMMARY`` a local deploy
wrote) are drawn instead of the demo's runs, each as ``STEM.light.png`` and ``STEM.dark.png``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from canary.render import summary_markdown
from tests.presentation import snapshots

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "render-summary.mjs"
CHROMIUM = Path("/usr/bin/chromium")
SHA = "3f2b9c1d4e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c"
EXECUTION_ARN = "arn:aws:states:us-east-1:123456789012:execution:sagemaker-canary-deploy:run-1"


def summary(name: str) -> str:
    """The step summary of a recorded demo run, as the action writes it."""
    events = snapshots.load(name)
    _, renderer = snapshots.render(events, github=True, verbose=False)
    return summary_markdown(
        snapshots.outcome_of(events),
        renderer.timeline,
        endpoint_name="demo-churn",
        execution_arn=EXECUTION_ARN,
        console_url=f"https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/{EXECUTION_ARN}",
        checks=renderer.checks,
        facts=renderer.facts.facts,
        commit=SHA,
        commit_url=f"https://github.com/acme/churn-model/commit/{SHA}",
    )


def summaries(names: Sequence[str] = snapshots.SCENARIOS) -> list[dict[str, str]]:
    """``[{"name": …, "markdown": …}]`` for ``tools/render-summary.mjs``."""
    return [{"name": name, "markdown": summary(name)} for name in names]


def missing() -> str | None:
    """What the renderer needs and this machine lacks (None: nothing)."""
    if not CHROMIUM.exists():
        return "Debian's chromium (apt-get install -y chromium; .ci/run installs it)"
    if not (ROOT / "tools" / "node_modules" / "mermaid").is_dir():
        return "the npm tools (cd tools && npm ci)"
    return None


def render(cases: Sequence[Mapping[str, str]], screenshots: Path | None = None) -> list[dict[str, Any]]:
    """What ``tools/render-summary.mjs`` saw of each case, on each page (light, dark)."""
    with tempfile.TemporaryDirectory(prefix="summary-render-") as tmp:
        path = Path(tmp) / "cases.json"
        path.write_text(json.dumps(list(cases)))
        args = ["node", str(SCRIPT), str(path)] + ([str(screenshots)] if screenshots else [])
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tools/render-summary.mjs failed: {done.stderr}")
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def main(argv: Sequence[str]) -> int:
    folder = Path(argv[0]) if argv else ROOT / ".screenshots"
    if problem := missing():
        sys.stderr.write(f"cannot render: install {problem}\n")
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    given = [{"name": Path(f).stem, "markdown": Path(f).read_text(encoding="utf-8")} for f in argv[1:]]
    for seen in render(given or summaries(), folder):
        errors = [c["error"] for c in seen["charts"] if c["error"]]
        state = f"{len(errors)} Mermaid error(s)" if errors else "no Mermaid error"
        shot = folder / f"{seen['name']}.{seen['theme']}.png"
        sys.stdout.write(f"{shot}: {len(seen['charts'])} chart(s), {state}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
