"""Django settings, read from the environment.

Safe defaults run the embedded demo (SQLite under ./var/). ``DJANGO_ENV=production`` refuses to
start unless SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are set: a misconfigured production
server must fail loudly at boot, never fall back to demo defaults.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Re-exported: the settings build ATTUNE_SITE_URL with it (its home is attune.conf).
from attune.conf import site_url_from

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("ATTUNE_VAR_DIR", Path.cwd() / "var"))

ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = ENV == "production"


def _env_list(name: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, "").split(",") if part.strip()]


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes"}:
        return True
    if value.lower() in {"0", "false", "no"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


if PRODUCTION:
    missing = [n for n in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(n)]
    if missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables: " + ", ".join(missing)
        )

SECRET_KEY = os.environ.get("SECRET_KEY", "attune-demo-only-not-secret")  # noqa: S105
DEBUG = _env_bool("DEBUG", default=False)
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "attune.accounts",
    "attune.practice",
    "attune.care",
    "attune.measures",
    "attune.alerts",
    "attune.clientportal",
    "attune.portal",
    "attune.workspace",
    "attune.demo",
    "attune.notes",
    "attune.audit",
    "attune.reminders",
    "attune.directory",
    "attune.matching",
    "attune.supervision",
    "attune.outcomes",
    "attune.notifications",
    "attune.integrations",
    "attune.api",
    "post_office",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's passkey list uses it
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "attune.accounts.middleware.IdleSessionMiddleware",
    "attune.accounts.middleware.RequireMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "attune.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "attune.urls"
WSGI_APPLICATION = "attune.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "attune.practice.context_processors.crisis_resources",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'attune.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let gunicorn workers share the embedded database.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A read replica for analytics (docs/scaling.md): DATABASE_REPLICA_URL adds the alias "replica"
# and the practice outcomes pages read from it (attune.db_routers); everything else, and every
# write, uses "default". Unset: one database, nothing changes. In tests the replica mirrors default.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
ATTUNE_ANALYTICS_REPLICA: str | None = None
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    ATTUNE_ANALYTICS_REPLICA = "replica"
ATTUNE_ANALYTICS_PATHS = ("/practice/outcomes/",)
# Connection pooling on PostgreSQL (docs/scaling.md). Behind pgbouncer in transaction mode set
# DB_DISABLE_SERVER_SIDE_CURSORS=true (a cursor cannot outlive its transaction there). DB_POOL=true
# uses Django's own psycopg pool per process instead (needs `pip install "psycopg[pool]"`).
for _alias in DATABASES:
    if DATABASES[_alias]["ENGINE"] != "django.db.backends.postgresql":
        continue
    if os.environ.get("DB_DISABLE_SERVER_SIDE_CURSORS", "").lower() in ("1", "true", "yes"):
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if os.environ.get("DB_POOL", "").lower() in ("1", "true", "yes"):
        DATABASES[_alias].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DB_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DB_POOL_MAX", "10")),
        }
        DATABASES[_alias]["CONN_MAX_AGE"] = 0  # Django's pool requires it
DATABASE_ROUTERS = ["attune.db_routers.AnalyticsReplicaRouter"]
MIDDLEWARE = [*MIDDLEWARE, "attune.db_routers.AnalyticsReadsMiddleware"]

# The cache holds the sign-in rate limits (allauth) and must be shared by every worker and
# server: production sets CACHE_URL=redis://127.0.0.1:6379/1 (Django's Redis backend). Without
# it each process counts on its own (local memory), which is fine for the demo only.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "attune",
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// address (or unset for the demo).")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    # allauth signs people in by e-mail (with its rate limits and MFA); ModelBackend stays for
    # the password checks allauth and Django's reset view make through it.
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in, MFA and rate limits (django-allauth; docs/deployment.md "Sign-in, MFA and rate
# limits"). `/accounts/login/` stays the sign-in page; the URL name "login" is an alias of it.
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "attune.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # addresses are entered by the practice or by invitation
ACCOUNT_SESSION_REMEMBER = False  # the session ends with the browser; no "remember me"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Attune: "
# Failed sign-ins: 5 per account and 20 per address in 5 minutes, then refused even with the
# right password until the window has passed. Reset e-mails: 3 per account in 15 minutes.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "20/5m/ip,5/5m/key",
    "reset_password": "10/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "5/h/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# Client addresses for rate limits and the sign-in trail: behind the documented reverse proxy,
# set ATTUNE_TRUSTED_PROXY_COUNT=1 so the proxy's X-Forwarded-For is believed (only then).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("ATTUNE_TRUSTED_PROXY_COUNT", "0"))
# django-ratelimit (Find my match's consultation requests, a person's link) counts by the same
# address as allauth (attune.client_address), in the shared cache above (Redis in production).
RATELIMIT_IP_META_KEY = "attune.client_address.client_address"
RATELIMIT_USE_CACHE = "default"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Attune"
MFA_RECOVERY_CODES_SHOW_ONCE = True
# Staff addresses are entered by the practice administrator, clients' by invitation: neither
# goes through allauth's e-mail verification, which would otherwise block MFA set-up.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# TOTP keys and recovery-code seeds are encrypted at rest with ATTUNE_NOTES_KEYS.
MFA_ADAPTER = "attune.accounts.mfa_secrets.MFAAdapter"
# Passkeys need https; the demo and the tests run on http://127.0.0.1.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
# Demo mode (`attune demo` sets ATTUNE_DEMO): password-only logins for the published demo
# accounts. Everywhere else therapists, supervisors and administrators must set up MFA
# (attune.accounts.middleware.RequireMFAMiddleware).
ATTUNE_DEMO = _env_bool("ATTUNE_DEMO", default=False)
if PRODUCTION and ATTUNE_DEMO:
    raise ImproperlyConfigured(
        "ATTUNE_DEMO is for the demo only, never with DJANGO_ENV=production."
    )
ATTUNE_REQUIRE_MFA = _env_bool("ATTUNE_REQUIRE_MFA", default=not ATTUNE_DEMO)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# Uploaded files (therapists' directory photos only): under the var directory, never served
# by WhiteNoise or a /media/ URL; attune.directory.views.therapist_photo serves a published
# therapist's photo by id (docs/deployment.md).
MEDIA_ROOT = Path(os.environ.get("ATTUNE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
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
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from the finders here

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "attune@localhost")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after SESSION_COOKIE_AGE at the latest (8 h), when the browser closes, and
# after this many idle minutes (attune.accounts.middleware.IdleSessionMiddleware): shorter for
# therapists, supervisors and administrators, who hold everyone's records.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 8)))
ATTUNE_IDLE_MINUTES_CLINICAL = int(os.environ.get("ATTUNE_IDLE_MINUTES_CLINICAL", "30"))
ATTUNE_IDLE_MINUTES_CLIENT = int(os.environ.get("ATTUNE_IDLE_MINUTES_CLIENT", "60"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # A practice's host carries clinical data: its subdomains too, and browsers learn it before
    # the first visit (https://hstspreload.org). Off only for a host that shares its domain.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=True)
# Powerful browser features Attune never uses are switched off for every page and frame
# (django-permissions-policy); passkeys (WebAuthn) stay allowed for this site only.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "browsing-topics",
    )
} | {"publickey-credentials-create": ["self"], "publickey-credentials-get": ["self"]}

# Crisis resources shown after a safety answer and on every client page. A practice overrides
# them in its Practice record; these defaults are the ones a practice in Germany would show.
ATTUNE_CRISIS_RESOURCES = [
    {"name": "Emergency services", "contact": "112", "note": "If you are in immediate danger."},
    {
        "name": "TelefonSeelsorge (free, 24/7, anonymous)",
        "contact": "0800 111 0 111 or 0800 111 0 222",
        "note": "Someone to talk to, any time of day or night.",
    },
    {
        "name": "Your nearest psychiatric emergency department",
        "contact": "",
        "note": "Open around the clock; you can go without an appointment.",
    },
]

# Engine thresholds: the defaults from clinical-science.md, overridden per section, e.g.
# ATTUNE_ENGINE='{"rupture": {"z": 2.0}}'. Unknown names stop the start-up (see alerts.apps).
ATTUNE_ENGINE = json.loads(os.environ.get("ATTUNE_ENGINE", "{}"))
# Practice-fitted expected-recovery curves replace the reference curves from this many
# completed episodes on (Finch, Lambert & Schaalje 2001 fitted theirs on 11,492).
ATTUNE_PRACTICE_CURVES_MIN = int(os.environ.get("ATTUNE_PRACTICE_CURVES_MIN", "100"))

# Private process notes are encrypted at rest (Fernet). The first key encrypts; every key
# decrypts, so a new key can be put first and `attune rotate-note-keys` re-encrypts (see
# docs/deployment.md). The default is for the demo only; production must set its own.
ATTUNE_NOTES_KEYS = _env_list("ATTUNE_NOTES_KEYS") or [
    "ZGVtby1vbmx5LWtleS1ub3Qtc2VjcmV0LWF0dHVuZTE="  # noqa: S105 - demo key, public on purpose
]
if PRODUCTION and ATTUNE_NOTES_KEYS[0].startswith("ZGVtby1vbmx5"):
    raise ImproperlyConfigured("DJANGO_ENV=production needs ATTUNE_NOTES_KEYS (Fernet keys).")
# The fit check-in (client and therapist) is asked at this attended session.
ATTUNE_FIT_CHECK_SESSION = int(os.environ.get("ATTUNE_FIT_CHECK_SESSION", "3"))
# Health records are kept this many years after the therapy ended (Germany: § 630f BGB); the
# admin handles clients' deletion requests within this rule (portal.admin).
ATTUNE_RETENTION_YEARS = int(os.environ.get("ATTUNE_RETENTION_YEARS", "10"))
# How far back the therapist's "past clients" list reaches (ended or transferred episodes).
ATTUNE_PAST_CLIENTS_MONTHS = int(os.environ.get("ATTUNE_PAST_CLIENTS_MONTHS", "12"))

# Content-Security-Policy on every response: nothing from other hosts, no inline script or
# style, no eval (django-csp).
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
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Logs carry events and ids, never answers, scores or notes (no clinical data in logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


# Reminders and password-free form links (attune.reminders; docs/deployment.md). A link works
# once, for ATTUNE_LINK_HOURS; ATTUNE_SITE_URL makes the absolute address in the e-mail.
ATTUNE_SITE_URL = site_url_from(os.environ)
ATTUNE_LINK_HOURS = int(os.environ.get("ATTUNE_LINK_HOURS", "72"))
ATTUNE_CHECK_IN_REMINDER_HOURS = int(os.environ.get("ATTUNE_CHECK_IN_REMINDER_HOURS", "48"))
ATTUNE_FEEDBACK_REMINDER_HOURS = int(os.environ.get("ATTUNE_FEEDBACK_REMINDER_HOURS", "48"))
ATTUNE_REMINDER_MAX_ATTEMPTS = int(os.environ.get("ATTUNE_REMINDER_MAX_ATTEMPTS", "3"))
# When the client's forms are open (attune.care.form_windows): a check-in this many days before
# its session, session feedback this many days after it, the fit check-in this many days after
# its session, the exit feedback this many days after the ending asked for it.
ATTUNE_CHECK_IN_OPENS_DAYS = int(os.environ.get("ATTUNE_CHECK_IN_OPENS_DAYS", "3"))
ATTUNE_FEEDBACK_OPEN_DAYS = int(os.environ.get("ATTUNE_FEEDBACK_OPEN_DAYS", "14"))
ATTUNE_FIT_CHECK_OPEN_DAYS = int(os.environ.get("ATTUNE_FIT_CHECK_OPEN_DAYS", "28"))
ATTUNE_EXIT_FEEDBACK_OPEN_DAYS = int(os.environ.get("ATTUNE_EXIT_FEEDBACK_OPEN_DAYS", "60"))

# Safety notifications (attune.notifications; docs/clinical-rules.md, docs/deployment.md). A
# PHQ-9 item-9 answer >= 1 queues an e-mail without clinical content to the treating therapist
# in the transaction that stores the answer; `attune notify` (every 2-5 minutes, cron or systemd
# timer) sends the queue and escalates. An alert nobody has acknowledged after these hours goes
# to the duty contact: 4 h for "urgent" (item 9 >= 2: same-day follow-up, NICE NG225 — half a
# working day leaves time to act the same day) and 24 h for "high" (item 9 = 1: the next working
# day at the latest). The client's thank-you page quotes these figures.
ATTUNE_SAFETY_ESCALATE_AFTER_HOURS = {
    "urgent": float(os.environ.get("ATTUNE_SAFETY_ESCALATE_URGENT_HOURS", "4")),
    "high": float(os.environ.get("ATTUNE_SAFETY_ESCALATE_HIGH_HOURS", "24")),
}
# Who is told when the therapist has not acknowledged in time; empty = the practice
# administrators (role "practice_admin") with an e-mail address.
ATTUNE_DUTY_CONTACT_EMAIL = os.environ.get("ATTUNE_DUTY_CONTACT_EMAIL", "")
# The supervision queue and figures (attune.supervision.thresholds: defaults and their reasons),
# overridden by name, e.g. ATTUNE_SUPERVISION='{"safety_follow_up_hours": 12}'.
ATTUNE_SUPERVISION = json.loads(os.environ.get("ATTUNE_SUPERVISION", "{}"))
# django-post-office's outbox: a failed delivery is requeued every RETRY_INTERVAL, MAX_RETRIES
# times (96 x 15 min = 24 h); the transport is EMAIL_BACKEND. Safety notices and everyday mail
# (attune.outbox) both go through it; `attune notify` sends what waits.
POST_OFFICE = {
    "MAX_RETRIES": int(os.environ.get("ATTUNE_MAIL_MAX_RETRIES", "96")),
    "RETRY_INTERVAL": timedelta(minutes=int(os.environ.get("ATTUNE_MAIL_RETRY_MINUTES", "15"))),
    "DEFAULT_PRIORITY": "high",
    "LOG_LEVEL": 1,  # log failures only (their exception type and message, never the mail)
    "MESSAGE_ID_ENABLED": True,
}

# Find my match (attune.matching): a practice's therapist strength is cached this many seconds
# (0 turns the cache off); consultation requests per address (django-ratelimit's rate).
ATTUNE_MATCHING_CACHE_SECONDS = int(os.environ.get("ATTUNE_MATCHING_CACHE_SECONDS", "600"))
ATTUNE_CONSULTATION_RATE = os.environ.get("ATTUNE_CONSULTATION_RATE", "5/h")
# Practice outcomes (attune.outcomes, docs/outcomes.md): counts under this are withheld; a newer
# published CSV of England's figures (empty: the shipped ones).
ATTUNE_OUTCOMES_SUPPRESS_BELOW = int(os.environ.get("ATTUNE_OUTCOMES_SUPPRESS_BELOW", "10"))
ATTUNE_NHS_TT_MEASURES_CSV = os.environ.get("ATTUNE_NHS_TT_MEASURES_CSV") or None
