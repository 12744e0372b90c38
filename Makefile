# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: install demo test check lint test-postgres bench profile clean

# Re-installs only when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Talk to the bot in this terminal: local mode, embedded SQLite, no network, no token.
demo: install
	$(BIN)/ajung-bot chat

## The whole check, exactly as CI runs it.
test: check

check: lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## The database, handler, bot and dashboard tests again on PostgreSQL (server on 127.0.0.1:5432).
test-postgres: install
	TEST_DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest tests/db tests/handlers tests/bot tests/web

## Benchmarks (not part of `make test`): start-up, memory, report scale, throughput; one table.
bench: install
	$(BIN)/python -m benchmarks

## Where a dialogue step's time goes (pyinstrument).
profile: install
	$(BIN)/python -m pip install --quiet --editable '.[dev,bench]'
	$(BIN)/python -m benchmarks.profile

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
