"""The GitHub Action's runtime: settings, state machine, start or attach, follow, outcome."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the action from the runner's INPUT_* environment; returns the exit status."""
    sys.stderr.write("::error::sm-canary-action: the action runtime is not built yet\n")
    return 2
