# Lianxin developer commands. Needs only Python 3.11+ and make: everything else goes into .venv.
#   make run       install, migrate ./var/lianxin.db, load the demo data, serve on :8000
#   make test      install the test tools and run the whole suite (SQLite)
#   make test-pg   the suite on a fresh, throwaway PostgreSQL database (127.0.0.1:5432)
#   make lint      ruff
#   make bench     benchmark: baselines, submissions, claims, the queue with 1M requests (bench/README.md)
#   make clean     remove the venv, caches and build output (keeps ./var, your local data)
# Extra pytest arguments: make test PYTEST_ARGS="-k worktime -x"
# The suite runs on every core (pytest-xdist); one process: make test WORKERS=0

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The newest interpreter we accept by name first; the version is checked when the venv is made.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
# Stamps record that pyproject.toml was installed: pip runs again only when it changes.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PYTEST_ARGS ?=
WORKERS ?= auto

.PHONY: help install run test test-pg lint clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: no python3.11 or python3 on PATH; Lianxin needs Python 3.11 or newer" >&2; exit 1; fi
	@if ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	  echo "error: $(PYTHON) is Python $$("$(PYTHON)" -c 'import platform; print(platform.python_version())');" \
	       "Lianxin needs 3.11 or newer (install python3.11, or run: make PYTHON=/path/to/python3.11 ...)" >&2; \
	  exit 1; fi
	@echo "==> creating $(VENV) with $(PYTHON)"
	@# A half-made venv (e.g. ensurepip missing) would pass for a good one next time: remove it.
	@"$(PYTHON)" -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "error: could not create $(VENV) (on Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing Lianxin into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing Lianxin and its test tools into $(VENV)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# The test install is a superset of the plain one.
	@touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)

# The .mo files are build output (git-ignored); compile them when catalogues exist.
define compile_translations
	@if compgen -G 'web/translations/*/LC_MESSAGES/*.po' >/dev/null; then \
	  echo "==> compiling translations"; $(BIN)/pybabel -q compile -d web/translations; fi
endef

run: $(RUN_STAMP)
	$(compile_translations)
	@echo "==> migrating the database"
	$(BIN)/lianxin migrate
	@echo "==> loading the demo data (idempotent: kept as is if already loaded)"
	$(BIN)/lianxin seed --demo
	@echo "==> serving http://127.0.0.1:8000 (Ctrl-C stops)"
	$(BIN)/lianxin serve

# pytest exits 5 when it collected no tests; say so, since make only reports "Error 5".
define run_pytest
	@status=0; $(1) $(BIN)/pytest -n $(WORKERS) --dist worksteal $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; \
	exit $$status
endef

test: $(TEST_STAMP)
	$(compile_translations)
	$(call run_pytest,env -u TEST_DATABASE_URL)

# The helper creates a database named lianxin_test_<pid>_<random>, sets TEST_DATABASE_URL and
# drops the database afterwards, whatever the outcome.
test-pg: $(TEST_STAMP)
	$(compile_translations)
	$(call run_pytest,.ci/with-test-pg lianxin_test)

lint: $(TEST_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .hypothesis tests/artifacts
	find . \( -path ./.git -o -path ./var \) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	find web -name '*.mo' -delete 2>/dev/null || true

# The first run fills bench/results/queue-db-1000000 (a few minutes); later runs reuse it.
# Extra arguments: make bench BENCH_ARGS="--requests 100000 --duration 5"
BENCH_ARGS ?=
.PHONY: bench
bench: $(RUN_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)
