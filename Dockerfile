# python:3.12-slim, pinned by digest; bump with `docker pull python:3.12-slim` and copy the new digest.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/sm-canary
# The lock first: code changes do not invalidate the dependency layer.
# No .pyc at install, and only the botocore service models the action uses (see
# scripts/prune_botocore.py; docs/performance.md has the sizes): ~20 MB instead of ~50 MB.
COPY requirements/runtime.txt requirements/runtime.txt
COPY scripts/prune_botocore.py scripts/prune_botocore.py
RUN pip install --no-compile --require-hashes --no-deps -r requirements/runtime.txt \
    && python scripts/prune_botocore.py

# The package with its data files (canary/statemachine.asl.json, canary/guardrails.asl.json,
# canary/schema/*.json); the local emulator (canary/emulator, needs moto) is left out by .dockerignore.
COPY canary/ canary/
COPY entrypoint.py entrypoint.py
# Bytecode for exactly the modules the action imports at start-up (halves time to the first request).
RUN PYTHONDONTWRITEBYTECODE='' python -c "import canary.action, canary.follow, canary.render, boto3; \
session = boto3.session.Session(region_name='us-east-1'); \
session.client('stepfunctions'); session.client('sagemaker')"

# GitHub runs docker actions as root with --workdir /github/workspace: keep no USER, use absolute paths.
ENTRYPOINT ["python", "/opt/sm-canary/entrypoint.py"]
