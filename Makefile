# jiedao: `make demo` runs the portal with demo data; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_RESIDENTS ?= 3000
DEMO_PASSWORD ?= Demo-Spring-58

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser on these
# machines); the CJK font makes Chinese render. `make test` installs both when either is missing.
CHROMIUM ?= /usr/bin/chromium
CJK_FONT ?= /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
# pgbouncer: tests/jiedao/test_pgbouncer.py starts one in transaction mode in front of the test PostgreSQL.
PGBOUNCER ?= /usr/sbin/pgbouncer
BROWSER_PACKAGES := chromium fonts-noto-cjk pgbouncer
NODE_STAMP := node_modules/.installed-stamp

# The demo accounts' authenticator secret (seed_demo --totp-secret); `make otp-code` prints its current code.
DEMO_TOTP_SECRET ?= JBSWY3DPEHPK3PXPJIEDAODEMO234567

.PHONY: install messages browser-deps demo test lint otp-code bench bench-reminders bench-meals bench-dashboard bench-load backup clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

# Chart.js for the dashboard, from the npm registry, served by the app (never a CDN, never committed).
# A stamp of its own inside node_modules, so a deleted node_modules is installed again.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

MESSAGES := locale/zh_Hans/LC_MESSAGES/django
install: $(STAMP) $(NODE_STAMP)

# The portal's own words (locale/zh_Hans/LC_MESSAGES/django.po) compiled to the .mo Django reads; the
# .mo is committed so that a deployment needs no gettext, and a test checks it matches the .po.
messages: $(STAMP)
	$(BIN)/python -c "import polib; polib.pofile('$(MESSAGES).po').save_as_mofile('$(MESSAGES).mo')"

# The 6-digit code an authenticator app holding DEMO_TOTP_SECRET shows now (RFC 6238; each is accepted once).
otp-code: $(STAMP)
	@$(BIN)/python -c "import base64, sys; from django_otp.oath import totp; \
	s = sys.argv[1].upper(); print(f'{totp(base64.b32decode(s + \"=\" * (-len(s) % 8))):06d}')" '$(DEMO_TOTP_SECRET)'

# Only for the tests: `make demo` needs no browser. apt-get as root, through sudo otherwise.
browser-deps:
	@if [ -x "$(CHROMIUM)" ] && [ -f "$(CJK_FONT)" ] && [ -x "$(PGBOUNCER)" ]; then exit 0; fi; \
	need="the browser tests need Debian's $(BROWSER_PACKAGES) ($(CHROMIUM), $(CJK_FONT))"; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make: $$need; no apt-get here: install Chromium at $(CHROMIUM) and the Noto Sans CJK" \
	    "font yourself, then make test again." >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	else \
	  echo "make: $$need; not root and no sudo: as root run" \
	    "'apt-get install -y $(BROWSER_PACKAGES)', then make test again." >&2; exit 1; \
	fi; \
	echo "make: $(CHROMIUM), $(CJK_FONT) or $(PGBOUNCER) is missing; installing Debian's $(BROWSER_PACKAGES) with apt-get"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null

# SQLite in the project folder, tasks in-process: Python and npm (for Chart.js) are all it needs, no
# browser and no server (no beat runs, so the reminder jobs run once here; `python manage.py
# run_reminders` runs it again). DEBUG stays off, as in production (no technical error pages);
# WhiteNoise serves the collected static files.
DEMO_ENV := DEBUG=0 SECRET_KEY=demo-only-not-for-production ALLOWED_HOSTS=127.0.0.1,localhost \
	FIELD_ENCRYPTION_KEY=demo-only-field-encryption-key-not-for-production
demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --residents $(DEMO_RESIDENTS) --password '$(DEMO_PASSWORD)' \
	  --totp-secret '$(DEMO_TOTP_SECRET)'
	$(DEMO_ENV) $(BIN)/python manage.py run_reminders
	$(DEMO_ENV) $(BIN)/python manage.py run_case_reviews
	@echo "门户地址: http://127.0.0.1:8000  (Ctrl+C 停止)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

# ruff, then the layering contract (pyproject.toml [tool.importlinter]): imports run one way.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# With DATABASE_URL and REDIS_URL set, the suite runs against those servers (the suite checks migrations too).
test: lint browser-deps
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

# The office's mix against gunicorn, with locust (the bench extra), as a share of the plain page's rate.
bench-load: install
	$(BIN)/pip install -q -e ".[bench]"
	$(BIN)/python benchmarks/load.py

# An encrypted backup of the database, the stored files and the audit archives into BACKUP_DIR (BACKUP_KEY
# must be set; on PostgreSQL as DATABASE_OWNER_URL when set). `python manage.py restore FILE` brings it back.
backup: install
	$(BIN)/python manage.py backup

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 db.sqlite3-shm db.sqlite3-wal
