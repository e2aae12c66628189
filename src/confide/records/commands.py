"""`confide recovery ...`: using the practice recovery kit from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confide import crypto
from confide.cli.common import fail, start
from confide.records.errors import RecordError

__all__ = ["add_recovery_commands", "cmd_reassign", "cmd_reset_password", "recovery_vault"]

SHARE_PREFIX = "CONFIDE-RECOVERY-"


def _read_shares(paths: list[str], from_stdin: bool) -> list[str]:
    lines: list[str] = []
    for name in paths:
        try:
            lines.extend(Path(name).read_text(encoding="utf-8").splitlines())
        except OSError as exc:
            fail(f"Cannot read the share file {name}: {exc.strerror}.")
    if from_stdin:
        lines.extend(sys.stdin.read().splitlines())
    return [line.strip() for line in lines if line.strip().upper().startswith(SHARE_PREFIX)]


def recovery_vault(args: argparse.Namespace) -> Any:
    """A vault opened with the recovery shares named on the command line (after `start`)."""
    # Models load only after start() has set Django up from the data directory.
    from confide.keys import vault as keys
    from confide.practice.models import Practice

    shares = _read_shares(args.share_file or [], args.shares_from_stdin)
    practice = Practice.objects.first()
    if practice is None:
        fail("This data directory holds no practice.")
    try:
        return keys.vault_from_recovery(practice.pk, shares)
    except crypto.RecoveryError as exc:
        fail(f"The recovery shares do not open the recovery key: {exc}")


def cmd_reassign(args: argparse.Namespace) -> int:
    """Reassign a departed clinician's clients with k recovery shares."""
    start(args.data_dir)
    # Models load only after start() has set Django up from the data directory.
    from confide.records import recovery

    vault = recovery_vault(args)
    try:
        count = recovery.reassign_clients(vault, from_email=args.from_email, to_email=args.to_email)
    except RecordError as exc:
        fail(str(exc))
    print(f"Reassigned {count} client(s).")  # noqa: T201
    return 0


def cmd_reset_password(args: argparse.Namespace) -> int:
    """Set a new password and key pair for someone who forgot theirs, with k recovery shares."""
    start(args.data_dir)
    from django.core.exceptions import ValidationError

    # Models load only after start() has set Django up from the data directory.
    from confide.records import recovery

    vault = recovery_vault(args)
    try:
        password = Path(args.password_file).read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        fail(f"Cannot read the password file: {exc.strerror}.")
    try:
        renewed = recovery.reset_forgotten_password(vault, email=args.email, new_password=password)
    except ValidationError as exc:
        fail("The new password is not acceptable: " + " ".join(exc.messages))
    except RecordError as exc:
        fail(str(exc))
    print(f"New password set and {renewed} key(s) re-wrapped. Their other sessions and tokens have ended.")  # noqa: T201
    return 0


def add_recovery_commands(sub: Any, data_dir_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `confide recovery reassign` and `confide recovery reset-password`."""
    p_recovery = sub.add_parser("recovery", help="use the practice recovery kit",
                                description="Use k shares of the practice recovery kit (docs/recovery.md).")
    rsub = p_recovery.add_subparsers(dest="recovery_command", required=True, metavar="ACTION")

    def shares(p: argparse.ArgumentParser) -> None:
        data_dir_arg(p)
        p.add_argument("--share-file", action="append", help="a recovery share page (repeat for each share)")
        p.add_argument("--shares-from-stdin", action="store_true", help="read share lines from standard input")

    p_reassign = rsub.add_parser("reassign", help="give a departed clinician's clients to another clinician",
                                 description="Reassign every client of one clinician to another, with k shares.")
    shares(p_reassign)
    p_reassign.add_argument("--from-email", required=True, help="the clinician who left")
    p_reassign.add_argument("--to-email", required=True, help="the clinician who takes over")
    p_reassign.set_defaults(func=cmd_reassign)

    p_reset = rsub.add_parser("reset-password", help="new password and key pair for someone who forgot theirs",
                              description="Set a new password and re-wrap the person's keys, with k shares.")
    shares(p_reset)
    p_reset.add_argument("--email", required=True, help="the person who forgot their password")
    p_reset.add_argument("--password-file", required=True, help="file holding their new password")
    p_reset.set_defaults(func=cmd_reset_password)
