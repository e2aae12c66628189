"""Every shipped pack matches the schema; a malformed pack is refused with a message naming file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from confide.jurisdictions import PackError, list_packs, load_pack
from confide.jurisdictions.loader import PACKS_DIR, SCHEMA_PATH, STATE_TOPICS, load_pack_file

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
            assert rule.citation and rule.source and rule.status in ("confirmed", "secondary", "unresearched")
            assert rule.as_of is not None
            assert rule.source_url is None or rule.source_url.startswith("https://")


def test_no_confirmed_rule_lacks_its_quote_or_its_source() -> None:
    confirmed = [rule for pack in list_packs() for rule in pack.own_rules if rule.status == "confirmed"]
    assert len(confirmed) >= 15  # the research of issue 14; the test would pass vacuously without any
    for rule in confirmed:
        assert rule.quote and len(rule.quote.strip()) >= 12, (rule.pack_code, rule.topic)
        assert rule.source_url and rule.source_url.startswith("https://"), (rule.pack_code, rule.topic)
        assert rule.checked_on is not None, (rule.pack_code, rule.topic)


def test_a_secondary_rule_names_its_table_and_when_it_was_read() -> None:
    for pack in list_packs():
        for rule in pack.own_rules:
            if rule.status == "secondary":
                assert rule.checked_on is not None and rule.source_url, (pack.code, rule.topic)
                assert any(name in rule.source for name in ("Johnson, Persad & Sisti", "NCSL", "HealthInfoLaw",
                                                            "Board of Behavioral Sciences", "Davis Wright Tremaine",
                                                            "Mondaq", "MDU", "OAIC", "Miller Thomson",
                                                            "Center for Ethical Practice")), \
                    (pack.code, rule.source)


def test_every_topic_is_present_in_every_state_and_every_non_us_pack() -> None:
    for code in [f"US-{s}" for s in US_STATES] + ["EU", "UK", "CA-ON", "AU"]:
        pack = load_pack(code)
        missing = [topic for topic in STATE_TOPICS if pack.topic_status(topic) is None]
        assert missing == [], f"{code} misses {missing}"


def test_the_federal_baseline_names_hipaa_part_2_and_ferpa_and_says_it_is_federal() -> None:
    us = load_pack("US")
    for topic in ("serious_threat", "substance_use_records", "ferpa", "client_rights"):
        rule = us.first(topic)
        assert rule is not None and rule.authority == "federal_law", topic
    assert "164.512(j)" in us.first("serious_threat").citation  # type: ignore[union-attr]


def test_an_inherited_guideline_says_so_and_is_never_state_law() -> None:
    georgia = load_pack("US-GA")
    inherited = [r for r in georgia.rules_for("retention") if r.details.get("adult_years") is not None]
    assert inherited[0].pack_code == "US" and inherited[0].authority_text == "APA guideline, not state law"
    assert not inherited[0].confirmed
    own = georgia.rules_for("retention")[0]
    assert own.pack_code == "US-GA" and own.status == "unresearched"


def test_every_state_and_dc_has_a_duty_to_warn_rule_before_the_federal_rules() -> None:
    for state in US_STATES:
        pack = load_pack(f"US-{state}")
        assert pack.parent == "US"
        assert pack.rules[0].topic == "duty_to_warn"
        assert pack.rules[0].details["class"] in ("mandatory", "permissive", "none", "unknown")
        # The federal baseline is inherited after the state's own rules.
        assert pack.first("psychotherapy_notes") is not None
        assert pack.first("serious_threat") is not None


@pytest.mark.parametrize(
    ("code", "klass", "status"),
    [
        ("US-CA", "mandatory", "confirmed"),  # Civ. Code 43.92, quote read
        ("US-NY", "mandatory", "confirmed"),  # MHL 9.46(b): "shall be required to report" (was: permissive)
        ("US-FL", "mandatory", "confirmed"),  # 2019 amendments: police notice "must" (was: permissive)
        ("US-TX", "permissive", "confirmed"),  # 611.004(a)(2): medical or law enforcement personnel
        ("US-MS", "permissive", "confirmed"),  # MS in 2014, permissive since 2023
        ("US-NV", "mandatory", "confirmed"),  # NG in 2014, NRS 629.550 now
        ("US-AK", "permissive", "secondary"),  # the 2014 survey table only
        ("US-WI", "mandatory", "secondary"),  # MC, case law, from the table
        ("US-AR", "unknown", "unresearched"),  # a possible later statute nobody read
    ],
)
def test_duty_to_warn_follows_the_research(code: str, klass: str, status: str) -> None:
    rule = load_pack(code).rules_for("duty_to_warn")[0]
    assert (rule.details["class"], rule.status) == (klass, status)


def test_a_rule_limited_to_some_professions_says_which() -> None:
    kansas = load_pack("US-KS").rules_for("duty_to_warn")
    assert kansas[0].status == "secondary" and kansas[0].details["class"] == "none"
    assert kansas[1].applies_to == ("mft",) and kansas[1].citation == "K.S.A. 65-6410(a)(2)"
    new_hampshire = load_pack("US-NH").rules_for("duty_to_warn")
    assert new_hampshire[0].status == "unresearched"  # the general duty (RSA 330-A) was not read
    assert new_hampshire[1].applies_to == ("alcohol_drug_counselor",) and "330-C:25" in new_hampshire[1].citation


@pytest.mark.parametrize(("code", "age"), [("US-NJ", 25), ("US-NH", 25), ("US-HI", 25)])
def test_minors_records_are_kept_to_25_where_the_rules_say_so(code: str, age: int) -> None:
    rule = load_pack(code).rules_for("retention")[0]
    assert rule.details["minor_until_age"] == age and rule.applies_to


def test_ontario_no_longer_cites_the_replaced_2017_standard_as_current() -> None:
    rule = load_pack("CA-ON").first("retention")
    assert rule is not None and "2024" in rule.citation and rule.details["adult_years"] is None
    assert rule.status == "unresearched"


def test_what_no_one_has_checked_stays_unresearched() -> None:
    assert load_pack("US-IL").rules_for("retention")[0].status == "unresearched"
    assert all(r.status == "unresearched" for r in load_pack("US-FL").rules_for("retention"))
    assert load_pack("US-DC").first("duty_to_warn").status == "secondary"  # type: ignore[union-attr]


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
                "quote": None,
                "checked_on": None,
                "status": "unresearched",
                "authority": "state_law",
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


def test_a_confirmed_rule_without_its_quote_is_refused(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].update(status="confirmed", checked_on="2026-01-02",
                                                               source_url="https://example.test/law"))
    assert message.startswith("ZZ.json: field rules[0].quote:")


def test_a_confirmed_rule_without_its_source_is_refused(tmp_path: Path) -> None:
    message = _broken(tmp_path, lambda d: d["rules"][0].update(status="confirmed", checked_on="2026-01-02",
                                                               quote="The professional shall warn the victim."))
    assert message.startswith("ZZ.json: field rules[0].source_url:")


def test_a_confirmed_rule_with_quote_and_source_loads(tmp_path: Path) -> None:
    doc = _good()
    doc["rules"][0].update(status="confirmed", checked_on="2026-01-02", source_url="https://example.test/law",
                           quote="The professional shall warn the victim.")
    rule = load_pack_file(_write(tmp_path, "ZZ", doc)).rules[0]
    assert rule.confirmed and rule.checked_on is not None and rule.quote


def test_the_loader_refuses_a_blank_quote_even_if_the_schema_let_it_through(tmp_path: Path) -> None:
    doc = _good()
    doc["rules"][0].update(status="confirmed", checked_on="2026-01-02", source_url="https://example.test/law",
                           quote="            ")
    with pytest.raises(PackError, match="needs the quote it rests on"):
        load_pack_file(_write(tmp_path, "ZZ", doc))


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
