"""Point action.yml at a pre-built image, for a release commit.

    python scripts/release_action_image.py ghcr.io/org/sm-canary-action:v1.2.3

On ``main``, action.yml says ``runs.image: Dockerfile``: the runner builds the image on every job,
which is what a branch or SHA reference of the action needs. A release commit instead says
``image: docker://ghcr.io/OWNER/sm-canary-action:vX.Y.Z``, the image the release workflow built from
the same tree and pushed, so users' jobs pull it. Only that one line changes (comments and layout stay).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ACTION_PATH = Path(__file__).resolve().parent.parent / "action.yml"

# `image:` directly under the top-level `runs:` mapping (two-space indent), value to end of line.
_RUNS_IMAGE = re.compile(r"^(runs:\n(?:[ ]{2}.*\n|\s*\n)*?[ ]{2}image:[ ]*)(\S.*)$", re.MULTILINE)
_IMAGE_REF = re.compile(r"^[a-z0-9.-]+(?::\d+)?/[a-z0-9._/-]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


class ReleaseError(Exception):
    """action.yml or the image reference is not what a release expects."""


def pin_image(action_text: str, image: str) -> str:
    """``action_text`` with ``runs.image`` replaced by ``docker://image``.

    ``image`` is a registry reference with a tag, e.g. ``ghcr.io/org/sm-canary-action:v1.2.3``.
    """
    if not _IMAGE_REF.fullmatch(image):
        raise ReleaseError(f"not an image reference with a tag: {image!r} (e.g. ghcr.io/org/repo:v1.2.3)")
    matches = list(_RUNS_IMAGE.finditer(action_text))
    if len(matches) != 1:
        raise ReleaseError("action.yml must have exactly one `image:` under `runs:`")
    match = matches[0]
    return f"{action_text[: match.start(2)]}docker://{image}{action_text[match.end(2) :]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite action.yml in place; exit 2 on a bad image reference or an unexpected action.yml."""
    parser = argparse.ArgumentParser(description="Point action.yml's runs.image at a pre-built image.")
    parser.add_argument(
        "image", help="registry reference with a tag, e.g. ghcr.io/org/sm-canary-action:v1.2.3"
    )
    parser.add_argument("--action", type=Path, default=ACTION_PATH, help="path of action.yml")
    args = parser.parse_args(argv)
    try:
        text = pin_image(args.action.read_text(encoding="utf-8"), args.image)
    except ReleaseError as error:
        sys.stderr.write(f"release_action_image: {error}\n")
        return 2
    args.action.write_text(text, encoding="utf-8")
    sys.stderr.write(f"{args.action}: runs.image = docker://{args.image}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
