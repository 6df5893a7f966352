# One command per task. `make help` lists them. Every target installs what it needs first.
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Exact versions of every runtime and dev dependency (`make lock` writes it); pyproject.toml
# keeps the ranges a library user installs within.
CONSTRAINTS := requirements/constraints.txt

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,tracing]'
	touch $(STAMP)

.PHONY: help
help: ## list the targets, and what CI runs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "CI runs .ci/run: $$(grep -E '^make ' .ci/run | paste -sd, - | sed 's/,/, /g')"

.PHONY: install
install: $(STAMP) ## create .venv and install the project with its dev tools

.PHONY: lock
lock: ## resolve the dependencies afresh and pin them in requirements/constraints.txt
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --upgrade pip; \
	"$$tmp/venv/bin/python" -m pip install --quiet -e '.[dev,tracing]'; \
	{ echo "# Exact versions of every runtime and dev dependency, resolved from pyproject.toml's"; \
	  echo "# ranges by \`make lock\`; \`make install\` (and so CI) installs with \`-c\` this file."; \
	  echo "# Written by \`make lock\`: do not edit by hand."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable; } > $(CONSTRAINTS)
	@echo "wrote $(CONSTRAINTS); \`make install\` now reinstalls with it"

.PHONY: serve
serve: $(STAMP) ## run the API on the embedded store (or on MONGODB_URI when set)
	$(BIN)/ecei serve

.PHONY: test
test: $(STAMP) ## run the test suite (MongoDB-server tests only when MONGODB_URI is set)
	$(BIN)/pytest

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
check: lint typecheck compose-check test ## everything CI runs but the audit

.PHONY: compose-check
compose-check: $(STAMP) ## check the compose files against the Compose specification, no Docker needed (needs node)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml compose.dev.yml
	node --check deploy/mongo-init.js

.PHONY: seed-dry-run
seed-dry-run: $(STAMP) ## parse and validate the shipped data, print the JSON report
	$(BIN)/ecei seed --dry-run --report json

.PHONY: export-schema
export-schema: $(STAMP) ## write schema/schema.graphql from the code
	$(BIN)/ecei export-schema

.PHONY: audit
audit: $(STAMP) ## GraphQL-over-HTTP conformance audit against a server it starts on 127.0.0.1:8787, or AUDIT_PORT (needs node and npm)
	scripts/http-audit.sh

.PHONY: vendor-graphiql
vendor-graphiql: $(STAMP) ## refresh GraphiQL's vendored files after a Strawberry upgrade (needs npm)
	$(BIN)/python scripts/vendor_graphiql.py

# e.g. make bench BENCH_ARGS="--sizes 88 --seconds 1"
BENCH_ARGS ?=

# 50 clients for 60 s, at 1 and then 2 workers; e.g. LOAD_ARGS="--clients 10 --duration 10"
LOAD_ARGS ?= --serve --workers 1 2

.PHONY: load
load: $(STAMP) ## load test: concurrent clients against `ecei serve` on loopback (scripts/load.py)
	$(BIN)/python scripts/load.py $(LOAD_ARGS)

.PHONY: screenshots
screenshots: $(STAMP) ## run the browser tests and save a screenshot of each web view in docs/screenshots (needs chromium)
	WEB_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/test_web_browser.py
	@if command -v pngquant >/dev/null; then \
	  for f in docs/screenshots/*.png; do pngquant --force --quality 60-85 --strip --output "$$f" "$$f"; done; \
	else echo "pngquant not found: the screenshots are left uncompressed"; fi

.PHONY: bench
bench: $(STAMP) ## requests/s over HTTP against `ecei serve`, cached and not, as ratios to bare Strawberry
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)
