# Unmask: `make run` serves the desk with its worker; `make test` runs the whole suite.
# Both start from a fresh clone and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
VAR := var

# `make run` is a single-machine desk: production settings, plain HTTP on 127.0.0.1. These are
# also the settings' defaults, so `.venv/bin/python manage.py ...` in a new shell acts the same.
RUN_ENV := DEBUG=false SECURE_COOKIES=false SECRET_KEY_FILE=$(VAR)/secret_key
# var/ holds the database (sessions, password hashes), media and keys: owner-only.
OWNER_ONLY := umask 077;

.PHONY: run serve-prod test install install-dev system-packages lint format bench clean messages

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: $(VENV)/bin/activate requirements.txt requirements-nodeps.txt
	$(PIP) install --quiet -r requirements.txt
	$(PIP) install --quiet --no-deps -r requirements-nodeps.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime

install-dev: $(VENV)/.dev

$(VAR)/secret_key:
	$(OWNER_ONLY) mkdir -p $(VAR)
	$(OWNER_ONLY) $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

run: install $(VAR)/secret_key
	chmod -R go-rwx $(VAR)
	$(OWNER_ONLY) $(RUN_ENV) $(PY) manage.py migrate --noinput
	$(OWNER_ONLY) $(RUN_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	$(OWNER_ONLY) $(RUN_ENV) $(PY) manage.py seed_demo
	$(OWNER_ONLY) $(RUN_ENV) scripts/run-desk

# gunicorn + Celery worker + beat with production settings from the environment (see README).
serve-prod: install
	scripts/serve-prod

# System packages the suite needs (ffmpeg for H.264 media, chromium for browser tests).
system-packages:
	scripts/install-system-packages

test: system-packages install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	scripts/test-suite

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format:
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Refresh the catalogs from the marked strings (GNU gettext's xgettext, a translator's tool) and
# compile them to the committed .mo files in pure Python (polib): `make run` needs neither.
messages: install-dev
	$(PY) manage.py makemessages -l ko --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=test-artifacts
	$(PY) manage.py makemessages -d djangojs -l ko --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=test-artifacts --ignore=staticfiles --ignore='static/vendor/*'
	$(PY) manage.py compile_messages_py

bench: install-dev
	$(PY) bench/upload.py
	$(PY) bench/scoring.py

clean:
	rm -rf $(VAR) staticfiles .pytest_cache
