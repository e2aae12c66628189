"""Every shipped pack matches the schema; a malformed pack is refused with a message naming file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from confide.jurisdictions import PackError, list_packs, load_pack
from confide.jurisdictions.loader import PACKS_DIR, SCHEMA_PATH, load_pack_file

US_STATES = [
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
]


def test_every_pack_file_validates_against_the_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(PACKS_DIR.glob("*.json"))
    assert len(files) == len(US_STATES) + 5  # the states and DC, US federal, EU, UK, Ontario, Australia
    for path in files:
        errors = list(validator.iter_errors(json.loads(path.read_text())))
        assert errors == [], f"{path.name}: {errors[0].message if errors else ''}"


def test_every_pack_loads_and_every_rule_carries_its_source_and_status() -> None:
    packs = list_packs()
    assert {pack.code for pack in packs} >= {"US", "EU", "UK", "CA-ON", "AU"} | {f"US-{s}" for s in US_STATES}
    for pack in packs:
        assert pack.rules, pack.code
        assert len(pack.fingerprint) == 64
        for rule in pack.rules:
            assert rule.citation and rule.source and rule.status in ("verified", "unverified")
            assert rule.as_of is not None
            assert rule.source_url is None or rule.source_url.startswith("https://")


def test_every_state_and_dc_has_a_duty_to_warn_rule_before_the_federal_rules() -> None:
    for state in US_STATES:
        pack = load_pack(f"US-{state}")
        assert pack.parent == "US"
        assert pack.rules[0].topic == "duty_to_warn"
        assert pack.rules[0].details["class"] in ("mandatory", "permissive", "none")
        # The federal baseline is inherited after the state's own rules.
        assert pack.first("psychotherapy_notes") is not None
        assert pack.first("breach_notification") is not None


@pytest.mark.parametrize(
    ("code", "klass", "status"),
    [
        ("US-CA", "mandatory", "verified"),  # law.md: MS, verified
        ("US-TX", "permissive", "unverified"),  # P, no "verified" mark
        ("US-AK", "permissive", "unverified"),  # citation unverified
        ("US-ME", "mandatory", "unverified"),  # NG in 2014, now mandatory (P.L. 2019 c.317)
        ("US-MS", "permissive", "unverified"),  # MS in 2014, now permissive (2023)
        ("US-WI", "mandatory", "verified"),  # MC, case law
    ],
)
def test_duty_to_warn_follows_the_reference(code: str, klass: str, status: str) -> None:
    rule = load_pack(code).rules_for("duty_to_warn")[0]
    assert (rule.details["class"], rule.status) == (klass, status)


def test_what_the_reference_marks_unverified_stays_unverified() -> None:
    assert load_pack("US-IL").rules_for("retention")[0].status == "unverified"
    florida = load_pack("US-FL").rules_for("retention")
    assert [r.status for r in florida[:2]] == ["verified", "unverified"]  # psychologists; Chapter 491
    assert load_pack("US-DC").first("duty_to_warn").status == "unverified"  # type: ignore[union-attr]


def test_retention_and_minors_consent_cover_the_five_states() -> None:
    for state in ("CA", "NY", "TX", "FL", "IL"):
        pack = load_pack(f"US-{state}")
        assert pack.own_rules and any(r.topic == "retention" for r in pack.own_rules), state
        assert any(r.topic == "minors_consent" for r in pack.own_rules), state


def test_codes_are_case_insensitive_and_the_old_gb_code_means_the_uk_pack() -> None:
    assert load_pack("us-ca").code == "US-CA"
    assert load_pack("GB").code == "UK"


def test_an_unknown_code_is_a_pack_error() -> None:
    with pytest.raises(PackError, match="no jurisdiction pack 'XX'"):
        load_pack("XX")


def _write(folder: Path, code: str, doc: dict[str, Any] | str) -> Path:
    path = folder / f"{code}.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def _good(code: str = "ZZ", parent: str | None = None) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Fictional land",
        "parent": parent,
        "rules": [
            {
                "topic": "duty_to_warn",
                "title": "Fictional rule",
                "summary": "A fictional rule for tests.",
                "citation": "Fict. Code 1",
                "source": "test",
                "source_url": None,
                "status": "unverified",
                "as_of": "2026-01-01",
                "details": {"class": "permissive"},
            }
        ],
    }


def test_a_good_fictional_pack_loads(tmp_path: Path) -> None:
    pack = load_pack_file(_write(tmp_path, "ZZ", _good()))
    assert pack.code == "ZZ" and pack.rules[0].details["class"] == "permissive"


def _broken(tmp_path: Path, change: Any) -> str:
    doc = _good()
    change(doc)
    with pytest.raises(PackError) as caught:
        load_pack_file(_write(tmp_path, "ZZ", doc))
    return str(caught.value)


def test_a_rule_without_a_citation_names_the_file_and_field(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].pop("citation"))
    assert message.startswith("ZZ.json: field rules[0]: 'citation' is a required property")


def test_a_bad_status_names_the_field(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].update(status="probably"))
    assert "ZZ.json: field rules[0].status:" in message and "'probably'" in message


def test_an_unknown_duty_to_warn_class_names_the_field(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0]["details"].update({"class": "sometimes"}))
    assert "field rules[0].details.class" in message


def test_a_retention_rule_without_its_formula_is_refused(tmp_path: Path) -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["rules"][0].update(topic="retention", details={"adult_years": "seven"})

    message = _broken(tmp_path, change)
    assert "field rules[0].details" in message


def test_an_impossible_date_names_the_field(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].update(as_of="2026-02-30"))
    assert message == "ZZ.json: field rules[0].as_of: '2026-02-30' is not a real date."


def test_an_insecure_source_url_is_refused(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].update(source_url="http://example.test/law"))
    assert "field rules[0].source_url" in message


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d.update(extra=1))
    assert "field (top level)" in message and "'extra'" in message


def test_a_code_that_does_not_match_the_file_name_is_refused(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d.update(code="YY"))
    assert message == "ZZ.json: field code: 'YY' does not match the file name (expected 'ZZ')."


def test_invalid_json_gives_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"^ZZ.json: is not valid JSON \(line 1, column"):
        load_pack_file(_write(tmp_path, "ZZ", "{not json"))


def test_a_missing_parent_and_a_parent_loop_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PackError, match=r"ZZ.json: field parent: there is no pack 'QQ'"):
        load_pack_file(_write(tmp_path, "ZZ", _good(parent="QQ")))
    _write(tmp_path, "YY", _good("YY", parent="ZZ"))
    with pytest.raises(PackError, match="loops"):
        load_pack_file(_write(tmp_path, "ZZ", _good(parent="YY")))


def test_a_child_pack_inherits_its_parents_rules_after_its_own(tmp_path: Path) -> None:
    _write(tmp_path, "ZZ", _good())
    child = _good("ZZ-AA", parent="ZZ")
    child["rules"][0]["details"]["class"] = "mandatory"
    pack = load_pack_file(_write(tmp_path, "ZZ-AA", child))
    assert [r.details["class"] for r in pack.rules_for("duty_to_warn")] == ["mandatory", "permissive"]
    assert [r.pack_code for r in pack.rules] == ["ZZ-AA", "ZZ"]


def test_the_fingerprint_changes_when_a_rule_changes(tmp_path: Path) -> None:
    before = load_pack_file(_write(tmp_path, "ZZ", _good())).fingerprint
    doc = _good()
    doc["rules"][0]["summary"] = "A changed fictional rule for tests."
    assert load_pack_file(_write(tmp_path, "ZZ", doc)).fingerprint != before
