"""Settings: every value comes from the environment (see the table in README.md).

Defaults are safe for local use: a SQLite file under .local/, Celery's filesystem broker (no
server), DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
FIELD_ENCRYPTION_KEYS and DEBUG=false.
"""

import base64
import hashlib
import importlib.util
import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab  # noqa: F401  (kept for beat entries written as crontab)
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from portal import logging as portal_logging

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(environ.Env().str("PORTAL_LOCAL_DIR", default=str(BASE_DIR / ".local")))

env = environ.Env()
env.read_env(BASE_DIR / ".env")  # optional; real environment variables win

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_URL = env.str("PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")

# Fernet keys for secrets at rest, newest first. A dev default is derived from SECRET_KEY so
# `make run` works out of the box; production must set its own (see docs/deploy.md).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is false")
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets served locally (no CDN)
    "tenants",
    "jobs",
    "connectors",
    "platforms",
    "contacts",
    "delivery",
    "calls",
    "automations",
    "realtime",
    "operations",  # alerts, retention and erasure, Overview health (issue 16)
    "axes",  # abuse: login throttling (django-axes)
    "csp",  # headers: Content-Security-Policy (django-csp)
]
# Dev only: the simulators and their commands (`make run` = run_portal, run_simulators,
# seed_demo). Not in the wheel; a production host (DEBUG=false) never loads them.
if DEBUG and importlib.util.find_spec("simulators") is not None:
    INSTALLED_APPS.append("simulators")

MIDDLEWARE = [
    "portal.logcontext.RequestContextMiddleware",  # request_id, the request log line
    "django.middleware.security.SecurityMiddleware",
    # Page* : Django's (and axes') middleware, skipped for the JSON API (portal/middleware.py)
    "portal.middleware.PageSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.PageCsrfViewMiddleware",
    "portal.middleware.PageAuthenticationMiddleware",
    "tenants.middleware.TenantMiddleware",
    "portal.middleware.InputGuardMiddleware",  # input: 413 on /api/, NUL in page filters
    "portal.middleware.PageMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.PageCSPMiddleware",  # headers: django-csp, a per-request script nonce
    "portal.middleware.PageAxesMiddleware",  # abuse: the lock-out page (last, per axes docs)
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "tenants.context_processors.tenant",
            ],
            # `|when`: the one date format, tenant's zone named (tenants/templatetags/portal_dates.py)
            "builtins": ["tenants.templatetags.portal_dates"],
        },
    },
]

LOCAL_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{LOCAL_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
else:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if env.bool("DATABASE_POOL", default=False):
        _options["pool"] = {"min_size": 2, "max_size": 20}
    else:
        # Persistent connections unless the URL says otherwise (`?conn_max_age=0`): a new
        # PostgreSQL connection per request (a server process forked, auth, SET TIME ZONE)
        # cost more than the request itself (docs/deploy.md "Database connections").
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=300))
        DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Parameter binding (docs/deploy.md "Database connections"; bench/db_binding.py measures it).
    # Server-side binding sends the SQL and its values apart, so one query text serves every
    # value; with DB_PREPARE_THRESHOLD=N psycopg prepares a statement after its N-th run on a
    # connection and skips the planning after that. Named prepared statements need a direct
    # connection, the pool, or PgBouncer >= 1.21 with max_prepared_statements set; with older
    # PgBouncer transaction pooling leave DB_PREPARE_THRESHOLD empty (no prepared statements).
    _options["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
    _threshold = env.str("DB_PREPARE_THRESHOLD", default="5")
    _options["prepare_threshold"] = int(_threshold) if _threshold.strip() else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenants:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# SMTP, used when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend (password reset).
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.auth.HasTenant"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "DEFAULT_METADATA_CLASS": "portal.api.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "portal.api.JSONNegotiation",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.JSONParser"],  # input: depth-bounded
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Contact-center CRM integration portal API",
    "DESCRIPTION": "REST API v1. Authenticate with `Authorization: Bearer <api-key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.schema.document_errors",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis (or RabbitMQ) when CELERY_BROKER_URL is set, else the filesystem broker that
# needs no server. Configured for at-least-once delivery; the database outbox + sweeper make
# a lost message a delay, never a loss.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = LOCAL_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(LOCAL_DIR / "celerybeat-schedule")
# Periodic jobs. Each app adds its own entry here (task name -> schedule in seconds).
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["calls-sweep"] = {"task": "calls.sweep", "schedule": 5.0}
CELERY_BEAT_SCHEDULE["calls-sweep-interactions"] = {
    "task": "calls.sweep_interactions",
    "schedule": 10.0,  # interactions whose decision doorbell was lost
}
CELERY_BEAT_SCHEDULE["calls-recount-call-days"] = {
    "task": "calls.recount_call_days",
    "schedule": 30.0,  # the dashboard's daily rollup, for call logs delivered since
}
CELERY_BEAT_SCHEDULE["automations-sweep-callbacks"] = {
    "task": "automations.sweep_callbacks",
    "schedule": 15.0,  # callback requests whose processing message was lost
}
CELERY_BEAT_SCHEDULE["automations-sweep-ticket-completions"] = {
    "task": "automations.sweep_ticket_completions",
    "schedule": 10.0,  # ticket completions whose ticket was synced while the call ended
}
CELERY_BEAT_SCHEDULE["contacts.schedule_contact_syncs"] = {
    "task": "contacts.schedule_contact_syncs",
    "schedule": 60.0,  # starts due contact syncs
}
CELERY_BEAT_SCHEDULE["jobs.sweep"] = {
    "task": "jobs.sweep",
    "schedule": 60.0,  # jobs of every kind: re-queues those of dead workers, rings lost doorbells
}
CELERY_BEAT_SCHEDULE["operations.evaluate_alerts"] = {
    "task": "operations.evaluate_alerts",
    "schedule": 60.0,  # alerts for tenant admins, read from the database (docs/operations.md)
}
CELERY_BEAT_SCHEDULE["operations.purge_expired"] = {
    "task": "operations.purge_expired",
    "schedule": 3600.0,  # per-tenant retention, in short primary-key batches
}

# --- input (issue 11, points 5 and 8): broker doorbells and request bodies ---
# A web request never waits long on a broken broker (portal/celery.py `ring`): connects give up
# after BROKER_CONNECT_TIMEOUT seconds, and after a failed publish the process skips publishing
# for BROKER_DOORBELL_COOLDOWN seconds (the sweepers above find the stored rows).
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=2.0)
BROKER_DOORBELL_COOLDOWN = env.float("BROKER_DOORBELL_COOLDOWN", default=5.0)
# The call events' fold doorbells of one process are merged for this long into one message per
# tenant (portal/doorbells.py): one publish for many end events. 0: one publish per request.
DOORBELL_COALESCE_MS = env.float("DOORBELL_COALESCE_MS", default=50.0)
# Records a routing live search found are stored by a worker; a web process merges them for
# this long into one message per connector (contacts/found.py). 0: one message per number.
FOUND_STORE_COALESCE_MS = env.float("FOUND_STORE_COALESCE_MS", default=1000.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] = BROKER_CONNECT_TIMEOUT
# Largest request body (bytes); above it the API answers 413 in its error format.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# --- end input ---
# --- fairness (issue 11, point 4): one tenant's CRM never holds up another tenant's work ------
# Two queues: real-time work (fold, decide, deliver, live call events, callbacks) never waits
# behind bulk work (contact imports and pushes, the sweepers and schedulers). A worker started
# without -Q serves both; production runs one worker per queue (Procfile, deploy/systemd/).
from kombu import Exchange, Queue  # noqa: E402

# A third queue, `slow`, carries the deliveries of connectors whose CRM is slow, of unknown pace
# or being probed after a pause (delivery/admission.py): they never hold a realtime slot.
CELERY_TASK_QUEUES = tuple(
    Queue(q, Exchange(q), routing_key=q) for q in ("realtime", "bulk", "slow")
)
CELERY_TASK_DEFAULT_QUEUE = "bulk"  # anything not routed below is bulk work
CELERY_TASK_ROUTES = {
    "calls.fold_calls": {"queue": "realtime"},
    "calls.deliver": {"queue": "realtime"},
    "delivery.deliver_slow": {"queue": "slow"},
    "calls.send_call_event": {"queue": "realtime"},
    "automations.tasks.process_callback_requests": {"queue": "realtime"},
    "calls.sweep": {"queue": "bulk"},
    "calls.sweep_interactions": {"queue": "bulk"},
    "calls.recount_call_days": {"queue": "bulk"},
    "calls.decide_interactions": {"queue": "realtime"},
    "automations.sweep_callbacks": {"queue": "bulk"},
    "automations.sweep_ticket_completions": {"queue": "bulk"},
    "contacts.schedule_contact_syncs": {"queue": "bulk"},
    "jobs.sweep": {"queue": "bulk"},
    "operations.evaluate_alerts": {"queue": "bulk"},
    "operations.purge_expired": {"queue": "bulk"},
    "operations.send_notification": {"queue": "bulk"},
    "contacts.run_contact_sync": {"queue": "bulk"},
    "contacts.run_contact_push": {"queue": "bulk"},
    "contacts.store_found": {"queue": "realtime"},  # the next call from that number waits
    "contacts.store_found_many": {"queue": "realtime"},
    "tenants.send_password_reset": {"queue": "realtime"},  # a person is waiting for the mail
}
# At most this many batches of one connector are delivered at once (= worker slots it can hold).
# The live caller lookup (contacts/live.py): threads per process searching CRMs in parallel;
# unset = 8 (0 on SQLite, where the searches run inline); a full pool skips the live search.
LIVE_LOOKUP_THREADS = env.int("LIVE_LOOKUP_THREADS", default=None)
DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR = env.int("DELIVERY_MAX_IN_FLIGHT_PER_CONNECTOR", default=2)
# A deliver task works this long, then rings again and goes to the back of the queue.
DELIVERY_SLICE_SECONDS = env.float("DELIVERY_SLICE_SECONDS", default=1.0)
# Circuit breaker: transient failures in a row that pause a connector, the first pause (doubling
# per repeated trip) and the longest one. A 429 / Retry-After pauses it for exactly that long.
DELIVERY_BREAKER_FAILURES = env.int("DELIVERY_BREAKER_FAILURES", default=3)
DELIVERY_BREAKER_OPEN_SECONDS = env.float("DELIVERY_BREAKER_OPEN_SECONDS", default=10.0)
DELIVERY_BREAKER_MAX_SECONDS = env.float("DELIVERY_BREAKER_MAX_SECONDS", default=600.0)
# A deliver doorbell is deduplicated in the shared cache for this long (a lost message is
# re-rung by the sweeper after it).
DELIVERY_DOORBELL_TTL_SECONDS = env.int("DELIVERY_DOORBELL_TTL_SECONDS", default=30)
# The doorbells are deduplicated in the shared cache (CACHES, CACHE_URL, below): Redis in
# production so every worker sees one doorbell.
# Slow CRMs (delivery/admission.py): a connector whose last batch took longer than
# DELIVERY_SLOW_BATCH_SECONDS is "slow" for DELIVERY_SLOW_MARK_SECONDS; all slow connectors
# together hold at most DELIVERY_MAX_SLOW_IN_FLIGHT batches (worker slots) at once (0: no cap).
DELIVERY_SLOW_BATCH_SECONDS = env.float("DELIVERY_SLOW_BATCH_SECONDS", default=3.0)
DELIVERY_SLOW_MARK_SECONDS = env.float("DELIVERY_SLOW_MARK_SECONDS", default=60.0)
DELIVERY_MAX_SLOW_IN_FLIGHT = env.int("DELIVERY_MAX_SLOW_IN_FLIGHT", default=2)
# --- end fairness ---

# The outbox of CRM writes (docs/calls.md "Delivery"): a claimed batch is leased this long (a
# dead worker's rows are re-claimed after it); a transient failure is retried after
# min(cap, base * 2**(attempts - 1)) seconds with jitter, at most CALLS_MAX_ATTEMPTS times.
CALLS_LEASE_SECONDS = env.int("CALLS_LEASE_SECONDS", default=120)
CALLS_MAX_ATTEMPTS = env.int("CALLS_MAX_ATTEMPTS", default=8)
CALLS_RETRY_BASE_SECONDS = env.float("CALLS_RETRY_BASE_SECONDS", default=5.0)
CALLS_RETRY_CAP_SECONDS = env.float("CALLS_RETRY_CAP_SECONDS", default=3600.0)
# Contact import (docs/contacts.md): an incremental sync re-reads this much before its
# high-water mark (CRM rows can commit with an older stamp); the next CRM page is read in a
# thread while one is written, except on SQLite (that thread's writes would lock the file).
CONTACT_SYNC_OVERLAP_SECONDS = env.int("CONTACT_SYNC_OVERLAP_SECONDS", default=60)
CONTACT_SYNC_PREFETCH = env.bool(
    "CONTACT_SYNC_PREFETCH",
    default=DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
)
# Routing (docs/realtime.md): how long a caller the store does not know may wait on the live
# CRM search; keep it below the telephony platform's own timeout for the routing request.
ROUTING_LIVE_LOOKUP_MS = env.int("ROUTING_LIVE_LOOKUP_MS", default=800)

# Outbound HTTP seam (portal/http.py)
HTTP_TIMEOUT_CONNECT = env.float("HTTP_TIMEOUT_CONNECT", default=5.0)
HTTP_TIMEOUT_READ = env.float("HTTP_TIMEOUT_READ", default=30.0)
HTTP_RETRIES = env.int("HTTP_RETRIES", default=3)
HTTP_MAX_INLINE_RETRY_AFTER = env.float("HTTP_MAX_INLINE_RETRY_AFTER", default=10.0)

# --- outbound: address policy of the HTTP seam (portal/netpolicy.py) ---
# Private/internal addresses are refused unless allowed (on with DEBUG: simulators on 127.0.0.1).
OUTBOUND_ALLOW_PRIVATE = env.bool("OUTBOUND_ALLOW_PRIVATE", default=DEBUG)
# CIDRs allowed even when private addresses are refused (an on-premise CRM, a staging simulator).
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
try:
    [ipaddress.ip_network(n.strip(), strict=False) for n in OUTBOUND_ALLOWED_NETWORKS if n.strip()]
except ValueError as exc:
    raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_NETWORKS: {exc}") from exc
# --- end outbound ---

# CRM simulators started by `make run` / `manage.py run_simulators` (dev only: simulators/).
SIMULATOR_HOST = env.str("SIMULATOR_HOST", default="127.0.0.1")
SIMULATOR_BASE_PORT = env.int("SIMULATOR_BASE_PORT", default=8701)

# --- operations (issue 16): structured logs and metrics (docs/operations.md) -----------------
# Logs: structlog (portal/logging.py), one JSON object per line in production, readable text with
# DEBUG; every line carries the bound context (portal/logcontext.py) and passes one redaction.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = portal_logging.logging_config(LOG_FORMAT, LOG_LEVEL)
portal_logging.configure_structlog()
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers log through LOGGING too
# Metrics: GET /metrics (portal/metrics.py). With METRICS_TOKEN it needs
# `Authorization: Bearer <token>`; without one it is open only with DEBUG on (else 403).
# METRICS_ENABLED=false drops the HTTP metrics middleware and the counting database backend and the
# endpoint (404). Several processes: PROMETHEUS_MULTIPROC_DIR (read by prometheus_client).
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
# Web and worker processes freeze their start-up objects out of the garbage collector's way
# (portal/startup.py: full collections stalled a web worker's requests for 40-160 ms).
GC_FREEZE = env.bool("GC_FREEZE", default=True)
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
if env.str("PROMETHEUS_MULTIPROC_DIR", default=""):  # created before prometheus_client loads
    Path(env.str("PROMETHEUS_MULTIPROC_DIR")).mkdir(parents=True, exist_ok=True)
if METRICS_ENABLED:
    INSTALLED_APPS.append("django_prometheus")
    # django-prometheus' HTTP series that are read, in one middleware (portal/metrics_http.py)
    MIDDLEWARE.insert(0, "portal.metrics_http.HttpMetricsMiddleware")
    _engine = DATABASES["default"]["ENGINE"].rsplit(".", 1)[1]  # postgresql, sqlite3
    # django-prometheus' django_db_* series, one increment per query (portal/dbmetrics)
    DATABASES["default"]["ENGINE"] = f"portal.dbmetrics.{_engine}"
# --- end operations ---

# --- abuse limits (issue 11, point 6) ---------------------------------------------------------
# The shared cache holds the API and password-reset throttle counters. Local memory (the
# default) is per process: with several gunicorn workers each counts alone. Production sets
# CACHE_URL=redis://127.0.0.1:6379/1 so every worker and host shares one count.
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # Per process, for portal.cache.TTLCache (hot read paths, a few seconds stale at most).
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ttl"},
}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # One redis-py client per pool instead of one per cache call (portal/rediscache.py).
    CACHES["default"]["BACKEND"] = "portal.rediscache.RedisCache"
# The cache alias of portal.cache.TTLCache: "local" (per process, no round trip) or "default".
TTL_CACHE_ALIAS = env.str("TTL_CACHE_ALIAS", default="local")
# Reverse proxies trusted to append the client address to X-Forwarded-For (0: use the socket's
# address and ignore the header, which a client can forge). One rule for the login lock-out,
# the reset throttle and the API's per-IP throttle (portal/throttling.py client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked user name + IP before the check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair: others from that IP may log in
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tenants.lockout.lockout_response"  # the portal-styled page
AXES_CLIENT_IP_CALLABLE = "portal.throttling.client_ip"
AXES_DISABLE_ACCESS_LOG = True  # failures are kept (AccessAttempt); successes are not logged
AXES_VERBOSE = False

PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
PASSWORD_RESET_WINDOW_MINUTES = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=60)

# Per API key (and, for the few unauthenticated endpoints, per client IP). 60,000/min is 1,000
# requests/s per key: the ingest benchmark's single-event run (~600 requests/s for ~10 s with
# one key) and the routing benchmark (200 requests/s) stay far below it.
# API-key lookups are cached this long in the shared cache (tenants/keycache.py); a revoke, a
# deleted key or a changed tenant is honoured at once (a cache version), not after this. 0: off.
API_KEY_CACHE_SECONDS = env.float("API_KEY_CACHE_SECONDS", default=5.0)
# ... and each process keeps what it validated this long: no round trip within it; a revoke in
# another process is honoured within it (tenants/keycache.py). 0 = every request asks the cache.
API_KEY_LOCAL_SECONDS = env.float("API_KEY_LOCAL_SECONDS", default=1.0)
# The console's exact counts get this long on PostgreSQL (a statement_timeout on the count),
# then show the planner's estimate ("About N"); portal/paging.py. 0: always exact.
CONSOLE_COUNT_BUDGET_MS = env.int("CONSOLE_COUNT_BUDGET_MS", default=40)
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="60000/min")
API_ANON_THROTTLE_RATE = env.str("API_ANON_THROTTLE_RATE", default="1200/min")
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "tenants.throttling.ApiKeyRateThrottle",
    "tenants.throttling.AnonIpRateThrottle",
]
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# --- headers (issue 11, point 7) --------------------------------------------------------------
# Scripts: own origin plus the per-request nonce, never inline without it. Inline style
# attributes stay allowed (progress widths, layout), <style> elements need the nonce.
CONTENT_SECURITY_POLICY = {
    # JSON API responses get a fixed policy from portal.middleware (API_CSP): building the
    # nonce'd page policy per request cost ~0.4 ms of CPU on every routing lookup.
    "EXCLUDE_URL_PREFIXES": ["/api/v1/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],  # browsers without the -elem/-attr split
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],  # the widget replaces it with its tenant's origins
    },
}
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
