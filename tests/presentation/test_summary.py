"""The step summary's text: a headline said once, a table without an empty header, what was deployed,
the plan, what serves after a rollback, each step's duration (recorded demo runs, tests/snapshots)."""

from __future__ import annotations

import re

from canary.outcome import Outcome
from canary.summary import md, outcome_headline
from tests.presentation import summary_render


def _rows(markdown: str) -> dict[str, str]:
    """The key/value table: label → value."""
    table = markdown.split("\n\n")[2].splitlines()
    return {
        line.split(" | ")[0].lstrip("| "): line.split(" | ", 1)[1].removesuffix(" |")
        for line in table
        if " | " in line
    }


def test_the_key_value_table_has_no_empty_header_row() -> None:
    markdown = summary_render.summary("canary-promoted")
    assert "| | |" not in markdown
    table = markdown.split("\n\n")[2].splitlines()
    assert table[0] == "| Outcome | deployed (Step Functions status SUCCEEDED) |"
    assert table[1] == "|---|---|"


def test_the_headline_says_rolled_back_once() -> None:
    """The state machine's rollback cause starts with "Rolled back: "; the headline does not repeat it."""
    markdown = summary_render.summary("canary-rolled-back")
    headline = markdown.splitlines()[2]
    assert headline.startswith("**Rolled back (Canary.RolledBack): endpoint demo-churn is on "), headline
    assert headline.count("Rolled back") == 1
    outcome = Outcome(
        "rolled-back", "FAILED", "Canary.RolledBack", "Rolled back: endpoint e is on c again.", {}
    )
    assert outcome_headline(outcome) == "Rolled back (Canary.RolledBack): endpoint e is on c again."
    failed = Outcome("failed", "FAILED", None, "it broke", {})
    assert outcome_headline(failed) == "Failed (FAILED): it broke"


def test_an_apostrophe_is_not_turned_into_an_entity_markdown_shows_as_text() -> None:
    """``&#x27;`` whose ``#`` is backslash-escaped renders as the text ``&#x27;`` on GitHub."""
    assert md("the baseline's rate") == "the baseline's rate"
    markdown = summary_render.summary("canary-worse-than-baseline")
    assert "the baseline's (max-error-rate-increase 1)" in markdown
    assert "&\\#" not in markdown


def test_the_summary_names_image_model_data_commit_and_plan() -> None:
    rows = _rows(summary_render.summary("canary-promoted"))
    assert rows["Image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-model:1.1"
    assert rows["Model data"] == "s3&#58;//demo-models/churn/1.1/model.tar.gz"
    sha = summary_render.SHA
    assert rows["Commit"] == f"[{sha[:7]}](https://github.com/acme/churn-model/commit/{sha})"
    assert rows["Plan"] == "canary 10 % → 50 % → 100 %; bake 6s per step; 2 alarm(s) checked every 2s"
    assert rows["Serving now"].startswith("the new model demo-churn-")


def test_the_plan_names_the_gates_it_judges_by() -> None:
    rows = _rows(summary_render.summary("canary-worse-than-baseline"))
    assert rows["Plan"] == (
        "canary 20 % → 100 %; bake 1m00s per step; 2 alarm(s) checked every 2s; "
        "canary 5xx rate at most baseline + 1 point; canary p99 at most baseline + 50 %"
    )
    assert _rows(summary_render.summary("first-deploy"))["Plan"].startswith("first deploy: ")


def test_after_a_rollback_the_summary_says_which_model_serves() -> None:
    """The model of the config the endpoint was on before the deploy, which the rollback restored."""
    markdown = summary_render.summary("canary-rolled-back")
    serving = _rows(markdown)["Serving now"]
    before = re.search(r"endpoint demo-churn is on (\S+) again", markdown)
    assert before is not None
    assert serving == (
        f"{before[1]} (config {before[1]}): the model before this deploy; the new model serves nothing"
    )


def test_each_step_has_its_start_and_duration() -> None:
    markdown = summary_render.summary("canary-promoted")
    rows = [
        line for line in markdown.splitlines() if re.fullmatch(r"\| [^|]+ \| \+\d\d:\d\d \| \d+s \|", line)
    ]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [
        "Prepare",
        "Canary 10%",
        "Bake 10%",
        "Canary 50%",
        "Bake 50%",
        "Promote",
    ]
    bake = next(row for row in rows if row.startswith("| Bake 10%"))
    assert int(bake.rsplit(" | ", 1)[1].removesuffix("s |")) >= 6, "a 6 s bake took at least 6 s"


def test_the_commit_is_linked_only_to_a_clean_https_address() -> None:
    from canary.summary import summary_markdown

    outcome = Outcome("deployed", "SUCCEEDED", None, None, {})
    for url in ("javascript:alert(1)", "https://github.com/a/b/commit/x\n[y](https://evil)", ""):
        markdown = summary_markdown(outcome, [], commit="3f2b9c1d4e", commit_url=url)
        assert "| Commit | 3f2b9c1 |" in markdown, url
