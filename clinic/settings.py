"""Attune settings, read from the environment.

With nothing set beyond DEBUG, Attune runs on SQLite with Celery tasks executed
in-process (the quick start). Tests and production set DATABASE_URL and REDIS_URL.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

_INSECURE_KEYS = {"", "change-me", "changeme", "secret"}
SECRET_KEY = env.str("SECRET_KEY", default="")
if not DEBUG and (
    SECRET_KEY in _INSECURE_KEYS or len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")
):
    # A guessable key lets anyone forge sessions and password-reset links for PHI.
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random string of at least 50 characters when DEBUG is off "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if not SECRET_KEY:
    SECRET_KEY = "django-insecure-local-development-only-" + "x" * 20

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # widget templates for the TemplatesSetting form renderer
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "django_guid",
    "health_check",
    "django_prometheus",
    "pgtrigger",
    "clinic.apps.ClinicConfig",
    "sessions.apps.TherapySessionsConfig",
    "assessments.apps.AssessmentsConfig",
    "reports.apps.ReportsConfig",
]

MIDDLEWARE = [
    # First and last: request counts and latency by view (django-prometheus, at /metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.tenancy.request_outside_any_clinic",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

# Forms render through the project's templates (clinic/partials/field.html for each field).
FORM_RENDERER = "clinic.forms_rendering.AttuneFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)  # the embedded default keeps its SQLite file under var/
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'attune.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend plus the clinic setting for row-level security (clinic.row_security).
    DATABASES["default"]["ENGINE"] = "clinic.postgresql"
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

# Two PostgreSQL roles (see clinic.db_roles): DATABASE_URL is the app's role, which serves
# requests and runs tasks and is neither owner nor superuser; DATABASE_OWNER_URL (same database)
# is the role that owns the tables and runs `migrate`. Without it, one role does both (SQLite).
DATABASE_OWNER = (
    env.db_url("DATABASE_OWNER_URL") if env.str("DATABASE_OWNER_URL", default="") else None
)
DATABASE_APP_ROLE = DATABASES["default"].get("USER") if DATABASE_OWNER else None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "clinic.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Report PDFs and export ZIPs live outside any public URL; downloads go through a
# permission-checked, audited view. With S3_BUCKET set they go to S3-compatible object storage
# (what several web and worker hosts share), otherwise to the local disk.
S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("S3_PREFIX", default=""),
            # Private objects: no ACL granting anyone read; any signed URL lasts a minute.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 60,
            # A report's key is derived from its id: a rerun replaces the object.
            "file_overwrite": True,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    # One backend whatever DEBUG says: `collectstatic` writes the manifest the production server
    # reads (hashed, compressed, cached for ever). With DEBUG on, templates link the plain names
    # and WhiteNoise serves them from the apps, so development needs no collectstatic.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env.str("REDIS_URL", default="")
# The broker gets its own Redis database (or server): clearing the cache (Django's Redis cache
# clears with FLUSHDB) must never drop queued tasks.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL
if not DEBUG and REDIS_URL and CELERY_BROKER_URL == REDIS_URL:
    raise ImproperlyConfigured(
        "CELERY_BROKER_URL must name a different Redis database from REDIS_URL (the cache), "
        "e.g. REDIS_URL=redis://host:6379/0 and CELERY_BROKER_URL=redis://host:6379/1."
    )

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="attune"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when configured, otherwise tasks run in-process (the embedded default).
# Beat runs as one separate process (`celery beat`), never inside a worker: with several
# workers each would otherwise run every periodic task.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 30
# A killed worker's unacknowledged task returns after the visibility timeout; keep it short
# but well above the hard time limit so a running task is never delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 3}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Workers log through LOGGING (JSON, with the request id), not Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# A running report's claim lapses this long after its runner's last heartbeat (every third
# of it); the sweep then re-queues it. Short, so a dead worker's report is soon taken over.
REPORT_LEASE_SECONDS = env.int("REPORT_LEASE_SECONDS", default=30)
CELERY_BEAT_SCHEDULE: dict = {
    # With the lease above, a dead worker's report runs again within about two minutes.
    "reports-sweep-stale": {
        "task": "reports.tasks.sweep_stale_reports",
        "schedule": env.float("REPORT_SWEEP_SECONDS", default=60.0),
    },
    "reports-expire-files": {"task": "reports.tasks.expire_report_files", "schedule": 3600.0},
    "assessments-reminders": {
        "task": "assessments.tasks.send_questionnaire_reminders",
        "schedule": 3600.0,
    },
    "sessions-partner-reminders": {
        "task": "sessions.reminders.tasks.send_partner_reminders",
        "schedule": 3600.0,
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "clinic.pagination.Pagination",
    "DEFAULT_PARSER_CLASSES": [
        "clinic.parsers.JSONParser",  # DRF's, with a bound on nesting
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env.str("LOGIN_THROTTLE_RATE", default="10/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

REST_KNOX = {
    "TOKEN_TTL": __import__("datetime").timedelta(hours=env.int("API_TOKEN_TTL_HOURS", default=10)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 10,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Attune API",
    "DESCRIPTION": "Couples-therapy session manager. Every clinic-owned route lives under "
    "/api/v1/clinics/{clinic_slug}/; client portal routes under /api/v1/portal/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CoupleStatusEnum": "clinic.models.CoupleStatus",
        "ClientStatusEnum": "clinic.models.Client.Status",
        "IndividualMaterialPolicyEnum": "clinic.models.IndividualMaterialPolicy",
        "SessionKindEnum": "sessions.models.SessionKind",
        "RegulationZoneEnum": "sessions.models.RegulationZone",
        "HomeworkKindEnum": "sessions.models.HomeworkKind",
        "MeasurementKindEnum": "sessions.models.MEASUREMENT_KIND_CHOICES",
        "MeasurementImportStatusEnum": "sessions.models.ImportStatus",
        "ReportStatusEnum": "reports.models.Status",
        "ReportAudienceEnum": "reports.models.Audience",
        "ExportAudienceEnum": "reports.models.EXPORT_AUDIENCE_CHOICES",
        "QuestionnaireStatusEnum": "assessments.models.ResponseStatus",
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# Where clients reach the portal, for links in reminder emails (e.g. https://attune.example).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Attune <no-reply@attune.local>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Probes and the metrics scraper talk plain HTTP to the process itself.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Every request gets an id (the proxy's X-Request-ID when it is a UUID, else a new one), echoed
# in the response and carried in the headers of the Celery tasks the request queues, so one
# request's lines can be found across web and worker hosts (django-guid).
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "RETURN_HEADER": True,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True)],
}
# One JSON object a line (LOG_FORMAT=json, the default with DEBUG off) for log shippers; `text`
# (the default with DEBUG on) reads better in a terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {"correlation_id": "request_id", "levelname": "level"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-guid notes every id it sets; that is noise at INFO.
    "loggers": {"django_guid": {"level": "WARNING"}},
}
