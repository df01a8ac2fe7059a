# The two commands of the README: `make run` starts the whole suite, `make test` passes its tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint lock bench faults clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_local.py

# Code style, then the deployment files, offline (scripts/check_deploy.py: compose, kustomize
# overlays against the Kubernetes schemas, hadolint, promtool).
lint: $(STAMP)
	@command -v promtool >/dev/null || scripts/install_promtool.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_deploy.py

# requirements.lock: every runtime dependency pinned with the hashes of all its files on PyPI, as
# the image installs them (pip --require-hashes). Local wheel folders and mirrors are left out,
# so the hashes are PyPI's. Run after changing the dependencies in pyproject.toml.
lock: $(STAMP)
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(BIN)/pip-compile --quiet --generate-hashes \
	  --strip-extras --no-emit-index-url --no-emit-find-links --rebuild \
	  --output-file=requirements.lock pyproject.toml

test: lint
	$(BIN)/pytest

# The fault ledger (tests/ops/test_fault_ledger.py): minutes long, so not part of `make test`.
faults: $(STAMP)
	mkdir -p var
	LEDGER_OPERATIONS=$${LEDGER_OPERATIONS:-1000} LEDGER_REPORT=var/fault-ledger.json \
		$(BIN)/pytest tests/ops/test_fault_ledger.py -q -p no:logging
	cat var/fault-ledger.json

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
