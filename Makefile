# make demo / make test / make bench create .venv from the lock files when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := tools/node_modules/.installed
ASL := canary/statemachine.asl.json canary/guardrails.asl.json

.PHONY: all demo test lint typecheck pytest bench lock clean screenshots

all: test

$(STAMP): requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	touch $@

$(NODE_STAMP): tools/package-lock.json
	cd tools && npm ci --silent --no-audit --no-fund
	touch $@

demo: $(STAMP)
	$(PY) -m canary demo

test: lint pytest

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml examples/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/zizmor --offline --no-progress .github/workflows action.yml .github/dependabot.yml examples/*.yml
	$(PY) scripts/gen_action_docs.py --check
	$(PY) scripts/gen_statemachine.py --check
	$(PY) scripts/gen_cloudformation.py --check
	$(BIN)/cfn-lint cloudformation/canary-deploy.yaml
	for definition in $(ASL); do node tools/validate-asl.mjs $$definition || exit 1; done
	for definition in $(ASL); do tools/node_modules/.bin/asl-validator --json-path $$definition || exit 1; done

# Six workers on two cores: most of a test's time is the emulator's simulated waits (holds, bakes,
# endpoint updates), which overlap; the CPU left (the emulator's interpreter, moto's server, the
# action's start-up) keeps the two cores about 75 % busy. 1,128 tests in about 4 minutes (eight
# workers measured 13 s faster, with more deadline-racing flakes: not worth a red run).
pytest: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -n 6

# The step summaries of the demo's recorded runs as github.com draws them (GFM, Mermaid 11, Chromium),
# light and dark, in .screenshots/ (git-ignored). Needs Debian's chromium (.ci/run installs it).
screenshots: $(STAMP) $(NODE_STAMP)
	$(PY) -m tests.presentation.summary_render .screenshots

bench: $(STAMP)
	$(PY) -m bench

# Regenerate the locks (needs uv): dev first, runtime constrained to the same versions.
lock:
	uv pip compile pyproject.toml --python-version 3.11 --extra emulator --extra dev --generate-hashes -o requirements/dev.txt
	uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -c requirements/dev.txt -o requirements/runtime.txt

clean:
	rm -rf $(VENV) tools/node_modules .mypy_cache .ruff_cache .pytest_cache .bench .screenshots
