"""`confide emergency-access complete`: wrap every client key to the holders with the recovery kit."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from confide.auditlog import Outcome, PurposeOfUse
from confide.cli.common import start
from confide.records.commands import recovery_vault


def cmd_complete(args: argparse.Namespace) -> int:
    """Wrap the keys the owner could not open at designation to every emergency-access holder."""
    start(args.data_dir)
    # Models load only after start() has set Django up from the data directory.
    from django.db import transaction

    from confide.audit.services import record_event
    from confide.audit.tags import Tag
    from confide.oversight import services

    vault = recovery_vault(args)
    count = services.complete_with_recovery(vault)
    with transaction.atomic():
        record_event(Tag.EMERGENCY_HOLDERS_COMPLETED, actor_id="recovery-kit", purpose=PurposeOfUse.OPERATIONS,
                     outcome=Outcome.SUCCESS, sealed_detail=f"wrapped={count}".encode("ascii"))
    print(f"Wrapped {count} client key(s) to the emergency-access holders.")  # noqa: T201
    return 0


def add_emergency_access_commands(sub: Any, data_dir_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `confide emergency-access complete`."""
    p_emergency = sub.add_parser("emergency-access", help="break-glass emergency access",
                                 description="Manage break-glass emergency access (docs/staff-guide.md).")
    esub = p_emergency.add_subparsers(dest="emergency_command", required=True, metavar="ACTION")
    p_complete = esub.add_parser(
        "complete", help="wrap every client key to the holders, with k recovery shares",
        description="Wrap every client's admin and clinical keys to every emergency-access holder, opening "
                    "them with k shares of the practice recovery kit. Needed only for keys the owner could "
                    "not open when designating a holder and that no care-team member has opened since.")
    data_dir_arg(p_complete)
    p_complete.add_argument("--share-file", action="append", help="a recovery share page (repeat for each share)")
    p_complete.add_argument("--shares-from-stdin", action="store_true", help="read share lines from standard input")
    p_complete.set_defaults(func=cmd_complete)
