# Expo: `make run` serves the application, `make test` runs the whole suite.
# Both work on a fresh Debian 12 machine: they install whatever is missing first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app expo
# The suite runs on every core (pytest-xdist; four workers at most, each with a database
# of its own and its connections); TEST_WORKERS=0 runs it in this one process.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal)
# The lock: exact versions with their hashes. app.txt is what serving needs, dev.txt adds
# the tests' and linters' tools. `make lock` writes both from pyproject.toml's ranges.
LOCK_APP := requirements/app.txt
LOCK_DEV := requirements/dev.txt
# Written after a successful install; a lock newer than it means install again.
INSTALLED_APP := $(VENV)/.installed-app
INSTALLED_DEV := $(VENV)/.installed-dev
PIP_INSTALL := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# `make test-calendar` runs the suite as if today were each of these days.
CALENDAR_DAYS := 2027-10-15 2029-02-28 2031-12-31
# `make test-latest` checks the newest versions pyproject.toml allows, in a venv of its own.
LATEST_VENV := .venv-latest
UV_COMPILE := $(BIN)/uv pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

# Python and its venv module, then Pango/HarfBuzz for WeasyPrint and a Simplified-Chinese
# face for the PDFs.
RUN_PACKAGES := python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-noto-cjk
# Chromium for the Playwright browser tests (never a downloaded browser), poppler-utils
# (pdftotext, pdffonts) and mupdf-tools (mutool, a second reader) for reading the generated
# PDFs, zbar-tools (zbarimg) as a second reader of their QR codes, systemd
# (systemd-analyze) for checking deploy/'s units.
TEST_PACKAGES := chromium poppler-utils mupdf-tools zbar-tools systemd
# `make cluster-test`: Debian's nginx in front of the hosts, openssl for its test certificate,
# PostgreSQL and Redis (servers of its own are started if none answers on 127.0.0.1).
CLUSTER_PACKAGES := nginx openssl postgresql redis-server
# wrk, the HTTP client benchmarks/bench_web.py measures the served pages with.
BENCH_PACKAGES := wrk

CATALOGUES = $(wildcard translations/*/LC_MESSAGES/messages.po)

.PHONY: help run dev test test-calendar test-latest lint lock system-deps system-deps-test install install-app \
	venv translations i18n-extract i18n-update i18n-init db seed migration

help: ## List the targets
	@echo "Expo. The two everyday commands are 'make run' and 'make test'."
	@echo
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN { FS = ":.*## " } { printf "  make %-18s %s\n", $$1, $$2 }'

# Links in mail, documents and QR codes lead to the address served (unless one is given).
run: export EXPO_BASE_URL ?= http://127.0.0.1:$(PORT)
run: system-deps install-app translations seed ## Set up, seed the demo data and serve http://127.0.0.1:$PORT
	@echo
	@echo "Expo is being served on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@PORT=$(PORT) scripts/serve.sh

dev: export EXPO_BASE_URL ?= http://127.0.0.1:$(PORT)
dev: system-deps install translations seed ## The same with Flask's development server, reloading when the code changes
	@echo
	@echo "Expo (development server) on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@PORT=$(PORT) EXPO_DEV=1 scripts/serve.sh

test: system-deps-test install translations ## Run the whole suite, browser tests included (PYTEST_ARGS=...)
	$(PYTEST) $(PYTEST_ARGS)

test-calendar: system-deps-test install translations ## The whole suite again on three faked days: none may depend on today
	@for day in $(CALENDAR_DAYS); do \
		echo "==> the suite as if today were $$day"; \
		$(PYTEST) -q --fake-today "$$day" $(PYTEST_ARGS) || exit 1; \
	done

test-latest: system-deps-test ## The suite on the newest versions pyproject.toml allows, not the lock's
	@test -x $(LATEST_VENV)/bin/python || "$$(scripts/find-python.sh)" -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade \
		--upgrade-strategy eager -e ".[dev]"
	$(LATEST_VENV)/bin/python -m pip list --format freeze --disable-pip-version-check \
		| grep -iE '^(babel|flask|sqlalchemy|weasyprint|wtforms)=='
	$(LATEST_VENV)/bin/pybabel compile --domain messages --directory translations
	$(LATEST_VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: install ## Check the code: ruff (rules and formatting), mypy (types), import contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

system-deps: ## Install the Debian packages the application needs, if any is missing
	@scripts/system-deps.sh $(RUN_PACKAGES)

system-deps-test: ## The same, plus Chromium, poppler-utils and systemd-analyze for the tests
	@scripts/system-deps.sh $(RUN_PACKAGES) $(TEST_PACKAGES)

install: $(INSTALLED_DEV) ## Create .venv and install Expo with its dev tools, from the lock

install-app: $(INSTALLED_APP) ## Create .venv and install Expo, from the lock (what serving needs)

venv: install

# Hashes are required: only the very files the lock names are installed. Expo itself goes
# in without build isolation, so its build backend also comes from the lock.
$(INSTALLED_DEV): $(LOCK_DEV) pyproject.toml
	@test -x $(BIN)/python || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes --no-deps -r $(LOCK_DEV)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	@touch $@ $(INSTALLED_APP)

$(INSTALLED_APP): $(LOCK_APP) pyproject.toml
	@test -x $(BIN)/python || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes --no-deps -r $(LOCK_APP)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	@touch $@

lock: install ## Write the lock from pyproject.toml's ranges (UPGRADE=1: the newest allowed)
	$(UV_COMPILE) pyproject.toml requirements/build.in -o $(LOCK_APP)
	$(UV_COMPILE) --extra dev pyproject.toml requirements/build.in requirements/tools.in \
		--constraint $(LOCK_APP) -o $(LOCK_DEV)

translations: install-app ## Compile the translation catalogues (.po -> .mo)
ifneq ($(strip $(CATALOGUES)),)
	@$(BIN)/pybabel compile --domain messages --directory translations
else
	@echo "No translation catalogues yet: nothing to compile."
endif

i18n-extract: install ## Collect the translatable strings into translations/messages.pot
	$(BIN)/pybabel extract --mapping-file babel.cfg --keyword _l --keyword lazy_gettext --keyword lazy_ngettext:1,2 \
		--sort-by-file --project Expo --output-file translations/messages.pot .

i18n-update: i18n-extract ## Merge messages.pot into every catalogue (then translate, then make translations)
	$(BIN)/pybabel update --input-file translations/messages.pot --output-dir translations \
		--no-fuzzy-matching

i18n-init: i18n-extract ## Start a catalogue for a new language: make i18n-init LOCALE=fr
	@test -n "$(LOCALE)" || { echo 'usage: make i18n-init LOCALE=fr' >&2; exit 2; }
	$(BIN)/pybabel init --input-file translations/messages.pot --output-dir translations \
		--locale $(LOCALE)

db: install-app ## Bring the database up to the newest migration
	$(FLASK) db upgrade

seed: db ## Load the demo data into an empty database (safe to run again) and print the demo logins
	$(FLASK) seed-demo --if-empty

migration: install ## Autogenerate a migration from the models: make migration MESSAGE="..."
	@scripts/new-migration.sh "$(MESSAGE)"

.PHONY: cluster-test
cluster-test: system-deps install translations ## Run deploy/ on loopback: nginx, two web and two worker hosts, checked (CLUSTER_ARGS=--record)
	@scripts/system-deps.sh $(RUN_PACKAGES) $(CLUSTER_PACKAGES)
	$(BIN)/python benchmarks/bench_cluster.py --require-nginx $(CLUSTER_ARGS)

.PHONY: bench
bench: install translations ## Run benchmarks/bench_*.py: tables beside the bare-library baselines (BENCH_ARGS=...)
	@scripts/system-deps.sh $(RUN_PACKAGES) $(BENCH_PACKAGES) $(CLUSTER_PACKAGES)
	@for script in benchmarks/bench_*.py; do $(BIN)/python "$$script" $(BENCH_ARGS) || exit 1; done
