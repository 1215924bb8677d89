"""Settings for a OneStop node, read from the environment (docs/operations.md lists them)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from onestop.core import secrets

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

# `development` (default: `make run`, the tests) or `production` (docs/operations.md).
ONESTOP_ENV = env.str("ONESTOP_ENV", default=secrets.DEVELOPMENT).strip().lower()
if ONESTOP_ENV not in secrets.MODES:
    raise ImproperlyConfigured(f"ONESTOP_ENV must be one of {secrets.MODES}, not {ONESTOP_ENV!r}")
PRODUCTION = ONESTOP_ENV == secrets.PRODUCTION

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
# The data dir holds the database, the keys and the uploads: the node's user only (0700).
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
if DATA_DIR.stat().st_mode & 0o077 and DATA_DIR.stat().st_uid == os.getuid():
    DATA_DIR.chmod(0o700)
# The signing and personal-data keys; default DATA_DIR/keys. A folder the operator mounts
# (read-only is fine until `onestop keys rotate`) may be named instead.
KEYS_DIR = env.str("ONESTOP_KEYS_DIR", default="")
SECRET_KEY_FILE = DATA_DIR / "secret_key"


def _secret_key() -> str:
    """ONESTOP_SECRET_KEY (or SECRET_KEY) or the file ONESTOP_SECRET_KEY_FILE names, else the
    data dir's `secret_key`: made on first use in development, by `onestop init` in production
    (missing there, Django refuses to start and `onestop serve` says what to do)."""
    if key := secrets.read_env("ONESTOP_SECRET_KEY") or env.str("SECRET_KEY", default=""):
        return key
    try:
        return secrets.read_or_create(
            SECRET_KEY_FILE, secrets.new_secret_key, what="The secret key", create=not PRODUCTION
        )
    except secrets.KeyMissing:
        return ""


def _fallbacks() -> list[str]:
    """Old secret keys still accepted (signed links, sessions) after a rotation, newest first:
    ONESTOP_SECRET_KEY_FALLBACKS (comma-separated) or its _FILE (one key a line)."""
    text = secrets.read_env("ONESTOP_SECRET_KEY_FALLBACKS") or ""
    return [key.strip() for key in text.replace(",", "\n").splitlines() if key.strip()]


SECRET_KEY = _secret_key()
SECRET_KEY_FALLBACKS = _fallbacks()
# Personal-data keys from the environment (a secrets manager) instead of the keys folder:
# Fernet keys newest first (comma- or newline-separated) and the blind-index key (hex).
PII_KEYS = [
    k.strip()
    for k in (secrets.read_env("ONESTOP_PII_KEYS") or "").replace(",", "\n").splitlines()
    if k.strip()
]
BLIND_INDEX_KEY = secrets.read_env("ONESTOP_BLIND_INDEX_KEY") or ""

DEBUG = False if PRODUCTION else env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)

# The node's public origin: every absolute URL it hands out (QR codes on receipts and licences,
# links in messages) is built from it (`core.urls.absolute`), never from a request's Host.
PUBLIC_URL = env.str("PUBLIC_URL", default="" if PRODUCTION else "http://127.0.0.1:8000")
PUBLIC_URL = PUBLIC_URL.rstrip("/")
_public = urlsplit(PUBLIC_URL)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
if _public.scheme and _public.netloc:
    CSRF_TRUSTED_ORIGINS = sorted({*CSRF_TRUSTED_ORIGINS, f"{_public.scheme}://{_public.netloc}"})

NODE_REGION = env.str("NODE_REGION", default="371121")
# The TrueType CJK font every PDF embeds (receipts, notices, e-licences); empty: the first of
# credentials.pdf.FONT_FILES installed (Debian's fonts-wqy-microhei).
PDF_FONT_FILE = env.str("PDF_FONT_FILE", default="")
# Witnessed ledger (docs/ledger.md, "Witnesses"): how many of this node's witnesses must cosign a
# checkpoint for it to count as witnessed, and how long to wait for one witness's answer.
LEDGER_WITNESS_QUORUM = env.int("LEDGER_WITNESS_QUORUM", default=1)
LEDGER_WITNESS_TIMEOUT = env.float("LEDGER_WITNESS_TIMEOUT", default=10.0)
# Federation (docs/federation.md): the node's name in its node document, how long an outbox
# message is retried before it is a dead letter, the signature clock window, the peer timeout
# and the retry back-off (first delay, longest delay), in seconds.
NODE_NAME = env.str("NODE_NAME", default="")
FEDERATION_DEAD_LETTER_AFTER = env.int("FEDERATION_DEAD_LETTER_AFTER", default=3 * 24 * 3600)
FEDERATION_CLOCK_SKEW = env.int("FEDERATION_CLOCK_SKEW", default=300)
FEDERATION_TIMEOUT = env.float("FEDERATION_TIMEOUT", default=10.0)
FEDERATION_BACKOFF_BASE = env.float("FEDERATION_BACKOFF_BASE", default=10.0)
FEDERATION_BACKOFF_MAX = env.float("FEDERATION_BACKOFF_MAX", default=3600.0)
# A repeated data fetch (same actor, subject, dataset, fields, purpose and case) within this
# many seconds is one access record, not several (sharing.services._accesses_write).
SHARING_DEDUPE_SECONDS = env.int("SHARING_DEDUPE_SECONDS", default=300)
# Datasets read from a department's system (sharing.sources): after it failed to answer, it is
# left alone this long (calls answer "unavailable" at once); whether it holds a record about
# someone is remembered this long; a changed source reaches every process within this long.
SHARING_SOURCE_RETRY_SECONDS = env.float("SHARING_SOURCE_RETRY_SECONDS", default=30)
SHARING_SOURCE_PROBE_SECONDS = env.float("SHARING_SOURCE_PROBE_SECONDS", default=300)
SHARING_SOURCE_CONFIG_SECONDS = env.float("SHARING_SOURCE_CONFIG_SECONDS", default=30)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    # floor 1
    "onestop.core",
    "onestop.web",
    # floor 2
    "onestop.org",
    "onestop.accounts",
    "onestop.ledger",  # floor 3
    "onestop.notify",  # floor 3
    "onestop.workflow",  # floor 3
    "onestop.federation",  # floor 3
    # floor 4
    "onestop.catalog",
    "onestop.sharing",
    "onestop.credentials",
    "onestop.knowledge",
    "onestop.cases",  # floor 5
    "onestop.hotline",  # floor 5
    "onestop.open311",  # floor 6
    "onestop.insights",  # floor 6
    "onestop.reviews",  # floor 6
    "onestop.benefits",  # floor 6
    "onestop.simulation",  # the top: the demo simulator drives every app
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics, before anything else (core.health)
    "onestop.core.health.ProbeMiddleware",
    # one JSON line a request with its id (core.requestlog); counts and times (core.metrics)
    "onestop.core.requestlog.RequestLogMiddleware",
    "onestop.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # control characters out, no-store, Permissions-Policy, API errors in their shape
    "onestop.core.middleware.HardeningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # staff: a verified second factor before any page, and 8 hours idle at most
    "onestop.accounts.middleware.StaffSessionMiddleware",
    # assisted handling: a helper acting for a person on that person's pages (帮办代办)
    "onestop.accounts.middleware.ActingForMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onestop.urls"
WSGI_APPLICATION = "onestop.wsgi.application"

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
                "django.template.context_processors.i18n",
                "onestop.web.context_processors.node",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'onestop.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web workers read while the task worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # The queue and dashboard indexes are covering indexes (INCLUDE) for PostgreSQL; SQLite
    # keeps the key columns and ignores the rest, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
# A read replica (PostgreSQL streaming replica) for the dashboards' aggregate reads: when
# DATABASE_REPLICA_URL is set, `insights` selectors read through the alias "replica"
# (`insights.selectors.read_db`); writes never go there. In tests it mirrors "default".
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"].setdefault("ATOMIC_REQUESTS", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# The client's IP (core.throttle.client_ip): REMOTE_ADDR, unless a reverse proxy of this node
# sets a header with it (X-Forwarded-For, X-Real-IP); then the address the last
# TRUSTED_PROXY_COUNT proxies appended. Off by default: never set it without such a proxy.
CLIENT_IP_HEADER = env.str("ONESTOP_CLIENT_IP_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("ONESTOP_TRUSTED_PROXY_COUNT", default=1)

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 15 minutes (the
# client's real IP: a stranger locks out only themselves, never the clerk); password spraying
# from one IP across usernames is throttled separately (RATE_LIMITS["login"]).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "onestop.core.throttle.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# Second factor of staff and superusers (django-otp, TOTP; `accounts.mfa`). The issuer names
# this node in the authenticator app; a code is good for its 30-second step and one step either
# side, and once only.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="OneStop")
# A staff session ends after this many seconds without a request (8 hours).
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=8 * 60 * 60)

# OpenID Connect login (`accounts.oidc`): the identity provider's issuer URL (its metadata is
# read from `<issuer>/.well-known/openid-configuration`), this node's client id and secret.
# Empty issuer: no identity-provider login. `OIDC_RESIDENT_ID_CLAIM` names the ID-token claim
# that carries the verified resident ID; `OIDC_ACR_VALUES` the `acr` values that mean "identity
# verified" (anything else is refused).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid profile")
OIDC_RESIDENT_ID_CLAIM = env.str("OIDC_RESIDENT_ID_CLAIM", default="resident_id")
OIDC_ACR_VALUES = env.list("OIDC_ACR_VALUES", default=["substantial", "high"])
OIDC_TIMEOUT_SECONDS = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)

LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "onestop" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# Task workers beat this often; a task left running by a worker silent this long (killed, its
# machine lost) is queued again (core.workers).
TASK_WORKER_BEAT_SECONDS = env.float("TASK_WORKER_BEAT_SECONDS", default=10.0)
TASK_WORKER_LOST_SECONDS = env.float("TASK_WORKER_LOST_SECONDS", default=60.0)

# The cache (rate-limit counters, sessions when in Redis, per-request memos): CACHE_URL (any
# django-environ cache URL), or REDIS_URL for Django's own RedisCache (`redis://host:6379/4`);
# local memory of each process otherwise. Several web servers and workers (`make run-scaled`,
# docs/operations.md "Scaling out") must share one: Redis.
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default="") or not REDIS_URL:
    CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://onestop")}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # a short-lived connection failure is an error, not a hang of every worker
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
CACHE_IS_SHARED = CACHES["default"]["BACKEND"].endswith("RedisCache")

# Sessions: in the database by default; in the shared cache (Redis) when there is one, so any
# web server reads a session another one wrote without a database query. SESSION_ENGINE names
# another engine (e.g. `django.contrib.sessions.backends.cached_db`: Redis, written through to
# the database, so a Redis restart signs nobody out).
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default="django.contrib.sessions.backends.cache"
    if CACHE_IS_SHARED
    else "django.contrib.sessions.backends.db",
)

SESSION_COOKIE_HTTPONLY = True
# A session lasts a working day (staff are also signed out after STAFF_SESSION_IDLE_SECONDS).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
_BEHIND_PROXY = env.bool("ONESTOP_BEHIND_PROXY", default=False)
if PRODUCTION or _BEHIND_PROXY:
    # HSTS goes on https answers only (behind a proxy: X-Forwarded-Proto: https).
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
if PRODUCTION:
    # TLS only (docs/operations.md, "Production"): redirect http, tell browsers to stay on https.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Behind a reverse proxy that terminates TLS and sets `X-Forwarded-Proto: https` (and strips
# that header from clients): ONESTOP_BEHIND_PROXY=1. Never set it without such a proxy.
if _BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: every asset is served by this node; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Browser features no page of the node uses (core.middleware.HardeningMiddleware).
PERMISSIONS_POLICY = env.str(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
)

# Rate limits (core.throttle): "count/period" (s, m, h, d) per scope, counted in the default
# cache per client IP (login, register, classify, kiosk_ticket), per person (otp, prefill,
# delegation) or
# per API key (open311_post). Over it: 429 with Retry-After.
RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="30/10m"),
    "register": env.str("RATE_LIMIT_REGISTER", default="10/h"),
    "otp": env.str("RATE_LIMIT_OTP", default="10/10m"),
    "open311_post": env.str("RATE_LIMIT_OPEN311_POST", default="60/m"),
    "classify": env.str("RATE_LIMIT_CLASSIFY", default="60/m"),
    "prefill": env.str("RATE_LIMIT_PREFILL", default="60/m"),
    "kiosk_ticket": env.str("RATE_LIMIT_KIOSK_TICKET", default="60/m"),
    # 12345 requests filed on the portal without an account, per client address.
    "hotline_file": env.str("RATE_LIMIT_HOTLINE_FILE", default="10/h"),
    # naming a helper by resident ID (帮办代办), per person
    "delegation": env.str("RATE_LIMIT_DELEGATION", default="20/h"),
}
RATELIMIT_IP_META_KEY = "onestop.core.throttle.client_ip"

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads (case materials, hotline attachments) are personal data: owner-only files and dirs.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Files capped while the body is parsed, before anything reads them (core.uploads): one file,
# all files of one request, how many files.
UPLOAD_MAX_FILE_BYTES = env.int("UPLOAD_MAX_FILE_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_BYTES", default=32 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("UPLOAD_MAX_FILES", default=5)
FILE_UPLOAD_HANDLERS = [
    "onestop.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CASE_UPLOAD_MAX_BYTES = env.int("CASE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The hotline's routing model may dispatch a confident Open311 request by itself (hotline.routing;
# off: every request waits for an agent).
HOTLINE_AUTO_DISPATCH = env.bool("HOTLINE_AUTO_DISPATCH", default=True)
# How long a worker remembers a verified Open311 API key (with its client, service account and
# roles) and a service code's category: a revoked key, a changed role or category reaches the
# other workers within this many seconds (0: read them on every request).
OPEN311_CACHE_SECONDS = env.int("OPEN311_CACHE_SECONDS", default=30)

# Logs (docs/operations.md, "Logs"): one JSON object a line (`core.requestlog.JsonFormatter`,
# with the request id and task id) or LOG_FORMAT=text for a developer's terminal.
LOG_FORMAT = env.str("LOG_FORMAT", default="json").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Query strings that carry tokens (api_key, code, state, ...) never reach the log.
    "filters": {"redact_query": {"()": "onestop.core.logredact.RedactQueryStrings"}},
    "formatters": {
        "json": {"()": "onestop.core.requestlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_query"],
            "formatter": "text" if LOG_FORMAT == "text" else "json",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # runserver's access lines: through the console handler (and its filter).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Metrics (core.metrics): `/metrics` answers the addresses in METRICS_ALLOWED_IPS (networks
# allowed) and anyone sending `Authorization: Bearer METRICS_TOKEN`; everyone else gets a 404.
METRICS_TOKEN = secrets.read_env("METRICS_TOKEN") or ""
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])

NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_CLASS = "onestop.core.api.BoundedLimitOffset"  # limit 1-100, offset bounded

# Labels shown in the admin.
ADMIN_SITE_HEADER = _("OneStop administration")

# Reviews (好差评): the rectification limit of a bad review in working days on the official
# calendar (the call-back is due within one working day), and how long an invitation stays open.
REVIEWS_RECTIFY_DAYS = env.int("REVIEWS_RECTIFY_DAYS", default=5)

# Benefits without applying (免申即享, docs/benefits.md): the schedule checks a person's rules
# again after this many days (a finished application or a changed record checks at once), and
# at most this many people a tick.
BENEFITS_RECHECK_DAYS = env.int("BENEFITS_RECHECK_DAYS", default=30)
BENEFITS_TICK_LIMIT = env.int("BENEFITS_TICK_LIMIT", default=50)
REVIEWS_RATE_DAYS = env.int("REVIEWS_RATE_DAYS", default=30)
# 一次一评 at the window: how long a paired rating screen stays paired, and how long after the
# acceptance a visit is offered on it.
REVIEWS_PAD_HOURS = env.int("REVIEWS_PAD_HOURS", default=24)
REVIEWS_PAD_MINUTES = env.int("REVIEWS_PAD_MINUTES", default=30)

# Notifications: channel adapters by import path (development adapters log the message).
NOTIFY_SMS_BACKEND = env.str("NOTIFY_SMS_BACKEND", default="onestop.notify.channels.LogSMSBackend")
NOTIFY_EMAIL_BACKEND = env.str(
    "NOTIFY_EMAIL_BACKEND", default="onestop.notify.channels.LogEmailBackend"
)
NOTIFY_SMS_URL = env.str("NOTIFY_SMS_URL", default="")
NOTIFY_SMS_TOKEN = secrets.read_env("NOTIFY_SMS_TOKEN") or ""
# A notification left queued or being sent this long (its task lost in a crash) is queued
# again by the periodic sweeper (notify.tasks.requeue_stale).
NOTIFY_STALE_SECONDS = env.int("NOTIFY_STALE_SECONDS", default=900)
# E-mail through Django's mail framework (NOTIFY_EMAIL_BACKEND=…DjangoEmailBackend).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = secrets.read_env("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
