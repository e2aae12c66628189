"""The `confide jurisdictions` commands: list the packs, show one pack's rules with their sources.

They read only the pack files shipped with Confide, so they need no data directory.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TextIO

from confide.cli.common import CommandError
from confide.jurisdictions.loader import DISCLAIMER, TOPICS, Pack, PackError, list_packs, load_pack

__all__ = ["add_jurisdiction_commands", "run_list", "run_show"]


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def run_list(out: TextIO) -> int:
    """Print one line per pack: code, name, parent, rule counts."""
    packs = list_packs()
    print(f"{'CODE':<7} {'RULES':>5} {'UNVERIFIED':>10}  NAME", file=out)
    for pack in packs:
        own = len(pack.own_rules)
        unverified = sum(1 for rule in pack.own_rules if not rule.verified)
        inherited = f" (+{len(pack.rules) - own} from {pack.parent})" if pack.parent else ""
        print(f"{pack.code:<7} {own:>5} {unverified:>10}  {pack.name}{inherited}", file=out)
    print(f"\n{len(packs)} packs. `confide jurisdictions show CODE` prints a pack's rules and sources.", file=out)
    print(_wrap(DISCLAIMER, ""), file=out)
    return 0


def _print_pack(pack: Pack, out: TextIO) -> None:
    print(f"{pack.name} ({pack.code})", file=out)
    if pack.parent:
        print(f"Inherits from: {pack.parent}", file=out)
    print(f"Pack version (fingerprint): {pack.fingerprint}", file=out)
    print(_wrap(DISCLAIMER, ""), file=out)
    for topic, label in TOPICS.items():
        rules = pack.rules_for(topic)
        if not rules:
            continue
        print(f"\n== {label} ==", file=out)
        for rule in rules:
            flag = "verified" if rule.verified else "UNVERIFIED"
            origin = "" if rule.pack_code == pack.code else f", from {rule.pack_code}"
            print(f"\n* {rule.title}  [{flag}{origin}]", file=out)
            print(_wrap(rule.summary, "  "), file=out)
            print(f"  Citation: {rule.citation}", file=out)
            print(f"  Source:   {rule.source}", file=out)
            if rule.source_url:
                print(f"  URL:      {rule.source_url}", file=out)
            print(f"  As of:    {rule.as_of.isoformat() if rule.as_of else 'unknown'}", file=out)


def run_show(code: str, out: TextIO) -> int:
    """Print every rule of one pack with its citation, source, status and date."""
    try:
        pack = load_pack(code)
    except PackError as exc:
        raise CommandError(str(exc)) from None
    _print_pack(pack, out)
    return 0


def add_jurisdiction_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `confide jurisdictions ...` to the command's parser."""
    p_jur = subparsers.add_parser(
        "jurisdictions",
        help="list the jurisdiction packs and show their rules (decision support, not legal advice)",
        description="Jurisdiction packs hold the legal rules Confide applies (duty to warn, reporting, "
        "retention, minors' consent, breach notification, psychotherapy notes), each with its citation, "
        "source and verification status. Decision support, not legal advice.",
    )
    actions = p_jur.add_subparsers(dest="jurisdictions_command", required=True, metavar="ACTION")
    p_list = actions.add_parser("list", help="list every pack", description="List every jurisdiction pack.")
    p_list.set_defaults(func=lambda args: run_list(sys.stdout))
    p_show = actions.add_parser(
        "show",
        help="print a pack's rules with citation, source and status",
        description="Print every rule of a pack, its own and those inherited from its parent, with "
        "citation, source, verification status and date.",
    )
    p_show.add_argument("code", metavar="CODE", help="the pack's code, e.g. US-CA, UK, CA-ON")
    p_show.set_defaults(func=lambda args: run_show(args.code, sys.stdout))
