"""Runtime footprint: installed size of the image's Python dependencies, and proof nothing needed is lost.

Three installs into scratch directories with this interpreter's pip (``--target``):

- ``plain``: ``pip install boto3 pydantic-settings rich`` — what a Python action usually ships;
- ``lock``: ``pip install --no-deps --require-hashes -r requirements/runtime.txt`` — the lock as is;
- ``shipped``: the lock with ``--no-compile`` (no ``.pyc``) and ``scripts/prune_botocore.py`` — the
  image's layer.

Size is the sum of the files' sizes (MB = 10^6 bytes). The ``shipped`` tree is then imported alone
(``python -S``, ``PYTHONPATH`` = that tree and the repository) and makes one call to each service
the action or its state machine uses, against the emulator, and creates the clients botocore's
credential providers need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PLAIN_PACKAGES = ("boto3", "pydantic-settings", "rich")

CHECK_SCRIPT = """
import json, sys
import boto3, botocore
calls = {
    "stepfunctions": ("list_state_machines", {}),
    "sagemaker": ("list_endpoints", {}),
    "cloudwatch": ("describe_alarms", {}),
    "application-autoscaling": ("describe_scalable_targets", {"ServiceNamespace": "sagemaker"}),
    "service-quotas": ("list_service_quotas", {"ServiceCode": "sagemaker"}),
    "sts": ("get_caller_identity", {}),
}
result = {"botocore": botocore.__file__, "called": {}, "created": []}
session = boto3.session.Session(region_name="us-east-1")
for service, (operation, params) in calls.items():
    response = getattr(session.client(service), operation)(**params)
    result["called"][service] = response["ResponseMetadata"]["HTTPStatusCode"]
for service in ("sso", "sso-oidc", "signin"):
    session.client(service)
    result["created"].append(service)
import canary.action, canary.follow, canary.deploy, canary.settings
import io
from rich.console import Console
from rich.traceback import Traceback
try:
    raise ValueError("bench")
except ValueError as error:
    Console(file=io.StringIO()).print(Traceback.from_exception(type(error), error, error.__traceback__))
result["rich_traceback"] = True
try:
    import canary.render
    result["render"] = True
except ImportError:
    result["render"] = False
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Install:
    """One scratch install."""

    name: str
    path: str
    bytes: int
    files: int
    pyc_bytes: int

    @property
    def megabytes(self) -> float:
        """Size in MB (10^6 bytes)."""
        return self.bytes / 1e6


@dataclass(frozen=True)
class Footprint:
    """The three installs and the check of the shipped one."""

    plain: Install
    lock: Install
    shipped: Install
    check: dict[str, Any]
    app: str = ""
    """The image-like application directory (canary/ and entrypoint.py) beside ``shipped``."""
    warmed: Install | None = None
    """``shipped`` after :func:`precompile` (set by the caller once start-up without .pyc is measured)."""

    def as_json(self) -> dict[str, Any]:
        """For results.json."""
        measured = [self.plain, self.lock, self.shipped] + ([self.warmed] if self.warmed else [])
        installs = {i.name: {**asdict(i), "megabytes": round(i.megabytes, 2)} for i in measured}
        return {"installs": installs, "shipped_check": self.check}


def tree_size(path: Path) -> tuple[int, int, int]:
    """``(bytes, files, bytes of .pyc)`` of every file under ``path``."""
    total = files = pyc = 0
    for item in path.rglob("*"):
        if item.is_file() and not item.is_symlink():
            size = item.stat().st_size
            total += size
            files += 1
            if item.suffix == ".pyc":
                pyc += size
    return total, files, pyc


def _pip(target: Path, *args: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--no-input", "--target", str(target), *args]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"pip install into {target} failed:\n{completed.stderr[-2000:]}")


def _measured(name: str, path: Path) -> Install:
    size, files, pyc = tree_size(path)
    return Install(name=name, path=str(path), bytes=size, files=files, pyc_bytes=pyc)


def install_shipped(target: Path) -> Install:
    """The image's layer: the lock without ``.pyc``, pruned."""
    _pip(
        target, "--no-deps", "--require-hashes", "--no-compile", "-r", str(ROOT / "requirements/runtime.txt")
    )
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/prune_botocore.py"), str(target)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return _measured("shipped", target)


WARM_IMPORTS = (
    "import canary.action, canary.follow, canary.render, boto3; "
    "session = boto3.session.Session(region_name='us-east-1'); "
    "session.client('stepfunctions'); session.client('sagemaker')"
)
"""What the image build imports once, with bytecode writing on, so that exactly the modules the
action loads at start-up get a ``.pyc`` (the rest of the tree stays source only). The Dockerfile's
own command is used when it has one (:func:`warm_imports`)."""
_DOCKER_WARM = re.compile(r"RUN PYTHONDONTWRITEBYTECODE='' python -c \"((?:[^\"\\]|\\.)*)\"", re.DOTALL)


def warm_imports(dockerfile: Path = ROOT / "Dockerfile") -> str:
    """The Dockerfile's start-up bytecode command (``python -c``), else :data:`WARM_IMPORTS`."""
    try:
        match = _DOCKER_WARM.search(dockerfile.read_text())
    except OSError:
        return WARM_IMPORTS
    return match.group(1).replace("\\\n", "") if match else WARM_IMPORTS


def copy_app(app: Path) -> Path:
    """The image's application directory: ``canary/`` (no emulator, no caches) and ``entrypoint.py``."""
    shutil.copytree(
        ROOT / "canary",
        app / "canary",
        ignore=shutil.ignore_patterns("__pycache__", "emulator"),
        dirs_exist_ok=True,
    )
    shutil.copy(ROOT / "entrypoint.py", app / "entrypoint.py")
    return app


def precompile(target: Path, app: Path) -> Install:
    """Import what the action imports at start-up, writing ``.pyc`` for just those modules; the size after."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(target)}
    subprocess.run([sys.executable, "-S", "-c", warm_imports()], cwd=app, env=env, check=True, timeout=120)
    return _measured("shipped + start-up .pyc", target)


def check_shipped(target: Path, endpoint_url: str) -> dict[str, Any]:
    """Import the shipped tree alone and call every needed service against ``endpoint_url``."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)]),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    completed = subprocess.run(
        [sys.executable, "-S", "-c", CHECK_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        return {"ok": False, "error": completed.stderr[-2000:]}
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["ok"] = str(target) in result["botocore"] and all(v == 200 for v in result["called"].values())
    return result


def run(scratch: Path, endpoint_url: str) -> Footprint:
    """Install all three into ``scratch``, measure them, check the shipped one."""
    plain, lock, shipped = scratch / "plain", scratch / "lock", scratch / "shipped"
    _pip(plain, *PLAIN_PACKAGES)
    _pip(lock, "--no-deps", "--require-hashes", "-r", str(ROOT / "requirements/runtime.txt"))
    installed = install_shipped(shipped)
    app = copy_app(scratch / "app")
    return Footprint(
        plain=_measured("plain", plain),
        lock=_measured("lock", lock),
        shipped=installed,
        check=check_shipped(shipped, endpoint_url),
        app=str(app),
    )
