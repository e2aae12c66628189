"""Typed readers for settings that come from the environment.

Every reader fails with `ImproperlyConfigured` naming the variable, so a typo in a
deployment stops the server at start-up instead of running with a silent default.
Secrets may be given directly or as a path in `<NAME>_FILE` (Docker and systemd
credentials style); the file form wins so that secrets stay out of process listings.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envstr(name: str, default: str) -> str:
    """Return the variable's value, or `default` when it is unset."""
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    """Parse a boolean such as `true`/`false`, `1`/`0`, `yes`/`no`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def envint(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Parse an integer, optionally bounded."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}.")
    return value


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Return one of `choices`; anything else is a configuration error."""
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def envlist(name: str, default: str = "") -> list[str]:
    """Parse a comma-separated list, dropping empty items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """Return a secret from `<name>_FILE` (preferred) or `<name>`, or None when neither is set.

    The value is never echoed in an error message.
    """
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points to a file that cannot be read ({exc.strerror}).") from None
    value = os.environ.get(name)
    return value if value else None
