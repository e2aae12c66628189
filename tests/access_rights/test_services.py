"""The right of access as services: request, due date, review, copy, denial, extension, amendments."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.test import Client as Browser
from django.utils import timezone

from confide.access_rights import grounds, services
from confide.access_rights.models import AccessRequest, AmendmentRequest, RecordCopy
from confide.access_rights.services import AccessRightsError
from confide.audit.models import LogEntry
from confide.audit.tags import Tag
from confide.core.fhir import validated
from confide.portal import services as portal
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.records.access_history import access_history
from confide.records.errors import NotFoundError
from confide.records.models import Client
from tests.access_rights.conftest import CANARY, PROGRESS_TEXT, client_vault_of, pdf_text
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.records.conftest import vault_of


def _tags(client: Client) -> list[str]:
    return list(LogEntry.objects.filter(client_id=str(client.public_id)).order_by("position")
                .values_list("tag", flat=True))


def test_a_request_is_due_in_30_days_and_only_one_is_open_at_a_time(client_account: ClientAccount) -> None:
    vault = client_vault_of(client_account)
    request = services.request_copy(vault, client_account)
    assert request.due_on == timezone.localdate() + dt.timedelta(days=30)
    assert request.status == AccessRequest.Status.PENDING
    with pytest.raises(AccessRightsError, match="already asked"):
        services.request_copy(vault, client_account)
    assert AccessRequest.objects.count() == 1
    assert Tag.ACCESS_REQUEST_CREATED in _tags(client_account.client)


def test_fulfilling_delivers_a_pdf_and_a_valid_fhir_bundle_the_client_opens(
        record: Client, client_account: ClientAccount, bob: Person) -> None:
    client_vault = client_vault_of(client_account)
    request = services.request_copy(client_vault, client_account)
    copies = services.fulfil(vault_of(bob), record.public_id, request.public_id)
    assert {c.format for c in copies} == {"pdf", "fhir"}
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.FULFILLED and request.decided_by_id == bob.user.pk

    pdf_copy = next(c for c in copies if c.format == "pdf")
    fhir_copy = next(c for c in copies if c.format == "fhir")
    pdf, content_type, name = services.download_copy(client_vault, client_account, pdf_copy.public_id)
    assert content_type == "application/pdf" and name == "record-copy.pdf" and pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Quastenbrook" in text and "paced breathing" in text and "Primary insomnia" in text
    assert "164.524" in text

    body, content_type, name = services.download_copy(client_vault, client_account, fhir_copy.public_id)
    assert content_type == "application/fhir+json" and name == "record-copy.fhir.json"
    bundle = json.loads(body)
    validated(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert {"Patient", "Encounter", "DocumentReference", "Provenance"} <= set(kinds)
    notes = [e["resource"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "DocumentReference"
             and e["resource"]["type"].get("coding", [{}])[0].get("code") == "11506-3"]
    assert len(notes) == 1, "the signed progress note only: no draft, no psychotherapy note"
    assert base64.b64decode(notes[0]["content"][0]["attachment"]["data"]).decode() == PROGRESS_TEXT
    assert notes[0]["context"]["encounter"][0]["reference"].startswith("urn:uuid:")

    tags = _tags(record)
    assert Tag.ACCESS_REQUEST_FULFILLED in tags and Tag.RECORD_COPY_DOWNLOADED in tags
    history = access_history(vault_of(bob), record.public_id)
    said = [e.what for e in history.entries]
    assert "asked for a copy of your record" in said
    assert "made a copy of your record and delivered it to your portal" in said
    assert "downloaded a copy of your record" in said


def test_the_copy_is_sealed_under_the_portal_key_not_stored_in_the_clear(
        record: Client, client_account: ClientAccount, bob: Person) -> None:
    request = services.request_copy(client_vault_of(client_account), client_account)
    services.fulfil(vault_of(bob), record.public_id, request.public_id)
    for copy in RecordCopy.objects.all():
        raw = bytes(copy.content)
        assert b"Quastenbrook" not in raw and b"paced breathing" not in raw and b"%PDF" not in raw


@pytest.mark.parametrize("fmt", ["pdf", "fhir"])
def test_no_export_holds_a_psychotherapy_note(record: Client, client_account: ClientAccount, bob: Person,
                                              fmt: str) -> None:
    """The canary of the psychotherapy note is in no copy, as text or base64, PDF or JSON."""
    content, _, _ = services.export_record(vault_of(bob), record.public_id, fmt)
    request = services.request_copy(client_vault_of(client_account), client_account)
    copies = services.fulfil(vault_of(bob), record.public_id, request.public_id)
    delivered = [services.download_copy(client_vault_of(client_account), client_account, c.public_id)[0]
                 for c in copies]
    for blob in [content, *delivered]:
        searchable = pdf_text(blob) if blob.startswith(b"%PDF") else blob.decode()
        assert "PSYNOTE-CANARY" not in searchable
        assert base64.b64encode(CANARY.encode()).decode()[:24] not in searchable
        assert "DRAFT-NOT-IN-COPY" not in searchable
        assert "lighthouse" not in searchable
        if not blob.startswith(b"%PDF"):
            for entry in json.loads(blob)["entry"]:
                for content_item in entry["resource"].get("content", []):
                    data = content_item["attachment"].get("data")
                    if data:
                        assert b"PSYNOTE-CANARY" not in base64.b64decode(data)


def test_deny_needs_a_cited_ground_and_the_client_may_ask_for_review(
        record: Client, client_account: ClientAccount, bob: Person) -> None:
    client_vault = client_vault_of(client_account)
    request = services.request_copy(client_vault, client_account)
    with pytest.raises(AccessRightsError, match="ground"):
        services.deny(vault_of(bob), record.public_id, request.public_id, ground_code="because",
                      explanation="No.")
    with pytest.raises(AccessRightsError, match="required"):
        services.deny(vault_of(bob), record.public_id, request.public_id, ground_code="a3i", explanation="  ")
    request.refresh_from_db()
    assert request.status == AccessRequest.Status.PENDING, "a refused denial changes nothing"

    services.deny(vault_of(bob), record.public_id, request.public_id, ground_code="a3i",
                  explanation="We would like to go through it together first (fictional).")
    [opened], _ = services.own_requests(client_vault, client_account)
    assert opened.ground is not None and opened.ground.citation == "45 CFR 164.524(a)(3)(i)"
    assert opened.explanation.startswith("We would like")
    assert b"We would like" not in bytes(AccessRequest.objects.get().denial_explanation)
    services.request_review(client_vault, client_account, request.public_id)
    with pytest.raises(AccessRightsError, match="already"):
        services.request_review(client_vault, client_account, request.public_id)
    with pytest.raises(AccessRightsError, match="already been answered"):
        services.fulfil(vault_of(bob), record.public_id, request.public_id)
    assert Tag.ACCESS_REQUEST_DENIED in _tags(record) and Tag.ACCESS_REVIEW_REQUESTED in _tags(record)


def test_every_denial_ground_is_cited_with_source_and_status() -> None:
    for ground in grounds.DENIAL_GROUNDS:
        assert ground.citation.startswith("45 CFR 164.524(a)(3)")
        assert ground.source_url.startswith("https://") and ground.status in ("confirmed", "unverified")
        assert ground.reviewable
    assert grounds.PSYCHOTHERAPY_NOTES_EXCLUDED.status == "confirmed"


def test_one_extension_of_30_days_with_a_reason(record: Client, client_account: ClientAccount, bob: Person) -> None:
    request = services.request_copy(client_vault_of(client_account), client_account)
    due = request.due_on
    services.extend(vault_of(bob), record.public_id, request.public_id, reason="Gathering paper records.")
    request.refresh_from_db()
    assert request.due_on == due + dt.timedelta(days=30)
    with pytest.raises(AccessRightsError, match="already extended"):
        services.extend(vault_of(bob), record.public_id, request.public_id, reason="Again.")
    [opened], _ = services.own_requests(client_vault_of(client_account), client_account)
    assert opened.extension_reason == "Gathering paper records."


def test_overdue_requests_are_listed_first_for_the_owner_and_the_clinician(
        record: Client, client_account: ClientAccount, alice: Person, bob: Person, dana: Person) -> None:
    request = services.request_copy(client_vault_of(client_account), client_account)
    AccessRequest.objects.filter(pk=request.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    [row] = services.practice_requests(vault_of(bob))
    assert row.overdue and row.may_review and row.client_label == "Wilhelmina Quastenbrook"
    [owner_row] = services.practice_requests(vault_of(alice))
    assert owner_row.overdue
    with pytest.raises(NotFoundError):
        services.practice_requests(vault_of(dana))  # the front desk does not review copies


def test_someone_off_the_care_team_cannot_review_or_export(record: Client, client_account: ClientAccount,
                                                          dana: Person, carol: Person) -> None:
    request = services.request_copy(client_vault_of(client_account), client_account)
    for person in (dana, carol):
        with pytest.raises(NotFoundError):
            services.fulfil(vault_of(person), record.public_id, request.public_id)
        with pytest.raises(NotFoundError):
            services.export_record(vault_of(person), record.public_id, "fhir")
    assert AccessRequest.objects.get().status == AccessRequest.Status.PENDING


def test_a_client_cannot_download_another_clients_copy(record: Client, client_account: ClientAccount,
                                                       bob: Person) -> None:
    request = services.request_copy(client_vault_of(client_account), client_account)
    [copy, _] = services.fulfil(vault_of(bob), record.public_id, request.public_id)
    other = portal.invite_client(vault_of(bob), services.record_services.create_client(
        vault_of(bob), services.record_services.Demographics(given_name="Otto", family_name="Fenwick")).public_id,
        email="otto@example.test")
    other_account = portal.accept_client_invitation(token=other.link.rstrip("/").rsplit("/", 1)[1],
                                                    email="otto@example.test", password="harbour lantern copper moss")
    other_vault = portal.client_vault(other_account, "harbour lantern copper moss")
    with pytest.raises(NotFoundError):
        services.download_copy(other_vault, other_account, copy.public_id)
    with pytest.raises(NotFoundError):
        services.download_copy(other_vault, other_account, "not-a-uuid")


def test_a_bad_export_format_is_refused(record: Client, bob: Person) -> None:
    for fmt in ("", "xml", "FHIR", "pdf;"):
        with pytest.raises(AccessRightsError, match="fhir or pdf"):
            services.export_record(vault_of(bob), record.public_id, fmt)


def test_amendments_are_recorded_sealed_with_the_practices_answer(
        record: Client, client_account: ClientAccount, bob: Person) -> None:
    client_vault = client_vault_of(client_account)
    with pytest.raises(AccessRightsError):
        services.request_amendment(client_vault, client_account, text="   ")
    with pytest.raises(AccessRightsError):
        services.request_amendment(client_vault, client_account, text="x" * (services.MAX_TEXT + 1))
    amendment = services.request_amendment(client_vault, client_account,
                                           text="My date of birth is wrong (fictional).")
    assert b"date of birth" not in bytes(AmendmentRequest.objects.get().content)
    services.answer_amendment(vault_of(bob), record.public_id, amendment.public_id, accepted=True,
                              answer="Corrected, thank you.")
    with pytest.raises(AccessRightsError, match="already been answered"):
        services.answer_amendment(vault_of(bob), record.public_id, amendment.public_id, accepted=False,
                                  answer="No.")
    _, [opened] = services.own_requests(client_vault, client_account)
    assert opened.amendment.status == "accepted" and opened.answer == "Corrected, thank you."
    tags = _tags(record)
    assert Tag.AMENDMENT_REQUESTED in tags and Tag.AMENDMENT_ANSWERED in tags


def test_a_request_puts_a_notice_that_names_nobody_on_the_clinicians_home(
        client_account: ClientAccount, bob: Person, relaxed: object) -> None:
    services.request_copy(client_vault_of(client_account), client_account)
    [notice] = ClinicianNotice.objects.filter(recipient=bob.user)
    assert notice.kind == ClinicianNotice.Kind.ACCESS_REQUESTED
    http = Browser()
    sign_in(http, bob.email, bob.password)
    home = http.get("/").content.decode()
    assert "asked for a copy of their record" in home
    assert f"/clients/{client_account.client.public_id}/access-requests/" in home
