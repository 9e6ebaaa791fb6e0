# The two commands a newcomer runs: `make demo` and `make test`. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_MANIFEST := dbt_project/target/manifest.json

.PHONY: setup browser demo test test-fast bench lint format lock dagster api mlflow clean

setup: $(STAMP) $(DBT_MANIFEST)

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Exact versions from the lock, then the project itself without re-resolving.
	$(BIN)/python -m pip install --quiet -r requirements.lock
	# compat mode puts the checkout on sys.path, so newly added packages import without reinstalling.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
	@touch $(STAMP)

# Dagster loads dbt assets from the manifest; parse once per model change.
$(DBT_MANIFEST): $(STAMP) $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v -e target/ -e dbt_packages/)
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --project-dir .

# Browser tests drive Debian's chromium through Playwright (its own browser download cannot
# work here). Installed with apt when missing and possible; otherwise those tests skip, or
# fail under CI=true.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { echo "Installing Debian's chromium for the browser tests"; \
	    apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; }; } || \
	  echo "chromium is not installed: browser tests will be skipped (and fail under CI=true)"

demo: setup
	$(BIN)/wayra demo

test: setup browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

bench: setup
	$(BIN)/python -m bench

# Regenerate the lock after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v -i '^wayra' > requirements.lock

dagster: setup
	$(BIN)/wayra ui dagster

api: setup
	$(BIN)/wayra ui api

mlflow: setup
	$(BIN)/wayra ui mlflow

clean:
	rm -rf .wayra dbt_project/target dbt_project/logs
