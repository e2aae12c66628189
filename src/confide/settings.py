"""Django settings for Confide, read from the environment (twelve-factor).

Every variable is documented in docs/operators.md; tests/test_docs.py fails when one is not.
`CONFIDE_MODE` decides how strict the system checks are: `production` (the default) refuses
to start with unsafe settings (see confide/core/checks.py); `demo`, `development` and `test`
allow plain-HTTP cookies for local use.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]

from confide.accounts.passwords import MIN_PASSWORD_LENGTH
from confide.conf import keyfiles
from confide.conf.env import envbool, envchoice, envint, envlist, envsecret, envstr

MODE = envchoice("CONFIDE_MODE", "production", ("production", "demo", "development", "test"))
PRODUCTION = MODE == "production"

_data_dir = envstr("CONFIDE_DATA_DIR", "")
if not _data_dir:
    raise ImproperlyConfigured(
        "CONFIDE_DATA_DIR is not set. Pass --data-dir to the confide command or set the variable."
    )
DATA_DIR = Path(_data_dir).expanduser().resolve()
FILE_STORE_DIR = DATA_DIR / "files"

DEBUG = envbool("CONFIDE_DEBUG", False)

# Key files live apart from the data (confide/conf/keyfiles.py, ADR 0013).
CONFIDE_KEY_DIR = keyfiles.key_dir(DATA_DIR)
CONFIDE_ALLOW_KEYS_IN_DATA_DIR = envbool("CONFIDE_ALLOW_KEYS_IN_DATA_DIR", False)
_secret = envsecret("CONFIDE_SECRET_KEY")
_secret_file = envstr("CONFIDE_SECRET_KEY_FILE", "")
CONFIDE_SECRET_KEY_PATH: Path | None = Path(_secret_file).expanduser() if _secret_file else None
for _candidate in (CONFIDE_KEY_DIR / keyfiles.SECRET_KEY_NAME, DATA_DIR / keyfiles.SECRET_KEY_NAME):
    if _secret is None and _candidate.is_file():
        _secret = _candidate.read_text(encoding="utf-8").strip()
        CONFIDE_SECRET_KEY_PATH = _candidate
if not _secret:
    raise ImproperlyConfigured(
        "No secret key: set CONFIDE_SECRET_KEY_FILE (or CONFIDE_SECRET_KEY), "
        "or run `confide init` to create one in the data directory."
    )
SECRET_KEY = _secret

ALLOWED_HOSTS = envlist("CONFIDE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CONFIDE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Confide's web app comes before allauth so that its templates restyle allauth's pages.
    "confide.web",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "confide.core",
    "confide.accounts",
    "confide.practice",
    "confide.keys",
    "confide.audit",
    "confide.records",
    "confide.disclosures",
    "confide.jurisdictions",
    "confide.consent",
    "confide.portal",
    "confide.api",
    "confide.oversight",
    "confide.lifecycle",
    "confide.access_rights",
    "confide.backup",
    "confide.consultation",
    "django_tasks_db",
    "confide.notifications",
    "confide.messaging",
    "confide.telehealth",
    "confide.ops",
    "confide.measures",
    "confide.scheduling",
]

MIDDLEWARE = [
    "confide.ops.metrics.MetricsMiddleware",  # outermost: times the whole answer, by route name (ADR 0022)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "confide.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "confide.accounts.sessions.SessionMiddleware",  # Django's, refusing cookies shaped like stored hashes
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "confide.accounts.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "confide.keys.web.VaultCookieMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "confide.accounts.middleware.ThrottledUserSessionsMiddleware",
    "confide.accounts.middleware.RequireMfaMiddleware",
    "confide.oversight.devices.DeviceCookieMiddleware",
    "confide.web.denials.DenialAuditMiddleware",
]

ROOT_URLCONF = "confide.urls"
WSGI_APPLICATION = "confide.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "confide.web.context_processors.confide",
                "confide.oversight.context_processors.emergency",
            ],
            "builtins": ["confide.web.templatetags.confide_ui"],
        },
    },
]

# Databases: SQLite in the data directory unless DATABASE_URL names another (PostgreSQL).
_database_url = envstr("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "confide.sqlite3"),
            # Keep each server thread's connection (and so SQLite's page cache) between requests:
            # opening the file and running the PRAGMAs on every request cost a chart open ~10 %.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers and one writer work at once across several server processes;
                # IMMEDIATE transactions take the write lock up front so they queue instead of failing.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits and lockouts must hold across processes, so the cache lives in the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "confide_cache",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "confide.accounts.backends.AuthenticationBackend",  # allauth's, loading the membership with the user
]

# Passwords follow NIST SP 800-63B-4: length, a blocklist, no composition rules, Argon2id.
# Confide's hasher shares its Argon2id with the private key's wrap: one per sign-in (ADR 0022).
# Django's Argon2 hashes of earlier versions still verify, and are replaced at the next sign-in.
PASSWORD_HASHERS = [
    "confide.keys.passwords.ConfidePasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": MIN_PASSWORD_LENGTH}},
    {"NAME": "confide.accounts.passwords.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "confide.accounts.passwords.PredictablePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]

# Sessions live in the database so that any worker can serve any request; each row is addressed
# by a keyed hash of the cookie value, never the value itself (confide/accounts/sessions.py).
SESSION_ENGINE = "confide.accounts.sessions"
SESSION_COOKIE_NAME = "confide_session"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = envint("CONFIDE_SESSION_MAX_AGE_HOURS", 12, minimum=1, maximum=24) * 3600
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_NAME = "confide_csrf"

_https = envbool("CONFIDE_HTTPS", PRODUCTION)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
if _https:
    SESSION_COOKIE_NAME = "__Host-confide_session"
    CSRF_COOKIE_NAME = "__Host-confide_csrf"
if envbool("CONFIDE_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = envbool("CONFIDE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("CONFIDE_HSTS_SECONDS", 63072000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin, not no-referrer: with no-referrer, browsers send `Origin: null` on form posts and
# CSRF protection cannot tell our own forms from a forged one (docs/adr/0001-foundation.md).
# Other sites still never receive a Referer.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A nonce-based policy: no inline scripts or styles, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
    "manifest-src": [CSP.SELF],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=(), browsing-topics=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)
# The video session page alone may use the camera and microphone (ADR 0021): its view marks the
# response and SecurityHeadersMiddleware sends this policy instead; every other page denies both.
PERMISSIONS_POLICY_VIDEO_SESSION = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)").replace(
    "microphone=()", "microphone=(self)")

# Telehealth (ADR 0021, docs/operators.md "Video sessions"): STUN and TURN servers handed to the
# browsers. TURN credentials are time-limited (coturn's `use-auth-secret`, the TURN REST API
# scheme), computed from CONFIDE_TURN_SECRET (or CONFIDE_TURN_SECRET_FILE), shared with coturn's
# `static-auth-secret`.
CONFIDE_STUN_URLS = envlist("CONFIDE_STUN_URLS")
CONFIDE_TURN_URLS = envlist("CONFIDE_TURN_URLS")
CONFIDE_TURN_SECRET = envsecret("CONFIDE_TURN_SECRET") or ""
CONFIDE_TURN_TTL_SECONDS = envint("CONFIDE_TURN_TTL_SECONDS", 3600, minimum=300, maximum=86400)

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("CONFIDE_TIME_ZONE", "UTC")
USE_I18N = True
# One voice: our English catalog puts allauth's Title Case strings into sentence case.
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_TZ = True

# Static files are served by WhiteNoise straight from the installed package, so there is no
# collectstatic step and several `confide serve` processes can share one data directory.
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(FILE_STORE_DIR)}},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = MODE == "development"
WHITENOISE_MAX_AGE = 3600

# E-mail: real SMTP in production; the demo prints mail to the console.
_email_backend = envchoice(
    "CONFIDE_EMAIL_BACKEND", "console" if MODE in ("demo", "development") else "smtp", ("smtp", "console", "locmem")
)
_smtp_options: dict[str, object] = {
    "host": envstr("CONFIDE_SMTP_HOST", "localhost"),
    "port": envint("CONFIDE_SMTP_PORT", 587 if PRODUCTION else 25, minimum=1, maximum=65535),
    "username": envstr("CONFIDE_SMTP_USER", "") or None,
    "password": envsecret("CONFIDE_SMTP_PASSWORD"),
    "use_tls": envbool("CONFIDE_SMTP_STARTTLS", PRODUCTION),
    "timeout": 20,
}
MAILERS = {
    "default": {
        "BACKEND": {
            "smtp": "django.core.mail.backends.smtp.EmailBackend",
            "console": "django.core.mail.backends.console.EmailBackend",
            "locmem": "django.core.mail.backends.locmem.EmailBackend",
        }[_email_backend],
        "OPTIONS": _smtp_options if _email_backend == "smtp" else {},
    }
}
DEFAULT_FROM_EMAIL = envstr("CONFIDE_FROM_EMAIL", "Confide <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Public address used in links inside e-mails (invitations). No client data ever goes in a link.
SITE_URL = envstr("CONFIDE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# django-allauth: e-mail sign-in, no open sign-up (staff are invited), MFA for everyone.
ACCOUNT_ADAPTER = "confide.accounts.adapters.AccountAdapter"
MFA_ADAPTER = "confide.accounts.adapters.MfaAdapter"
ACCOUNT_FORMS = {
    "change_password": "confide.accounts.forms.ChangePasswordForm",
    "login": "confide.accounts.forms.LoginForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
_attempts = envint("CONFIDE_LOGIN_ATTEMPTS_PER_ACCOUNT", 5, minimum=1, maximum=100)
_window = envint("CONFIDE_LOGIN_ATTEMPTS_WINDOW_MINUTES", 15, minimum=1, maximum=24 * 60)
_per_ip = envint("CONFIDE_LOGIN_ATTEMPTS_PER_ADDRESS", 20, minimum=1, maximum=1000)
CONFIDE_LOGIN_ATTEMPTS_PER_ACCOUNT = _attempts
CONFIDE_LOGIN_ATTEMPTS_WINDOW_MINUTES = _window
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{_per_ip}/{_window}m/ip,{_attempts}/{_window}m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = envstr("CONFIDE_TOTP_ISSUER", "Confide")
MFA_RECOVERY_CODE_COUNT = 10
# Browsers treat http://localhost as a secure context, so passkeys work in the demo too.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION
USERSESSIONS_TRACK_ACTIVITY = True

# Argon2id cost of the password wrap around each person's private key (see docs/adr/0002).
CONFIDE_KDF_PROFILE = envchoice("CONFIDE_KDF_PROFILE", "standard", ("standard", "unsafe-test"))
CONFIDE_KDF_MEMORY_KIB = envint("CONFIDE_KDF_MEMORY_KIB", 65536, minimum=7 * 1024, maximum=4 * 1024 * 1024)
CONFIDE_KDF_ITERATIONS = envint("CONFIDE_KDF_ITERATIONS", 3, minimum=1, maximum=64)

# Practice defaults.
CONFIDE_INVITATION_TTL_HOURS = envint("CONFIDE_INVITATION_TTL_HOURS", 72, minimum=1, maximum=24 * 14)
CONFIDE_SESSION_WARNING_SECONDS = 120

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "confide.core.redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": envstr("CONFIDE_LOG_LEVEL", "INFO").upper()},
    # Django's request logger prints the path of failed requests; paths carry only opaque ids.
    # Django's request logger would print the path of every 4xx; paths carry only opaque ids, but
    # whatever a caller types into one would land in the log, so only server errors are logged.
    "loggers": {
        "django.security.DisallowedHost": {"level": "ERROR"},
        "django.request": {"level": "ERROR"},
        # At DEBUG, Django's template engine logs the whole template context (decrypted client
        # data included) whenever a variable lookup fails; it never logs below INFO here.
        "django.template": {"level": "INFO"},
    },
}

# Audit log
# The Ed25519 key that signs the log's tree heads lives in a file, never in the database; keep
# it out of database backups too (see docs/operators.md, "The audit log").
CONFIDE_AUDIT_SIGNING_KEY_FILE = keyfiles.key_file(keyfiles.AUDIT_SIGNING_KEY_NAME, "CONFIDE_AUDIT_SIGNING_KEY_FILE",
                                                   DATA_DIR)
# The key behind portal sign-in look-ups and the sealed copy of each client's e-mail address.
CONFIDE_ADDRESS_KEY_FILE = keyfiles.key_file(keyfiles.ADDRESS_KEY_NAME, "CONFIDE_ADDRESS_KEY_FILE", DATA_DIR)
# Signed tree heads are also written here, one file per published head, so that a rewritten
# database can be caught. Empty: heads are only published by `confide audit publish --to DIR`.
CONFIDE_AUDIT_HEAD_DIR = envstr("CONFIDE_AUDIT_HEAD_DIR", "")
# The origin line of the log's C2SP checkpoints (docs/adr/0014-checkpoints-and-witnesses.md): the
# name witnesses and clients know this practice's log by. Set it once and never change it.
CONFIDE_AUDIT_ORIGIN = envstr("CONFIDE_AUDIT_ORIGIN", "") or (
    (SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "localhost") + "/confide-audit-log"
)
# Witnesses asked to cosign each published checkpoint (ADR 0014): comma-separated entries
# "URL VKEY", URL the witness's add-checkpoint endpoint, VKEY its cosigner verifier key.
CONFIDE_AUDIT_WITNESSES = envlist("CONFIDE_AUDIT_WITNESSES", "")
CONFIDE_AUDIT_PUBLISH_EVERY = envint("CONFIDE_AUDIT_PUBLISH_EVERY", 1000, minimum=1, maximum=100_000_000)

# Break-glass and anomaly alerts (confide.oversight; docs/operators.md).
CONFIDE_BREAKGLASS_MINUTES = envint("CONFIDE_BREAKGLASS_MINUTES", 60, minimum=5, maximum=24 * 60)
CONFIDE_ALERT_CHARTS_COUNT = envint("CONFIDE_ALERT_CHARTS_COUNT", 5, minimum=1, maximum=10_000)
CONFIDE_ALERT_CHARTS_MINUTES = envint("CONFIDE_ALERT_CHARTS_MINUTES", 60, minimum=1, maximum=7 * 24 * 60)
CONFIDE_ALERT_EXPORTS_COUNT = envint("CONFIDE_ALERT_EXPORTS_COUNT", 20, minimum=1, maximum=100_000)
CONFIDE_ALERT_EXPORTS_MINUTES = envint("CONFIDE_ALERT_EXPORTS_MINUTES", 15, minimum=1, maximum=7 * 24 * 60)
CONFIDE_ALERT_NEW_DEVICE = envbool("CONFIDE_ALERT_NEW_DEVICE", True)
# Refused access to client data (confide/records/denials.py): counted per person in windows of
# this many minutes, audited at the 1st, 2nd, 4th ... refusal, and alerted at this count.
CONFIDE_DENIED_WINDOW_MINUTES = envint("CONFIDE_DENIED_WINDOW_MINUTES", 15, minimum=1, maximum=24 * 60)
CONFIDE_ALERT_DENIED_COUNT = envint("CONFIDE_ALERT_DENIED_COUNT", 10, minimum=1, maximum=100_000)
CONFIDE_AUDIT_BATCH_SIZE = envint("CONFIDE_AUDIT_BATCH_SIZE", 1000, minimum=1, maximum=100_000)
CONFIDE_AUDIT_HEAD_EMAIL = envbool("CONFIDE_AUDIT_HEAD_EMAIL", False)

# Where committed audit events are placed in the signed log (docs/adr/0005-batched-audit-appends.md):
# `background` by a sequencer thread in each server process, off the request path; `after-commit`
# by the writer's own thread right after it commits; `inline` inside the writer's transaction,
# serialised (the test suite's mode, since its transactions never commit).
CONFIDE_AUDIT_SEQUENCER = envchoice("CONFIDE_AUDIT_SEQUENCER", "background", ("background", "after-commit", "inline"))

# Background work (docs/adr/0018-talking-outside-the-session.md): Django's tasks framework with
# the queue in the database, run by `confide worker`. Every e-mail goes through it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CONFIDE_WORKER_HEARTBEAT_SECONDS = envint("CONFIDE_WORKER_HEARTBEAT_SECONDS", 10, minimum=1, maximum=3600)
CONFIDE_WORKER_LEASE_SECONDS = envint("CONFIDE_WORKER_LEASE_SECONDS", 60, minimum=1, maximum=24 * 3600)
CONFIDE_WORKER_JOBS_SECONDS = envint("CONFIDE_WORKER_JOBS_SECONDS", 60, minimum=1, maximum=24 * 3600)
CONFIDE_MAIL_MAX_ATTEMPTS = envint("CONFIDE_MAIL_MAX_ATTEMPTS", 8, minimum=1, maximum=100)
CONFIDE_MAIL_RETRY_SECONDS = envint("CONFIDE_MAIL_RETRY_SECONDS", 30, minimum=1, maximum=3600)
# The operations key (addresses, mail bodies, reminder contacts): a file outside the database.
CONFIDE_OPERATIONS_KEY_FILE = envstr("CONFIDE_OPERATIONS_KEY_FILE", "")
# SMS: no real provider ships; `test` records texts to CONFIDE_SMS_TEST_FILE (or memory).
CONFIDE_SMS_PROVIDER = envchoice("CONFIDE_SMS_PROVIDER", "none", ("none", "test"))
CONFIDE_SMS_TEST_FILE = envstr("CONFIDE_SMS_TEST_FILE", "")
# Web push (optional): VAPID key pair; without a private key, push is off.
CONFIDE_VAPID_PRIVATE_KEY = envsecret("CONFIDE_VAPID_PRIVATE_KEY") or ""
CONFIDE_VAPID_PUBLIC_KEY = envstr("CONFIDE_VAPID_PUBLIC_KEY", "")
CONFIDE_VAPID_SUBJECT = envstr("CONFIDE_VAPID_SUBJECT", "mailto:no-reply@localhost")
# Push endpoints must be https in production; tests and development may use a local fake.
CONFIDE_PUSH_ALLOW_HTTP = envbool("CONFIDE_PUSH_ALLOW_HTTP", not PRODUCTION)
CONFIDE_DIGEST_MINUTES = envint("CONFIDE_DIGEST_MINUTES", 60, minimum=1, maximum=7 * 24 * 60)
# Staff quiet hours for digests, "START-END" in hours of CONFIDE_TIME_ZONE ("0-0": none); each person may change theirs.
_quiet = envstr("CONFIDE_DEFAULT_QUIET_HOURS", "20-8").split("-")
try:
    CONFIDE_DEFAULT_QUIET_HOURS = (int(_quiet[0]) % 24, int(_quiet[1]) % 24)
except (ValueError, IndexError):
    raise ImproperlyConfigured("CONFIDE_DEFAULT_QUIET_HOURS must look like 20-8.") from None
# /metrics (ADR 0022): closed (404) until an operator token is set; then only
# `Authorization: Bearer <token>` opens it. CONFIDE_METRICS_TOKEN_FILE names a file holding it.
CONFIDE_METRICS_TOKEN = envsecret("CONFIDE_METRICS_TOKEN") or ""
# Behind a load balancer that appends the client's address to X-Forwarded-For (HAProxy's
# `option forwardfor`), the number of such proxies: the per-address sign-in limits then count
# the client's address, not the balancer's. 0 (the default) trusts no forwarded address.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("CONFIDE_TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
