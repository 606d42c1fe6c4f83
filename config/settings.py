"""Unmask's one settings module: everything that varies between machines comes from the environment.

Defaults suit a single machine: SQLite in WAL mode, Celery on an embedded filesystem broker under
var/, media under var/media/. DATABASE_URL switches to PostgreSQL and CELERY_BROKER_URL to Redis.
"""

import os
import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list, env_secret, env_str
from config.ops.logs import logging_config

# Everything this process writes (SQLite database and its journal, media, broker messages, key
# files, logs) is readable by its owner only: the database holds sessions and password hashes.
os.umask(0o077)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("UNMASK_VAR_DIR", str(BASE_DIR / "var")))
for _sub in ("tmp", "media", "broker/queue", "broker/control"):
    (VAR_DIR / _sub).mkdir(mode=0o700, parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Secrets not given in the environment are generated once into owner-only files under var/ (the
# files `make run` uses), so management commands run from the checkout need no variables.
# Production turns this off (scripts/serve-prod, Procfile): then every secret must be given.
UNMASK_VAR_SECRETS = env_bool("UNMASK_VAR_SECRETS", True)
# Names of the secrets that came from those generated files (a deploy check warns about them).
UNMASK_GENERATED_SECRETS: list[str] = []


def _secret(name: str, file_name: str, generate: Callable[[], str]) -> str:
    fallback = VAR_DIR / file_name if UNMASK_VAR_SECRETS else None
    value, generated = env_secret(name, fallback=fallback, generate=generate)
    if generated:
        UNMASK_GENERATED_SECRETS.append(name)
    return value


SECRET_KEY = _secret("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Fernet keys for secrets stored in the database (webhook endpoint secrets): comma-separated,
# the first encrypts, every one decrypts (rotation: put the new key first, re-save, drop the old).
_FIELD_KEY = _secret("UNMASK_FIELD_KEY", "field_key", lambda: Fernet.generate_key().decode())
UNMASK_FIELD_KEYS = [key.strip() for key in _FIELD_KEY.split(",") if key.strip()]
for _key in UNMASK_FIELD_KEYS:
    try:
        Fernet(_key)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            "UNMASK_FIELD_KEY holds a key that is not a Fernet key (32 url-safe base64 bytes; "
            "make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        ) from _exc

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django.contrib.admin with the operators' site (status counts on its index page).
    "dashboard.admin_config.UnmaskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "axes",
    # Two-factor login (TOTP authenticator apps) for desk accounts: dashboard/twofactor.py.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dashboard",
    "detection",
    "integrations",
    "teamwork",
    "insight",
    "provenance",
    # Routed queues: the rules that put each item in a queue (above the satellites it reads).
    "routing",
    "desk",
    "retention",
    # /healthz, /readyz, /metrics and structured logs; reads the apps above, none imports it.
    "config.ops",
]

MIDDLEWARE = [
    # First: every later log line of the request carries its X-Request-ID.
    "config.ops.logs.RequestIdMiddleware",
    # /healthz and /readyz answer here: any Host header, no HTTPS redirect, no session, no login.
    "config.ops.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the user's chosen language and time zone win over Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "dashboard.locale.UserLocaleMiddleware",
    # Sets request.user.is_verified(); ours then holds back a session that still owes its code.
    "django_otp.middleware.OTPMiddleware",
    "dashboard.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                # The viewer's wellness preferences (blur) for every page's layout.
                "desk.context_processors.wellness",
                "desk.context_processors.presets",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
_SQLITE_PATH = VAR_DIR / "unmask.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _SQLITE_PATH,
            "OPTIONS": {
                # WAL lets the worker write while the web process reads; IMMEDIATE takes the write
                # lock up front so two writers queue on the busy timeout instead of deadlocking.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The desk speaks English and Korean: a user's choice on their profile page, else the browser's
# Accept-Language (django.middleware.locale.LocaleMiddleware), else LANGUAGE_CODE.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ko", "한국어")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The default time zone of users who chose none; times are stored in UTC whatever it is.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:queue"
LOGOUT_REDIRECT_URL = "login"

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# No MEDIA_URL is routed: clips are only served through the permission-checked media view.
MEDIA_URL = "/media-not-served/"
# Clips and model files go through Django's storage API everywhere, so web and workers may sit
# on different machines: set UNMASK_S3_BUCKET to keep them in an S3-compatible store.
UNMASK_S3_BUCKET = env_str("UNMASK_S3_BUCKET", "")
if UNMASK_S3_BUCKET:
    _DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": UNMASK_S3_BUCKET,
            "endpoint_url": env_str("UNMASK_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("UNMASK_S3_REGION", "") or None,
            "access_key": env_str("UNMASK_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env_str("UNMASK_S3_SECRET_ACCESS_KEY", "") or None,
            "location": env_str("UNMASK_S3_PREFIX", ""),
            # Media is private: never public ACLs, never overwrite, served only by the desk.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
else:
    _DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Uploads ----------------------------------------------------------------------------------
# Uploads stream to a temporary file in chunks; nothing larger than this stays in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp")
# Stored clips, crops and model files: owner-only, whatever umask the process was started with.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_HANDLERS = ["dashboard.uploads.HashingUploadHandler"]
UNMASK_UPLOAD_MAX_BYTES = env_int("UNMASK_UPLOAD_MAX_BYTES", 512 * 1024 * 1024, minimum=1)
UNMASK_MAX_DURATION_S = env_float("UNMASK_MAX_DURATION_S", 15 * 60.0, minimum=0.1)
UNMASK_MIN_DURATION_S = env_float("UNMASK_MIN_DURATION_S", 0.2, minimum=0.0)
UNMASK_MAX_WIDTH = env_int("UNMASK_MAX_WIDTH", 3840, minimum=16)
UNMASK_MAX_HEIGHT = env_int("UNMASK_MAX_HEIGHT", 2160, minimum=16)
UNMASK_MIN_WIDTH = env_int("UNMASK_MIN_WIDTH", 16, minimum=1)
UNMASK_MIN_HEIGHT = env_int("UNMASK_MIN_HEIGHT", 16, minimum=1)
UNMASK_MAX_FRAMES = env_int("UNMASK_MAX_FRAMES", 15 * 60 * 60, minimum=1)
# Photos: bytes of the file, pixels of one decoded frame (a 64 Mpx RGB frame is 192 MB in
# memory; a decompression bomb declares far more and is refused from its header), and frames
# of an animated GIF or WebP.
UNMASK_PHOTO_MAX_BYTES = env_int("UNMASK_PHOTO_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
UNMASK_PHOTO_MAX_PIXELS = env_int("UNMASK_PHOTO_MAX_PIXELS", 64_000_000, minimum=256)
UNMASK_PHOTO_MAX_FRAMES = env_int("UNMASK_PHOTO_MAX_FRAMES", 300, minimum=1)
# Clips one API token (or session user) may upload per minute; 0 turns the quota off.
UNMASK_UPLOAD_QUOTA_PER_MINUTE = env_int("UNMASK_UPLOAD_QUOTA_PER_MINUTE", 30, minimum=0)

# --- Detection --------------------------------------------------------------------------------
UNMASK_SAMPLE_RATE = env_float("UNMASK_SAMPLE_RATE", 2.0, minimum=0.01)
UNMASK_MAX_SAMPLED_FRAMES = env_int("UNMASK_MAX_SAMPLED_FRAMES", 120, minimum=1)
UNMASK_TOP_K = env_int("UNMASK_TOP_K", 5, minimum=1)
UNMASK_ORT_INTRA_THREADS = env_int("UNMASK_ORT_INTRA_THREADS", 1, minimum=1)
UNMASK_ORT_INTER_THREADS = env_int("UNMASK_ORT_INTER_THREADS", 1, minimum=1)
# One decoder thread per clip: scoring decodes on one core while it classifies on another.
UNMASK_DECODER_THREADS = env_int("UNMASK_DECODER_THREADS", 1, minimum=1)
# A scoring job renews its lease every HEARTBEAT while it works, so the lease can be short: a
# clip whose worker died is re-queued once the lease lapses (the sweep runs every 15 s).
UNMASK_SCORING_LEASE = timedelta(seconds=env_int("UNMASK_SCORING_LEASE_S", 45, minimum=10))
UNMASK_SCORING_HEARTBEAT = timedelta(seconds=env_int("UNMASK_SCORING_HEARTBEAT_S", 10, minimum=1))
if UNMASK_SCORING_HEARTBEAT * 2 > UNMASK_SCORING_LEASE:
    raise ImproperlyConfigured(
        "UNMASK_SCORING_HEARTBEAT_S must be at most half of UNMASK_SCORING_LEASE_S, so one "
        "late heartbeat does not lose a working job its clip."
    )
# A queued clip whose job was never sent, or was lost in the broker, is sent again after this.
UNMASK_SCORING_RESEND_AFTER = timedelta(
    seconds=env_int("UNMASK_SCORING_RESEND_S", 15 * 60, minimum=30)
)

# Review renditions (detection/rendition.py): an H.264 copy of each upload browsers cannot play.
UNMASK_RENDITION_THREADS = env_int("UNMASK_RENDITION_THREADS", 2, minimum=1)
UNMASK_RENDITION_TIME_LIMIT_S = env_int("UNMASK_RENDITION_TIME_LIMIT_S", 15 * 60, minimum=30)
UNMASK_RENDITION_MAX_HEIGHT = env_int("UNMASK_RENDITION_MAX_HEIGHT", 1080, minimum=144)
UNMASK_RENDITION_CRF = env_int("UNMASK_RENDITION_CRF", 23, minimum=0)
UNMASK_RENDITION_PRESET = env_str("UNMASK_RENDITION_PRESET", "superfast")
if UNMASK_RENDITION_MAX_HEIGHT > 1080:
    raise ImproperlyConfigured("UNMASK_RENDITION_MAX_HEIGHT is at most 1080 (1080p).")
if UNMASK_RENDITION_CRF > 51:
    raise ImproperlyConfigured("UNMASK_RENDITION_CRF is an x264 quality, 0 to 51.")
_X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")
if UNMASK_RENDITION_PRESET not in _X264_PRESETS:
    raise ImproperlyConfigured(f"UNMASK_RENDITION_PRESET is one of {', '.join(_X264_PRESETS)}.")

# --- Review desk ------------------------------------------------------------------------------
UNMASK_CLAIM_LEASE = timedelta(seconds=env_int("UNMASK_CLAIM_LEASE_S", 10 * 60, minimum=30))
# Review deadline from a clip's first report, per priority band (high: priority at or above
# UNMASK_SLA_HIGH_PRIORITY, see dashboard/priority.py for the scale).
UNMASK_SLA_HIGH_PRIORITY = env_float("UNMASK_SLA_HIGH_PRIORITY", 100.0, minimum=0.0)
UNMASK_SLA_HOURS_HIGH = env_float("UNMASK_SLA_HOURS_HIGH", 4.0, minimum=0.1)
UNMASK_SLA_HOURS_NORMAL = env_float("UNMASK_SLA_HOURS_NORMAL", 24.0, minimum=0.1)

# --- Insight (team dashboard, calibration, exports) ------------------------------------------
# The dashboard's SLA target: hours from a clip's arrival to its final decision.
INSIGHT_SLA_HOURS = env_float("INSIGHT_SLA_HOURS", UNMASK_SLA_HOURS_NORMAL, minimum=0.1)
# Share of first decisions silently routed to a second moderator for the agreement measure.
INSIGHT_AGREEMENT_SHARE = env_float("INSIGHT_AGREEMENT_SHARE", 0.05, minimum=0.0)
# The precision a suggested detector threshold must reach on decided clips.
INSIGHT_TARGET_PRECISION = env_float("INSIGHT_TARGET_PRECISION", 0.9, minimum=0.0)

# --- Cache ------------------------------------------------------------------------------------
# API throttles count in the cache: with several web processes it must be shared (Redis).
UNMASK_CACHE_URL = env_str("UNMASK_CACHE_URL", "")
if UNMASK_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNMASK_CACHE_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    # An unacknowledged job (its worker died) goes back to the queue after this long.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("UNMASK_BROKER_VISIBILITY_TIMEOUT_S", 3600, minimum=1),
        # Sweep for such jobs every 10 s rather than kombu's default of every 100 s.
        "unacked_restore_throttle": 1,
    }
# A web request that enqueues must not hang on a dead broker: a few quick tries, then the
# row stays marked for its sweeper (see dashboard/jobs.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The nightly sweep deletes media the retention policies (edited in the admin) say is due.
UNMASK_RETENTION_SWEEP_HOUR = env_int("UNMASK_RETENTION_SWEEP_HOUR", 3, minimum=0)
if UNMASK_RETENTION_SWEEP_HOUR > 23:
    raise ImproperlyConfigured("UNMASK_RETENTION_SWEEP_HOUR is an hour of the day, 0 to 23.")
# The one beat schedule: every periodic job of every app, in seconds. The sweepers re-send work
# whose message was lost (the broker was down when it was enqueued, or a worker died).
CELERY_BEAT_SCHEDULE = {
    "requeue-expired-scoring": {
        "task": "detection.tasks.requeue_stale_clips",
        # With the 45 s lease: a clip whose worker died is queued again within a minute.
        "schedule": 15.0,
    },
    # Review renditions: re-send unfinished ones, give up on those that keep failing.
    "resend-review-renditions": {"task": "detection.tasks.resend_renditions", "schedule": 60.0},
    # Provenance: re-send banking, matching and renditions not done (provenance/jobs.py).
    "resend-provenance-jobs": {
        "task": "provenance.tasks.resend_provenance_jobs",
        "schedule": 60.0,
    },
    # Remote detection providers: re-send calls whose job was lost (detection/providers.py).
    "resend-provider-calls": {"task": "detection.tasks.resend_provider_calls", "schedule": 60.0},
    # Webhooks: send deliveries still due whose task was lost.
    "send-lost-webhook-deliveries": {
        "task": "integrations.tasks.send_lost_deliveries",
        "schedule": 60.0,
    },
    # Team workflow: re-send evidence packs queued for long or abandoned by a dead worker.
    "requeue-stale-evidence-packs": {
        "task": "teamwork.tasks.requeue_stale_packs",
        "schedule": 300.0,
    },
    "release-expired-claims": {"task": "dashboard.tasks.release_expired_claims", "schedule": 60.0},
    # The queue's per-status counters: fold the rows the triggers appended (dashboard/counters.py).
    "compact-status-counts": {"task": "dashboard.tasks.compact_status_counts", "schedule": 60.0},
    "purge-expired-idempotency-keys": {
        "task": "dashboard.tasks.purge_expired_idempotency_keys",
        "schedule": 3600.0,
    },
    # Team workflow: record clips past their SLA deadline (teamwork/sla.py).
    "record-sla-breaches": {"task": "teamwork.tasks.record_sla_breaches", "schedule": 300.0},
    # Insight: mark a share of recent first decisions for a blind second opinion.
    "sample-for-agreement": {"task": "insight.tasks.sample_for_agreement", "schedule": 600.0},
    # Insight: rebuild the hours of the dashboard's summary that changed (insight/summary.py).
    "refresh-dashboard-summary": {
        "task": "insight.tasks.refresh_dashboard_summary",
        "schedule": 60.0,
    },
    # Retention: delete media the retention policies say is due, nightly (retention/services.py).
    "retention-sweep": {
        "task": "retention.tasks.retention_sweep",
        "schedule": crontab(hour=UNMASK_RETENTION_SWEEP_HOUR, minute=17),
    },
}
# Where the live hash index's snapshot is written and loaded from (empty: no snapshot, every
# process builds its index from the bank once at start).
UNMASK_PROVENANCE_INDEX_DIR = env_str("UNMASK_PROVENANCE_INDEX_DIR", str(VAR_DIR / "hash-index"))
# A provenance job (bank, match, rendition) sent this long ago and not done is sent again.
UNMASK_PROVENANCE_RESEND_AFTER_S = env_int("UNMASK_PROVENANCE_RESEND_AFTER_S", 600, minimum=30)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # 429 for an address with too many recent 401s, before any token is looked up.
        "dashboard.api.throttling.FailedAuthGuard",
        "dashboard.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "dashboard.api.schema.UnmaskAutoSchema",
    "EXCEPTION_HANDLER": "dashboard.api.errors.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Per token (per session user, per address when anonymous); a refusal is 429 + Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "dashboard.api.throttling.TokenRateThrottle",
        "dashboard.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("UNMASK_API_RATE_TOKEN", "600/minute"),
        "anon": env_str("UNMASK_API_RATE_ANON", "60/minute"),
        # Failed authentications (401) per client address; over it, 429 until the window passes.
        "auth_failure": env_str("UNMASK_API_RATE_AUTH_FAILURES", "20/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Unmask API",
    "DESCRIPTION": "Submit flagged clips, read detector scores and moderators' decisions.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Separate request and response components, so multipart uploads are described exactly.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClipStatusEnum": "dashboard.constants.ClipStatus",
        "DecisionActionEnum": "dashboard.constants.DecisionAction",
        "ReportReasonEnum": "dashboard.constants.ReportReason",
        "AppealStateEnum": "teamwork.constants.AppealState",
        "AppealSourceEnum": "teamwork.constants.AppealSource",
        "SuspicionLevelEnum": "dashboard.signals.SUSPICION_LEVEL_CHOICES",
    },
}

# --- Webhooks ---------------------------------------------------------------------------------
UNMASK_WEBHOOK_TIMEOUT_S = env_float("UNMASK_WEBHOOK_TIMEOUT_S", 10.0, minimum=0.1)
UNMASK_WEBHOOK_MAX_ATTEMPTS = env_int("UNMASK_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
UNMASK_WEBHOOK_BACKOFF_S = env_float("UNMASK_WEBHOOK_BACKOFF_S", 10.0, minimum=0.0)
UNMASK_WEBHOOK_BACKOFF_MAX_S = env_float("UNMASK_WEBHOOK_BACKOFF_MAX_S", 3600.0, minimum=0.0)
# Outgoing webhooks go direct unless this names an http(s) proxy.
UNMASK_WEBHOOK_PROXY = env_str("UNMASK_WEBHOOK_PROXY", "")
# Outgoing calls go to public addresses only (integrations/egress.py); these CIDRs or exact host
# names are the exceptions, for receivers on the operator's own network.
UNMASK_EGRESS_ALLOW = env_list("UNMASK_EGRESS_ALLOW", [])
# Remote detection providers (detection/providers.py): their auth secrets are files in this
# directory (a mounted secret), named in the admin; never stored in the database. Empty: none.
UNMASK_PROVIDER_SECRETS_DIR = env_str("UNMASK_PROVIDER_SECRETS_DIR", "")
UNMASK_IDEMPOTENCY_TTL = timedelta(hours=env_int("UNMASK_IDEMPOTENCY_TTL_HOURS", 24, minimum=1))

# --- Provenance (hash banks, Content Credentials) ----------------------------------------------

# PEM of the CAs whose C2PA signatures read as "valid"; others read as "untrusted". Empty: none.
PROVENANCE_C2PA_TRUST_ANCHORS = env_str("PROVENANCE_C2PA_TRUST_ANCHORS", "")
# The operator's certificate chain (leaf first) and ES256 key (PEM) that sign disclosed
# renditions; give them as *_FILE paths in production. Empty: renditions are refused.
PROVENANCE_SIGNING_CERT = env_str("PROVENANCE_SIGNING_CERT", "")
PROVENANCE_SIGNING_KEY = env_str("PROVENANCE_SIGNING_KEY", "")


# --- Logging ----------------------------------------------------------------------------------
# plain: lines for a person at a terminal; json: one JSON object per line for a log pipeline,
# with request_id and clip_id (config/ops/logs.py).
UNMASK_LOG_FORMAT = env_str("UNMASK_LOG_FORMAT", "plain").strip().lower()
try:
    LOGGING = logging_config(UNMASK_LOG_FORMAT, env_str("LOG_LEVEL", "INFO"))
except ValueError as _exc:
    raise ImproperlyConfigured(str(_exc)) from _exc
# A worker keeps Django's LOGGING (and so the JSON lines) instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = UNMASK_LOG_FORMAT != "json"

# --- Operations: probes and metrics (config/ops) ------------------------------------------------
# The bearer token Prometheus sends to /metrics; empty: only signed-in staff may read it.
UNMASK_METRICS_TOKEN = env_str("UNMASK_METRICS_TOKEN", "")
# Where web and worker processes on this machine leave their metric values for /metrics to sum
# (prometheus-client's multiprocess mode, which must be chosen before it is first imported).
UNMASK_METRICS_DIR = Path(env_str("UNMASK_METRICS_DIR", str(VAR_DIR / "metrics")))
UNMASK_METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(UNMASK_METRICS_DIR))
# Load balancers probe over plain HTTP: the probes are not redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Security ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Counts failed logins and locks an account/address pair out (brute-force protection).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Seniors and Admins must log in with a code from an authenticator app (TOTP). Off for the
# single-machine demo; turn it on in production. Anyone who enrolled is asked for a code anyway.
UNMASK_REQUIRE_2FA_FOR_STAFF = env_bool("UNMASK_REQUIRE_2FA_FOR_STAFF", False)
OTP_TOTP_ISSUER = env_str("UNMASK_OTP_ISSUER", "Unmask")
# A login lasts this long (Django's default, two weeks, unless set).
SESSION_COOKIE_AGE = env_int("UNMASK_SESSION_AGE_S", 14 * 24 * 3600, minimum=60)
# No inline scripts or styles anywhere: every script is a static file of ours.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_COOKIE_HTTPONLY = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
