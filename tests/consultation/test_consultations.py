"""Preparing, reviewing, approving and sharing a de-identified summary; the canary test.

No original identifier of the record may reach the consultant's copy, the logs or the e-mails.
"""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.test import Client as Http

from confide.audit.models import LogEntry
from confide.consultation import services
from confide.consultation.models import Consultation
from confide.records import access_history
from confide.records import services as records
from confide.records.errors import NotFoundError
from confide.records.models import Client, Note
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.records.conftest import vault_of

# The record's identifiers (fictional). None may leave the care team.
CANARIES = ("Wilhelmina", "Quastenbrook", "Bartholomew", "Zennor", "Fernhollow Dairy", "wq@example.test",
            "0100", "1987-03-14", "March 14")
NOTE = ("Wilhelmina came with her husband Bartholomew, who drives for Fernhollow Dairy. They moved to "
        "Zennor on March 14 after her birthday. Contact wq@example.test. Asperger syndrome was ruled out.")


@pytest.fixture
def signed_note(client_record: Client, bob: Person) -> Note:
    return records.create_note(vault_of(bob), client_record.public_id, kind=Note.Kind.PROGRESS,
                               session_date="2026-11-02", body=NOTE, sign=True, consent_reason="Intake, test")


@pytest.fixture
def prepared(client_record: Client, bob: Person, signed_note: Note) -> Consultation:
    return services.prepare(vault_of(bob), client_record.public_id, question="How would you pace exposure work?",
                            note_ids=[str(signed_note.public_id)], plan_sections=[],
                            extra_identifiers="EMPLOYER: Fernhollow Dairy\nPLACE: Zennor")


def _shared(bob: Person, carol: Person, client: Client, consultation: Consultation) -> None:
    vault = vault_of(bob)
    services.approve(vault, client.public_id, consultation.public_id)
    services.share_with(vault, client.public_id, consultation.public_id, consultant_id=carol.user.pk)


def test_preparing_replaces_the_records_identifiers_and_keeps_eponyms(prepared: Consultation, bob: Person,
                                                                      client_record: Client) -> None:
    review = services.review(vault_of(bob), client_record.public_id, prepared.public_id)
    text = "\n".join(review.output)
    assert "[CLIENT]" in text and "[PARTNER-1]" in text and "Asperger syndrome" in text
    for canary in CANARIES:
        assert canary not in text


def test_nothing_is_shared_before_approval(prepared: Consultation, bob: Person, carol: Person,
                                           client_record: Client) -> None:
    with pytest.raises(services.ConsultationError):
        services.share_with(vault_of(bob), client_record.public_id, prepared.public_id, consultant_id=carol.user.pk)
    with pytest.raises(services.ConsultationError):
        services.create_link(vault_of(bob), client_record.public_id, prepared.public_id)


def test_undoing_a_replacement_that_names_the_client_blocks_approval(prepared: Consultation, bob: Person,
                                                                     client_record: Client) -> None:
    vault = vault_of(bob)
    review = services.review(vault, client_record.public_id, prepared.public_id)
    index = next(i for i, s in enumerate(review.sections) if "Wilhelmina" in s.text)
    span = next(s for s in review.spans[index] if review.sections[index].text[s.start:s.end] == "Wilhelmina")
    services.undo_span(vault, client_record.public_id, prepared.public_id, section=index, start=span.start)
    assert "Wilhelmina" in "\n".join(services.review(vault, client_record.public_id, prepared.public_id).output)
    with pytest.raises(services.ConsultationError, match="still contains"):
        services.approve(vault, client_record.public_id, prepared.public_id)
    services.add_phrase(vault, client_record.public_id, prepared.public_id, phrase="Wilhelmina")
    services.approve(vault, client_record.public_id, prepared.public_id)


def test_bad_input_is_refused_with_a_clear_error(client_record: Client, bob: Person, prepared: Consultation) -> None:
    vault = vault_of(bob)
    with pytest.raises(services.ConsultationError, match="question"):
        services.prepare(vault, client_record.public_id, question=" ", note_ids=[], plan_sections=[])
    with pytest.raises(services.ConsultationError):
        services.prepare(vault, client_record.public_id, question="q", note_ids=["not-a-note"], plan_sections=[])
    with pytest.raises(services.ConsultationError):
        services.add_phrase(vault, client_record.public_id, prepared.public_id, phrase="words not there at all")
    with pytest.raises(services.ConsultationError):
        services.undo_span(vault, client_record.public_id, prepared.public_id, section=99, start=0)


def test_a_consultant_reads_the_summary_alone_and_never_the_chart(
        prepared: Consultation, bob: Person, carol: Person, dana: Person, client_record: Client,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    _shared(bob, carol, client_record, prepared)
    summary = services.open_shared(vault_of(carol), prepared.public_id)
    assert "pace exposure" in summary.text
    with pytest.raises(NotFoundError):
        records.get_client(vault_of(carol), client_record.public_id)
    with pytest.raises(NotFoundError):
        services.open_shared(vault_of(dana), prepared.public_id)  # not shared with dana
    reply = services.reply(vault_of(carol), prepared.public_id, body="Go slowly; grade the hierarchy.")
    note = services.file_reply(vault_of(bob), client_record.public_id, prepared.public_id, reply.public_id)
    assert "grade the hierarchy" in records.open_note(vault_of(bob), client_record.public_id, note.public_id).body
    # The canary: no identifier in the consultant's copy, the e-mail or the logs.
    sent = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
    assert mail.outbox and mail.outbox[0].to == [carol.email]
    for canary in CANARIES:
        assert canary not in summary.text
        assert canary not in sent
        assert canary not in caplog.text


def test_every_step_is_audited_and_the_client_history_says_so(prepared: Consultation, bob: Person,
                                                                carol: Person, client_record: Client) -> None:
    _shared(bob, carol, client_record, prepared)
    services.open_shared(vault_of(carol), prepared.public_id)
    tags = set(LogEntry.objects.filter(client_id=str(client_record.public_id)).values_list("tag", flat=True))
    assert {"consultation:summary:prepared", "consultation:summary:approved", "consultation:summary:shared",
            "consultation:summary:read"} <= tags
    assert access_history.WHAT["consultation:summary:shared"] == "shared a de-identified summary for consultation"


def test_a_release_link_opens_with_its_passcode_only(prepared: Consultation, bob: Person,
                                                       client_record: Client) -> None:
    vault = vault_of(bob)
    services.approve(vault, client_record.public_id, prepared.public_id)
    issued = services.create_link(vault, client_record.public_id, prepared.public_id)
    with pytest.raises(services.WrongPasscodeError):
        services.open_link(issued.token, "WRONG")
    text = services.open_link(issued.token, issued.passcode)
    assert "pace exposure" in text and "Wilhelmina" not in text
    for _ in range(services.MAX_PASSCODE_ATTEMPTS):
        with pytest.raises((services.WrongPasscodeError, services.LinkUnavailableError)):
            services.open_link(issued.token, "WRONG")
    with pytest.raises(services.LinkUnavailableError):
        services.open_link(issued.token, issued.passcode)


def test_the_pages_work_and_the_consultant_gets_404_on_the_chart(
        prepared: Consultation, bob: Person, carol: Person, client_record: Client, relaxed: object) -> None:
    http = Http()
    sign_in(http, bob.email, bob.password)
    base = f"/clients/{client_record.public_id}/consultations/"
    assert http.get(base).status_code == 200
    assert http.get(base + "new").status_code == 200
    page = http.get(f"{base}{prepared.public_id}/")
    assert page.status_code == 200 and b"Keep original" in page.content
    assert http.post(f"{base}{prepared.public_id}/", {"action": "approve"}).status_code == 302
    assert http.post(f"{base}{prepared.public_id}/", {"action": "share", "consultant": "x"}).status_code == 400
    assert http.post(f"{base}{prepared.public_id}/", {"action": "share",
                                                      "consultant": carol.user.pk}).status_code == 302
    consultant = Http()
    sign_in(consultant, carol.email, carol.password)
    shared = consultant.get(f"/consultations/{prepared.public_id}/")
    assert shared.status_code == 200
    for canary in CANARIES:
        assert canary.encode() not in shared.content
    assert consultant.get(f"/clients/{client_record.public_id}/").status_code == 404
    assert consultant.get(f"{base}{prepared.public_id}/").status_code == 404
