"""The disclosure pages through HTTP: messages next to their fields, 404s for outsiders, release links."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Http

from confide.audit.models import LogEntry
from confide.disclosures.models import Authorization, Disclosure, ReleaseLink
from confide.records import services
from confide.records.models import Client, Document
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.disclosures.helpers import disclosure_ids
from tests.records.conftest import vault_of


@pytest.fixture
def http(bob: Person, relaxed: object) -> Http:
    client = Http()
    sign_in(client, bob.email, bob.password)
    return client


def _form(scan: Document) -> dict[str, object]:
    return {
        "categories": ["progress_notes"], "description": "Progress notes of 2026", "discloser": "The practice",
        "recipient_name": "Dr. Imogen Farthingale", "recipient_address": "", "purposes": "Continuity of care",
        "expires_on": "", "expiry_event": "End of treatment with the recipient", "signer_name": "W. Quastenbrook",
        "signed_on": "2026-11-01", "states_right_to_revoke": "on", "states_conditioning": "on",
        "states_redisclosure": "on", "scan_document_id": str(scan.public_id),
    }


def test_the_form_shows_a_message_next_to_each_missing_element(http: Http, client_record: Client,
                                                               scan: Document) -> None:
    url = f"/clients/{client_record.public_id}/disclosures/authorizations/new"
    data = _form(scan) | {"recipient_name": "", "states_redisclosure": ""}
    del data["states_redisclosure"]
    response = http.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_recipient_name_error"[^>]*>Name the recipient', html)
    assert re.search(r'id="id_states_redisclosure_error"[^>]*>The form must state that the recipient', html)
    assert not Authorization.objects.exists()
    response = http.post(url, _form(scan))
    assert response.status_code == 302
    assert Authorization.objects.count() == 1


def test_a_download_and_a_release_link(http: Http, bob: Person, client_record: Client, scan: Document) -> None:
    services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-10",
                         body="Albatross breathing exercise", sign=True)
    http.post(f"/clients/{client_record.public_id}/disclosures/authorizations/new", _form(scan))
    auth = Authorization.objects.get()
    url = f"/clients/{client_record.public_id}/disclosures/authorizations/{auth.public_id}/packet"
    download = http.post(url, {"categories": ["progress_notes"], "delivery": "download"})
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="disclosure.pdf"'
    assert "Albatross" in pdf_text(download.content)
    outside = http.post(url, {"categories": ["sessions"], "delivery": "download"})
    assert outside.status_code == 400 and b"does not cover" in outside.content

    issued = http.post(url, {"categories": ["progress_notes"], "delivery": "link", "days": "3"})
    html = issued.content.decode()
    link = re.search(r'id="release-url">http://testserver(/release/[^<]+)<', html).group(1)  # type: ignore[union-attr]
    passcode = re.search(r'id="release-passcode">([^<]+)<', html).group(1)  # type: ignore[union-attr]
    recipient = Http()
    page = recipient.get(link)
    assert page.status_code == 200
    for secret in ("Quastenbrook", "Wilhelmina", "Farthingale", "Albatross"):
        assert secret.encode() not in page.content
    wrong = recipient.post(link, {"passcode": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 400 and b"4 attempts left" in wrong.content
    right = recipient.post(link, {"passcode": passcode})
    assert right.status_code == 200 and "Albatross" in pdf_text(right.content)
    assert Disclosure.objects.filter(basis="authorization").count() == 2

    http.post(f"/clients/{client_record.public_id}/disclosures/authorizations/{auth.public_id}/revoke",
              {"note": "Letter received"})
    assert recipient.get(link).status_code == 410
    assert ReleaseLink.objects.get().revoked_at is not None
    refused = http.post(url, {"categories": ["progress_notes"], "delivery": "download"})
    assert refused.status_code == 400 and b"revoked" in refused.content
    assert recipient.get("/release/" + "A" * 43 + "/").status_code == 404


def test_the_emergency_workflow_through_http(http: Http, client_record: Client) -> None:
    base = f"/clients/{client_record.public_id}/disclosures/emergency"
    assert http.post(f"{base}/new", {"basis": "nonsense"}).status_code == 400
    start = http.post(f"{base}/new", {"basis": "duty_to_warn"})
    page = start["Location"]
    incomplete = http.post(page, {"step": "risk", "threat": "", "victim": "A neighbour", "imminence": "soon",
                                  "means": "None known"})
    assert incomplete.status_code == 400 and b"The threat is required." in incomplete.content
    steps = [
        {"step": "risk", "threat": "Threatened a neighbour", "victim": "A neighbour", "imminence": "soon",
         "means": "None known"},
        {"step": "rule", "rule_reviewed": "on", "no_consultation_reason": "No one reachable at night"},
        {"step": "disclosure", "recipient_type": "police", "recipient_name": "County police desk",
         "method": "phone", "disclosed_at": "2026-11-20T22:15", "items": ["identity", "threat"],
         "details": "Name and the threat"},
        {"step": "client", "client_told": "yes", "told_at": "2026-11-21T09:00"},
        {"step": "review", "confirm": "on"},
    ]
    for data in steps:
        response = http.post(page, data)
        assert response.status_code == 302, (data["step"], response.content.decode()[:2000])
    recorded = http.get(page)
    assert b"recorded" in recorded.content and b"County police desk" in recorded.content
    accounting = http.get(f"/clients/{client_record.public_id}/disclosures/accounting/")
    assert b"County police desk" in accounting.content
    assert LogEntry.objects.filter(tag="disclosure:emergency:made").count() == 1


@pytest.mark.parametrize("who", ["carol", "dana", "charlie"])
def test_outsiders_get_404_everywhere(request: pytest.FixtureRequest, bob: Person, client_record: Client,
                                      relaxed: object, who: str) -> None:
    person: Person = request.getfixturevalue(who)
    ids = disclosure_ids(vault_of(bob), client_record)
    http = Http()
    if who == "charlie":
        from confide.practice.models import Practice

        Practice.objects.update(mfa_required=False)
    sign_in(http, person.email, person.password)
    base = f"/clients/{client_record.public_id}/disclosures"
    for path in ("/", "/authorizations/new", f"/authorizations/{ids['authorization_id']}/", "/emergency/new",
                 f"/emergency/{ids['disclosure_id']}/", "/court/new", "/other/new", "/accounting/",
                 "/accounting.pdf"):
        assert http.get(base + path).status_code == 404, path
    assert http.post(f"{base}/authorizations/{ids['authorization_id']}/revoke").status_code == 404
    assert Authorization.objects.get().revoked_at is None
