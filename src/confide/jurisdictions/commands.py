"""The `confide jurisdictions` commands: list the packs, show one pack's rules, export them all as JSON.

They read only the pack files shipped with Confide, so they need no data directory.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import TextIO

from confide.cli.common import CommandError
from confide.jurisdictions.loader import DISCLAIMER, TOPICS, Pack, PackError, Rule, list_packs, load_pack

__all__ = ["add_jurisdiction_commands", "export_data", "rule_class", "run_export", "run_list", "run_show"]


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=100, initial_indent=indent, subsequent_indent=indent)


def run_list(out: TextIO) -> int:
    """Print one line per pack: code, name, parent, rule counts."""
    packs = list_packs()
    print(f"{'CODE':<7} {'RULES':>5} {'CONFIRMED':>9} {'SECONDARY':>9} {'UNRESEARCHED':>12}  NAME", file=out)
    for pack in packs:
        own = len(pack.own_rules)
        counts = {status: sum(1 for rule in pack.own_rules if rule.status == status)
                  for status in ("confirmed", "secondary", "unresearched")}
        inherited = f" (+{len(pack.rules) - own} from {pack.parent})" if pack.parent else ""
        print(f"{pack.code:<7} {own:>5} {counts['confirmed']:>9} {counts['secondary']:>9} "
              f"{counts['unresearched']:>12}  {pack.name}{inherited}", file=out)
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
            flag = rule.status.upper() if rule.status != "confirmed" else "confirmed"
            origin = "" if rule.pack_code == pack.code else f", from {rule.pack_code}"
            print(f"\n* {rule.title}  [{flag}{origin}]", file=out)
            print(_wrap(rule.summary, "  "), file=out)
            print(f"  Kind:     {rule.authority_text}", file=out)
            if rule.applies_to:
                print(f"  Only for: {', '.join(rule.applies_to)}", file=out)
            print(f"  Citation: {rule.citation}", file=out)
            print(f"  Source:   {rule.source}", file=out)
            if rule.source_url:
                print(f"  URL:      {rule.source_url}", file=out)
            if rule.quote:
                print(_wrap(f"Quote:    \"{rule.quote}\"", "  "), file=out)
            print(f"  Checked:  {rule.checked_on.isoformat() if rule.checked_on else 'never'}", file=out)
            print(f"  As of:    {rule.as_of.isoformat() if rule.as_of else 'unknown'}", file=out)


def run_show(code: str, out: TextIO) -> int:
    """Print every rule of one pack with its citation, source, status and date."""
    try:
        pack = load_pack(code)
    except PackError as exc:
        raise CommandError(str(exc)) from None
    _print_pack(pack, out)
    return 0


def rule_class(rule: Rule) -> str | None:
    """A rule's class in one word: the duty-to-warn class, or whether reporting is mandated."""
    if rule.topic == "duty_to_warn":
        return str(rule.details.get("class", "unknown"))
    if rule.topic in ("child_abuse_reporting", "elder_abuse_reporting"):
        mandated = rule.details.get("mandated")
        return None if mandated is None else ("mandatory" if mandated else "not_mandated")
    return None


def export_data() -> dict[str, object]:
    """Every pack with its own rules and their evidence, as JSON-ready data (for review by counsel)."""
    packs = []
    for pack in list_packs():
        rules = []
        for rule in pack.own_rules:
            data = rule.as_dict()
            rules.append({"topic": rule.topic, "class": rule_class(rule), "title": rule.title,
                          "citation": rule.citation, "status": rule.status, "source": rule.source,
                          "source_url": rule.source_url, "quote": rule.quote, "checked_on": data["checked_on"],
                          "authority": rule.authority, "authority_text": rule.authority_text,
                          "applies_to": list(rule.applies_to), "summary": rule.summary,
                          "as_of": data["as_of"], "details": data["details"]})
        packs.append({"code": pack.code, "name": pack.name, "parent": pack.parent, "fingerprint": pack.fingerprint,
                      "unresearched_topics": pack.unresearched_topics(), "rules": rules})
    return {"disclaimer": DISCLAIMER,
            "note": "Each pack lists its own rules; a pack with a parent also applies the parent's rules.",
            "packs": packs}


def run_export(out: TextIO) -> int:
    """Print every pack as JSON: rules with topic, class, citation, status, source_url, quote, checked_on."""
    json.dump(export_data(), out, indent=2, ensure_ascii=False)
    out.write("\n")
    return 0


def add_jurisdiction_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `confide jurisdictions ...` to the command's parser."""
    p_jur = subparsers.add_parser(
        "jurisdictions",
        help="list the jurisdiction packs and show their rules (decision support, not legal advice)",
        description="Jurisdiction packs hold the legal rules Confide applies (duty to warn, reporting, "
        "retention, minors' consent, privilege, breach notification, federal rules), each with its citation, "
        "source, quote and status. Decision support, not legal advice.",
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
    p_export = actions.add_parser(
        "export",
        help="print every pack as JSON, with each rule's evidence, for review by counsel",
        description="Print every jurisdiction pack as JSON: each rule with topic, class, citation, status "
        "(confirmed, secondary or unresearched), source_url, quote and checked_on. Decision support, not legal advice.",
    )
    p_export.set_defaults(func=lambda args: run_export(sys.stdout))
