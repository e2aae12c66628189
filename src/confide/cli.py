"""The `confide` command: init, serve, demo, check.

Every subcommand takes `--data-dir` (default: $CONFIDE_DATA_DIR) and honours DATABASE_URL.
Django is configured only after the arguments are parsed, because the data directory decides
where the database and the secret key live.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from confide import __version__
from confide.audit.commands import add_audit_commands, ensure_signing_key
from confide.backup.commands import add_backup_commands
from confide.jurisdictions.commands import add_jurisdiction_commands
from confide.keys.commands import add_token_commands
from confide.oversight.commands import add_emergency_access_commands
from confide.records.commands import add_recovery_commands

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class CommandError(Exception):
    """A problem the person at the terminal can fix; printed without a traceback."""


# ----------------------------------------------------------------------------- set-up helpers


def _prepare_data_dir(path: str | None, *, create: bool) -> Path:
    if not path:
        raise CommandError("No data directory: pass --data-dir or set CONFIDE_DATA_DIR.")
    data_dir = Path(path).expanduser().resolve()
    if create:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    elif not data_dir.is_dir():
        raise CommandError(f"The data directory {data_dir} does not exist. Run `confide init` first.")
    os.environ["CONFIDE_DATA_DIR"] = str(data_dir)
    return data_dir


def _ensure_secret_key(data_dir: Path) -> None:
    """Write a random secret key into the data directory unless one is configured."""
    if os.environ.get("CONFIDE_SECRET_KEY") or os.environ.get("CONFIDE_SECRET_KEY_FILE"):
        return
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(64))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from None


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)


def _run_checks() -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", fail_level="ERROR")
    except SystemCheckError as exc:
        raise CommandError(f"Confide refuses to start with unsafe settings:\n{exc}") from None


def _read_password_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CommandError(f"Cannot read the password file {path}: {exc.strerror}.") from None


# ----------------------------------------------------------------------------- init


def _ask(prompt: str, value: str | None) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"Missing {prompt.lower()}: give it as an option when not at a terminal.")
    return input(f"{prompt}: ").strip()


def _ask_password(value_file: str | None) -> str:
    if value_file:
        return _read_password_file(value_file)
    if not sys.stdin.isatty():
        raise CommandError("Missing --owner-password-file (no terminal to ask on).")
    first = getpass.getpass("Owner password (15 characters or more): ")
    if first != getpass.getpass("Again: "):
        raise CommandError("The two passwords differ.")
    return first


def cmd_init(args: argparse.Namespace) -> int:
    """Create a practice in a data directory: owner account, practice keys, recovery kit."""
    data_dir = _prepare_data_dir(args.data_dir, create=True)
    _ensure_secret_key(data_dir)
    ensure_signing_key(data_dir)
    _setup_django()
    from django.core.exceptions import ValidationError

    from confide.keys.services import write_recovery_kit
    from confide.practice import jurisdictions, services
    from confide.practice.models import Practice

    name = _ask("Practice name", args.practice_name)
    email = _ask("Owner e-mail", args.owner_email)
    jurisdiction = _ask(
        f"Jurisdiction ({', '.join(jurisdictions.JURISDICTIONS)}; `confide jurisdictions list` shows all)",
        args.jurisdiction,
    )
    password = _ask_password(args.owner_password_file)
    kit_dir = _recovery_kit_dir(args, data_dir)
    _migrate()
    if Practice.objects.exists():
        raise CommandError(f"{data_dir} already holds a practice; use a new data directory.")
    try:
        created = services.create_practice(
            name=name,
            jurisdiction=jurisdiction,
            owner_email=email,
            owner_password=password,
            owner_name=args.owner_name or "",
            recovery_threshold=args.threshold,
            recovery_shares=args.shares,
        )
    except ValidationError as exc:
        raise CommandError("The owner password is not acceptable: " + " ".join(exc.messages)) from None
    except services.PracticeError as exc:
        raise CommandError(str(exc)) from None
    membership = created.membership
    paths = write_recovery_kit(created.recovery_kit, membership.practice.name, kit_dir)
    print(f"Created practice {membership.practice.name!r} ({membership.practice.jurisdiction}) in {data_dir}")
    print(f"Owner: {membership.user.email}")
    print(f"Recovery kit ({args.threshold} of {args.shares} shares needed) written to {kit_dir}:")
    for path in paths:
        print(f"  {path.name}")
    print("Print each share, give them to different trusted people, then delete the files.")
    print(
        "Next, sign in and review the jurisdiction's rules under Practice (decision support, not legal advice); "
        f"`confide jurisdictions show {membership.practice.jurisdiction}` prints them."
    )
    return 0


def _recovery_kit_dir(args: argparse.Namespace, data_dir: Path) -> Path:
    """Check the recovery options; the kit must never live inside the data directory."""
    shares, threshold = args.shares, args.threshold
    if not 2 <= threshold <= shares <= 16:
        raise CommandError("The recovery kit needs 2 <= --threshold <= --shares <= 16.")
    kit_dir = Path(_ask("Recovery kit directory", args.recovery_kit_dir)).expanduser().resolve()
    if kit_dir == data_dir or data_dir in kit_dir.parents:
        raise CommandError(
            "The recovery kit must not be written inside the data directory: "
            "a backup of the data would then carry the key to read it."
        )
    if kit_dir.exists() and any(kit_dir.glob("recovery-share-*")):
        raise CommandError(f"{kit_dir} already holds recovery shares; choose an empty directory.")
    return kit_dir


# ----------------------------------------------------------------------------- serve


def _gunicorn_application(host: str, port: int, workers: int, threads: int) -> Any:
    from gunicorn.app.base import BaseApplication

    from confide.wsgi import application

    class ConfideServer(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                "logger_class": "confide.serving.RedactingLogger",
                # The path only (%(U)s), never the query string; tokens in paths are redacted.
                "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms',
                # No control socket: several `confide serve` processes may share one machine.
                "control_socket_disable": True,
                "timeout": 60,
                "graceful_timeout": 20,
                "forwarded_allow_ips": os.environ.get("CONFIDE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    return ConfideServer()


def _serve(host: str, port: int, workers: int, threads: int) -> int:
    _run_checks()
    _migrate()
    print(f"Confide {__version__} serving on http://{host}:{port} with {workers} worker processes")
    sys.stdout.flush()
    _gunicorn_application(host, port, workers, threads).run()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web app and API with gunicorn."""
    _prepare_data_dir(args.data_dir, create=False)
    _setup_django()
    return _serve(args.host, args.port, args.workers, args.threads)


def cmd_check(args: argparse.Namespace) -> int:
    """Run the system checks (the same ones `serve` runs) and report."""
    _prepare_data_dir(args.data_dir, create=False)
    _setup_django()
    _run_checks()
    print("No problems found.")
    return 0


# ----------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace) -> int:
    """Create a fictional practice in a fresh temporary data directory and serve it."""
    os.environ["CONFIDE_MODE"] = "demo"
    os.environ.setdefault("CONFIDE_SITE_URL", f"http://{args.host}:{args.port}")
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="confide-demo-"))
    _prepare_data_dir(str(data_dir), create=True)
    _ensure_secret_key(data_dir)
    ensure_signing_key(data_dir)
    _setup_django()
    _migrate()
    from confide.demo import seed_demo_practice

    people = seed_demo_practice()
    print("\nConfide demo — a fictional practice; nothing here is real.")
    print(f"Data directory: {data_dir}")
    print(f"Open http://{args.host}:{args.port}/ and sign in as any of:")
    for person in people:
        print(f"  {person.role:<11} {person.email:<32} password: {person.password}")
    if any(person.role == "client" for person in people):
        print("The client signs in at the same page and lands in their portal: a signed consent, a privacy check-in,\n"
              "an authorization waiting for their signature, and who looked at their record.")
    print("Two-factor authentication is optional in the demo practice; try enrolling it under Account security.\n")
    sys.stdout.flush()
    if args.no_serve:
        return 0
    try:
        return _serve(args.host, args.port, args.workers, args.threads)
    finally:
        if not args.data_dir and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used to generate the CLI reference in docs/)."""
    parser = argparse.ArgumentParser(
        prog="confide", description="Confide: confidential clinical records for psychotherapy."
    )
    parser.add_argument("--version", action="version", version=f"confide {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def data_dir_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir", default=os.environ.get("CONFIDE_DATA_DIR"), help="data directory (default: $CONFIDE_DATA_DIR)"
        )

    def server_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
        p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
        p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
        p.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")

    p_init = sub.add_parser(
        "init",
        help="create a practice in a data directory",
        description="Create a practice: owner account, practice keys and a recovery kit. "
        "Prompts for anything not given as an option.",
    )
    data_dir_arg(p_init)
    p_init.add_argument("--practice-name", help="the practice's name")
    p_init.add_argument("--owner-email", help="the owner's e-mail address (their sign-in)")
    p_init.add_argument("--owner-name", help="the owner's name as colleagues see it")
    p_init.add_argument("--owner-password-file", help="file holding the owner's password (first line)")
    p_init.add_argument("--jurisdiction", help="jurisdiction pack code, e.g. US-CA (see `confide jurisdictions list`)")
    p_init.add_argument("--recovery-kit-dir", help="directory to write the printable recovery kit into")
    p_init.add_argument("--shares", type=int, default=3, help="number of recovery shares (default 3)")
    p_init.add_argument("--threshold", type=int, default=2, help="shares needed to recover (default 2)")
    p_init.set_defaults(func=cmd_init)

    p_serve = sub.add_parser(
        "serve",
        help="serve the web app and API (gunicorn)",
        description="Serve Confide with gunicorn, several worker processes and static files.",
    )
    data_dir_arg(p_serve)
    server_args(p_serve)
    p_serve.set_defaults(func=cmd_serve)

    p_demo = sub.add_parser(
        "demo",
        help="run a fictional demo practice",
        description="Create a fictional practice in a fresh temporary data directory and serve it.",
    )
    p_demo.add_argument("--data-dir", default=None, help="use this directory instead of a temporary one")
    server_args(p_demo)
    p_demo.add_argument("--no-serve", action="store_true", help="create the demo practice, print it and exit")
    p_demo.add_argument("--keep", action="store_true", help="keep the temporary data directory on exit")
    p_demo.set_defaults(func=cmd_demo)

    p_check = sub.add_parser(
        "check", help="check the configuration", description="Run the same safety checks `serve` runs before it starts."
    )
    data_dir_arg(p_check)
    p_check.set_defaults(func=cmd_check)
    add_audit_commands(sub, data_dir_arg)
    add_token_commands(sub, data_dir_arg)
    add_recovery_commands(sub, data_dir_arg)
    add_jurisdiction_commands(sub)
    add_emergency_access_commands(sub, data_dir_arg)
    add_backup_commands(sub, data_dir_arg)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `confide` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CommandError as exc:
        print(f"confide: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
