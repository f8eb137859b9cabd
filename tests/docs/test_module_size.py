"""No module of the ``canary`` package is over 500 lines (CONTRIBUTING.md, "Changing things").

A module that grows past the limit is split by concern into new modules named for what they do, as
``canary/emulator/stepfunctions.py`` (``sfn_sdk_tasks``, ``sfn_history``) and
``canary/emulator/sagemaker.py`` (``sagemaker_variants``, ``sagemaker_requests``, ``sagemaker_weights``)
were.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "canary"
MAX_LINES = 500


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_of_the_package_is_over_500_lines() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the package was found, with its subpackages
    over = {str(p.relative_to(ROOT)): n for p in modules if (n := _line_count(p)) > MAX_LINES}
    assert not over, f"split these by concern into new modules (at most {MAX_LINES} lines each): {over}"
