# Crossroads: `make demo` sets everything up and runs the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FRONTEND_DEPS := frontend/node_modules/.package-lock.json
BUNDLE := src/crossroads/web/static/build/app.js
FRONTEND_SOURCES := $(shell find frontend/src -name '*.ts' 2>/dev/null) frontend/build.mjs frontend/package-lock.json
CATALOGUES := $(wildcard src/crossroads/locale/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

PY_PATHS := src tests hatch_build.py $(wildcard bench)

.PHONY: setup demo test test-lowest reliability lint format chromium pdf-libs nginx clean messages

setup: $(INSTALLED) $(BUNDLE) $(COMPILED)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(INSTALLED): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(FRONTEND_DEPS): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(BUNDLE): $(FRONTEND_DEPS) $(FRONTEND_SOURCES)
	cd frontend && npm run build

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile -i $< -o $@

# Re-extract user-facing strings and merge them into the es and fr catalogues.
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -k N_ \
	  -o src/crossroads/locale/messages.pot --no-location --sort-output --project=Crossroads .
	$(BIN)/pybabel update -i src/crossroads/locale/messages.pot -d src/crossroads/locale \
	  --no-fuzzy-matching --ignore-obsolete

# Debian's Chromium for the browser tests; never a downloaded browser build.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

# Pango for WeasyPrint's PDF exports of the reflection note (tests render PDFs), and
# poppler's pdftotext, with which the tests read those PDFs back.
pdf-libs:
	@{ ldconfig -p | grep -q libpangoft2-1.0 && command -v pdftotext >/dev/null 2>&1; } || { \
	  echo "Installing Pango and poppler-utils for the PDF exports"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; }

# Debian's nginx (and openssl) for the tests of deploy/nginx.conf; RUNLEVEL=1 keeps the
# package from starting a server of its own on port 80.
nginx:
	@{ command -v nginx && command -v openssl; } >/dev/null 2>&1 || { \
	  echo "Installing Debian's nginx for the deployment tests"; \
	  apt-get update -qq && RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx openssl; }

demo: setup
	$(BIN)/crossroads demo

# Bytecode first: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every one of the
# suite's server processes would otherwise compile our sources again (about 0.6 s a start).
#
# PostgreSQL and Redis: scripts/test-services uses the ones already answering on loopback or
# starts them (as root on Debian); a URL you exported yourself wins. Without them the
# [postgresql] pass and the multi-node tests skip, and pytest's header says why.
# Extra pytest arguments: make test PYTEST_ARGS='tests/unit -x'.
#
# Two workers (pytest-xdist), since most of a test's time is spent waiting on a server, a
# browser or a socket: whole files go to one worker (--dist loadfile), so a module's server
# still starts once. Workers keep apart: each server has its own database, each worker its
# own temporary folders, Redis database number and PostgreSQL names (tests/conftest.py).
# PYTEST_WORKERS=0 runs the suite in one process, as before.
PYTEST_WORKERS ?= 2
test: setup chromium pdf-libs nginx
	$(BIN)/python -m compileall -q src >/dev/null
	@services=$$(scripts/test-services) || true; \
	  eval "$$services"; \
	  $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The long form of the notes fault tests (tests/reliability/load.py): 20 kills of the server,
# 10 PostgreSQL restarts, 5 outages past the writer's retries, two busy processes beside them.
reliability: setup
	CROSSROADS_RELIABILITY_REPEAT=20 $(BIN)/python -m pytest tests/reliability/test_notes_crash.py \
		tests/reliability/test_postgres_restart.py -s -p no:cacheprovider

lint: setup
	$(BIN)/ruff check $(PY_PATHS)
	$(BIN)/ruff format --check $(PY_PATHS)
	cd frontend && npm run typecheck && npm run lint

format: setup
	$(BIN)/ruff format $(PY_PATHS)
	$(BIN)/ruff check --fix $(PY_PATHS)

clean:
	rm -rf $(VENV) $(LOWEST) frontend/node_modules src/crossroads/web/static/build dist build

# The lowest versions pyproject.toml allows (constraints-lowest.txt), in a throwaway venv, on a
# representative part of the suite: the unit tests, uvicorn's sans-I/O frames and the notes.
LOWEST := .venv-lowest
test-lowest: $(BUNDLE) $(COMPILED)
	rm -rf $(LOWEST)
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/pip install --quiet -c constraints-lowest.txt -e '.[dev]'
	$(LOWEST)/bin/pip freeze --exclude-editable | grep -iE '^(uvicorn|websockets|fastapi|starlette|sqlalchemy|pycrdt|numpy|matplotlib)=='
	@services=$$(scripts/test-services) || true; \
	  eval "$$services"; \
	  $(LOWEST)/bin/python -m pytest -p no:cacheprovider tests/unit \
	    tests/integration/test_websocket_frames.py tests/integration/test_notes.py
