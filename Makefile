# Waybill: `make run` to try it, `make test` to check it. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app backend
STAMP := $(VENV)/.installed

.PHONY: run test test-unit test-integration test-e2e setup db bench lint clean help

help:
	@echo "make run    - set up (venv, deps, database, demo data) and serve on http://127.0.0.1:$${PORT:-5000}"
	@echo "make test   - set up and run every test tier (unit, PostgreSQL integration, e2e with Chromium)"
	@echo "make bench  - run the benchmarks under bench/ (intake, sync, realtime, push; each beside a bare baseline)"

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

db: $(STAMP)
	mkdir -p instance
	$(FLASK) db upgrade

run: db
	$(FLASK) demo load --if-empty
	$(FLASK) push vapid-keys > /dev/null  # once: the key stays in instance/, outside git
	@# The demo's London warehouse is also its shop counter (WAYBILL_STORE_WAREHOUSE), unless set otherwise.
	WAYBILL_STORE_WAREHOUSE=$${WAYBILL_STORE_WAREHOUSE-LON} $(BIN)/python -m backend.serve

test: $(STAMP)
	scripts/ensure-services
	scripts/ensure-chromium
	$(BIN)/python -m pytest tests

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

test-integration: $(STAMP)
	scripts/ensure-services
	$(BIN)/python -m pytest tests/integration

test-e2e: $(STAMP)
	scripts/ensure-services
	scripts/ensure-chromium
	$(BIN)/python -m pytest tests/e2e

bench: $(STAMP)
	scripts/ensure-services
	scripts/ensure-chromium
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/sync.py
	$(BIN)/python bench/realtime.py
	$(BIN)/python bench/push.py

clean:
	rm -rf $(VENV) .pytest_cache
