# python:3.12-slim, pinned by digest; bump with `docker pull python:3.12-slim` and copy the new digest.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/sm-canary
# The lock first: code changes do not invalidate the dependency layer.
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt

# The package with its data files (canary/statemachine.asl.json, canary/schema/*.json); the local
# emulator (canary/emulator, needs moto) is left out by .dockerignore.
COPY canary/ canary/
COPY entrypoint.py entrypoint.py

# GitHub runs docker actions as root with --workdir /github/workspace: keep no USER, use absolute paths.
ENTRYPOINT ["python", "/opt/sm-canary/entrypoint.py"]
