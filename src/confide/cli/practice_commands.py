"""`confide init`, `serve`, `check` and `demo`: creating, serving and checking a practice.

Every command takes `--data-dir` (default: $CONFIDE_DATA_DIR) and honours DATABASE_URL; the
parser that wires them up is `confide.cli.entry`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from confide import __version__
from confide.audit.commands import ensure_signing_key
from confide.audit.signing import signing_key_path
from confide.cli.common import (
    CommandError,
    ensure_address_key,
    ensure_secret_key,
    migrate,
    prepare_data_dir,
    read_password_file,
    run_checks,
    setup_django,
)
from confide.conf import keyfiles

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


# ----------------------------------------------------------------------------- init


def _ask(prompt: str, value: str | None) -> str:
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(f"Missing {prompt.lower()}: give it as an option when not at a terminal.")
    return input(f"{prompt}: ").strip()


def _ask_password(value_file: str | None) -> str:
    if value_file:
        return read_password_file(value_file)
    if not sys.stdin.isatty():
        raise CommandError("Missing --owner-password-file (no terminal to ask on).")
    first = getpass.getpass("Owner password (15 characters or more): ")
    if first != getpass.getpass("Again: "):
        raise CommandError("The two passwords differ.")
    return first


def _ask_owner_is_clinician(value: bool | None) -> bool:
    """`--owner-is-clinician` / `--no-owner-is-clinician`, else asked at a terminal (default no)."""
    if value is not None:
        return value
    if not sys.stdin.isatty():
        return False
    answer = input("Will the owner also see clients as their clinician (a solo practice)? [y/N]: ")
    return answer.strip().lower() in ("y", "yes")


def cmd_init(args: argparse.Namespace) -> int:
    """Create a practice in a data directory: owner account, practice keys, recovery kit.

    A refused `init` removes the key files it wrote, so nothing is left behind (issue 21).
    """
    data_dir = prepare_data_dir(args.data_dir, create=True)
    if args.key_dir:
        key_dir = Path(args.key_dir).expanduser().resolve()
        if keyfiles.is_inside(key_dir, data_dir):
            raise CommandError("--key-dir must be outside the data directory: a copy of the data "
                               "must not carry the keys that open it.")
        os.environ[keyfiles.KEY_DIR_ENV] = str(key_dir)
    created = [path for path in (ensure_secret_key(data_dir),) if path is not None]
    signing = signing_key_path(data_dir)
    if not signing.exists():
        ensure_signing_key(data_dir)
        created.append(signing)
    created += [path for path in (ensure_address_key(data_dir),) if path is not None]
    try:
        return _init_practice(args, data_dir)
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise


def _init_practice(args: argparse.Namespace, data_dir: Path) -> int:
    setup_django()
    # Models load only after Django is set up from the data directory (the parser is built before).
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
    owner_is_clinician = _ask_owner_is_clinician(args.owner_is_clinician)
    kit_dir = _recovery_kit_dir(args, data_dir)
    migrate()
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
            owner_is_clinician=owner_is_clinician,
        )
    except ValidationError as exc:
        raise CommandError("The owner password is not acceptable: " + " ".join(exc.messages)) from None
    except services.PracticeError as exc:
        raise CommandError(str(exc)) from None
    membership = created.membership
    paths = write_recovery_kit(created.recovery_kit, membership.practice.name, kit_dir)
    print(f"Created practice {membership.practice.name!r} ({membership.practice.jurisdiction}) in {data_dir}")
    print(f"Owner: {membership.user.email}" + (" (also the treating clinician)" if owner_is_clinician else ""))
    print(f"Recovery kit ({args.threshold} of {args.shares} shares needed) written to {kit_dir}:")
    for path in paths:
        print(f"  {path.name}")
    print("Print each share, give them to different trusted people, then delete the files.")
    key_dir = keyfiles.key_dir(data_dir)
    if keyfiles.is_inside(key_dir, data_dir):
        print(f"The key files are in the data directory ({data_dir}). For production, move them elsewhere "
              "and set CONFIDE_KEY_DIR, and never back them up with the data (docs/operators.md, Keys).")
    else:
        print(f"Key files written to {key_dir}: keep them apart from the data and its backups.")
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
    # Models load only after Django is set up from the data directory (the parser is built before).
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
                # A worker that exits leaves its metric files; its live gauges must not count.
                "child_exit": _metrics_child_exit,
                # Each worker's audit sequencer runs from its boot, so a surviving node places the
                # events a dead one left pending (one at a time, by the advisory lock; ADR 0022).
                "post_worker_init": _start_sequencer,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    return ConfideServer()


def _start_sequencer(worker: Any) -> None:
    # Models load only after Django is set up (this runs in the forked worker, after that).
    from confide.audit.services import start_background_sequencer

    start_background_sequencer()


def _metrics_child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def _prepare_metrics_dir(data_dir: Path, port: int) -> None:
    """Give this `serve` its own, empty prometheus-client multiprocess directory (ADR 0022).

    Set before Django (and so prometheus-client) is imported: the worker processes forked from
    this one then write their request metrics there, and one scrape of `/metrics` sums them.
    """
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = Path(configured) if configured else data_dir / "metrics" / str(port)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def _serve(host: str, port: int, workers: int, threads: int) -> int:
    run_checks()
    migrate()
    print(f"Confide {__version__} serving on http://{host}:{port} with {workers} worker processes")
    sys.stdout.flush()
    _gunicorn_application(host, port, workers, threads).run()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web app and API with gunicorn."""
    data_dir = prepare_data_dir(args.data_dir, create=False)
    _prepare_metrics_dir(Path(data_dir), args.port)
    setup_django()
    return _serve(args.host, args.port, args.workers, args.threads)


def cmd_check(args: argparse.Namespace) -> int:
    """Run the system checks (the same ones `serve` runs) and report."""
    prepare_data_dir(args.data_dir, create=False)
    setup_django()
    run_checks()
    print("No problems found.")
    return 0


# ----------------------------------------------------------------------------- demo


def cmd_demo(args: argparse.Namespace) -> int:
    """Create a fictional practice in a fresh temporary data directory and serve it."""
    os.environ["CONFIDE_MODE"] = "demo"
    os.environ.setdefault("CONFIDE_SITE_URL", f"http://{args.host}:{args.port}")
    data_dir = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="confide-demo-"))
    prepare_data_dir(str(data_dir), create=True)
    ensure_secret_key(data_dir)
    ensure_signing_key(data_dir)
    setup_django()
    migrate()
    # Models load only after Django is set up from the data directory (the parser is built before).
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
