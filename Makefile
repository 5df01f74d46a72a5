# Hehu — two commands: `make run` (the system on SQLite with demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck lock venv demo browser clean messages

$(VENV)/.installed: requirements/lock.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(UV) pip sync -q --compile-bytecode --python $(PY) requirements/lock.txt
	$(UV) pip install -q --python $(PY) --no-deps -e .
	touch $@

venv: $(VENV)/.installed

var/dev.env: | $(VENV)/.installed
	mkdir -p var
	$(PY) -m hehu.core.devkeys > $@

# The system: embedded SQLite, demo data for Yibin, background tasks in-process.
run: $(VENV)/.installed var/dev.env
	set -a && . var/dev.env && set +a && \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py demo_load --if-empty && \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Debian's chromium for the browser tests (Playwright drives it via executable_path), and
# CJK fonts so that screenshots show Chinese text rather than empty boxes.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium or CJK fonts missing: sudo apt-get install chromium fonts-noto-cjk"; exit 1; fi; fi

# The whole suite: lint, types, migrations, import contracts, tests. DATABASE_URL selects
# PostgreSQL (CI sets it, and then the suite runs once more on the embedded SQLite).
test: $(VENV)/.installed browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy .
	$(PY) -m pytest $(PYTEST_ARGS)
	@# With PostgreSQL selected (CI), the embedded default must pass too.
	if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
	  env -u DATABASE_URL $(PY) -m pytest -m "not browser" $(PYTEST_ARGS); fi

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

lock: $(VENV)/.installed
	$(UV) pip compile -q --generate-hashes requirements/dev.in -o requirements/lock.txt
	$(UV) pip compile -q --generate-hashes requirements/base.in -o requirements/base.lock.txt

clean:
	rm -rf var/hehu.sqlite3 var/staticfiles

# Regenerate translation catalogues after changing user-facing strings (needs gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv
