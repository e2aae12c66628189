"""What every `confide` subcommand shares: the error a person can fix, the data directory,
Django set-up, the `--data-dir` option and reading a password file.

Each context's `commands.py` imports this module (never the entry point, `confide.cli.entry`,
which imports them). Django is configured only after the arguments are parsed, because the data
directory decides where the database and the secret key live; so this module imports nothing
of Django at module level.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
from pathlib import Path
from typing import NoReturn

from confide.conf import keyfiles

__all__ = [
    "CommandError",
    "data_dir_arg",
    "ensure_secret_key",
    "fail",
    "migrate",
    "prepare_data_dir",
    "read_password_file",
    "run_checks",
    "setup_django",
    "start",
]


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


def fail(message: str) -> NoReturn:
    """Stop the command with a message for the person at the terminal (exit status 2)."""
    raise CommandError(message)


def data_dir_arg(parser: argparse.ArgumentParser) -> None:
    """Add the `--data-dir` option every command that touches a practice takes."""
    parser.add_argument(
        "--data-dir", default=os.environ.get("CONFIDE_DATA_DIR"), help="data directory (default: $CONFIDE_DATA_DIR)"
    )


def prepare_data_dir(path: str | None, *, create: bool) -> Path:
    """Resolve the data directory (creating it when asked) and point CONFIDE_DATA_DIR at it."""
    if not path:
        raise CommandError("No data directory: pass --data-dir or set CONFIDE_DATA_DIR.")
    data_dir = Path(path).expanduser().resolve()
    if create:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not data_dir.is_dir():
        raise CommandError(f"The data directory {data_dir} does not exist. Run `confide init` first.")
    os.environ["CONFIDE_DATA_DIR"] = str(data_dir)
    return data_dir


def ensure_secret_key(data_dir: Path) -> Path | None:
    """Write a random secret key into the key directory unless one is configured; the new file or None."""
    if os.environ.get("CONFIDE_SECRET_KEY") or os.environ.get("CONFIDE_SECRET_KEY_FILE"):
        return None
    if (data_dir / keyfiles.SECRET_KEY_NAME).exists():
        return None  # an installation from before CONFIDE_KEY_DIR (ADR 0013)
    key_file = keyfiles.key_dir(data_dir) / keyfiles.SECRET_KEY_NAME
    if key_file.exists():
        return None
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(64))
    return key_file


def ensure_address_key(data_dir: Path) -> Path | None:
    """Write the address key (ADR 0013) unless it exists; the new file or None. No Django needed."""
    address = keyfiles.key_file(keyfiles.ADDRESS_KEY_NAME, "CONFIDE_ADDRESS_KEY_FILE", data_dir)
    if address.exists():
        return None
    address.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(address, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"confide address key v1\n{base64.b64encode(secrets.token_bytes(32)).decode('ascii')}\n")
    return address


def setup_django() -> None:
    """Configure Django from the environment the data directory set up."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    # Django is imported only now: its settings read CONFIDE_DATA_DIR, set just before.
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from None


def start(data_dir: str | None) -> None:
    """The usual first step of a command: an existing data directory, then Django."""
    prepare_data_dir(data_dir, create=False)
    setup_django()


def migrate() -> None:
    """Bring the database schema up to date (and the cache table)."""
    # Django's management commands need the app registry, ready only after setup_django().
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def run_checks() -> None:
    """Run the system checks; refuse unsafe settings with a message."""
    # Django's management commands need the app registry, ready only after setup_django().
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", fail_level="ERROR")
    except SystemCheckError as exc:
        raise CommandError(f"Confide refuses to start with unsafe settings:\n{exc}") from None


def read_password_file(path: str) -> str:
    """The first line of a password file (without its line ending)."""
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CommandError(f"Cannot read the password file {path}: {exc.strerror}.") from None
