# python:3.12-slim, pinned by digest; bump with `docker pull python:3.12-slim` and copy the new digest.
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/sm-canary
COPY requirements/runtime.txt requirements/runtime.txt
RUN pip install --require-hashes --no-deps -r requirements/runtime.txt

COPY canary/ canary/
COPY entrypoint.py entrypoint.py

ENTRYPOINT ["python", "/opt/sm-canary/entrypoint.py"]
