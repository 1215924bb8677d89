# OneStop — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
NODE_REGION ?= 371121
DATA_DIR ?= var
WORKERS ?= 3
export NODE_REGION DATA_DIR

.PHONY: help install run serve test test-fast lint fmt bench messages openapi screenshots browser clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install -q uv==0.13.8
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## Create .venv and install the locked dependencies

run: install ## Install, migrate, seed the demo region and serve portal, consoles, API and worker
	$(BIN)/onestop migrate --no-input -v 0
	$(BIN)/onestop collectstatic --no-input -v 0
	$(BIN)/onestop seed_demo
	$(BIN)/onestop serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

browser: ## Install Debian's chromium and a CJK font for the browser tests (root only)
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	      || echo "warning: could not install chromium; browser tests will be skipped"; \
	  else echo "warning: /usr/bin/chromium missing and not root; browser tests will be skipped"; fi; \
	fi

# Tests never touch the developer's data dir: keys, secret and uploads go to a throwaway one.
test: install browser ## Install and run the whole suite (DATABASE_URL picks PostgreSQL)
	DATA_DIR=$$(mktemp -d -t onestop-test-XXXX) $(BIN)/pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

test-fast: install ## Run the suite without the browser journeys
	DATA_DIR=$$(mktemp -d -t onestop-test-XXXX) $(BIN)/pytest -n auto -m "not e2e" $(PYTEST_ARGS)

lint: install ## ruff, ruff format --check, import-linter (the floors), mypy and makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy
	DATA_DIR=$$(mktemp -d) $(BIN)/onestop makemigrations --check --dry-run

fmt: install ## Format and autofix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install ## Run the benchmarks; each prints a table and writes JSON under bench/results/
	$(BIN)/python -m bench

messages: install ## Extract and compile translations (zh-hans, en)
	cd onestop && ../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-obsolete -i "*/static/*"
	cd onestop && ../$(BIN)/django-admin compilemessages

openapi: install ## Rewrite docs/api/openapi.json from the code
	DATA_DIR=$$(mktemp -d) $(BIN)/onestop export_openapi_schema --api onestop.api.api --indent 2 --sorted --output docs/api/openapi.json

screenshots: install browser ## Refresh docs/screenshots/ from a live server
	$(BIN)/pytest tests/e2e -k screenshots -p no:xdist --screenshots

clean: ## Remove the virtualenv and the data dir
	rm -rf $(VENV) $(DATA_DIR)
