"""Settings for every environment. Production differs from development only through environment
variables (see README "Configuration"); tests override a few values in `centre.settings.test`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from centre.settings import environment as env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# A developer's .env (made from .env.example by `make run`); variables already set win.
if not os.environ.get("PORTAL_SKIP_DOTENV"):
    load_dotenv(BASE_DIR / ".env", override=False)
VAR_DIR = Path(env.read("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.read_bool("DEBUG", default=False)
SECRET_KEY = env.read_secret_key("SECRET_KEY", debug=DEBUG, generated_path=VAR_DIR / "secret_key")
# Field-level encryption of clinical text and guardians' numbers (centre/encryption.py): keys
# apart from SECRET_KEY, the current one first; generated into var/ in debug only.
FIELD_ENCRYPTION_KEYS = env.read_field_keys(
    "FIELD_ENCRYPTION_KEYS",
    debug=DEBUG,
    generated_path=VAR_DIR / "field_encryption_key",
    secret_key=SECRET_KEY,
)
FIELD_INDEX_KEY = env.read_field_index_key(
    "FIELD_INDEX_KEY",
    debug=DEBUG,
    generated_path=VAR_DIR / "field_index_key",
    secret_key=SECRET_KEY,
    encryption_keys=FIELD_ENCRYPTION_KEYS,
)
ALLOWED_HOSTS = env.read_list("ALLOWED_HOSTS", default="127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env.read_list("CSRF_TRUSTED_ORIGINS", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "csp",
    # Two-factor sign-in (README "Security"): TOTP apps and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "centre",
    "counselling",
    "screening",
    "hotline",
    "outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer, static files included.
    "csp.middleware.CSPMiddleware",
    "centre.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, renewing a session nobody signed in to at most every minute.
    "centre.middleware.RenewingSessionMiddleware",
    "centre.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor (django-otp's
    # OTPMiddleware, without a query on every request).
    "centre.middleware.SecondFactorMiddleware",
    # The request (actor, address) for audit entries written by model signals.
    "centre.audit.AuditContextMiddleware",
    # Before any view or CSRF check reads the body: 413 for a body or a file too large.
    "centre.uploads.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The sign-in steps before any page or API answer: the session's absolute lifetime, the
    # second factor (enrolment first), a password change an administrator asked for.
    "centre.middleware.SignInStepsMiddleware",
    "centre.drafts.KeptDraftMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "centre.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "centre.urls"
WSGI_APPLICATION = "centre.wsgi.application"
ASGI_APPLICATION = "centre.asgi.application"

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
                "centre.context_processors.navigation",
                "centre.idle.session_timing",
                "centre.context_processors.language_switch",
            ],
        },
    },
]

DATABASES = {
    "default": env.read_database("DATABASE_URL", default_sqlite_path=VAR_DIR / "portal.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "centre.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
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

# Sessions: 15 minutes idle (DOMAIN.md §5.6), renewed on every request, gone with the browser.
SESSION_COOKIE_AGE = env.read_int("SESSION_IDLE_SECONDS", default=15 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
# A session nobody signed in to (the online self-assessment's) is written at most this often when
# nothing in it changed (centre.middleware.RenewingSessionMiddleware).
SESSION_RENEW_ANONYMOUS_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# However active, a session ends this long after its sign-in (ASVS 7.3.2; centre/middleware.py).
SESSION_ABSOLUTE_SECONDS = env.read_int(
    "SESSION_ABSOLUTE_SECONDS", default=10 * 3600, minimum=SESSION_COOKIE_AGE
)
# A session's "last seen" on the sessions page is written at most this often.
SESSION_SEEN_EVERY_SECONDS = 60
# Pages warn this long before the idle limit, with a button to stay signed in (centre/idle.py).
SESSION_WARNING_SECONDS = env.read_int("SESSION_WARNING_SECONDS", default=2 * 60, minimum=10)
# A form sent after the session ended is kept this long for its user to sign in again, up to
# DRAFT_MAX_BYTES, encrypted; a form refused by the CSRF check too (centre/drafts.py).
DRAFT_KEEP_SECONDS = env.read_int("DRAFT_KEEP_SECONDS", default=30 * 60, minimum=60)
DRAFT_MAX_BYTES = 64 * 1024
CSRF_FAILURE_VIEW = "centre.drafts.csrf_failure"

# HTTPS hardening follows the deployment, not DEBUG alone: a TLS-terminating proxy sets HTTPS=true.
HTTPS = env.read_bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Allows submitting the domain to browsers' HSTS preload list (a year, subdomains: its terms).
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): everything from this host only, no inline script or
# style of any kind (no style="…", no onclick), no plugins, no <base>, never in a frame, forms
# post only here. A page needing more is a page to change, not a directive to widen.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Permissions-Policy (centre.middleware.PermissionsPolicyMiddleware): no page uses a device or
# a browser feature beyond the page itself, so every one of them is off, in frames too.
PERMISSIONS_POLICY_OFF = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

# The client's address for the audit log and django-axes: the number of proxies in front that
# append to X-Forwarded-For (0: REMOTE_ADDR, the direct peer). centre.audit.client_address.
TRUSTED_PROXY_COUNT = env.read_int("TRUSTED_PROXY_COUNT", default=0, minimum=0)

# django-axes: lock a username from one address, never a whole school behind one NAT address.
AXES_CLIENT_IP_CALLABLE = "centre.audit.client_address"
AXES_FAILURE_LIMIT = env.read_int("AXES_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Two-factor sign-in (django-otp). The issuer is the name an authenticator app shows; a code
# fails after this many wrong tries per account (centre/throttling.py), on top of the devices'
# own doubling delay. Recovery codes: this many, each usable once.
OTP_TOTP_ISSUER = env.read("OTP_TOTP_ISSUER", "Youth counselling portal")
OTP_RECOVERY_CODES = 10
OTP_RECOVERY_CODES_FEW = 3  # the sessions page warns at this many unused codes left
# The secrets stay out of the admin (the centre's admin also unregisters the device models).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None  # no object permissions for anonymous visitors

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
WHITENOISE_USE_FINDERS = True  # serves app static files without collectstatic in a trial run

# Redis serves two purposes on two database numbers: the Celery broker (REDIS_URL) and the cache
# (the next number), so that a cache flush can never drop queued work.
REDIS_URL = env.read_redis_url("REDIS_URL")


def _next_redis_database(url: str) -> str:
    parsed = urlparse(url)
    number = int(parsed.path.strip("/") or 0)
    return urlunparse(parsed._replace(path=f"/{number + 1}"))


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _next_redis_database(REDIS_URL),
        }
    }
    CELERY_BROKER_URL = REDIS_URL
else:
    # Embedded default: a broker kept in files under var/, so that `make run` runs a real worker
    # and beat with no server installed (README "Background work").
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "filesystem://"
    _BROKER_DIR = VAR_DIR / "broker"
    for _folder in ("queue", "processed"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "store_processed": False,
    }

# Celery (ENGINEERING.md §3.3). Work that is due later is an outbox row, never a countdown.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Short, latency-sensitive work on `reminders`; long work on `imports` and `stats`.
CELERY_TASK_ROUTES = {
    "centre.tasks.build_monthly_report": {"queue": "stats"},
    "centre.tasks.refresh_statistics": {"queue": "stats"},
    "centre.tasks.verify_audit_log": {"queue": "stats"},  # reads the whole chain
    "centre.tasks.apply_retention": {"queue": "stats"},
    "centre.tasks.*": {"queue": "reminders"},
    "counselling.tasks.*": {"queue": "reminders"},
    "screening.tasks.escalate_overdue_crisis_tasks": {"queue": "reminders"},
    "screening.tasks.import_roster": {"queue": "imports"},
    "screening.tasks.sweep_roster_imports": {"queue": "reminders"},
    "hotline.tasks.escalate_crisis_alerts": {"queue": "reminders"},
    "outreach.tasks.remind_behind_targets": {"queue": "reminders"},
}
# On deploys, late-acknowledged tasks are handed back to the broker instead of waiting out the
# visibility timeout (Celery 5.5+).
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ACKS_LATE = False  # opted into per idempotent task
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "user": "600/minute",
        # The public online assessment: codes tried per address (a class shares one address
        # behind the school's NAT: 50 students, each a few tries), and tries per code.
        "online_address": "200/hour",
        "online_code": "20/hour",
        # The second sign-in step: wrong codes per account, and per address (a school's NAT).
        "second_factor_user": "10/hour",
        "second_factor_address": "50/hour",
    },
    # Anonymous requests are throttled by address: the client's, as for the audit log.
    "DEFAULT_THROTTLE_CLASSES": ["centre.throttling.UserRateThrottle"],
    "EXCEPTION_HANDLER": "centre.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Youth mental-health counselling portal API",
    "DESCRIPTION": "Every endpoint answers only with records the signed-in user may see; "
    "a record the user may not see answers 404.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    # No validator badge: Swagger UI would send the schema's address to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "counselling.models.Case.Status",
        "ReferralStatusEnum": "counselling.models.Referral.Status",
        "RiskLevelEnum": "counselling.models.RiskLevel",
        "OutreachEventStatusEnum": "outreach.models.Event.Status",
        "OutreachEventKindEnum": "outreach.models.EventKind",
        "SessionKindEnum": "counselling.models.CounsellingSession.Kind",
        "ClientSexEnum": "counselling.models.Client.Sex",
        "CallerSexEnum": "hotline.models.Call.Sex",
        "CallStatusEnum": "hotline.models.Call.Status",
        "CrisisAlertStatusEnum": "hotline.models.CrisisAlert.Status",
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "centre.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Stored uploads (rosters, until their import ends) are readable by the portal's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Logs carry ids and actions, never names, scores or notes (DOMAIN.md §5.6).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.read("LOG_LEVEL", "INFO").upper()},
    "loggers": {"axes": {"level": "WARNING"}},
}

PORTAL_NAME = _("Youth Mental Health Counselling Portal")

# Counselling policy (DOMAIN.md §2.4, §4): how long a break-glass access lasts, the referral SLA
# in hours by risk level, and the consent form in use.
BREAK_GLASS_HOURS = env.read_int("BREAK_GLASS_HOURS", default=4, minimum=1)
REFERRAL_SLA_HOURS = {
    "imminent": 24,
    "high": 24,
    "moderate": 7 * 24,
    "low": 30 * 24,
    "none": 30 * 24,
}
CONSENT_FORM_VERSION = env.read("CONSENT_FORM_VERSION", "2026-01")
# The screening notice and consent slip in use, and the online "I agree" screen that goes with it
# (screening.StudentConsent.version).
SCREENING_CONSENT_VERSION = env.read("SCREENING_CONSENT_VERSION", "2026-12")

# Reminders (README "Reminders"): the outbox's timings, the SMS gateway and the neutral sender.
SMS_BACKEND = env.read("SMS_BACKEND", "centre.sms.LoggingBackend")
REMINDER_QUEUED_GRACE_SECONDS = env.read_int("REMINDER_QUEUED_GRACE_SECONDS", default=120)
REMINDER_SENDING_TIMEOUT_SECONDS = env.read_int("REMINDER_SENDING_TIMEOUT_SECONDS", default=600)
# A name that does not reveal mental-health context (DOMAIN.md §4.3), the number to reschedule.
REMINDER_SENDER_ALIAS = env.read("REMINDER_SENDER_ALIAS", "成长驿站")
REMINDER_PHONE = env.read("REMINDER_PHONE", "0000-0000000")
DEFAULT_FROM_EMAIL = env.read("DEFAULT_FROM_EMAIL", "no-reply@portal.invalid")
EMAIL_BACKEND = env.read("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# Follow-up plans (DOMAIN.md §4.2): steps after the anchor, h(ours) d(ays) w(eeks) m(onths).
FOLLOW_UP_SCHEDULES = {
    "counselling_end": ["7d", "1m", "3m", "6m", "12m"],
    "crisis": ["24h", "7d", "30d", "44d", "58d", "72d", "3m", "6m", "12m"],
}
FOLLOW_UP_ESCALATION_DAYS = env.read_int("FOLLOW_UP_ESCALATION_DAYS", default=2)
# Hotline crisis alerts: minutes to acknowledge, then between the ladder's steps; the centre's
# lead (usernames, comma-separated; by default the supervisors of the city centre).
HOTLINE_ACKNOWLEDGE_MINUTES = env.read_int("HOTLINE_ACKNOWLEDGE_MINUTES", default=5, minimum=1)
HOTLINE_ESCALATION_MINUTES = env.read_int("HOTLINE_ESCALATION_MINUTES", default=5)
HOTLINE_LEAD_USERNAMES = env.read_list("HOTLINE_LEAD_USERNAMES", default="")
# Hotline records (calls and crisis alerts) are kept at least 3 years (DOMAIN.md §3.1, §5.5: the
# NHC hotline guide): a shorter period stops start-up.
HOTLINE_RETENTION_YEARS = env.read_int("HOTLINE_RETENTION_YEARS", default=3, minimum=3)
# Retention by record type (DOMAIN.md §5.5, centre.retention; README "Retention and backups").
# Each minimum is the legal (or the centre's policy) floor: a shorter period stops start-up.
# Counselling records: years after the case closed (non-medical counselling, ≥ 10 y).
COUNSELLING_RETENTION_YEARS = env.read_int("COUNSELLING_RETENTION_YEARS", default=10, minimum=10)
# Unflagged students' item-level answers: months after the campaign closed, then de-identified.
SCREENING_ITEM_RETENTION_MONTHS = env.read_int(
    "SCREENING_ITEM_RETENTION_MONTHS", default=12, minimum=12
)
# Unflagged students' item-level answers go this many days after the student left the school
# (graduated, transferred: DOMAIN.md §5.5 "or at graduation"), counted from the leaving date and
# from the day it was recorded (a mistaken mark can be undone meanwhile), the campaign closed.
SCREENING_LEAVING_GRACE_DAYS = env.read_int("SCREENING_LEAVING_GRACE_DAYS", default=30)
# Consent records (with the child's registration and guardians): years after their data went.
CONSENT_RETENTION_YEARS = env.read_int("CONSENT_RETENTION_YEARS", default=3, minimum=3)
# Audit entries: kept at least this long (≥ 6 months is the legal floor, 3 y the policy); the
# application never purges them (README).
AUDIT_RETENTION_YEARS = env.read_int("AUDIT_RETENTION_YEARS", default=3, minimum=3)
# Rows a retention batch erases in one transaction (centre.retention): locks are held for one
# batch at most, and a run that stops half-way keeps every committed batch.
RETENTION_BATCH_ROWS = env.read_int("RETENTION_BATCH_ROWS", default=1000, minimum=1)
# `make backup` writes here (README "Retention and backups": keep backups BACKUP_KEEP_DAYS at
# most, so that what retention erases is gone from every copy that long after).
BACKUP_DIR = env.read("BACKUP_DIR", str(VAR_DIR / "backups"))
BACKUP_KEEP_DAYS = env.read_int("BACKUP_KEEP_DAYS", default=35, minimum=1)

# The online self-assessment: the liaison who opened a class is reminded this long before it
# closes of the students who have not answered yet.
ONLINE_REMINDER_MINUTES_BEFORE_CLOSE = env.read_int(
    "ONLINE_REMINDER_MINUTES_BEFORE_CLOSE", default=120, minimum=0
)

# Roster uploads (README "Screening"): refused above these sizes, before anything is unpacked.
ROSTER_MAX_BYTES = env.read_int("ROSTER_MAX_BYTES", default=20_000_000)
ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES = env.read_int(
    "ROSTER_MAX_XLSX_UNCOMPRESSED_BYTES", default=200_000_000
)
# Upload bounds (README "Limits on uploads"): a file (a roster is the only upload) and a whole
# request body, the form's few fields included; the proxy's client_max_body_size matches.
UPLOAD_MAX_FILE_BYTES = env.read_int("UPLOAD_MAX_FILE_BYTES", default=ROSTER_MAX_BYTES, minimum=1)
UPLOAD_MAX_REQUEST_BYTES = env.read_int(
    "UPLOAD_MAX_REQUEST_BYTES", default=UPLOAD_MAX_FILE_BYTES + 1_000_000, minimum=1
)
# What a roster may be, checked while it is read: data rows, columns (A = 1) and filled cells.
# Together with the sizes above they bound an import's memory (README "Limits on uploads").
ROSTER_MAX_ROWS = env.read_int("ROSTER_MAX_ROWS", default=50_000, minimum=1)
ROSTER_MAX_COLUMNS = env.read_int("ROSTER_MAX_COLUMNS", default=60, minimum=10)
ROSTER_MAX_CELLS = env.read_int("ROSTER_MAX_CELLS", default=2_500_000, minimum=100)
# The report lists this many errors at most (the rest are counted).
ROSTER_MAX_REPORTED_ERRORS = env.read_int("ROSTER_MAX_REPORTED_ERRORS", default=5_000, minimum=1)
# An import still waiting for the queue after this long is ended as failed (README).
ROSTER_IMPORT_WAIT_SECONDS = env.read_int(
    "ROSTER_IMPORT_WAIT_SECONDS", default=2 * 3600, minimum=60
)
# Rosters larger than this are imported by a Celery task (the page shows a progress bar).
ROSTER_INLINE_BYTES = env.read_int("ROSTER_INLINE_BYTES", default=200_000)

# The month the centre opened: "since opening" on the statistics page starts there.
CENTRE_OPENED_MONTH = env.read("CENTRE_OPENED_MONTH", "2025-12")
# The centre's own help line, shown to students after the online self-assessment (empty: they
# are told to ask their school counsellor for it).
CENTRE_HELPLINE = env.read("CENTRE_HELPLINE", "")

# The audit log (README "Security"): entries waiting longer than this for the sealer fail the
# daily verification and `audit_verify` (the sealer runs every minute, so 5 minutes is a sealer
# missing four runs in a row); a user without an analytic role who reads
# more than this many client records in a clock hour is reported to the auditors.
AUDIT_SEAL_MAX_DELAY_MINUTES = env.read_int("AUDIT_SEAL_MAX_DELAY_MINUTES", default=5, minimum=1)
AUDIT_BULK_ACCESS_RECORDS = env.read_int("AUDIT_BULK_ACCESS_RECORDS", default=50, minimum=1)
