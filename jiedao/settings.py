"""jiedao settings: everything that differs between machines comes from the environment.

Variables (see .env.example): DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS,
CSRF_TRUSTED_ORIGINS, SECURE (production HTTPS hardening), FIELD_ENCRYPTION_KEY, FIELD_ENCRYPTION_OLD_KEYS,
FIELD_CIPHER (encryption at rest).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Management commands run without one (a development key that `check --deploy` flags); the web
# server refuses to start on it (jiedao.security.require_production_secret, called by wsgi.py).
INSECURE_KEY = "django-insecure-development-only-key"
SECRET_KEY = env("SECRET_KEY") or INSECURE_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Encryption at rest of ID numbers, phones and stored files (jiedao/crypto.py): a secret of 32 characters at
# least, from which the encryption, blind-index and last-four keys are derived. With SECURE on (production) no
# process starts without one, management commands included: a migration or an import would otherwise write
# personal data under a key everyone knows. Otherwise, as with SECRET_KEY, commands run on a development key
# and the web server and Celery worker refuse it when DEBUG is off (jiedao.security.require_field_key).
# FIELD_ENCRYPTION_OLD_KEYS: earlier secrets (comma-separated), read until `manage.py rotate_field_key` has
# moved everything to the current one.
DEV_FIELD_KEY = "development-only-field-encryption-key-never-in-production"
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY")
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS")
FIELD_CIPHER = env("FIELD_CIPHER", "aes").strip().lower()  # aes: AES-256-GCM; sm4: SM4-GCM (GB/T 32907)
if env_bool("SECURE") and FIELD_ENCRYPTION_KEY in ("", DEV_FIELD_KEY):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set (32 characters at least) when SECURE is on: "
                               "ID numbers, phones and files are encrypted with it.")
FIELD_ENCRYPTION_KEY = FIELD_ENCRYPTION_KEY or DEV_FIELD_KEY
if any(len(k) < 32 for k in [FIELD_ENCRYPTION_KEY, *FIELD_ENCRYPTION_OLD_KEYS]):
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY and each of FIELD_ENCRYPTION_OLD_KEYS must be 32 characters "
                               "at least.")
if FIELD_CIPHER not in ("aes", "sm4"):
    raise ImproperlyConfigured("FIELD_CIPHER must be aes or sm4.")

INSTALLED_APPS = [
    "jiedao.apps.AdminConfig",  # Django's admin, on the portal's site (jiedao/admin_site.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER (below)
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # The second factor (RFC 6238 TOTP) and its one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "jiedao",
    "residents",
    "elderly_care",
    "child_services",
    "assistance",
    "volunteers",
    "visits",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiedao.security.NoStoreMiddleware",
    # A body over DATA_UPLOAD_MAX_BYTES: 413 before anything (sessions, CSRF, forms) reads it.
    "jiedao.uploads.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor (django-otp)?
    "django_otp.middleware.OTPMiddleware",
    # Idle (30 min) and absolute (12 h) end of a session; then the second factor on every page.
    "jiedao.sessions.SessionLimitsMiddleware",
    "jiedao.otp.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jiedao.audit.AuditContextMiddleware",
    # A control character (a NUL byte) in the query string or a form post: 400 before any view.
    "jiedao.params.RefuseControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # An account that must set a new password (chosen by an administrator, or expired) goes to that page.
    "jiedao.authentication.PasswordChangeRequiredMiddleware",
    # An address failing on many accounts waits before its next sign-in attempt (429, Retry-After).
    "jiedao.authentication.AddressSlowdownMiddleware",
    # Last, so that a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiedao.urls"
WSGI_APPLICATION = "jiedao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiedao.context_processors.access",
            ],
        },
    },
]

# Form widgets are drawn by the project's template engine, so that templates/django/forms/ may replace a stock
# widget's template (the select, whose options are written in place: benchmarks/README.md, "Template share");
# the input, the select and the checkboxes are drawn in Python with those templates' markup (jiedao/rendering.py).
FORM_RENDERER = "jiedao.rendering.FormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}


# DATABASE_PGBOUNCER=1: DATABASE_URL (and DATABASE_REPLICA_URL) reach PostgreSQL through PgBouncer in transaction
# mode, where two statements outside a transaction may run on two server connections. So nothing may rely on a
# session: no prepared statements (with server-side binding on, psycopg prepares a query after its fifth run, and
# PgBouncer 1.18, Debian 12's, cannot follow them; Django's default client-side binding prepares none), no
# server-side cursor living past its transaction (Django's iterator() declares one
# WITH HOLD outside a transaction: exports then fetch their rows in one piece), no connection options (PgBouncer
# refuses "-c jit=off": jit is set on the database instead, migration jiedao 0022). The owner's commands
# (DATABASE_OWNER_URL: migrate, backup, restore, audit_prune) connect to PostgreSQL directly.
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER")
# An optional read replica (streaming replication): the dashboard, exports and the monthly pack read from it
# through jiedao.routers.reading_replica(); everything else, and every read that must see a write just made,
# stays on default. Tests point it at the test database (TEST MIRROR).
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(env("DATABASE_REPLICA_URL"), conn_max_age=60)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["jiedao.routers.ReplicaRouter"]


def _configure_database(db: dict, *, pooled: bool) -> None:
    if db["ENGINE"].endswith("sqlite3"):
        # WAL lets the dev server read while a seed or a task writes.
        db.setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    elif db["ENGINE"].endswith("postgresql") and pooled:
        db.setdefault("OPTIONS", {})["prepare_threshold"] = None
        db["DISABLE_SERVER_SIDE_CURSORS"] = True


# Two roles on PostgreSQL: the web and the workers connect with DATABASE_URL, as a role that may only
# INSERT and SELECT the audit tables (jiedao.dbroles); migrations, audit_prune, backup and restore use the
# tables' owner, DATABASE_OWNER_URL (the "owner" alias; `manage.py migrate` picks it by itself). Without
# it (SQLite, a developer's PostgreSQL) everything runs as DATABASE_URL.
if env("DATABASE_OWNER_URL"):
    DATABASES["owner"] = dj_database_url.parse(env("DATABASE_OWNER_URL"), conn_max_age=0)
    # Tests, if ever run with both set, use one test database through both aliases.
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
for alias in list(DATABASES):
    _configure_database(DATABASES[alias], pooled=DATABASE_PGBOUNCER and alias != "owner")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "jiedao.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "jiedao.authentication.AccountBackend",
]
# The password policy (等保 身份鉴别), each rule a validator with a Chinese message (jiedao/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jiedao.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "jiedao.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "jiedao.passwords.UsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jiedao.passwords.CommonPasswordValidator"},
    {"NAME": "jiedao.passwords.OfficeNameValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiedao.passwords.PasswordHistoryValidator"},
]
# Django's admin (/django-admin/) is off: day-to-day work, accounts included, happens in the portal. Turned
# on, it answers only the security admin made staff (jiedao/admin_site.py says why).
DJANGO_ADMIN_ENABLED = env_bool("DJANGO_ADMIN_ENABLED")
# None of an account's last PASSWORD_HISTORY passwords (the current one included) may come back.
PASSWORD_HISTORY = int(env("PASSWORD_HISTORY", "5"))
# A password older than this must be changed at the next sign-in.
PASSWORD_MAX_AGE_DAYS = int(env("PASSWORD_MAX_AGE_DAYS", "90"))
# An account not signed in for this long is disabled by the nightly job (disable_idle_accounts).
ACCOUNT_IDLE_DAYS = int(env("ACCOUNT_IDLE_DAYS", "90"))
# Words no password may contain besides the sub-districts' own names (comma-separated, pinyin or Chinese).
PASSWORD_BANNED_WORDS = env_list("PASSWORD_BANNED_WORDS", "jiedao,minzheng,mzj,街道,民政")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_IDLE_SECONDS without a person's request (a page's background poll does not
# count) and SESSION_MAX_SECONDS after signing in, whatever happens (jiedao.sessions.SessionLimitsMiddleware,
# which writes the idle timer at most once a minute rather than saving the session on every request).
# Closing the browser ends it too.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", "1800"))
SESSION_MAX_SECONDS = int(env("SESSION_MAX_SECONDS", str(12 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Lockout per (account, address): five failures lock that pair for 30 minutes. Not the account alone (five
# requests from anywhere would lock anybody out: a denial of service), nor the address alone (a whole
# community office often shares one NAT address, and one colleague's typos must not lock everyone out).
# The owner and the account's guardians are told when a pair locks (jiedao.signals).
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address that fails on this many accounts within an hour is slowed down: each new attempt from it
# waits a delay that doubles with every further account, up to LOGIN_ADDRESS_MAX_DELAY seconds
# (jiedao.authentication.address_wait), and the guardians are told.
LOGIN_ADDRESS_ACCOUNTS = int(env("LOGIN_ADDRESS_ACCOUNTS", "20"))
LOGIN_ADDRESS_MAX_DELAY = int(env("LOGIN_ADDRESS_MAX_DELAY", "3600"))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jiedao.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0")) or None

LANGUAGE_CODE = "zh-hans"
# The portal speaks Chinese only: without this, LocaleMiddleware followed a browser set to English and
# Django's own field messages ("Ensure this value is greater than or equal to 0.") came out in English.
LANGUAGES = [("zh-hans", "简体中文")]
# The portal's own words for what Django would say to a user (locale/zh_Hans, compiled by `make messages`).
LOCALE_PATHS = [BASE_DIR / "locale"]
CSRF_FAILURE_VIEW = "jiedao.views.csrf_failure"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Browser libraries come from the npm registry at install time (package.json, `make install`) and are
# served by the app itself: government intranets have no internet, so never a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist")]
# Stored files (case scans, wish photos, export files, import ledgers), audit archives and backups go through
# Django's storage API (STORAGES below), never a path of their own, so that a worker on one host writes what a
# web process on another serves. On one host: directories outside the web root (MEDIA_ROOT, AUDIT_ARCHIVE_DIR,
# BACKUP_DIR). On several: one S3-compatible bucket (MinIO, a cloud's OSS), chosen by STORAGE_S3_BUCKET, reached at
# AWS_S3_ENDPOINT_URL with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (AWS_S3_REGION_NAME if the service wants
# one), under the prefixes media/, audit-archive/ and backups/ (STORAGE_S3_BACKUP_BUCKET: backups in a bucket of
# their own, as a backup beside what it backs up is lost with it). Stored files are sealed either way
# (jiedao.crypto); audit archives stay plain JSON lines that anyone can check with sha256sum; backups are sealed
# by BACKUP_KEY.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
AUDIT_ARCHIVE_DIR = Path(env("AUDIT_ARCHIVE_DIR", str(BASE_DIR / "audit-archive")))
BACKUP_DIR = Path(env("BACKUP_DIR", str(BASE_DIR / "backups")))
STORAGE_S3_BUCKET = env("STORAGE_S3_BUCKET")


def _s3(bucket: str, location: str, backend: str = "storages.backends.s3.S3Storage", overwrite: bool = False) -> dict:
    return {"BACKEND": backend, "OPTIONS": {
        "bucket_name": bucket, "location": location,
        "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None, "region_name": env("AWS_S3_REGION_NAME") or None,
        "access_key": env("AWS_ACCESS_KEY_ID") or None, "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
        # MinIO and most OSS services answer path-style addresses (endpoint/bucket/key) without DNS per bucket.
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path"), "signature_version": "s3v4",
        "file_overwrite": overwrite, "default_acl": "private"}}


def s3_storages(bucket: str, backup_bucket: str = "") -> dict:
    """The three storages on object storage (tests/jiedao/test_object_storage.py runs the file paths on them)."""
    return {
        "default": _s3(bucket, "media", "jiedao.s3storage.EncryptedS3Storage"),
        "audit_archive": _s3(bucket, "audit-archive", overwrite=True),  # a month archived again replaces its file
        "backups": _s3(backup_bucket or bucket, "backups"),
    }


STORAGES = {
    **(s3_storages(STORAGE_S3_BUCKET, env("STORAGE_S3_BACKUP_BUCKET")) if STORAGE_S3_BUCKET else {
        # Sealed on save and opened in clear on read (jiedao.crypto).
        "default": {"BACKEND": "jiedao.crypto.EncryptedFileSystemStorage"},
        # audit_archive writes each month's file and its .sha256 here (jiedao.auditarchive).
        "audit_archive": {"BACKEND": "jiedao.directories.AuditArchiveStorage"},
        # manage.py backup writes here (jiedao.backup); readable by the owner only.
        "backups": {"BACKEND": "jiedao.directories.BackupStorage"},
    }),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env("PYTEST_VERSION")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# The largest request body taken, files included (a case scan is 5 MB at most): larger ones answer 413 unread.
DATA_UPLOAD_MAX_BYTES = int(env("DATA_UPLOAD_MAX_BYTES", str(6 * 1024 * 1024)))
# Ledger imports (jiedao.ledger.check_workbook): a workbook over LEDGER_MAX_BYTES is refused before it is opened;
# one whose parts decompress past LEDGER_MAX_EXPANDED_BYTES (a zip bomb), or a sheet reaching past LEDGER_MAX_CELLS
# cells from A1, too. A ledger upload needs DATA_UPLOAD_MAX_BYTES at least this large on its route.
LEDGER_MAX_BYTES = int(env("LEDGER_MAX_BYTES", str(20 * 1024 * 1024)))
LEDGER_MAX_EXPANDED_BYTES = int(env("LEDGER_MAX_EXPANDED_BYTES", str(200 * 1024 * 1024)))
LEDGER_MAX_CELLS = int(env("LEDGER_MAX_CELLS", "4000000"))

# Second factor: the name authenticator apps show next to the account. A code is accepted once per device.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "jiedao 街道民政")

# API tokens: a new one per sign-in, lapsing after 12 hours; clients sign in again (the same lockout applies).
API_TOKEN_TTL_SECONDS = int(env("API_TOKEN_TTL_SECONDS", str(12 * 3600)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a missing or lapsed token answers 401 with a WWW-Authenticate header.
        "jiedao.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["jiedao.permissions.RoleAllowed"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "jiedao.pagination.Pagination",
    # DRF's parsers, refusing a body that holds a control character (jiedao.params).
    "DEFAULT_PARSER_CLASSES": ["jiedao.parsers.JSONParser", "jiedao.parsers.FormParser",
                               "jiedao.parsers.MultiPartParser"],
    "DEFAULT_SCHEMA_CLASS": "jiedao.schema.JiedaoAutoSchema",
    "EXCEPTION_HANDLER": "jiedao.api.exception_handler",
    "PAGE_SIZE": 50,
}
# Above this many rows an unfiltered list (page and API) shows PostgreSQL's estimate of its count (约 12.3 万)
# instead of counting every row; a filtered list is always counted exactly (jiedao.pagination).
LIST_COUNT_ESTIMATE_ABOVE = int(env("LIST_COUNT_ESTIMATE_ABOVE", "100000"))
SPECTACULAR_SETTINGS = {
    "TITLE": "jiedao 街道民政 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "HazardKindEnum": "visits.models.HazardKind",
        "NotificationKindEnum": "jiedao.models.NotificationKind",
        "CaseStateEnum": "assistance.models.CaseState",
        "WishStateEnum": "assistance.models.WishState",
        "VisitMethodEnum": "visits.models.Method",
        "DisbursementMethodEnum": "assistance.models.DisbursementMethod",
        "OrderStateEnum": "volunteers.choices.OrderState",
        "VolunteerStatusEnum": "volunteers.choices.VolunteerStatus",
        "EnrolmentStatusEnum": "child_services.choices.EnrolmentStatus",
    },
}

FILTERS_EMPTY_CHOICE_LABEL = "全部"

# A waiting list's positions are unique under a deferred constraint (child_services.Enrolment): PostgreSQL, in
# production, checks it at commit, after a withdrawal moved every later position up by one. SQLite (the demo,
# the tests) has no deferred constraints and Django leaves it out there; the programme's row lock, which every
# enrolment and withdrawal takes first, keeps the positions apart on both.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# Celery: with no REDIS_URL, tasks run in-process so the demo needs no broker.
REDIS_URL = env("REDIS_URL")
# The cache may be a Redis of its own (CACHE_URL), one that evicts under memory pressure (allkeys-lru), while
# the broker's must never evict a queued reminder (noeviction): docker-compose.yml runs the two apart. Without
# CACHE_URL the cache shares the broker's Redis.
CACHE_URL = env("CACHE_URL") or REDIS_URL
# The dashboard's figures are cached (reports.selectors.monthly_figures) where every web worker sees the
# same entries: Redis when there is one, else this process's memory (the demo's one process).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL,
                      "KEY_PREFIX": "jiedao"} if CACHE_URL else
          {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions read from Redis when there is one (the cache above), kept in PostgreSQL too: any web host answers
# any request and reads the session from Redis, while a Redis restarted, flushed, short of memory or evicting
# logs no one out (a session only in the cache would be gone, its second factor with it). The session is
# written at most once a minute (jiedao.sessions), so the database sees few of these writes.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
FIGURES_CACHE_SECONDS = int(env("FIGURES_CACHE_SECONDS", "600"))
# How far behind the read replica may be (DATABASE_REPLICA_URL): a dashboard part started afresh less than this
# long ago is counted on the primary, so the cache never keeps figures from before the write (reports.selectors).
REPLICA_LAG_SECONDS = int(env("REPLICA_LAG_SECONDS", "10"))
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Queues by kind, each with workers of its own (docker-compose.yml), so that a month's export or a ledger
# import never stands in front of a curtain alert: reminders (every job that tells a person something is due),
# files (exports and imports a person waits for), reports (the monthly pack), upkeep (the nightly jobs).
# Every task has its queue here (tests/jiedao/test_queues.py); a task left out would wait on a queue no
# worker reads.
WORKER_QUEUES = {
    "reminders": ["visits.run_reminders_task", "assistance.run_case_reviews_task",
                  "child_services.create_nutrition_deliveries_task", "volunteers.run_order_reminders_task",
                  "volunteers.run_pairing_reminders_task"],
    "files": ["jiedao.build_export_task", "jiedao.import_preview_task", "jiedao.import_commit_task",
              "jiedao.ping_task"],
    "reports": ["reports.build_monthly_reports_task"],
    "upkeep": ["jiedao.link_audit_task", "jiedao.purge_exports_task", "jiedao.disable_idle_accounts_task",
               "jiedao.verify_audit_chain_task", "child_services.purge_public_requests_task"],
}
CELERY_TASK_ROUTES = {task: {"queue": queue} for queue, tasks in WORKER_QUEUES.items() for task in tasks}
CELERY_BEAT_SCHEDULE = {
    # Every 15 minutes, day and night: due and overdue visits, missed curtain signs, escalations.
    # The job is idempotent, so a run that overlaps the next one writes nothing twice.
    "run-reminders": {"task": "visits.run_reminders_task", "schedule": 15 * 60},
    # Every day at 07:30, before the working day: ongoing relief cases due for their periodic review
    # remind the worker who opened them. Idempotent: one reminder per case and due date.
    "run-case-reviews": {"task": "assistance.run_case_reviews_task", "schedule": crontab(hour=7, minute=30)},
    # Every day at 06:30: the nutrition packs' rounds fallen due this month are created (today's on its day; a
    # run missed or late catches up within the month), and rounds not confirmed three days after their day
    # remind the worker, six days after the community. Idempotent: one round per plan and day, one reminder each.
    "create-nutrition-deliveries": {"task": "child_services.create_nutrition_deliveries_task",
                                    "schedule": crontab(hour=6, minute=30)},
    # Every 15 minutes: service orders not accepted or not done by their deadline remind the team leader, and a
    # day later the centre. Idempotent: one reminder per order, step and recipient.
    "run-order-reminders": {"task": "volunteers.run_order_reminders_task", "schedule": 15 * 60},
    # Every day at 07:45: pairings (结对) past their rhythm remind the volunteer's team leader (or the paired grid
    # worker). Idempotent: one reminder per pairing and due day.
    "run-pairing-reminders": {"task": "volunteers.run_pairing_reminders_task", "schedule": crontab(hour=7, minute=45)},
    # Last month's report pack for the district bureau: on the 1st at 02:00 (Asia/Shanghai) unless
    # MONTHLY_REPORT_DAY / MONTHLY_REPORT_TIME say otherwise. Idempotent: a month already built is left.
    "build-monthly-reports": {"task": "reports.build_monthly_reports_task", "schedule": crontab(
        day_of_month=env("MONTHLY_REPORT_DAY", "1"), hour=env("MONTHLY_REPORT_TIME", "02:00").split(":")[0],
        minute=env("MONTHLY_REPORT_TIME", "02:00").split(":")[1])},
    # Every night at 03:30: export files older than EXPORT_KEEP_DAYS are deleted with their jobs (the audit
    # log keeps who exported what). A second run finds nothing more to delete.
    "purge-exports": {"task": "jiedao.purge_exports_task", "schedule": crontab(hour=3, minute=30)},
    # Every night at 03:40: the public sign-up page's once-a-day marks (a keyed hash per child and phone) of the
    # days before today are deleted. A second run finds nothing more to delete.
    "purge-public-requests": {"task": "child_services.purge_public_requests_task",
                              "schedule": crontab(hour=3, minute=40)},
    # Every night at 01:30: accounts not signed in for ACCOUNT_IDLE_DAYS are disabled (told why when they
    # next try). Idempotent: a disabled account is left as it is.
    "disable-idle-accounts": {"task": "jiedao.disable_idle_accounts_task", "schedule": crontab(hour=1, minute=30)},
    # Every minute: audit entries written in the second after a commit linked the chain (jiedao.auditchain
    # links on commit at most once a second) get their place in it. A run that finds none writes nothing.
    # A run not started within 55 s is dropped (expires): the next one links the same entries.
    "link-audit-entries": {"task": "jiedao.link_audit_task", "schedule": 60, "options": {"expires": 55}},
    # Every night at 04:00: link any audit entry still unlinked and verify every sub-district's hash chain;
    # a break is written to the inbox of that sub-district's auditors (manage.py audit_verify by hand).
    "verify-audit-chain": {"task": "jiedao.verify_audit_chain_task", "schedule": crontab(hour=4, minute=0)},
}

# Reminders: where they go besides the inbox (a class with send(notification)), and how long after a
# missed curtain sign without a home visit the community is told.
NOTIFICATION_BACKEND = env("NOTIFICATION_BACKEND", "jiedao.notifications.LogBackend")
# Texts to people with no account (a parent's public sign-up result): a class with send(phone=, message=).
TEXT_MESSAGE_BACKEND = env("TEXT_MESSAGE_BACKEND", "jiedao.notifications.LogTextBackend")
# The portal's address as residents reach it, for the links texts carry (a rating link): no request is at hand
# when a text is sent (a team leader's step, a worker), so it is set, not guessed from one.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CURTAIN_ESCALATE_AFTER_HOURS = int(env("CURTAIN_ESCALATE_AFTER_HOURS", "2"))

# A page export of more rows than this is built by a Celery worker while the page shows its progress
# (about a second per 10,000 residents); fewer are written during the request.
EXPORT_ASYNC_THRESHOLD = int(env("EXPORT_ASYNC_THRESHOLD", "5000"))
# Such a file holds personal data: it is deleted, with its job, this many days after it was asked for.
EXPORT_KEEP_DAYS = int(env("EXPORT_KEEP_DAYS", "7"))
# A job still queued or running after this long lost its worker: its page says so and offers a new export.
EXPORT_STALE_MINUTES = int(env("EXPORT_STALE_MINUTES", "60"))
# An import step (reading a ledger, committing it) not heard from for this long has lost its worker
# (jiedao.models.ImportRun.stalled); 20,000 rows take under half a minute to read (benchmarks/imports.py).
IMPORT_STALE_MINUTES = int(env("IMPORT_STALE_MINUTES", "30"))

# The audit log (jiedao.auditchain, jiedao.auditarchive). Each entry's hash: SHA-256, or SM3 (国密) when
# AUDIT_HASH=sm3; entries written before a switch keep the algorithm they were hashed with.
AUDIT_HASH = env("AUDIT_HASH", "sha256").strip().lower()
# Entries are kept this many days at least: 180 is the floor (网络安全法 §21; a smaller value stops every
# command at its system check, jiedao.checks, and audit_prune never deletes younger entries whatever it says).
AUDIT_KEEP_DAYS = int(env("AUDIT_KEEP_DAYS", "180"))
# audit_archive writes each month (JSON lines and a .sha256 beside them) to STORAGES["audit_archive"]
# (AUDIT_ARCHIVE_DIR on one host): keep it off the database's disk; backups carry it.
# Backups (manage.py backup / restore): encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from
# BACKUP_KEY, a secret of 32 characters at least kept apart from the backups themselves; written to
# STORAGES["backups"] (BACKUP_DIR on one host).
BACKUP_KEY = env("BACKUP_KEY")

# Content security: every asset is served from here, so nothing else is allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Production hardening, on when SECURE=1 (behind HTTPS); `check --deploy` is clean with it.
if env_bool("SECURE"):
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No full ID or phone number in any log line (searches and look-ups travel in query strings).
    "filters": {"redact": {"()": "jiedao.redact.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
