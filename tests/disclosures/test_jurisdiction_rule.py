"""The emergency workflow shows the practice's jurisdiction rule with its citation and status, and keeps it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client as Http

from confide import jurisdictions
from confide.disclosures import required
from confide.records.models import Client
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.records.conftest import vault_of


@dataclass(frozen=True)
class FakeRule:
    topic: str
    title: str
    summary: str
    citation: str
    source_url: str | None
    status: str
    details: dict[str, Any] = field(default_factory=dict)


class FakePack:
    def rules_for(self, topic: str) -> list[FakeRule]:
        rules = [FakeRule("duty_to_warn", "Duty to protect (mandatory)", "Warn the victim and the police.",
                          "Cal. Civ. Code § 43.92", "https://example.test/43.92", "confirmed"),
                 FakeRule("child_abuse_reporting", "Child abuse reporting", "Report to CPS.", "Cal. Penal Code § 11166",
                          None, "unresearched")]
        return [r for r in rules if r.topic == topic]


@pytest.fixture
def pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pack with known rules in the shape of the shared contract, independent of the packs' wording."""
    monkeypatch.setattr(jurisdictions, "practice_pack", lambda practice: FakePack())
    monkeypatch.setattr(jurisdictions, "pack_confirmed", lambda practice: True)


def test_the_rule_step_shows_and_keeps_the_rule(pack: None, bob: Person, client_record: Client,
                                                relaxed: object) -> None:
    draft = required.start_emergency_disclosure(vault_of(bob), client_record.public_id, basis="duty_to_warn")
    required.save_emergency_step(vault_of(bob), client_record.public_id, draft.public_id, "risk", {
        "threat": "A threat", "victim": "A person", "imminence": "soon", "means": "None known"})
    http = Http()
    sign_in(http, bob.email, bob.password)
    page = http.get(f"/clients/{client_record.public_id}/disclosures/emergency/{draft.public_id}/").content.decode()
    assert "Duty to protect (mandatory)" in page and "Cal. Civ. Code § 43.92" in page
    assert "Confirmed against the text" in page
    assert "Child abuse reporting" not in page
    saved = required.save_emergency_step(vault_of(bob), client_record.public_id, draft.public_id, "rule", {
        "rule_reviewed": True, "consulted": False, "no_consultation_reason": "Nobody reachable"})
    assert saved.answers["rule"]["rules_shown"][0]["citation"] == "Cal. Civ. Code § 43.92"
    assert saved.answers["rule"]["rules_shown"][0]["status"] == "confirmed"


def test_a_mandatory_report_shows_the_reporting_rule(pack: None, client_record: Client) -> None:
    from confide.practice.models import Practice

    rules = required.jurisdiction_rules(Practice.objects.get(), "mandatory_report")
    assert rules is not None and [r.citation for r in rules] == ["Cal. Penal Code § 11166"]
    assert rules[0].status == "unresearched"


def test_without_a_pack_the_step_says_so(bob: Person, client_record: Client, relaxed: object,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jurisdictions, "practice_pack", lambda practice: None)
    monkeypatch.setattr(jurisdictions, "pack_confirmed", lambda practice: False)
    draft = required.start_emergency_disclosure(vault_of(bob), client_record.public_id, basis="emergency")
    required.save_emergency_step(vault_of(bob), client_record.public_id, draft.public_id, "risk", {
        "threat": "A threat", "victim": "A person", "imminence": "soon", "means": "None known"})
    http = Http()
    sign_in(http, bob.email, bob.password)
    page = http.get(f"/clients/{client_record.public_id}/disclosures/emergency/{draft.public_id}/").content.decode()
    assert "has not chosen its jurisdiction" in page
    assert "not yet reviewed and confirmed" not in page  # nothing to confirm without a pack


def test_the_real_pack_of_a_california_practice_gives_its_duty_to_warn_statute(client_record: Client) -> None:
    from confide.practice.models import Practice

    practice = Practice.objects.get()
    assert practice.jurisdiction == "US-CA"
    rules = required.jurisdiction_rules(practice, "duty_to_warn")
    assert rules is not None
    assert any(r.citation == "Cal. Civ. Code 43.92" and r.status == "confirmed" and r.quote for r in rules)
    assert any("164.512(j)" in r.citation and r.pack == "US" for r in rules)  # HIPAA, inherited and labelled
    assert required.jurisdiction_rules(practice, "mandatory_report")


def test_where_the_client_is_decides_whose_rules_the_workflow_shows(bob: Person, client_record: Client,
                                                                    relaxed: object) -> None:
    import datetime as dt

    from django.utils import timezone

    from confide.practice.models import Practice
    from confide.records import care

    practice = Practice.objects.get()
    vault = vault_of(bob)
    assert required.client_location(vault, client_record.public_id) == ""
    # A video session with the client in New York: the New York duty applies, and the page says so.
    care.create_appointment(vault, client_record.public_id, starts_at=timezone.now() - dt.timedelta(hours=2),
                            duration_minutes=50, modality=care.Modality.VIDEO, client_location="us-ny")
    assert required.client_location(vault, client_record.public_id) == "US-NY"
    rules = required.jurisdiction_rules(practice, "duty_to_warn", location="US-NY")
    assert rules is not None and rules[0].citation == "N.Y. Mental Hyg. Law 9.46(b)" and rules[0].pack == "US-NY"
    law = required.which_law(practice, "US-NY")
    assert law.code == "US-NY" and "where the client was" in law.reason and "California" in law.reason
    draft = required.start_emergency_disclosure(vault, client_record.public_id, basis="duty_to_warn")
    required.save_emergency_step(vault, client_record.public_id, draft.public_id, "risk", {
        "threat": "A threat", "victim": "A person", "imminence": "soon", "means": "None known"})
    http = Http()
    sign_in(http, bob.email, bob.password)
    page = http.get(f"/clients/{client_record.public_id}/disclosures/emergency/{draft.public_id}/").content.decode()
    assert "These are the rules of United States, New York, where the client was" in page
    assert "shall be required to report" in page
    saved = required.save_emergency_step(vault, client_record.public_id, draft.public_id, "rule", {
        "rule_reviewed": True, "consulted": False, "no_consultation_reason": "Nobody reachable"})
    assert saved.answers["rule"]["jurisdiction"]["code"] == "US-NY"
    assert saved.answers["rule"]["rules_shown"][0]["pack"] == "US-NY"


def test_the_practices_own_rules_apply_when_no_other_location_is_recorded(client_record: Client) -> None:
    from confide.practice.models import Practice

    practice = Practice.objects.get()
    assert required.which_law(practice, "").code == "US-CA"
    assert required.which_law(practice, "US-CA").code == "US-CA"
    assert "the practice's jurisdiction" in required.which_law(practice, "").reason


def test_a_location_confide_has_no_rules_for_is_refused(bob: Person, client_record: Client) -> None:
    import datetime as dt

    from django.utils import timezone

    from confide.records import care
    from confide.records.errors import RecordError
    from confide.records.models import Appointment

    with pytest.raises(RecordError, match="state or country Confide has rules for"):
        care.create_appointment(vault_of(bob), client_record.public_id,
                                starts_at=timezone.now() + dt.timedelta(days=1), duration_minutes=50,
                                modality=care.Modality.VIDEO, client_location="Narnia")
    assert not Appointment.objects.filter(client=client_record).exists()  # nothing half-written
