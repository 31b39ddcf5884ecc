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
    # Before allauth, so Attune's templates dress allauth's pages.
    "clinic.apps.ClinicConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "csp",
    "django_celery_beat",
    "django_guid",
    "health_check",
    "django_prometheus",
    "pgtrigger",
    "sessions.apps.TherapySessionsConfig",
    "assessments.apps.AssessmentsConfig",
    "reports.apps.ReportsConfig",
]

MIDDLEWARE = [
    # First and last: request counts and latency by view (django-prometheus, at /metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_guid.middleware.guid_middleware",
    # Before anything that can write an audit event (logins, lockouts): how the request came in.
    "clinic.audit_channel.AuditChannelMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outside every middleware that may answer early (session limits, lockout), so those
    # answers carry the headers too.
    "clinic.security_headers.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clinic.tenancy.request_outside_any_clinic",
    "clinic.query_params.UnknownQueryParameters",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clinic.session_limits.SessionLimitMiddleware",
    # Last: turns a locked-out login on any path into the lockout answer.
    "axes.middleware.AxesMiddleware",
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
                "clinic.layouts.base_layout",
            ],
            # The project's filters (`when` for every date a person reads) in every template.
            "builtins": ["clinic.templatetags.attune"],
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A request runs in one transaction that reads, then writes (at least its audit event). On
    # SQLite two such transactions deadlock when both upgrade a read lock to a write lock, and
    # one fails at once with "database is locked" (a 500 in `make run` with two people logged
    # in). Taking the write lock at BEGIN makes the second wait its turn instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# DATABASE_POOLER=pgbouncer: DATABASE_URL points at PgBouncer in transaction pooling mode, which
# hands each transaction whichever server connection is free. A server-side cursor (a named
# cursor declared in one transaction and fetched from in the next) would not survive that, so
# iterator() fetches client-side; prepared statements stay off (Django's default for psycopg,
# pinned here because PgBouncer before 1.21 cannot carry them). Row security needs nothing
# more: the clinic is set per transaction (clinic.postgresql), never per session.
DATABASE_POOLER = env.str("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER must be empty or 'pgbouncer'.")
if DATABASE_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

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
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Identity: django-allauth (account + mfa) owns login, logout, password reset and change, TOTP
# with recovery codes and re-authentication; django-axes counts failed logins on every path.
AUTHENTICATION_BACKENDS = [
    # First, so a locked account and address pair is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Reverse proxies in front of Attune that append to X-Forwarded-For (0: none, use the peer
# address). Only those entries are trusted; anything a client writes in the header is not.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
ACCOUNT_ADAPTER = "clinic.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# People are invited (the invitation proves the address), so there is no verification step.
ACCOUNT_EMAIL_VERIFICATION = "none"
# Password reset and login-by-code answer the same for unknown addresses.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_GET = False
# Changing the email address (like the password and the second factor) asks for the password
# again, and the person is told by email when any of them changes.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Clients may log in with a code sent by email instead of a password; anyone with a second
# factor still gives it after the code.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Attune] "
# Failed logins are counted by django-axes alone (one mechanism for page, API and portal);
# allauth keeps its limits on mails and codes.
ACCOUNT_RATE_LIMITS = {"login": False, "login_failed": False}
MFA_ADAPTER = "clinic.accounts.MFAAdapter"
# A second factor is an authenticator app or a security key / passkey (WebAuthn, through the
# fido2 package that allauth's mfa extra brings), with recovery codes for a lost device.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
# A key is always asked for after the password, never instead of it: a passkey login would be a
# login path that django-axes neither counts nor audits, and a passkey synced to a household's
# shared cloud account would open a client's portal to the partner with the phone's unlock alone.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_FORMS = {
    # The login's second step counts wrong answers in the password's lockout (django-axes).
    "authenticate": "clinic.second_step.LoginCodeForm",
    "authenticate_webauthn": "clinic.second_step.LoginSecurityKeyForm",
    "add_webauthn": "clinic.security_keys.AddSecurityKeyForm",
    "edit_webauthn": "clinic.security_keys.EditSecurityKeyForm",
}
MFA_TOTP_ISSUER = "Attune"
# A code is good for the current 30-second step and one either side (clock drift); a used code
# is remembered for that whole window so it cannot be replayed.
MFA_TOTP_TOLERANCE = 1

# Lockout: 5 failures for one account from one address lock that pair for 15 minutes; more than
# AXES_ACCOUNT_FAILURE_LIMIT failures for one account from all addresses lock the account, so a
# distributed guesser gets nowhere while one stranger cannot lock a therapist out.
AXES_HANDLER = "clinic.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=25)
AXES_FAILURE_WINDOW = __import__("datetime").timedelta(minutes=5)
AXES_COOLOFF_TIME = __import__("datetime").timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "clinic.lockout.attempted_email"
AXES_CLIENT_IP_CALLABLE = "clinic.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False
# A locked pair stays locked 15 minutes from the failure that locked it, not from the last try.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
# Each clinic's locale (Clinic.locale) is activated per request and task; these format
# modules write dates as clinic.date_style does, with ISO first among the input formats.
FORMAT_MODULE_PATH = ["clinic.formats"]
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
            "BACKEND": "clinic.cache.RedisWithDatabaseFallback",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="attune"),
            "FALLBACK": "database",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        # Created by a clinic migration; used while Redis is unreachable.
        "database": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "attune_cache_fallback",
        },
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

# Every periodic task at this one short interval instead (seconds): for trying the schedule out
# and for the fleet test, which counts each task's runs per tick. Never set in production.
if _every := env.int("PERIODIC_TASKS_EVERY_SECONDS", default=0):
    for _entry in CELERY_BEAT_SCHEDULE.values():
        _entry["schedule"] = float(_every)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "clinic.pagination.Pagination",
    # JSON only: the browsable API's pages need inline styles the Content-Security-Policy
    # refuses, and /api/docs/ is where people read and try the API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (DRF's parser, with a bound on nesting); the file uploads add multipart.
    "DEFAULT_PARSER_CLASSES": ["clinic.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        # Each refuses a bad value with a 400 naming the parameter (clinic/query_params.py).
        "clinic.query_params.StrictFilterBackend",
        "clinic.query_params.StrictSearchFilter",
        "clinic.query_params.StrictOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "clinic.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api_errors.exception_handler",
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
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clinic.api_schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CoupleStatusEnum": "clinic.models.CoupleStatus",
        "ConsentMethodEnum": "clinic.models.ConsentMethod",
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
# Phone numbers entered without a country code are read as this country's (ISO 3166 code).
PHONE_REGION = env.str("PHONE_REGION", default="GB")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Attune <no-reply@attune.local>")

SESSION_COOKIE_HTTPONLY = True
# The cookie outlives no session: 12 hours at most (idle limits: clinic.session_limits).
SESSION_COOKIE_AGE = 12 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): pages load scripts, styles, fonts and images from Attune
# itself and nothing inline, so an injected `<script>`, `on*=` handler or `style=` attribute
# does nothing even if it slipped past escaping. `data:` images are the authenticator QR code
# (allauth) and the API docs' icons; no page is framed, posts elsewhere or loads plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

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
    # django-guid notes every id it sets; axes logs every login at INFO: failures and lockouts
    # (WARNING) are what matter.
    "loggers": {"django_guid": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
