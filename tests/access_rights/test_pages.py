"""The right-of-access pages: the client asks and downloads in the portal; the clinician reviews."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client as Browser
from django.utils import timezone

from confide.access_rights.models import AccessRequest, AmendmentRequest
from confide.audit.models import LogEntry
from confide.audit.tags import Tag
from confide.core.fhir import validated
from confide.portal.models import ClientAccount
from confide.records.models import Client
from tests.access_rights.conftest import CLIENT_PASSWORD, pdf_text
from tests.accounts.test_signin import sign_in
from tests.conftest import Person


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    assert sign_in(http, client_account.user.email, CLIENT_PASSWORD).status_code == 302
    return http


@pytest.fixture
def as_bob(bob: Person, relaxed: object) -> Browser:
    http = Browser()
    sign_in(http, bob.email, bob.password)
    return http


def test_request_review_and_download_through_the_pages(record: Client, as_client: Browser, as_bob: Browser) -> None:
    page = as_client.get("/portal/record/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert b"164.524(a)(1)(i)" in page.content
    assert as_client.post("/portal/record/request").status_code == 302
    again = as_client.post("/portal/record/request")
    assert again.status_code == 400 and b"already asked" in again.content
    request = AccessRequest.objects.get()

    listing = as_bob.get("/practice/access-requests/")
    assert listing.status_code == 200 and b"Wilhelmina Quastenbrook" in listing.content
    assert b"30 days left" in listing.content
    review = as_bob.get(f"/clients/{record.public_id}/access-requests/")
    assert review.status_code == 200 and b"164.524(a)(3)(i)" in review.content and b"unverified" in review.content
    base = f"/clients/{record.public_id}/access-requests/{request.public_id}"
    assert as_bob.post(f"{base}/deny", {"ground": "a3i"}).status_code == 400
    assert as_bob.post(f"{base}/deny", {"ground": "invented", "explanation": "x"}).status_code == 400
    assert as_bob.post(f"{base}/extend", {}).status_code == 400
    assert AccessRequest.objects.get().status == "pending"
    assert as_bob.post(f"{base}/fulfil").status_code == 302
    assert as_bob.post(f"{base}/fulfil").status_code == 400  # answered already

    page = as_client.get("/portal/record/").content.decode()
    links = re.findall(r'href="(/portal/record/copies/[0-9a-f-]+)"', page)
    assert len(links) == 2
    for link in links:
        response = as_client.get(link)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        disposition = response["Content-Disposition"]
        assert "Quastenbrook" not in disposition and "Wilhelmina" not in disposition
        if response["Content-Type"] == "application/pdf":
            assert "PSYNOTE-CANARY" not in pdf_text(response.content)
        else:
            validated(json.loads(response.content))
            assert b"PSYNOTE-CANARY" not in response.content
    assert as_bob.get(links[0]).status_code == 403  # staff never use the client's pages


def test_the_overdue_request_is_highlighted(record: Client, client_account: ClientAccount, as_client: Browser,
                                            as_bob: Browser) -> None:
    as_client.post("/portal/record/request")
    AccessRequest.objects.update(due_on=timezone.localdate() - dt.timedelta(days=3))
    listing = as_bob.get("/practice/access-requests/").content
    assert b"row-overdue" in listing and b"Overdue" in listing


def test_a_denial_shows_the_client_its_ground_and_their_right_to_review(record: Client, as_client: Browser,
                                                                       as_bob: Browser) -> None:
    as_client.post("/portal/record/request")
    request = AccessRequest.objects.get()
    response = as_bob.post(f"/clients/{record.public_id}/access-requests/{request.public_id}/deny",
                           {"ground": "a3ii", "explanation": "It names another person (fictional)."})
    assert response.status_code == 302
    page = as_client.get("/portal/record/").content
    assert b"164.524(a)(3)(ii)" in page and b"reviewed" in page and b"names another person" in page
    assert as_client.post(f"/portal/record/requests/{request.public_id}/review").status_code == 302
    assert AccessRequest.objects.get().review_requested_at is not None
    assert LogEntry.objects.filter(tag=Tag.ACCESS_REVIEW_REQUESTED).exists()


def test_an_amendment_through_the_pages(record: Client, as_client: Browser, as_bob: Browser) -> None:
    assert as_client.post("/portal/record/amendments", {"text": ""}).status_code == 400
    assert as_client.post("/portal/record/amendments", {"text": "My pronouns are they/them (fictional)."}) \
        .status_code == 302
    amendment = AmendmentRequest.objects.get()
    url = f"/clients/{record.public_id}/amendments/{amendment.public_id}/answer"
    assert as_bob.post(url, {"decision": "accepted"}).status_code == 400
    assert as_bob.post(url, {"decision": "accepted", "answer": "Updated."}).status_code == 302
    assert b"Updated." in as_client.get("/portal/record/").content


def test_others_get_404(record: Client, client_account: ClientAccount, as_client: Browser, carol: Person,
                        dana: Person, relaxed: object) -> None:
    as_client.post("/portal/record/request")
    request = AccessRequest.objects.get()
    for person in (carol, dana):
        http = Browser()
        sign_in(http, person.email, person.password)
        assert http.get(f"/clients/{record.public_id}/access-requests/").status_code == 404
        assert http.post(f"/clients/{record.public_id}/access-requests/{request.public_id}/fulfil").status_code == 404
    assert AccessRequest.objects.get().status == "pending"
