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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
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
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jiedao.audit.AuditContextMiddleware",
    # A control character (a NUL byte) in the query string or a form post: 400 before any view.
    "jiedao.params.RefuseControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
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

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the dev server read while a seed or a task writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles the dashboard's aggregates afresh each time (25–30 ms a query here)
    # and gains nothing at a sub-district's size: off (benchmarks/dashboard.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "jiedao.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "jiedao.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle sessions end: every request renews a 30-minute lease; closing the browser ends it too.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Lockout per account (not only per address): five failures lock the username for 30 minutes.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not by address as well: a whole community office often shares one NAT address, and one
# colleague's typos must not lock everyone out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jiedao.views.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(env("PROXY_COUNT", "0")) or None

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Browser libraries come from the npm registry at install time (package.json, `make install`) and are
# served by the app itself: government intranets have no internet, so never a CDN.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist")]
STORAGES = {
    # Case scans and export files are sealed on save and opened on read (jiedao.crypto).
    "default": {"BACKEND": "jiedao.crypto.EncryptedFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env("PYTEST_VERSION")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = BASE_DIR / "media"

# API tokens lapse after 12 hours; clients log in again (the same lockout applies).
API_TOKEN_TTL_SECONDS = int(env("API_TOKEN_TTL_SECONDS", str(12 * 3600)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so a missing or lapsed token answers 401 with a WWW-Authenticate header.
        "jiedao.authentication.ExpiringTokenAuthentication",
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
        "VisitMethodEnum": "visits.models.Method",
        "DisbursementMethodEnum": "assistance.models.DisbursementMethod",
    },
}

FILTERS_EMPTY_CHOICE_LABEL = "全部"

# Celery: with no REDIS_URL, tasks run in-process so the demo needs no broker.
REDIS_URL = env("REDIS_URL")
# The dashboard's figures are cached (reports.selectors.monthly_figures) where every web worker sees the
# same entries: Redis when there is one, else this process's memory (the demo's one process).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                      "KEY_PREFIX": "jiedao"} if REDIS_URL else
          {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
FIGURES_CACHE_SECONDS = int(env("FIGURES_CACHE_SECONDS", "600"))
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Every 15 minutes, day and night: due and overdue visits, missed curtain signs, escalations.
    # The job is idempotent, so a run that overlaps the next one writes nothing twice.
    "run-reminders": {"task": "visits.run_reminders_task", "schedule": 15 * 60},
    # Every day at 07:30, before the working day: ongoing relief cases due for their periodic review
    # remind the worker who opened them. Idempotent: one reminder per case and due date.
    "run-case-reviews": {"task": "assistance.run_case_reviews_task", "schedule": crontab(hour=7, minute=30)},
    # Last month's report pack for the district bureau: on the 1st at 02:00 (Asia/Shanghai) unless
    # MONTHLY_REPORT_DAY / MONTHLY_REPORT_TIME say otherwise. Idempotent: a month already built is left.
    "build-monthly-reports": {"task": "reports.build_monthly_reports_task", "schedule": crontab(
        day_of_month=env("MONTHLY_REPORT_DAY", "1"), hour=env("MONTHLY_REPORT_TIME", "02:00").split(":")[0],
        minute=env("MONTHLY_REPORT_TIME", "02:00").split(":")[1])},
    # Every night at 03:30: export files older than EXPORT_KEEP_DAYS are deleted with their jobs (the audit
    # log keeps who exported what). A second run finds nothing more to delete.
    "purge-exports": {"task": "jiedao.purge_exports_task", "schedule": crontab(hour=3, minute=30)},
}

# Reminders: where they go besides the inbox (a class with send(notification)), and how long after a
# missed curtain sign without a home visit the community is told.
NOTIFICATION_BACKEND = env("NOTIFICATION_BACKEND", "jiedao.notifications.LogBackend")
CURTAIN_ESCALATE_AFTER_HOURS = int(env("CURTAIN_ESCALATE_AFTER_HOURS", "2"))

# A page export of more rows than this is built by a Celery worker while the page shows its progress
# (about a second per 10,000 residents); fewer are written during the request.
EXPORT_ASYNC_THRESHOLD = int(env("EXPORT_ASYNC_THRESHOLD", "5000"))
# Such a file holds personal data: it is deleted, with its job, this many days after it was asked for.
EXPORT_KEEP_DAYS = int(env("EXPORT_KEEP_DAYS", "7"))
# A job still queued or running after this long lost its worker: its page says so and offers a new export.
EXPORT_STALE_MINUTES = int(env("EXPORT_STALE_MINUTES", "60"))

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
