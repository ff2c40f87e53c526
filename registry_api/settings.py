"""Settings, all read from the environment (django-environ).

The names and defaults of DATABASE_PATH, WP_BASE_URL and WP_AUTH_CACHE_TTL are
those of the v1.0.x service this one replaces; README.md lists every variable.
"""

import hashlib
import os
import tempfile
from importlib.util import find_spec
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# For local work only: with DEBUG off the service refuses to start with it
# (registry_api/checks.py), as with any other known or empty key.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)

# API Gateway sends its execute-api host or the custom domain, a local server
# sends localhost:PORT; API Gateway is the only way in on Lambda.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

# The admin is a read-only inspection tool for local work (scripts/run.sh turns
# it on); off by default and on Lambda.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=False)

# /docs and /redoc use the Swagger UI and Redoc files django-ninja ships, served
# by this process, wherever those files are installed: they then work offline.
# Ninja serves CDN pages instead when "ninja" is not an installed app. The
# Lambda artifact leaves the files out (serverless.yml; the figures are in
# docs/api.md), so there the docs keep the CDN.
_ninja = find_spec("ninja")
NINJA_STATIC_DIR = Path(_ninja.origin).parent / "static" if _ninja is not None and _ninja.origin is not None else None
DOCS_OFFLINE = NINJA_STATIC_DIR is not None and (NINJA_STATIC_DIR / "ninja" / "swagger-ui-bundle.js").is_file()

# The admin's apps, installed only with the admin: the JSON API needs none of
# them, and a Lambda cold start would import them all. Their tables come with the first `manage.py migrate` (or start-up
# migration) of a process with the admin, whenever the file was created.
ADMIN_APPS = [
    "wpauth.admin_config.WordPressAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
INSTALLED_APPS = [
    # First, so that its runserver command is the one run: its system checks,
    # the request deadline's database hook (apps.py), runserver's key check.
    "registry_api",
    *(ADMIN_APPS if ADMIN_ENABLED else []),
    *(["ninja"] if DOCS_OFFLINE else []),
    "items",
    "registries",
    "wpauth",
]

# What the JSON API needs, everywhere. Each runs in the handler's own mode: no
# thread hops under ASGI (registry_api.middleware.PlainMiddleware).
API_MIDDLEWARE = [
    "core.deadline.deadline_middleware",  # first: the request's deadline covers everything after it
    "registry_api.middleware.ApiGatewayPrefixMiddleware",  # on Lambda: a stage or API_BASE_PATH in request.path
    "registry_api.middleware.CORSMiddleware",
    "registry_api.middleware.JSONMethodNotAllowedMiddleware",
]
# For the admin's HTML pages and its login. The JSON API needs none of them,
# and under ASGI each costs thread hops on every request: on Lambda
# (ADMIN_ENABLED=false) they are left out.
ADMIN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the rest: refusals and redirects carry the framing headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wpauth.admin_headers.AdminContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "wpauth.admin_session.AdminSessionMiddleware",
    # The admin's own HTML for its 403, 404 and 405, not a bare status or the API's JSON.
    "wpauth.admin_pages.AdminPagesMiddleware",
]
if ADMIN_ENABLED:
    MIDDLEWARE = API_MIDDLEWARE + ADMIN_MIDDLEWARE
else:
    MIDDLEWARE = API_MIDDLEWARE

ROOT_URLCONF = "registry_api.urls"
APPEND_SLASH = False  # the catch-all view answers trailing slashes the v1.0.x way (307)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                *(
                    [
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                    if ADMIN_ENABLED
                    else []
                ),
            ]
        },
    }
]

# --- Database -------------------------------------------------------------
# The SQLite file lives on EFS (NFS) in production, shared by every Lambda
# instance: WAL needs shared memory that NFS clients cannot share, so the
# rollback journal is used, writers wait up to 5 s for the lock instead of
# failing, and write transactions take the lock up front (BEGIN IMMEDIATE) so
# two writers never deadlock upgrading a read lock. Within a request, the wait
# is cut further to the request's deadline (core/deadline.py).
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_OPTIONS = {
    "init_command": f"PRAGMA journal_mode=DELETE; PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
    "transaction_mode": "IMMEDIATE",
}
DATABASE_PATH = env.str("DATABASE_PATH", default="data.db")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE_PATH}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    # Tests run on a real file too (Django's default would be in memory).
    DATABASES["default"]["TEST"] = {
        # One per checkout: test runs of two checkouts never share a file.
        "NAME": env.str(
            "TEST_DATABASE_PATH",
            default=str(
                Path(tempfile.gettempdir())
                / f"restart-registry-test-{hashlib.sha256(bytes(BASE_DIR)).hexdigest()[:12]}.db"
            ),
        )
    }

# Seconds a database connection may serve further requests (Django's
# CONN_MAX_AGE); 0: a new connection for every request. serverless.yml keeps it
# on Lambda, where one thread serves an instance's requests one at a time
# (registry_api/lambda_handler.py). A kept connection is checked before it is
# reused, so one the database closed meanwhile (an instance frozen for a
# while) is replaced rather than failing the request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Apply pending migrations when a process starts (a fresh EFS volume serves
# requests without a manual step). Operators can turn it off and migrate by hand.
MIGRATE_ON_START = env.bool("MIGRATE_ON_START", default=True)

# Seconds a request may wait in all, on WordPress and on the database: its
# deadline (D3). On Lambda it is also cut to the invocation's remaining time
# minus a margin (core/deadline.py).
REQUEST_BUDGET = env.float("REQUEST_BUDGET", default=20.0)

# --- WordPress ------------------------------------------------------------
WP_BASE_URL = env.str("WP_BASE_URL", default="http://localhost:8082")
# Seconds one WordPress call may take in all (connecting, sending, the whole
# answer), within the request's deadline.
WP_TIMEOUT = env.float("WP_TIMEOUT", default=10.0)
WP_AUTH_CACHE_TTL = env.float("WP_AUTH_CACHE_TTL", default=300.0)
WP_AUTH_CACHE_SIZE = env.int("WP_AUTH_CACHE_SIZE", default=1024)
# Seconds credentials WordPress refused (its 401) are refused again without
# asking it; 0 asks every time (D6).
WP_AUTH_NEGATIVE_CACHE_TTL = env.float("WP_AUTH_NEGATIVE_CACHE_TTL", default=5.0)
# Seconds a client should wait before retrying when WordPress is unavailable.
WP_RETRY_AFTER = env.int("WP_RETRY_AFTER", default=5)
# Seconds the facts item access rules need about a registry (author, status;
# per caller, may they read a private one) stay cached per process; 0 asks
# WordPress every time (D1).
REGISTRY_ACL_TTL = env.float("REGISTRY_ACL_TTL", default=30.0)

# --- Items ----------------------------------------------------------------
# Seconds a reservation holds its units (D10); past it, it counts for nothing.
RESERVATION_TTL = env.int("RESERVATION_TTL", default=604800)
# A reservation that expires at once would be refused by nobody yet hold nothing;
# one beyond a year would outlive any registry's event.
if not 1 <= RESERVATION_TTL <= 366 * 24 * 3600:
    raise ImproperlyConfigured(f"RESERVATION_TTL must be 1 to 31622400 seconds, not {RESERVATION_TTL}")

AUTHENTICATION_BACKENDS = ["wpauth.backends.WordPressBackend"]

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Verified WordPress identities (wpauth.backends): bounded, the least
    # recently used forgotten first.
    "wpauth": {
        "BACKEND": "wpauth.cache.LRUCache",
        "LOCATION": "wpauth",
        "TIMEOUT": WP_AUTH_CACHE_TTL,
        "OPTIONS": {"MAX_ENTRIES": WP_AUTH_CACHE_SIZE},
    },
    # Credentials WordPress refused, the same way; apart, so that a flood of
    # wrong passwords cannot evict verified users.
    "wpauth-refused": {
        "BACKEND": "wpauth.cache.LRUCache",
        "LOCATION": "wpauth-refused",
        "TIMEOUT": WP_AUTH_NEGATIVE_CACHE_TTL,
        "OPTIONS": {"MAX_ENTRIES": WP_AUTH_CACHE_SIZE},
    },
}

# --- HTTP -----------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=["*"])
# Stage or custom-domain base path that API Gateway leaves in the path ("/prod").
# One leading slash and none after: Mangum strips the prefix as written.
API_BASE_PATH = "/" + env.str("API_BASE_PATH", default="/").strip("/")

# --- Admin sessions (only the admin has any; wpauth/admin_session.py) --------
# In the database, so that a logout ends a session for good (a signed cookie
# stays valid until it expires, whatever the logout did).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Seconds an admin session lasts from login, however it is used.
SESSION_COOKIE_AGE = env.int("ADMIN_SESSION_AGE", default=3600)
# Seconds between re-checks of an admin session with WordPress (password still
# valid, user still an administrator).
ADMIN_RECHECK_INTERVAL = env.int("ADMIN_RECHECK_INTERVAL", default=300)
# Cookies travel over HTTPS only, except in DEBUG. Browsers treat
# http://127.0.0.1 and localhost (scripts/run.sh) as secure origins that may set them.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
# XFrameOptionsMiddleware (with the admin): no site may frame these pages (clickjacking).
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
# httpx logs every WordPress call at INFO: a CloudWatch line per call, and CPU
# on every request that asks WordPress. Its
# warnings stay; the service logs WordPress's failures itself.
QUIET_LOGGERS = {
    "httpx": {"level": "WARNING"},
    # Mangum's line per request ("GET /items 200"): CPU on every request, and API
    # Gateway's access log and Lambda's REPORT line remain. LOG_LEVEL=DEBUG brings
    # it back; its errors stay.
    "mangum.http": {"level": "DEBUG" if LOG_LEVEL == "DEBUG" else "WARNING"},
}
if "AWS_LAMBDA_RUNTIME_API" in os.environ:
    # On Lambda the runtime has given the root logger its handler before our code
    # loads: with the JSON log format (serverless.yml) every line is a JSON object
    # carrying the invocation's requestId. Keep it (incremental: levels only).
    LOGGING = {"version": 1, "incremental": True, "root": {"level": LOG_LEVEL}, "loggers": QUIET_LOGGERS}
else:
    LOGGING = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(levelname)s %(name)s %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["console"], "level": LOG_LEVEL},
        "loggers": QUIET_LOGGERS,
    }
