# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
.PHONY: run test test-hostile install lint format check-migrations check-deploy messages check-postgres bench clean backup restore

# The virtualenv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

messages: install
	DJANGO_SETTINGS_MODULE=centre.settings.test $(PY) manage.py compilemessages --ignore=.venv -v0

# A developer's trial run: DEBUG defaults to true here (and only here); `make run PORT=8011`
# serves on another port (honcho gives the Procfile's web process $PORT).
PORT ?= 8000
run: export DEBUG ?= true
run: install messages
	test -f .env || cp .env.example .env
	DJANGO_SETTINGS_MODULE=centre.settings.base $(PY) -m centre.database_check --create
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:$(PORT)/ with a Celery worker and beat. Ctrl-C stops them all."
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile -p $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) tools/check_access.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: install
	DJANGO_SETTINGS_MODULE=centre.settings.test $(PY) manage.py makemigrations --check --dry-run

check-postgres: install
	@DJANGO_SETTINGS_MODULE=centre.settings.test $(PY) -m centre.database_check

NEW_FIELD_KEY := import base64, secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
# The deployment checks under the production settings (README "Running in production"): the
# same base settings with DEBUG off behind TLS, throwaway strong keys, no .env read.
check-deploy: install
	PORTAL_SKIP_DOTENV=1 DEBUG=false HTTPS=true ALLOWED_HOSTS=portal.example.cn \
		SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		FIELD_ENCRYPTION_KEYS="$$($(PY) -c "$(NEW_FIELD_KEY)")" FIELD_INDEX_KEY="$$($(PY) -c "$(NEW_FIELD_KEY)")" \
		DJANGO_SETTINGS_MODULE=centre.settings.base $(PY) manage.py check --deploy --fail-level WARNING

test: install messages lint check-postgres check-migrations check-deploy
	DJANGO_SETTINGS_MODULE=centre.settings.test $(PY) manage.py check --fail-level WARNING
	DJANGO_SETTINGS_MODULE=centre.settings.test $(BIN)/pytest $(PYTEST_ARGS)

# The hostile-input tests unbounded: every rotation of hostile values from every role, and
# 3,000 schema-driven API requests (about ten minutes; `make test` runs a bounded version).
test-hostile: install messages check-postgres
	HOSTILE_FULL=1 HOSTILE_EXAMPLES=3000 DJANGO_SETTINGS_MODULE=centre.settings.test $(BIN)/pytest \
		tests/centre/test_hostile_input.py tests/centre/test_api_schema.py $(PYTEST_ARGS)

# Backups (README "Retention and backups"): the database (pg_dump custom format) and the media
# storage into a new directory under BACKUP_DIR; `make restore BACKUP=var/backups/<moment>`
# puts one back into DATABASE_URL's database, replacing what is there.
backup: install
	DJANGO_SETTINGS_MODULE=centre.settings.base $(PY) manage.py backup

restore: install
	@test -n "$(BACKUP)" || { echo "make restore BACKUP=<a backup's directory>"; exit 2; }
	DJANGO_SETTINGS_MODULE=centre.settings.base $(PY) manage.py restore "$(BACKUP)"

bench: install
	@for script in $$(ls bench/*.py | grep -v common.py); do DJANGO_SETTINGS_MODULE=centre.settings.test $(PY) $$script; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
