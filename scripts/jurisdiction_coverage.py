"""Print the coverage table of issue 14: per topic, how many packs are confirmed / secondary / unresearched.

Reads `confide jurisdictions export` from standard input (or runs it), so the counts come from the
packs themselves, never from hand counting:

    .venv/bin/confide jurisdictions export | .venv/bin/python scripts/jurisdiction_coverage.py

A pack's status on a topic is the best status among its own rules on that topic; a pack that
states no rule of its own on a topic is counted as "missing" (the test suite keeps that at 0).
"Of which only some professions" counts the confirmed packs whose confirmed rules all carry
`applies_to` (e.g. Kansas MFTs): confirmed, but not for every kind of therapist.
"""

from __future__ import annotations

import json
import subprocess
import sys

TOPICS = ("duty_to_warn", "child_abuse_reporting", "elder_abuse_reporting", "minors_consent", "retention",
          "privilege", "breach_notification")
ORDER = ("confirmed", "secondary", "unresearched")
GROUPS = {"US (51: 50 states + DC)": lambda code: code.startswith("US-"), "EU": lambda code: code == "EU",
          "UK": lambda code: code == "UK", "Ontario": lambda code: code == "CA-ON", "Australia": lambda code: code == "AU"}


def main() -> int:
    raw = sys.stdin.read() if not sys.stdin.isatty() else subprocess.run(
        [sys.executable, "-m", "confide", "jurisdictions", "export"], capture_output=True, text=True, check=True).stdout
    packs = json.loads(raw)["packs"]
    for group, wanted in GROUPS.items():
        chosen = [p for p in packs if wanted(p["code"])]
        print(f"\n{group}: {len(chosen)} pack(s)\n")
        print("| topic | confirmed | of which only some professions | secondary | unresearched | missing |")
        print("|---|---:|---:|---:|---:|---:|")
        for topic in TOPICS:
            counts = dict.fromkeys((*ORDER, "missing", "partial"), 0)
            for pack in chosen:
                rules = [r for r in pack["rules"] if r["topic"] == topic]
                found = {r["status"] for r in rules}
                best = next((s for s in ORDER if s in found), "missing")
                counts[best] += 1
                if best == "confirmed" and all(r["applies_to"] for r in rules if r["status"] == "confirmed"):
                    counts["partial"] += 1
            print(f"| {topic} | {counts['confirmed']} | {counts['partial']} | {counts['secondary']} "
                  f"| {counts['unresearched']} | {counts['missing']} |")
    federal = next(p for p in packs if p["code"] == "US")
    print("\nUS federal baseline (pack US)\n")
    print("| topic | status | citation |")
    print("|---|---|---|")
    for rule in federal["rules"]:
        print(f"| {rule['topic']} | {rule['status']} | {rule['citation']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
