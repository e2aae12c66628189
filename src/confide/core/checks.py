"""System checks that refuse to run production with unsafe settings.

`confide serve` runs these with `fail_level=ERROR` before it starts a worker, so a
misconfigured production deployment never answers a request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

_MIN_SECRET_LENGTH = 50
_MIN_UNIQUE_CHARACTERS = 5


@register(Tags.security, deploy=False)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse DEBUG, weak secrets and insecure cookies when CONFIDE_MODE is production."""
    if not settings.PRODUCTION:
        return []
    errors: list[CheckMessage] = []
    if settings.DEBUG:
        errors.append(Error("CONFIDE_DEBUG is on in production mode.", hint="Unset CONFIDE_DEBUG.", id="confide.E001"))
    secret = settings.SECRET_KEY
    if (
        len(secret) < _MIN_SECRET_LENGTH
        or len(set(secret)) < _MIN_UNIQUE_CHARACTERS
        or secret.startswith("django-insecure")
    ):
        errors.append(
            Error(
                "The secret key is too weak for production.",
                hint=f"Use at least {_MIN_SECRET_LENGTH} random characters, e.g. the one `confide init` writes.",
                id="confide.E002",
            )
        )
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY"):
        if not getattr(settings, name):
            errors.append(
                Error(
                    f"{name} is off in production mode.",
                    hint="Serve Confide over HTTPS (CONFIDE_HTTPS=true, the production default).",
                    id="confide.E003",
                )
            )
    if settings.SESSION_COOKIE_SAMESITE not in ("Lax", "Strict"):
        errors.append(Error("SESSION_COOKIE_SAMESITE must be Lax or Strict.", id="confide.E004"))
    if settings.CONFIDE_KDF_PROFILE != "standard":
        errors.append(Error("CONFIDE_KDF_PROFILE must be standard in production.", id="confide.E006"))
    if "*" in settings.ALLOWED_HOSTS:
        errors.append(Error("CONFIDE_ALLOWED_HOSTS must not contain '*'.", id="confide.E005"))
    backend = str(settings.MAILERS["default"]["BACKEND"])
    if backend.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        # An error, not a warning (issue 21): the console backend prints client addresses and
        # portal-join links to the server's log.
        errors.append(
            Error(
                "E-mail is not sent in production mode: the console backend would print client addresses "
                "and portal-join links to the log.",
                hint="Set CONFIDE_EMAIL_BACKEND=smtp and CONFIDE_SMTP_HOST.",
                id="confide.E007",
            )
        )
    return errors


def _is_inside(path: Path, directory: Path) -> bool:
    """Whether `path` is `directory` or lies below it (symbolic links resolved)."""
    resolved, parent = Path(path).expanduser().resolve(), Path(directory).expanduser().resolve()
    return resolved == parent or parent in resolved.parents


def key_files() -> list[tuple[str, Path]]:
    """Every key file this installation reads, by the setting that names it."""
    found = [("CONFIDE_AUDIT_SIGNING_KEY_FILE", Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)),
             ("CONFIDE_ADDRESS_KEY_FILE", Path(settings.CONFIDE_ADDRESS_KEY_FILE))]
    if settings.CONFIDE_SECRET_KEY_PATH is not None:
        found.insert(0, ("CONFIDE_SECRET_KEY_FILE", Path(settings.CONFIDE_SECRET_KEY_PATH)))
    return found


def data_directories() -> list[Path]:
    """The directories a copy of the data would take: the data directory (which holds the file
    store, and the SQLite database unless `DATABASE_URL` names another), the SQLite database's own
    directory and the file store wherever they are."""
    directories = [Path(settings.DATA_DIR), Path(settings.FILE_STORE_DIR)]
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        directories.insert(1, Path(str(database["NAME"])).parent)
    return directories


@register(Tags.security, deploy=False)
def check_key_files_apart_from_data(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production, refuse a key file inside the SQLite database's directory or the file store.

    A copy of those directories (a backup, a stolen disk) must not carry the keys that open the
    data (ADR 0013). `CONFIDE_ALLOW_KEYS_IN_DATA_DIR=true` acknowledges the risk for a test
    installation.
    """
    if not settings.PRODUCTION or settings.CONFIDE_ALLOW_KEYS_IN_DATA_DIR:
        return []
    errors: list[CheckMessage] = []
    for setting, path in key_files():
        for directory in data_directories():
            if _is_inside(path, directory):
                errors.append(Error(
                    f"The key file named by {setting} is inside {directory}, which a copy of the data takes along.",
                    hint="Move it elsewhere and set CONFIDE_KEY_DIR (or the *_FILE variable), for example to a "
                         "systemd credential; CONFIDE_ALLOW_KEYS_IN_DATA_DIR=true accepts the risk.",
                    id="confide.E008"))
                break
    return errors
