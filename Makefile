# labportal: two commands. `make run` serves the whole portal; `make test` runs the suite.
# Everything a fresh machine needs is installed here, never by hand.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
BENCH_SCALE ?= full
FAULTS_SCALE ?= full

.PHONY: install run test bench faults backup restore demo-passwords lock clean vendor-assets

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

## Serve the portal on 127.0.0.1:8000 with a Celery worker and beat (SQLite, embedded broker).
run: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py runportal

## Run the test suite (PostgreSQL and Redis when they answer; REQUIRE_SERVICES=1 skips nothing).
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## Benchmark on PostgreSQL and Redis at national scale (BENCH_SCALE=small: CI's two-minute version).
## Results: bench/results/<date>-<commit>.json and a Markdown table; see docs/performance.md.
bench: install
	$(PY) -m bench.run --scale $(BENCH_SCALE)

## The deadline hour with faults (Redis down, Celery worker killed, SMTP refusing, PostgreSQL
## restarted) on private PostgreSQL and Redis it starts and removes; fails if anything is lost or
## doubled. FAULTS_SCALE=small: CI's version (under three minutes). See docs/operations.md.
faults: install
	$(PY) -m bench.faults --scale $(FAULTS_SCALE)

## Back up the database (pg_dump) and the uploaded files into one file under BACKUP_DIR
## (default var/backups/). Restore it with: make restore BACKUP=<file> (asks before replacing).
backup: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py backup $(if $(BACKUP_DIR),--output-dir "$(BACKUP_DIR)")

restore: install
	@test -n "$(BACKUP)" || { echo "BACKUP=<ファイル> を指定してください / usage: make restore BACKUP=<file>"; exit 2; }
	DEBUG=$${DEBUG:-1} $(PY) manage.py restore "$(BACKUP)"

## Give the demo accounts new passwords (and staff and reviewers new 2FA keys), printed once.
demo-passwords: install
	DEBUG=$${DEBUG:-1} $(PY) manage.py demo_data --reset-passwords

## Refresh constraints.txt after changing pyproject.toml (commit the result).
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

## Refresh the vendored front-end assets under static/vendor/ from npm (commit the result).
vendor-assets:
	scripts/vendor-assets.sh

clean:
	rm -rf var/celery var/mail var/test-media
