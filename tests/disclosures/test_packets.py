"""Disclosure packets: only in-scope items in the PDF, psychotherapy notes only under their own authorization,
and no packet under a revoked or expired authorization."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import authorizations, packets
from confide.disclosures.authorizations import AuthorizationInput, DisclosureError, InactiveAuthorizationError
from confide.disclosures.models import Authorization, Disclosure
from confide.disclosures.packets import PacketSelection
from confide.disclosures.records import accounting, disclosure_record
from confide.records import care, services
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.records.conftest import vault_of

TODAY = timezone.localdate()
OLD = TODAY - dt.timedelta(days=60)
RECENT = TODAY - dt.timedelta(days=5)


@pytest.fixture
def notes(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    cid = client_record.public_id
    services.create_note(vault, cid, kind="progress", session_date=OLD, body="Marigold harbour session", sign=True)
    services.create_note(vault, cid, kind="progress", session_date=RECENT, body="Lighthouse keeper progress",
                         sign=True)
    services.create_note(vault, cid, kind="progress", session_date=RECENT, body="Unsigned draft about kites")
    services.create_note(vault, cid, kind="psychotherapy", session_date=RECENT, body="Private pelican musings",
                         sign=True)
    care.save_treatment_plan(vault, cid, care.PlanContent(problems="Worry about tides", goals="Calm seas",
                                                          interventions="Breathing"), expected_version=0)


def test_the_pdf_holds_exactly_the_chosen_items_with_a_cover_sheet(
        bob: Person, client_record: Client, authorization: Authorization, notes: None) -> None:
    packet = packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",), date_from=RECENT - dt.timedelta(1)))
    text = pdf_text(packet.pdf)
    assert "Dr. Imogen Farthingale" in text and "Continuity of care" in text
    assert "redisclosed by the recipient" in text
    assert "Lighthouse keeper progress" in text
    assert "Marigold harbour" not in text  # before the date range
    assert "kites" not in text  # a draft is not part of the record yet
    assert "pelican" not in text  # a psychotherapy note, without its own authorization
    assert "Worry about tides" not in text  # the plan was not chosen
    assert packet.item_count == 1
    assert packet.disclosure.basis == Disclosure.Basis.AUTHORIZATION


def test_a_packet_can_hold_the_plan(bob: Person, client_record: Client, authorization: Authorization,
                                    notes: None) -> None:
    packet = packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                                   PacketSelection(categories=("treatment_plan",)))
    text = pdf_text(packet.pdf)
    assert "Worry about tides" in text and "Lighthouse" not in text


def test_psychotherapy_notes_need_their_own_authorization(
        bob: Person, client_record: Client, authorization: Authorization, pn_authorization: Authorization,
        notes: None) -> None:
    with pytest.raises(DisclosureError, match="psychotherapy-notes authorization"):
        packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                              PacketSelection(categories=("psychotherapy_notes",)))
    with pytest.raises(DisclosureError, match="does not cover"):
        packets.create_packet(vault_of(bob), client_record.public_id, pn_authorization.public_id,
                              PacketSelection(categories=("progress_notes",)))
    packet = packets.create_packet(vault_of(bob), client_record.public_id, pn_authorization.public_id,
                                   PacketSelection(categories=("psychotherapy_notes",)))
    text = pdf_text(packet.pdf)
    assert "Private pelican musings" in text
    assert "Lighthouse" not in text and "Worry about tides" not in text


def test_a_selection_outside_the_authorization_is_refused(
        bob: Person, client_record: Client, authorization: Authorization) -> None:
    for selection, words in [
        (PacketSelection(categories=("sessions",)), "does not cover"),
        (PacketSelection(categories=()), "at least one"),
        (PacketSelection(categories=("progress_notes",), date_from=TODAY, date_to=OLD), "before its end"),
    ]:
        with pytest.raises(DisclosureError, match=words):
            packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id, selection)
    assert not Disclosure.objects.exists()


def test_revoked_and_expired_authorizations_block_packets(
        bob: Person, client_record: Client, authorization: Authorization, pn_authorization: Authorization) -> None:
    authorizations.revoke_authorization(vault_of(bob), client_record.public_id, authorization.public_id)
    with pytest.raises(InactiveAuthorizationError, match="revoked"):
        packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                              PacketSelection(categories=("progress_notes",)))
    Authorization.objects.filter(pk=pn_authorization.pk).update(expires_on=TODAY - dt.timedelta(days=1))
    with pytest.raises(InactiveAuthorizationError, match="expired"):
        packets.create_packet(vault_of(bob), client_record.public_id, pn_authorization.public_id,
                              PacketSelection(categories=("psychotherapy_notes",)))
    assert not Disclosure.objects.exists()


def test_every_packet_is_in_the_internal_record_and_the_audit_log_but_not_the_accounting(
        bob: Person, client_record: Client, authorization: Authorization, notes: None) -> None:
    packet = packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",)))
    record = disclosure_record(vault_of(bob), client_record.public_id)
    assert [e.disclosure for e in record] == [packet.disclosure]
    assert record[0].recipient == "Dr. Imogen Farthingale"
    assert LogEntry.objects.filter(tag="disclosure:authorized:made").count() == 1
    assert accounting(vault_of(bob), client_record.public_id) == []  # under an authorization: exempt
    assert b"Farthingale" not in bytes(Disclosure.objects.get().content)


def _attachments(pdf: bytes) -> dict[str, list[bytes]]:
    import io

    from pypdf import PdfReader

    return dict(PdfReader(io.BytesIO(pdf)).attachments)


def test_documents_are_attached_to_the_pdf_only_when_chosen_and_in_range(
        bob: Person, client_record: Client, complete: AuthorizationInput, notes: None) -> None:
    import io

    from confide.records import documents
    from confide.records.models import Document

    vault = vault_of(bob)
    content = b"%PDF-1.4 a fictional referral letter"
    documents.upload_document(vault, client_record.public_id, filename="referral letter.pdf",
                              stream=io.BytesIO(content), size=len(content))
    old = documents.upload_document(vault, client_record.public_id, filename="old.txt",
                                    stream=io.BytesIO(b"an old fictional form"), size=21)
    Document.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    auth = authorizations.create_authorization(vault, client_record.public_id,
                                               replace(complete, categories=("progress_notes", "documents")))

    packet = packets.create_packet(vault, client_record.public_id, auth.public_id,
                                   PacketSelection(categories=("documents",), date_from=RECENT))
    attached = _attachments(packet.pdf)
    # The scan of the paper authorization (the fixture's) and the letter, both added today, in
    # the order they were added; the old form is outside the date range.
    assert sorted(attached) == ["01-roi.pdf", "02-referral_letter.pdf"]
    assert attached["02-referral_letter.pdf"] == [content]
    text = pdf_text(packet.pdf)
    assert "Document: referral letter.pdf" in text and "Lighthouse" not in text

    notes_only = packets.create_packet(vault, client_record.public_id, auth.public_id,
                                       PacketSelection(categories=("progress_notes",)))
    assert _attachments(notes_only.pdf) == {}


def test_documents_need_an_authorization_that_covers_them(
        bob: Person, client_record: Client, authorization: Authorization) -> None:
    with pytest.raises(DisclosureError, match="does not cover: Documents"):
        packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                              PacketSelection(categories=("documents",)))


def test_an_empty_release_packet_cannot_be_made(bob: Person, client_record: Client,
                                                authorization: Authorization) -> None:
    """No note in the record: nothing to release, and no "0 items" disclosure in the record."""
    with pytest.raises(DisclosureError, match="Nothing in the record matches"):
        packets.create_packet(vault_of(bob), client_record.public_id, authorization.public_id,
                              PacketSelection(categories=("progress_notes",)))
    assert not Disclosure.objects.exists()
