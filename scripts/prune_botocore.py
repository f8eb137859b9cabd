"""Delete the API models of AWS services the action never calls from an installed botocore (and boto3).

botocore ships the model of every AWS service (~450 directories under ``botocore/data``, ~28 MB);
the action's container calls six. This keeps:

- the services the action and its state machine's callers use: ``stepfunctions``, ``sagemaker``,
  ``cloudwatch``, ``application-autoscaling``, ``service-quotas`` (the capacity check), ``sts`` (and
  any given with ``--keep``);
- the services botocore's own credential providers create clients for: ``sts`` (assume role, web
  identity), ``sso`` and ``sso-oidc`` (SSO profiles and tokens), ``signin`` (console login profiles);
- every file directly under ``botocore/data`` (``endpoints.json``, ``partitions.json``,
  ``sdk-default-configuration.json``, ``_retry.json``, …): botocore reads them at client creation.

boto3's resource models (``boto3/data``) are pruned the same way, and so are pygments' lexers
(4 MB; rich only reaches them to highlight source code, which the action never does), all but the
lexer registry and the Python lexer that ``rich.traceback`` uses. Run it right after
``pip install --no-compile``, in the image build::

    python scripts/prune_botocore.py /usr/local/lib/python3.12/site-packages

Without an argument it prunes the botocore that this interpreter imports. ``--dry-run`` lists what
it would delete. ``make bench`` runs it on a scratch install and then calls every kept service.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

NEEDED_SERVICES = frozenset(
    {"stepfunctions", "sagemaker", "cloudwatch", "application-autoscaling", "service-quotas", "sts"}
)
"""Services the action calls, or its users' tooling around it may (sts: get-caller-identity)."""
CREDENTIAL_SERVICES = frozenset({"sts", "sso", "sso-oidc", "signin"})
"""Services botocore's credential and token providers create clients for."""
KEEP = NEEDED_SERVICES | CREDENTIAL_SERVICES
PYGMENTS_LEXERS_KEPT = frozenset({"__init__.py", "_mapping.py", "python.py"})
"""pygments.lexers modules kept: the registry, and the Python lexer rich.traceback uses."""


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def prune(site_packages: Path, keep: frozenset[str] = KEEP, dry_run: bool = False) -> tuple[list[str], int]:
    """Delete unneeded service directories; returns (deleted service names, bytes freed)."""
    data_dirs = [site_packages / "botocore" / "data", site_packages / "boto3" / "data"]
    if not data_dirs[0].is_dir():
        raise FileNotFoundError(f"no botocore/data under {site_packages}")
    missing = sorted(keep & NEEDED_SERVICES - {p.name for p in data_dirs[0].iterdir()})
    if missing:
        raise FileNotFoundError(f"botocore under {site_packages} has no model for {', '.join(missing)}")
    deleted: list[str] = []
    freed = 0
    for data in data_dirs:
        if not data.is_dir():
            continue
        for entry in sorted(data.iterdir()):
            if entry.is_dir() and entry.name not in keep:
                freed += _size(entry)
                deleted.append(f"{data.parent.name}/{entry.name}")
                if not dry_run:
                    shutil.rmtree(entry)
    lexers = site_packages / "pygments" / "lexers"
    if lexers.is_dir():
        for entry in sorted(lexers.iterdir()):
            if entry.is_file() and entry.suffix == ".py" and entry.name not in PYGMENTS_LEXERS_KEPT:
                freed += entry.stat().st_size
                deleted.append(f"pygments/lexers/{entry.name}")
                if not dry_run:
                    entry.unlink()
    return deleted, freed


def _default_site_packages() -> Path:
    import botocore

    return Path(botocore.__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Prune the given site-packages (default: this interpreter's botocore)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("site_packages", nargs="?", type=Path, help="directory holding botocore/")
    parser.add_argument("--keep", default="", help="more services to keep, comma separated")
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    args = parser.parse_args(argv)
    site = args.site_packages or _default_site_packages()
    keep = KEEP | {name.strip() for name in args.keep.split(",") if name.strip()}
    try:
        deleted, freed = prune(site, keep, dry_run=args.dry_run)
    except FileNotFoundError as error:
        sys.stderr.write(f"prune_botocore: {error}\n")
        return 2
    verb = "would delete" if args.dry_run else "deleted"
    sys.stderr.write(
        f"prune_botocore: {verb} {len(deleted)} service models and lexers ({freed / 1e6:.1f} MB) "
        f"under {site}; "
        f"kept {', '.join(sorted(keep))}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
