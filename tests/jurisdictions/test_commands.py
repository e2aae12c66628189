"""`confide jurisdictions list` and `show CODE` print every pack and every rule with its source."""

from __future__ import annotations

import io
import json

import pytest

from confide.cli import main
from confide.jurisdictions import load_pack


def test_list_prints_every_pack_and_the_disclaimer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jurisdictions", "list"]) == 0
    out = capsys.readouterr().out
    for code in ("US ", "US-CA", "US-DC", "US-WY", "EU", "UK", "CA-ON", "AU"):
        assert f"\n{code}" in out
    assert "56 packs." in out
    assert "decision support, not legal advice" in out


def test_show_prints_every_rule_with_citation_source_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jurisdictions", "show", "us-ca"]) == 0
    out = capsys.readouterr().out
    pack = load_pack("US-CA")
    for rule in pack.rules:
        assert rule.title in out
        assert f"Citation: {rule.citation}" in out
    assert out.count("Citation: ") == len(pack.rules)
    assert out.count("Source:   ") == len(pack.rules)
    assert "[confirmed]" in out and "[confirmed, from US]" in out and "[UNRESEARCHED, from US]" in out
    assert "Quote:" in out and "Checked:  2026-12-03" in out
    assert "Kind:     APA guideline, not state law" in out
    assert pack.fingerprint in out
    assert "decision support, not legal advice" in out


def test_show_flags_rules_that_are_not_confirmed(capsys: pytest.CaptureFixture[str]) -> None:
    main(["jurisdictions", "show", "US-AK"])
    out = capsys.readouterr().out
    assert "[SECONDARY]" in out and "[UNRESEARCHED]" in out


def test_export_prints_every_pack_with_every_rules_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jurisdictions", "export"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "decision support, not legal advice" in data["disclaimer"]
    codes = [p["code"] for p in data["packs"]]
    assert len(codes) == 56 and "US-WY" in codes and "CA-ON" in codes
    for pack in data["packs"]:
        assert pack["rules"], pack["code"]
        for rule in pack["rules"]:
            assert {"topic", "class", "citation", "status", "source_url", "quote", "checked_on"} <= set(rule)
            if rule["status"] == "confirmed":
                assert rule["quote"] and rule["source_url"] and rule["checked_on"]
    new_york = next(p for p in data["packs"] if p["code"] == "US-NY")
    duty = next(r for r in new_york["rules"] if r["topic"] == "duty_to_warn")
    assert duty["class"] == "mandatory" and "shall be required to report" in duty["quote"]


def test_show_of_an_unknown_code_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jurisdictions", "show", "XX"]) == 2
    assert "There is no jurisdiction pack 'XX'" in capsys.readouterr().err


def test_show_needs_a_code() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["jurisdictions", "show"])
    assert caught.value.code == 2


def test_run_show_writes_to_the_given_stream() -> None:
    from confide.jurisdictions.commands import run_show

    out = io.StringIO()
    assert run_show("UK", out) == 0
    assert "NHS Records Management Code of Practice 2021" in out.getvalue()
