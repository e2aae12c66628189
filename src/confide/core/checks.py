"""System checks that refuse to run production with unsafe settings.

`confide serve` runs these with `fail_level=ERROR` before it starts a worker, so a
misconfigured production deployment never answers a request.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

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
        errors.append(
            Warning(
                "E-mail is not sent in production mode: invitations will not reach anyone.",
                hint="Set CONFIDE_EMAIL_BACKEND=smtp and CONFIDE_SMTP_HOST.",
                id="confide.W001",
            )
        )
    return errors
