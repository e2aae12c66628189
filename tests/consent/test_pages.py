"""The owner's consent-policy page, the preview and the PDF download."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.test import Client

from confide.audit.models import LogEntry
from confide.consent import build_consent_document
from confide.consent.models import ConsentPolicy
from confide.practice.models import Practice
from tests.accounts.test_signin import sign_in
from tests.conftest import Person

URL = "/practice/consent/"
GOOD = {
    "sees_minors": "on",
    "family_no_secrets": "on",
    "bills_insurance": "on",
    "uses_supervision": "on",
    "destruction_method": "crypto_shred",
    "complaint_contact": "The practice owner, 555-0100",
}


@pytest.fixture
def owner(client: Client, alice: Person, relaxed: Practice) -> Client:
    sign_in(client, alice.email, alice.password)
    return client


def test_saving_the_policies_changes_the_document_version_and_is_audited(owner: Client, practice: Practice) -> None:
    before = build_consent_document(practice).fingerprint
    assert owner.post(URL, GOOD).status_code == 302
    policy = ConsentPolicy.objects.get(practice=practice)
    assert policy.sees_minors and policy.bills_insurance and not policy.uses_messaging
    assert build_consent_document(practice).fingerprint != before
    assert LogEntry.objects.order_by("position").last().tag == "practice:consent_policy:changed"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"destruction_method": "burn"}, "Select a valid choice"),
        ({"complaint_contact": "x" * 301}, "at most 300 characters"),
        ({"complaint_contact": "line one\x07bell"}, "without control characters"),
    ],
)
def test_bad_input_is_a_400_near_the_field_and_nothing_is_saved(
    owner: Client, practice: Practice, change: dict[str, str], message: str
) -> None:
    response = owner.post(URL, {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConsentPolicy.objects.exists()


def test_the_page_warns_while_the_pack_is_unconfirmed(owner: Client) -> None:
    html = owner.get(URL).content.decode()
    assert "are not confirmed" in html and "Not saved yet" in html


def test_the_preview_shows_the_document_and_its_sources(owner: Client, practice: Practice) -> None:
    html = owner.get("/practice/consent/preview").content.decode()
    text = build_consent_document(practice)
    assert text.fingerprint in html
    assert "What we keep private" in html and "Cal. Civ. Code 43.92" in html


def test_the_pdf_download_carries_the_version_hash_and_no_name_in_its_file_name(
    owner: Client, practice: Practice
) -> None:
    response = owner.get("/practice/consent/preview.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = build_consent_document(practice)
    assert response["Content-Disposition"] == f'attachment; filename="consent-{text.short_hash}.pdf"'
    content = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert text.fingerprint in content.replace("\n", "")
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", [URL, "/practice/consent/preview", "/practice/consent/preview.pdf"])
def test_staff_who_are_not_the_owner_get_404(client: Client, bob: Person, relaxed: Practice, path: str) -> None:
    sign_in(client, bob.email, bob.password)
    assert client.get(path).status_code == 404


def test_a_non_owner_cannot_post_policies(client: Client, bob: Person, relaxed: Practice) -> None:
    sign_in(client, bob.email, bob.password)
    assert client.post(URL, GOOD).status_code == 404
    assert not ConsentPolicy.objects.exists()
