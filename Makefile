# The two commands of the README: `make run` starts the whole suite, `make test` passes its tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench faults clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python scripts/run_local.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
