# One command per task. `make help` lists them. Every target installs what it needs first.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

.PHONY: help
help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: install
install: $(STAMP) ## create .venv and install the project with its dev tools

.PHONY: serve
serve: $(STAMP) ## run the API on the embedded store (or on MONGODB_URI when set)
	$(BIN)/ecei serve

.PHONY: test
test: $(STAMP) ## run the test suite (MongoDB-server tests only when MONGODB_URI is set)
	$(BIN)/pytest

.PHONY: test-slow
test-slow: $(STAMP) ## run the large-volume tests (100,000 clusters; a few minutes)
	$(BIN)/pytest -m slow

.PHONY: lint
lint: $(STAMP) ## ruff format check and lint
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

.PHONY: format
format: $(STAMP) ## apply ruff formatting and autofixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: typecheck
typecheck: $(STAMP) ## mypy --strict over code and tests
	$(BIN)/mypy

.PHONY: check
check: lint typecheck test ## everything CI runs

.PHONY: seed-dry-run
seed-dry-run: $(STAMP) ## parse and validate the shipped data, print the JSON report
	$(BIN)/ecei seed --dry-run --report json

.PHONY: export-schema
export-schema: $(STAMP) ## write schema/schema.graphql from the code
	$(BIN)/ecei export-schema

.PHONY: audit
audit: $(STAMP) ## GraphQL-over-HTTP conformance audit against a local server (needs node)
	scripts/http-audit.sh

.PHONY: vendor-graphiql
vendor-graphiql: $(STAMP) ## refresh GraphiQL's vendored files after a Strawberry upgrade (needs npm)
	$(BIN)/python scripts/vendor_graphiql.py

.PHONY: bench
bench: $(STAMP) ## measure latency on the embedded store (BENCH_ARGS="--clusters 10000")
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)
