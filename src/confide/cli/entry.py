"""The `confide` command: the parser and the entry point.

`confide.cli.main` calls `main` here. Each context adds its subcommands from its own
`commands.py`, which imports `confide.cli.common` and never this module. Django is configured
only after the arguments are parsed, because the data directory decides where the database and
the secret key live.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from confide import __version__
from confide.audit.commands import add_audit_commands, add_witness_commands
from confide.backup.commands import add_backup_commands
from confide.cli.common import CommandError, data_dir_arg
from confide.cli.practice_commands import DEFAULT_HOST, DEFAULT_PORT, cmd_check, cmd_demo, cmd_init, cmd_serve
from confide.jurisdictions.commands import add_jurisdiction_commands
from confide.keys.commands import add_token_commands
from confide.notifications.commands import add_worker_commands
from confide.oversight.commands import add_emergency_access_commands
from confide.records.commands import add_recovery_commands

# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used to generate the CLI reference in docs/)."""
    parser = argparse.ArgumentParser(
        prog="confide", description="Confide: confidential clinical records for psychotherapy."
    )
    parser.add_argument("--version", action="version", version=f"confide {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    p_init.add_argument("--key-dir", help="where to write the key files (default: CONFIDE_KEY_DIR, else the "
                                          "data directory); keep it apart from the data and its backups")
    p_init.add_argument("--owner-password-file", help="file holding the owner's password (first line)")
    p_init.add_argument("--jurisdiction", help="jurisdiction pack code, e.g. US-CA (see `confide jurisdictions list`)")
    p_init.add_argument("--recovery-kit-dir", help="directory to write the printable recovery kit into")
    p_init.add_argument("--shares", type=int, default=3, help="number of recovery shares (default 3)")
    p_init.add_argument("--threshold", type=int, default=2, help="shares needed to recover (default 2)")
    p_init.add_argument("--owner-is-clinician", action=argparse.BooleanOptionalAction, default=None,
                        help="the owner also treats clients (a solo practice): clients they register have "
                             "them as primary clinician (asked at a terminal when not given)")
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
    add_witness_commands(sub)
    add_token_commands(sub, data_dir_arg)
    add_recovery_commands(sub, data_dir_arg)
    add_jurisdiction_commands(sub)
    add_emergency_access_commands(sub, data_dir_arg)
    add_backup_commands(sub, data_dir_arg)
    add_worker_commands(sub, data_dir_arg)
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
