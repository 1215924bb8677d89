# OneStop — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.lock pyproject.toml 2>/dev/null | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
NODE_REGION ?= 371121
DATA_DIR ?= var
WORKERS ?= 3
PUBLIC_URL ?= http://$(HOST):$(PORT)
export NODE_REGION DATA_DIR PUBLIC_URL
# The production check of `make lint`: a throwaway node made by `onestop init` (docs/operations.md).
DEPLOY_ENV = env -u DATABASE_URL -u SECRET_KEY -u ONESTOP_SECRET_KEY -u ONESTOP_SECRET_KEY_FILE \
  -u ONESTOP_KEYS_DIR -u ONESTOP_PII_KEYS -u ONESTOP_PII_KEYS_FILE -u ONESTOP_BLIND_INDEX_KEY_FILE \
  -u ONESTOP_BLIND_INDEX_KEY ONESTOP_ENV=production ALLOWED_HOSTS=onestop.example.gov.cn \
  PUBLIC_URL=https://onestop.example.gov.cn NOTIFY_SMS_BACKEND=onestop.notify.channels.HttpSMSBackend \
  NOTIFY_SMS_URL=https://sms.example.gov.cn/send NOTIFY_EMAIL_BACKEND=onestop.notify.channels.DjangoEmailBackend

.PHONY: help install install-runtime run run-scaled crash-test federation-demo serve test test-fast lint deploy-check audit fmt bench messages openapi screenshots browser clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements-dev.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/pip install -q uv==0.13.8
	$(BIN)/uv pip install --python $(BIN)/python -q -r requirements-dev.lock
	$(BIN)/uv pip install --python $(BIN)/python -q --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## Create .venv with the runtime and development dependencies (requirements-dev.lock)

# A production node installs only what it runs (requirements.lock), checked against the hashes.
install-runtime: ## Create .venv with the runtime dependencies only (production; docs/operations.md)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install -q --no-deps .

# The node answers first; the deferred seed steps (routing model, search index, demo applications)
# and SIMULATE_DAYS of simulated history (0: none; once per DATA_DIR) follow in the background.
SIMULATE_DAYS ?= 60
SIMULATE = $(if $(filter-out 0,$(SIMULATE_DAYS)),--after-start "simulate --days $(SIMULATE_DAYS) --per-day 2")
run: install ## Install, migrate, seed the demo region and serve portal, consoles, API and worker; history is simulated in the background (SIMULATE_DAYS=60)
	@# collectstatic touches no database: it runs beside the migrations
	$(BIN)/onestop collectstatic --no-input -v 0 & statics=$$!; \
	  $(BIN)/onestop migrate --no-input -v 0 && wait $$statics
	$(BIN)/onestop seed_demo --phase first
	WARMUP=background $(BIN)/onestop serve --host $(HOST) --port $(PORT) --workers $(WORKERS) \
	  --after-start "seed_demo --phase deferred" $(SIMULATE)

# Scale-out on one machine (docs/operations.md, "Scaling out"): PostgreSQL and Redis required.
REDIS_URL ?= redis://127.0.0.1:6379/0
run-scaled: install ## Two web servers (PORT, PORT+1) and two task workers on PostgreSQL (DATABASE_URL) with Redis (REDIS_URL)
	REDIS_URL=$(REDIS_URL) $(BIN)/python tools/run_scaled.py --prepare --ports $(PORT) $$(($(PORT) + 1)) --web-workers $(WORKERS)

# The crash test (docs/security.md): a database of its own, emptied first (its name must say "crash").
KILLS ?= 200
CRASH_PORT ?= 8790
crash-test: install ## kill -9 the web server and the task worker KILLS times under load (DATABASE_URL=postgres://…/onestop_crash); bench/results/crash.json
	$(BIN)/python tools/crash_test.py --kills $(KILLS) --port $(CRASH_PORT)

federation-demo: install ## Three demo nodes (371121, 320707, 330106) on ports 8001-8003, peered with each other
	$(BIN)/python tools/federation_demo.py

browser: ## Install Debian's chromium, the CJK font (browser tests, every PDF) and poppler-utils (PDF render tests; root only)
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/pdftoppm ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei poppler-utils >/dev/null) \
	      || echo "warning: could not install chromium / poppler-utils; browser and PDF render tests will be skipped"; \
	  else echo "warning: chromium, poppler-utils or fonts-wqy-microhei missing and not root; browser and PDF render tests will be skipped"; fi; \
	fi

# Tests never touch the developer's data dir: keys, secret and uploads go to a throwaway one.
test: install browser ## Install and run the whole suite (DATABASE_URL picks PostgreSQL)
	DATA_DIR=$$(mktemp -d -t onestop-test-XXXX) $(BIN)/pytest -n $${PYTEST_WORKERS:-auto} --dist loadgroup $(PYTEST_ARGS)

test-fast: install ## Run the suite without the browser journeys
	DATA_DIR=$$(mktemp -d -t onestop-test-XXXX) $(BIN)/pytest -n auto --dist loadgroup -m "not e2e" $(PYTEST_ARGS)

lint: install ## ruff, ruff format --check, import-linter (the floors), mypy and makemigrations --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo
	$(BIN)/mypy
	DATA_DIR=$$(mktemp -d) $(BIN)/onestop makemigrations --check --dry-run
	@$(MAKE) --no-print-directory deploy-check

deploy-check: install ## A node made by `onestop init` passes `check --deploy` in production mode
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  head -c 24 /dev/urandom | base64 | $(DEPLOY_ENV) DATA_DIR="$$tmp/data" \
	    $(BIN)/onestop init --admin deploy-check >/dev/null && \
	  $(DEPLOY_ENV) DATA_DIR="$$tmp/data" $(BIN)/onestop check --deploy --fail-level WARNING

audit: install ## pip-audit the runtime lock file (needs a vulnerability database online; not in CI)
	$(BIN)/pip-audit --require-hashes --disable-pip -r requirements.lock

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
