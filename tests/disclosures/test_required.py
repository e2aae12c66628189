"""Legally required and emergency disclosures, court requests, and the accounting of disclosures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import records, required
from confide.disclosures.authorizations import DisclosureError
from confide.disclosures.models import CourtRequest, Disclosure
from confide.disclosures.required import IncompleteStepError
from confide.records.errors import NotFoundError
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.records.conftest import vault_of

NOW = timezone.now()
ANSWERS: dict[str, dict[str, Any]] = {
    "risk": {"threat": "Said he would hurt his neighbour Mr. Ostrander tonight", "victim": "Mr. Ostrander, neighbour",
             "imminence": "imminent", "means": "Owns a crowbar", "history": "One prior assault (2019)"},
    "rule": {"rule_reviewed": True, "consulted": True, "consultant": "Dr. Pemberton (supervisor)",
             "consulted_at": NOW - dt.timedelta(hours=2), "advice": "Warn the police and the neighbour"},
    "disclosure": {"recipient_type": "police", "recipient_name": "Springfield Police, Officer Vance",
                   "method": "phone", "disclosed_at": NOW - dt.timedelta(hours=1),
                   "items": ["identity", "threat", "victim"], "details": "Name, the threat and who is at risk."},
    "client": {"client_told": "later", "not_told_reason": "Would raise the risk tonight; tell him at next session."},
    "review": {"confirm": True},
}


def _walk(bob: Person, client: Client, basis: str = "duty_to_warn") -> Disclosure:
    vault = vault_of(bob)
    draft = required.start_emergency_disclosure(vault, client.public_id, basis=basis)
    for step in required.STEPS:
        required.save_emergency_step(vault_of(bob), client.public_id, draft.public_id, step, ANSWERS[step])
    return Disclosure.objects.get(pk=draft.pk)


def test_the_workflow_records_an_accountable_sealed_audited_disclosure(bob: Person, client_record: Client) -> None:
    disclosure = _walk(bob, client_record)
    assert disclosure.status == Disclosure.Status.RECORDED
    assert b"Ostrander" not in bytes(disclosure.content) and b"crowbar" not in bytes(disclosure.content)
    assert LogEntry.objects.filter(tag="disclosure:emergency:made").count() == 1
    opened = required.open_emergency(vault_of(bob), client_record.public_id, disclosure.public_id)
    assert opened.answers["risk"]["means"] == "Owns a crowbar"
    assert opened.answers["rule"]["consultant"] == "Dr. Pemberton (supervisor)"
    entries = records.accounting(vault_of(bob), client_record.public_id)
    assert len(entries) == 1
    assert entries[0].recipient == "Springfield Police, Officer Vance"
    assert "Duty to warn" in entries[0].purpose and "nature of the threat" in entries[0].description
    assert LogEntry.objects.filter(tag="disclosure:accounting:read").count() == 1
    with pytest.raises(DisclosureError, match="recorded"):
        required.save_emergency_step(vault_of(bob), client_record.public_id, disclosure.public_id, "risk",
                                     ANSWERS["risk"])


STEP_GAPS = [
    ("risk", {"threat": ""}, "threat"),
    ("risk", {"victim": ""}, "victim"),
    ("risk", {"imminence": "whenever"}, "imminence"),
    ("risk", {"means": ""}, "means"),
    ("rule", {"rule_reviewed": False}, "rule_reviewed"),
    ("rule", {"advice": ""}, "advice"),
    ("rule", {"consulted_at": None}, "consulted_at"),
    ("rule", {"consulted": False}, "no_consultation_reason"),
    ("disclosure", {"recipient_type": "neighbour"}, "recipient_type"),
    ("disclosure", {"recipient_name": ""}, "recipient_name"),
    ("disclosure", {"method": "pigeon"}, "method"),
    ("disclosure", {"items": []}, "items"),
    ("disclosure", {"disclosed_at": NOW + dt.timedelta(days=1)}, "disclosed_at"),
    ("client", {"client_told": ""}, "client_told"),
    ("client", {"client_told": "no", "not_told_reason": ""}, "not_told_reason"),
    ("client", {"client_told": "yes"}, "told_at"),
    ("review", {"confirm": False}, "confirm"),
]


@pytest.mark.parametrize(("step", "change", "field"), STEP_GAPS, ids=[f"{s}-{f}" for s, _, f in STEP_GAPS])
def test_each_step_refuses_missing_answers(step: str, change: dict[str, Any], field: str) -> None:
    with pytest.raises(IncompleteStepError) as caught:
        required.clean_step(step, ANSWERS[step] | change, basis="duty_to_warn")
    assert field in caught.value.errors


def test_steps_are_taken_in_order_and_drafts_stay_out_of_the_accounting(bob: Person, client_record: Client) -> None:
    draft = required.start_emergency_disclosure(vault_of(bob), client_record.public_id, basis="mandatory_report")
    with pytest.raises(DisclosureError, match="earlier steps"):
        required.save_emergency_step(vault_of(bob), client_record.public_id, draft.public_id, "disclosure",
                                     ANSWERS["disclosure"])
    required.save_emergency_step(vault_of(bob), client_record.public_id, draft.public_id, "risk", ANSWERS["risk"])
    assert records.accounting(vault_of(bob), client_record.public_id) == []
    assert records.disclosure_record(vault_of(bob), client_record.public_id) == []


def test_a_bad_basis_and_outsiders_are_refused(bob: Person, carol: Person, dana: Person,
                                               client_record: Client) -> None:
    with pytest.raises(IncompleteStepError):
        required.start_emergency_disclosure(vault_of(bob), client_record.public_id, basis="authorization")
    draft = required.start_emergency_disclosure(vault_of(bob), client_record.public_id, basis="emergency")
    for person in (carol, dana):
        with pytest.raises(NotFoundError):
            required.open_emergency(vault_of(person), client_record.public_id, draft.public_id)


def test_the_rule_step_keeps_what_was_shown(bob: Person, client_record: Client) -> None:
    disclosure = _walk(bob, client_record)
    answers = required.open_emergency(vault_of(bob), client_record.public_id, disclosure.public_id).answers
    assert isinstance(answers["rule"]["rules_shown"], list)


def test_a_court_order_with_a_deadline_and_outcome(bob: Person, client_record: Client) -> None:
    today = timezone.localdate()
    data = {"court": "Springfield Superior Court", "reference": "CV-2026-0042", "requested_by": "Counsel for X",
            "requested": "All records 2025-2026"}
    with pytest.raises(IncompleteStepError) as caught:
        required.create_court_request(vault_of(bob), client_record.public_id, received_on=today,
                                      deadline=today - dt.timedelta(days=1), data=data)
    assert "deadline" in caught.value.errors
    with pytest.raises(IncompleteStepError) as caught:
        required.create_court_request(vault_of(bob), client_record.public_id, received_on=today,
                                      deadline=today, data=data | {"court": ""})
    assert "court" in caught.value.errors
    request = required.create_court_request(vault_of(bob), client_record.public_id, received_on=today,
                                            deadline=today + dt.timedelta(days=14), data=data)
    assert b"Springfield" not in bytes(request.content)
    with pytest.raises(IncompleteStepError):
        required.settle_court_request(vault_of(bob), client_record.public_id, request.public_id,
                                      outcome="complied", disclosed="")
    required.settle_court_request(vault_of(bob), client_record.public_id, request.public_id, outcome="complied",
                                  disclosed="Progress notes 2025-2026")
    assert CourtRequest.objects.get().outcome == CourtRequest.Outcome.COMPLIED
    [entry] = records.accounting(vault_of(bob), client_record.public_id)
    assert entry.recipient == "Springfield Superior Court" and entry.description == "Progress notes 2025-2026"
    listed = required.list_court_requests(vault_of(bob), client_record.public_id)
    assert listed[0].court == "Springfield Superior Court" and not listed[0].overdue
    assert LogEntry.objects.filter(tag="disclosure:court:made").count() == 1


def test_the_accounting_leaves_out_exempt_and_old_disclosures(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    for basis in records.MANUAL_BASES:
        records.record_disclosure(vault, client_record.public_id, basis=basis, recipient_name="Dr. Example",
                                  description="Summary", purpose="Care")
    _walk(bob, client_record)
    old = _walk(bob, client_record, basis="emergency")
    Disclosure.objects.filter(pk=old.pk).update(disclosed_at=timezone.now() - dt.timedelta(days=365 * 6 + 3))
    assert len(records.disclosure_record(vault, client_record.public_id)) == 6  # everything, exempt or not
    entries = records.accounting(vault, client_record.public_id)
    assert [e.disclosure.basis for e in entries] == ["duty_to_warn"]
    assert LogEntry.objects.filter(tag="disclosure:other:made").count() == 4
    text = pdf_text(records.accounting_pdf(vault, client_record.public_id))
    assert "Springfield Police" in text and "Dr. Example" not in text


def test_a_manual_disclosure_needs_its_fields(bob: Person, client_record: Client) -> None:
    with pytest.raises(Exception, match="Recipient is required"):
        records.record_disclosure(vault_of(bob), client_record.public_id, basis="treatment", recipient_name=" ",
                                  description="x", purpose="y")
    with pytest.raises(Exception, match="Choose treatment"):
        records.record_disclosure(vault_of(bob), client_record.public_id, basis="duty_to_warn",
                                  recipient_name="a", description="x", purpose="y")
