"""Settings for every environment, read from environment variables.

The defaults are the embedded mode: SQLite under ``var/``, tasks run eagerly in-process,
development keys. ``DJANGO_ENV=production`` refuses to start on any of those defaults.
``.env.example`` lists every variable.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import ImproperlyConfiguredEnv, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = envstr("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

# Development defaults: derived from a public string, so they are plainly not secret.
# Production refuses each of them below.
_DEV_SEED = "jobcenter-development-only-not-secret"
DEV_SECRET_KEY = "dev-" + hashlib.sha256(_DEV_SEED.encode()).hexdigest()
DEV_CPR_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256((_DEV_SEED + ":cpr-encryption").encode()).digest()
).decode()
DEV_CPR_HASH_KEY = hashlib.sha256((_DEV_SEED + ":cpr-hash").encode()).hexdigest()

SECRET_KEY = envstr("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = envbool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

# CPR numbers: MultiFernet keys, newest first (so keys can rotate), and a separate key
# for the keyed hash that makes exact lookup possible without decrypting.
CPR_ENCRYPTION_KEYS = envlist("CPR_ENCRYPTION_KEYS", [DEV_CPR_ENCRYPTION_KEY])
CPR_HASH_KEY = envstr("CPR_HASH_KEY", DEV_CPR_HASH_KEY)

if PRODUCTION:
    problems = []
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        problems.append("SECRET_KEY is the development default or shorter than 40 characters")
    if DEBUG:
        problems.append("DEBUG is on")
    if DEV_CPR_ENCRYPTION_KEY in CPR_ENCRYPTION_KEYS:
        problems.append("CPR_ENCRYPTION_KEYS contains the development key")
    if CPR_HASH_KEY == DEV_CPR_HASH_KEY or len(CPR_HASH_KEY) < 32:
        problems.append("CPR_HASH_KEY is the development default or shorter than 32 characters")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty")
    if any(host.strip() in {"*", ".*"} for host in ALLOWED_HOSTS):
        problems.append("ALLOWED_HOSTS accepts any host ('*'): name the service's own hosts")
    if problems:
        raise ImproperlyConfiguredEnv(
            "Refusing to start with DJANGO_ENV=production: " + "; ".join(problems)
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "audit",
    "jobcenter",
    "prediction",
    "casework",
    "dpo",
    "cockpit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "jobcenter.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jobcenter.middleware.SessionLifetimeMiddleware",
    "jobcenter.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jobcenter.middleware.PdfUnavailableMiddleware",
    "jobcenter.middleware.ServiceUnavailableMiddleware",
    "jobcenter.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jobcenter.urls"
WSGI_APPLICATION = "jobcenter.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Django's widgets through Jinja2, the rest through Django's engine (jobcenter/form_renderer.py).
FORM_RENDERER = "jobcenter.form_renderer.WidgetRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jobcenter.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "jobcenter.User"
AUTHENTICATION_BACKENDS = [
    "jobcenter.security.LoginLockoutBackend",  # django-axes: refuses a locked-out name
    "jobcenter.security.StaffBackend",  # Django's ModelBackend, the user loaded with team and role
    "guardian.backends.ObjectPermissionBackend",
]
# Argon2 first (OWASP's choice); hashes made with PBKDF2 before still verify, and are
# re-hashed with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# Long passphrases welcome (no upper limit below Django's 4,096 characters), common and
# all-digit passwords refused, no forced rotation (NIST SP 800-63B).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # each role lands on its own start page (jobcenter.views)
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# Two factors (django-otp): after the password, a code from an authenticator app (TOTP)
# or one of ten single-use recovery codes. Required of every user in production; in
# development and the demo only of users who have set one up, so `make run` keeps its
# one-command way in (and says so). Enrolment draws the QR code on the server.
TWO_FACTOR_REQUIRED = envbool("TWO_FACTOR_REQUIRED", PRODUCTION)
if PRODUCTION and not TWO_FACTOR_REQUIRED:
    raise ImproperlyConfiguredEnv("TWO_FACTOR_REQUIRED cannot be turned off in production")
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Jobcenter beslutningsstøtte")
# Passkeys (django-otp-webauthn) as the other second factor, never instead of the
# password. The relying party is the service's own host name (WebAuthn takes no IP
# address: the demo's passkeys work on http://localhost:8000, not 127.0.0.1).
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_NAME = OTP_TOTP_ISSUER
_SERVICE_HOST = ALLOWED_HOSTS[0].lstrip(".") if PRODUCTION and ALLOWED_HOSTS else "localhost"
OTP_WEBAUTHN_RP_ID = envstr("OTP_WEBAUTHN_RP_ID", _SERVICE_HOST)
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist(
    "OTP_WEBAUTHN_ALLOWED_ORIGINS",
    [f"https://{OTP_WEBAUTHN_RP_ID}"] if PRODUCTION else ["http://localhost:8000"],
)
RECOVERY_CODE_COUNT = 10

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user
# name, that name is locked for LOGIN_LOCKOUT_MINUTES or until an administrator unlocks
# it in the admin (audited). Names are kept only as a keyed hash in axes' table, so a
# CPR number typed as the name is not stored there in clear; our own audit event
# records the failure. Axes' own admin pages are off: the unlock is ours, and audited.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "jobcenter.security.axes_username"
AXES_LOCKOUT_CALLABLE = "jobcenter.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# axes warns when the IP address is not a lockout parameter, since rotating user agents
# or cookies would then bypass it. Our parameter is the user name, which no rotation
# changes; locking by address would lock a whole office behind one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

SESSION_COOKIE_HTTPONLY = True
# Sessions end after SESSION_IDLE_MINUTES without a request (the expiry moves on at most
# once a minute, so a page view writes the session only then), and SESSION_MAX_HOURS
# after login whatever happens (jobcenter.middleware.SessionLifetimeMiddleware); also
# when the browser closes. A deactivated user's sessions stop working at once.
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = envint("SESSION_MAX_HOURS", 10)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfiguredEnv("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS: at least 1")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", PRODUCTION)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A strict Content Security Policy (django-csp): our own files only, no inline script
# or style anywhere, nothing framed, forms post only here. The charts are SVG images of
# our own (jobcenter.charts), which carry their style inside the image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}
if PRODUCTION:
    # Behind the TLS-terminating proxy: HTTPS only, HSTS for a year with subdomains and
    # preload (each can be turned off by its variable); the load balancer's health check
    # may ask over plain HTTP.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Celery: with no broker configured, tasks run eagerly in-process (the embedded mode).
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = envstr("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The web side must not hang when Redis is down: a publish tries for about a second, a
# connection waits two seconds at most, and queued work is sent without a result
# (jobcenter.background), so the result store's 20 s of retries never happen on a page.
# The worker keeps retrying its own connection for ever (it waits for Redis to return).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A message a worker has taken but not acknowledged (acks_late) goes back to the queue
# after visibility_timeout: longer than the longest task (training: 1 h), or a healthy
# worker's training would be handed to a second worker while it still runs. A killed
# worker's task is redelivered after this time; a worker stopped normally hands its
# tasks back at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "visibility_timeout": 2 * 60 * 60}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2

# The integration API (/api/v1/, issue 11): people by their session (with CSRF and the
# second factor), the case system by its service account's API key; errors as RFC 9457
# problem details; every list by cursor; each account throttled on the shared cache.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jobcenter.api.authentication.ServiceAccountKeyAuthentication",
        "jobcenter.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "jobcenter.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "jobcenter.api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["jobcenter.api.throttling.AccountRateThrottle"],
}
# Calls per account (a service account or a person) on the shared cache, e.g. 600/minute.
API_THROTTLE_RATE = envstr("API_THROTTLE_RATE", "600/minute")
_rate_count, _sep, _rate_period = API_THROTTLE_RATE.partition("/")
if not (_rate_count.isdigit() and _rate_period[:1] in {"s", "m", "h", "d"}):
    raise ImproperlyConfiguredEnv(
        f"API_THROTTLE_RATE: calls/period such as 600/minute, got {API_THROTTLE_RATE!r}"
    )
# API keys given to a service account expire after this many days at most.
SERVICE_ACCOUNT_KEY_MAX_DAYS = envint("SERVICE_ACCOUNT_KEY_MAX_DAYS", 365)
SPECTACULAR_SETTINGS = {
    "TITLE": "Jobcenter beslutningsstøtte API",
    "DESCRIPTION": (
        "The case system's integration: writing citizens, spells, meetings, assessment "
        "inputs and outcomes; reading assessments and journal notes; model versions, the "
        "managers' cockpit and the DPO's log search. See docs/api.md and docs/imports.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {"RiskBandEnum": "casework.models.RiskBand"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jobcenter.api.schema.problem_responses",
    ],
}
# The shared cache (throttling counts there, so every web process counts the same
# calls): Redis when CACHE_URL names it, else each process's memory (embedded mode).
CACHE_URL = envstr("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Logging never carries a CPR number: records pass through a filter that masks
# anything shaped like one, whatever the message or its arguments.
LOG_LEVEL = envstr("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_cpr": {"()": "jobcenter.logging.MaskCprFilter"},
        "request_id": {"()": "jobcenter.logging.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_cpr", "request_id"],
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one line per login and logout otherwise
        # runserver's access log, through the CPR mask like every other line (gunicorn's
        # is masked by jobcenter/gunicorn_conf.py).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

DEMO_PASSWORD = envstr("DEMO_PASSWORD", "demo-jobcenter-2026")

# How long a "break the glass" access to a citizen outside the caseload lasts.
BREAK_GLASS_MINUTES = envint("BREAK_GLASS_MINUTES", 60)

# The model quality gate: a protected attribute's FPR or FNR gap between groups whose
# whole 95 % interval lies above this share blocks approval without an acknowledgement.
try:
    PREDICTION_GAP_THRESHOLD = float(envstr("PREDICTION_GAP_THRESHOLD", "0.10"))
except ValueError as exc:
    raise ImproperlyConfiguredEnv(
        "PREDICTION_GAP_THRESHOLD: expected a number between 0 and 1"
    ) from exc
if not 0.0 < PREDICTION_GAP_THRESHOLD < 1.0:
    raise ImproperlyConfiguredEnv(
        f"PREDICTION_GAP_THRESHOLD: between 0 and 1, got {PREDICTION_GAP_THRESHOLD}"
    )

# Audit log retention: events older than this many months are removed by the nightly
# retention task, after a checkpoint keeps the chain verifiable. Never less than 6 (the
# database triggers refuse to delete anything younger anyway).
AUDIT_RETENTION_MONTHS = envint("AUDIT_RETENTION_MONTHS", 24)
if AUDIT_RETENTION_MONTHS < 6:
    raise ImproperlyConfiguredEnv(
        f"AUDIT_RETENTION_MONTHS: at least 6 months, got {AUDIT_RETENTION_MONTHS}"
    )
# PostgreSQL: each database session prepares the audit append once. Off behind a
# connection pooler in transaction mode, which does not keep a session's statements.
AUDIT_PREPARED_APPEND = envbool("AUDIT_PREPARED_APPEND", True)

# The managers' cockpit: a gap between two groups of a protected attribute (selection
# rate, false positive or false negative rate) larger than this many percentage points
# raises an alert; an input whose population stability index reaches the drift limit
# (in hundredths: 25 = 0.25, "significant") raises one too.
COCKPIT_FAIRNESS_GAP = envint("COCKPIT_FAIRNESS_GAP_PERCENT", 10) / 100
COCKPIT_DRIFT_PSI = envint("COCKPIT_DRIFT_PSI_HUNDREDTHS", 25) / 100
if not 0 < COCKPIT_FAIRNESS_GAP < 1:
    raise ImproperlyConfiguredEnv("COCKPIT_FAIRNESS_GAP_PERCENT: between 1 and 99")

# -- Secure by default (issue 12): key rotation, external audit checkpoints, training
# pseudonyms. Every key here stays out of the database; production refuses the
# development defaults. ------------------------------------------------------------------

# CPR key rotation (casework.key_rotation, ``manage.py rotate_cpr_keys``): the hash keys
# in use before CPR_HASH_KEY, still searched until every row is rotated, then removed.
CPR_PREVIOUS_HASH_KEYS = envlist("CPR_PREVIOUS_HASH_KEYS", [])

# The training store knows a casework record by HMAC-SHA256 of its spell's id under this
# key (prediction.training_store.training_record_pseudonym). Keep it stable: a new key
# gives every spell a new record id.
DEV_TRAINING_RECORD_ID_KEY = hashlib.sha256(
    (_DEV_SEED + ":training-record-id").encode()
).hexdigest()
TRAINING_RECORD_ID_KEY = envstr("TRAINING_RECORD_ID_KEY", DEV_TRAINING_RECORD_ID_KEY)

# Signed checkpoints of every audit chain head, written outside the database
# (audit.checkpoints) hourly and at every DPO export, and checked by verify_audit. The
# Ed25519 signing key never goes into the database: a PEM (PKCS#8) or the 32-byte seed in
# base64, best given as AUDIT_CHECKPOINT_SIGNING_KEY_FILE. AUDIT_CHECKPOINT_PUBLIC_KEY
# (base64 of the raw public key) lets a host verify without the private key. The
# directory receives checkpoints.jsonl, only ever appended to; in production put it on
# an append-only (WORM) store.
DEV_AUDIT_CHECKPOINT_SIGNING_KEY = base64.urlsafe_b64encode(
    hashlib.sha256((_DEV_SEED + ":audit-checkpoint").encode()).digest()
).decode()
AUDIT_CHECKPOINT_SIGNING_KEY = envstr(
    "AUDIT_CHECKPOINT_SIGNING_KEY", DEV_AUDIT_CHECKPOINT_SIGNING_KEY
)
AUDIT_CHECKPOINT_PUBLIC_KEY = envstr("AUDIT_CHECKPOINT_PUBLIC_KEY")
AUDIT_CHECKPOINT_DIR = Path(envstr("AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))

if PRODUCTION:
    problems = []
    if AUDIT_CHECKPOINT_SIGNING_KEY == DEV_AUDIT_CHECKPOINT_SIGNING_KEY:
        problems.append("AUDIT_CHECKPOINT_SIGNING_KEY is the development default")
    if any(len(key) < 32 for key in CPR_PREVIOUS_HASH_KEYS):
        problems.append("CPR_PREVIOUS_HASH_KEYS has a key shorter than 32 characters")
    if TRAINING_RECORD_ID_KEY == DEV_TRAINING_RECORD_ID_KEY or len(TRAINING_RECORD_ID_KEY) < 32:
        problems.append(
            "TRAINING_RECORD_ID_KEY is the development default or shorter than 32 characters"
        )
    if problems:
        raise ImproperlyConfiguredEnv(
            "Refusing to start with DJANGO_ENV=production: " + "; ".join(problems)
        )

# -- Imports of citizen data (issue 11): the file import (page, command, task) and the
# write API share one service (casework.imports). Limits are checked before any work.
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 1_000_000)
# Problems listed in detail in a report (the rest are counted).
IMPORT_MAX_REPORTED_ERRORS = envint("IMPORT_MAX_REPORTED_ERRORS", 1000)
# An uploaded file with more data rows than this is previewed and imported by a worker.
IMPORT_BACKGROUND_ROWS = envint("IMPORT_BACKGROUND_ROWS", 5000)
# The write API: records per request and the request body's size.
API_MAX_RECORDS = envint("API_MAX_RECORDS", 1000)
API_MAX_BODY_BYTES = envint("API_MAX_BODY_BYTES", 2 * 1024 * 1024)
# Django refuses a larger body than this outright; the API's own limit answers first.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(API_MAX_BODY_BYTES, 2_621_440)
# An upload to the import page must fit the file limit.
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
