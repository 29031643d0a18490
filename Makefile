# jiedao: `make demo` runs the portal with demo data; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_RESIDENTS ?= 3000
DEMO_PASSWORD ?= Jiedao@2026

.PHONY: install demo test lint bench bench-reminders bench-meals bench-dashboard clean

$(STAMP): pyproject.toml package.json package-lock.json
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

# SQLite in the project folder, tasks in-process: nothing but Python is needed (no beat runs, so the
# reminder job runs once here; `python manage.py run_reminders` runs it again). DEBUG stays off, as
# in production (no technical error pages); WhiteNoise serves the collected static files.
DEMO_ENV := DEBUG=0 SECRET_KEY=demo-only-not-for-production ALLOWED_HOSTS=127.0.0.1,localhost
demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --residents $(DEMO_RESIDENTS) --password '$(DEMO_PASSWORD)'
	$(DEMO_ENV) $(BIN)/python manage.py run_reminders
	@echo "门户地址: http://127.0.0.1:8000  (Ctrl+C 停止)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .

# With DATABASE_URL and REDIS_URL set, the suite runs against those servers (the suite checks migrations too).
test: lint
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/residents_list.py

# Its own database (it changes care tiers): benchmarks/reminders.sqlite3 unless DATABASE_URL says otherwise.
bench-reminders: install
	$(BIN)/python benchmarks/reminders.py

# A million meal records in its own database (benchmarks/meals.sqlite3 unless DATABASE_URL says otherwise).
bench-meals: install
	$(BIN)/python benchmarks/meals.py

# The dashboard and the report pack on the meals benchmark's database (100,000 residents, a million meals).
bench-dashboard: install
	$(BIN)/python benchmarks/dashboard.py

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 db.sqlite3-shm db.sqlite3-wal
