# Expo: `make run` serves the application, `make test` runs the whole suite.
# Both work on a fresh Debian 12 machine: they install whatever is missing first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app expo
# Written after a successful install; pyproject.toml newer than it means install again.
INSTALLED := $(VENV)/.installed

# Python and its venv module, then Pango/HarfBuzz for WeasyPrint and a Simplified-Chinese
# face for the PDFs.
RUN_PACKAGES := python3 python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	fonts-noto-cjk
# Chromium for the Playwright browser tests (never a downloaded browser), poppler-utils
# (pdftotext, pdffonts) for reading the generated PDFs.
TEST_PACKAGES := chromium poppler-utils

CATALOGUES = $(wildcard translations/*/LC_MESSAGES/messages.po)

.PHONY: help run test lint system-deps system-deps-test install venv translations \
	i18n-extract i18n-update i18n-init db seed migration

help: ## List the targets
	@echo "Expo. The two everyday commands are 'make run' and 'make test'."
	@echo
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN { FS = ":.*## " } { printf "  make %-18s %s\n", $$1, $$2 }'

run: system-deps install translations seed ## Set up, seed the demo data and serve http://127.0.0.1:$PORT
	@echo
	@echo "Expo is being served on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@PORT=$(PORT) scripts/serve.sh

test: system-deps-test install translations ## Run the whole suite, browser tests included (PYTEST_ARGS=...)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install ## Check the code with ruff (rules and formatting)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

system-deps: ## Install the Debian packages the application needs, if any is missing
	@scripts/system-deps.sh $(RUN_PACKAGES)

system-deps-test: ## The same, plus Chromium and poppler-utils for the tests
	@scripts/system-deps.sh $(RUN_PACKAGES) $(TEST_PACKAGES)

install: $(INSTALLED) ## Create .venv and install Expo with its dev tools into it

venv: install

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

translations: install ## Compile the translation catalogues (.po -> .mo)
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

db: install ## Bring the database up to the newest migration
	$(FLASK) db upgrade

seed: db ## Load the demo data (safe to run again) and print the demo logins
	$(FLASK) seed-demo

migration: install ## Autogenerate a migration from the models: make migration MESSAGE="..."
	@scripts/new-migration.sh "$(MESSAGE)"

.PHONY: bench
bench: system-deps install translations ## Run benchmarks/bench_*.py: tables beside the bare-library baselines (BENCH_ARGS=...)
	@for script in benchmarks/bench_*.py; do $(BIN)/python "$$script" $(BENCH_ARGS) || exit 1; done
