"""Settings shared by every environment; values that differ come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE as CSP_NONCE

# ------------------------------------------------------------------------------
# PATHS AND THE ONE ENVIRONMENT READER
# ------------------------------------------------------------------------------
BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# ------------------------------------------------------------------------------
# APPLICATIONS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_rq",
    "axes",
    "csp",
    "policies",
    "commitments",
    "reports",
    "platforms",
    "alerts",
    "accounts",
    # Operations: `manage.py worker`, `scheduler` and `status` (config/management/).
    "config.apps.ConfigConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A request id, and one log line per request with its shop, user and duration.
    "config.logging.RequestContextMiddleware",
    # Content-Security-Policy on every response (nonces for inline scripts), then the body cap.
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "accounts.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Pages of a shop in the shop's time zone (dates through config/formats/).
    "config.middleware.ShopTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "config.context_processors.shop_nav",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# DATABASE: unset DATABASE_URL means the embedded SQLite file
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# REDIS AND BACKGROUND JOBS (django-rq)
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# One queue per kind of work, so a long import never holds back judging or a report; a
# worker names the queues it serves (`manage.py rqworker imports judging reports default`).
QUEUE_NAMES = ("imports", "judging", "reports", "default")
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600} for name in QUEUE_NAMES}
# Which queue each kind of job goes to (config.queues.queue_for); the tests send them all to
# "default" so one burst worker runs them (config/settings/test.py).
JOB_QUEUES = {name: name for name in QUEUE_NAMES}
RQ_CRON_CONFIG = "config.cron"
# The scheduler holds this Redis lock while it runs; a second scheduler idles until it expires.
SCHEDULER_LOCK_SECONDS = env.int("SCHEDULER_LOCK_SECONDS", default=90)
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=300)

# ------------------------------------------------------------------------------
# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses locked-out credentials before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes): 5 failures of one username from one address
# lock that pair for 15 minutes (each new try restarts it); a success clears the pair.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.middleware.client_ip"
# How many reverse proxies in front of the app append to X-Forwarded-For (0: none, trust
# REMOTE_ADDR only). Never more than really exist, or clients can choose their own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# ------------------------------------------------------------------------------
# CONTENT SECURITY POLICY (django-csp 4): scripts only from us or with the request's nonce
# ------------------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", CSP_NONCE],
        # Inline style attributes (charts, inline SVG) are allowed; styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# ------------------------------------------------------------------------------
# LANGUAGE AND TIME: Japanese first, English available, Asia/Tokyo
# ------------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="ja")
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Tokyo")
USE_I18N = True
USE_TZ = True
# Dates as a shop writes them (2026年11月22日(日) 15:30 / Nov 22, 2026, 3:30 p.m.): the
# formats of config/formats/<language>/ override Django's; templates use the shop_format filters.
FORMAT_MODULE_PATH = ["config.formats"]

# ------------------------------------------------------------------------------
# STATIC FILES
# ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (CSV imports) are kept here.
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# ------------------------------------------------------------------------------
# E-MAIL: console by default, SMTP when EMAIL_URL says so
# ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="tsuzuku@localhost")
# Alert webhooks must be https://; plain http only where this says so (local tests, demos).
ALERT_WEBHOOK_ALLOW_HTTP = env.bool("ALERT_WEBHOOK_ALLOW_HTTP", default=False)

# ------------------------------------------------------------------------------
# LIMITS
# ------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
# Uploaded files larger than this are streamed to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
# Uploaded files are kept in the database in pieces of this size until their import ends.
IMPORT_CHUNK_BYTES = env.int("IMPORT_CHUNK_BYTES", default=1024 * 1024)
# A running import whose heartbeat is older than this lost its worker: the sweeper resumes
# it (at most IMPORT_RESUMES_MAX times), then marks it failed with the row it reached.
IMPORT_DEAD_AFTER_SECONDS = env.int("IMPORT_DEAD_AFTER_SECONDS", default=180)
IMPORT_RESUMES_MAX = env.int("IMPORT_RESUMES_MAX", default=3)
# An import still queued this long after its upload lost its job: the sweeper queues it again.
IMPORT_QUEUED_STALE_SECONDS = env.int("IMPORT_QUEUED_STALE_SECONDS", default=300)

# ------------------------------------------------------------------------------
# REST API
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON nested deeper than config.limits.JSON_MAX_DEPTH is a 400, never a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tsuzuku API",
    "DESCRIPTION": "Service promises, the action log, findings and weekly drift reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are for signed-in users and token holders only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the project's own static files (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents 400/401/403/404/503 (config/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.add_error_responses",
        "config.openapi.add_kind_enums",
    ],
}

# ------------------------------------------------------------------------------
# LOGGING
# ------------------------------------------------------------------------------
# LOG_FORMAT=json writes one JSON object per line (production's default), with the request
# id, shop, user and duration of each request (config.logging.RequestContextMiddleware).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "config.logging.RequestContextFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            # "time": ISO 8601 in UTC, whatever TIME_ZONE the process has.
            "timestamp": "time",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
