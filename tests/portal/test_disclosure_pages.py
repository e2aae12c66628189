"""The portal's disclosure pages over HTTP: the accounting, signing and revoking authorizations, and who may."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser

from confide.disclosures.models import Authorization, AuthorizationRequest
from confide.portal import services
from confide.portal.models import ClientAccount
from confide.records import services as records
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.disclosures.conftest import authorization, complete, scan
from tests.disclosures.helpers import prepare_for_portal
from tests.disclosures.test_required import _walk
from tests.portal.conftest import CLIENT_PASSWORD
from tests.portal.test_views import as_bob, as_client, sign
from tests.records.conftest import vault_of

__all__ = ["as_bob", "as_client", "authorization", "complete", "scan"]  # fixtures

PAGES = ["/portal/disclosures/", "/portal/disclosures/accounting.pdf", "/portal/authorizations/"]
FORM = {"categories": ["progress_notes"], "description": "Progress notes of 2026", "discloser": "The practice",
        "recipient_name": "Dr. Hollis Penwarden", "purposes": "At the request of the client",
        "expiry_event": "One year after signing", "signer_name": "The client"}


def _hash(page: str) -> str:
    return re.search(r'name="document_hash" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]


def test_staff_are_forbidden_and_visitors_sent_to_sign_in(as_bob: Browser, client_account: ClientAccount) -> None:
    for path in PAGES:
        assert as_bob.get(path).status_code == 403, path
        response = Browser().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), path


def test_a_clinician_prepares_and_the_client_signs_then_revokes(as_bob: Browser, as_client: Browser,
                                                              client_account: ClientAccount) -> None:
    sign(as_client)
    client_id = client_account.client.public_id
    assert "Prepare an authorization to sign in the portal" in as_bob.get(
        f"/clients/{client_id}/disclosures/").content.decode()
    refused = as_bob.post(f"/clients/{client_id}/disclosures/authorizations/prepare", FORM | {"recipient_name": ""})
    assert refused.status_code == 400 and "Name the recipient" in refused.content.decode()
    assert not AuthorizationRequest.objects.exists()
    response = as_bob.post(f"/clients/{client_id}/disclosures/authorizations/prepare", FORM)
    assert response.status_code == 302
    request = AuthorizationRequest.objects.get()
    listing = as_client.get("/portal/authorizations/").content.decode()
    assert "Waiting for your signature" in listing and "Dr. Hollis Penwarden" in listing
    page = as_client.get(f"/portal/authorizations/sign/{request.public_id}/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "You may revoke this authorization" in text and request.document_hash in text
    bad = as_client.post(f"/portal/authorizations/sign/{request.public_id}/",
                         {"document_hash": _hash(text), "typed_name": "Wilhelmina Quastenbrook"})
    assert bad.status_code == 400 and "Tick the box" in bad.content.decode()
    stale = as_client.post(f"/portal/authorizations/sign/{request.public_id}/",
                           {"document_hash": "0" * 64, "understood": "on", "typed_name": "Wilhelmina Quastenbrook"})
    assert stale.status_code == 400 and "changed while you were reading" in stale.content.decode()
    assert not Authorization.objects.exists()
    done = as_client.post(f"/portal/authorizations/sign/{request.public_id}/",
                          {"document_hash": _hash(text), "understood": "on", "typed_name": "Wilhelmina Quastenbrook"})
    assert done.status_code == 302 and done["Location"] == "/portal/authorizations/"
    authorization = Authorization.objects.get()
    staff_page = as_bob.get(f"/clients/{client_id}/disclosures/authorizations/{authorization.public_id}/")
    assert "In the client portal" in staff_page.content.decode()
    assert as_client.get(f"/portal/authorizations/sign/{request.public_id}/").status_code == 404  # signed already
    revoked = as_client.post(f"/portal/authorizations/{authorization.public_id}/revoke")
    assert revoked.status_code == 302
    authorization.refresh_from_db()
    assert authorization.revoked_at is not None
    assert "by you in this portal" in as_client.get("/portal/authorizations/").content.decode()
    again = as_client.post(f"/portal/authorizations/{authorization.public_id}/revoke", follow=True)
    assert "already revoked" in again.content.decode()
    staff_page = as_bob.get(f"/clients/{client_id}/disclosures/authorizations/{authorization.public_id}/")
    assert "by the client in the portal" in staff_page.content.decode()
    home = as_bob.get("/").content.decode()
    assert "A client revoked an authorization in the portal" in home
    assert f"/clients/{client_id}/disclosures/" in home


def test_another_client_gets_not_found(bob: Person, as_client: Browser, client_account: ClientAccount,
                                       authorization: Authorization) -> None:
    request = prepare_for_portal(vault_of(bob), client_account)
    other = records.create_client(vault_of(bob), records.Demographics(given_name="Otto", family_name="Lind"))
    issued = services.invite_client(vault_of(bob), other.public_id, email="otto@example.test")
    account = services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                                email="otto@example.test", password=CLIENT_PASSWORD)
    http = Browser()
    sign_in(http, account.user.email, CLIENT_PASSWORD)
    services.sign_consent(services.client_vault(account, CLIENT_PASSWORD), account,
                          version_number=services.read_consent(account)[0].number, understood=True,
                          typed_name="Otto Lind")
    assert http.get(f"/portal/authorizations/sign/{request.public_id}/").status_code == 404
    assert http.post(f"/portal/authorizations/sign/{request.public_id}/", {
        "document_hash": request.document_hash, "understood": "on", "typed_name": "Otto Lind"}).status_code == 404
    assert http.post(f"/portal/authorizations/{authorization.public_id}/revoke").status_code == 404
    listing = http.get("/portal/authorizations/").content.decode()
    assert "Dr. Example Recipient" not in listing and "Farthingale" not in listing
    authorization.refresh_from_db()
    assert authorization.revoked_at is None and AuthorizationRequest.objects.get().status == "pending"


def test_the_accounting_page_and_its_pdf(bob: Person, as_client: Browser, client_account: ClientAccount) -> None:
    sign(as_client)
    empty = as_client.get("/portal/disclosures/").content.decode()
    assert "Nothing to list" in empty
    _walk(bob, client_account.client)
    page = as_client.get("/portal/disclosures/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Springfield Police" in page.content.decode()
    pdf = as_client.get("/portal/disclosures/accounting.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf["Cache-Control"] == "no-store"
    assert pdf["Content-Disposition"] == 'attachment; filename="accounting-of-disclosures.pdf"'
    history = as_client.get("/portal/access/?own=1").content.decode()  # the client's own actions
    assert "looked at the list of disclosures of your information" in history


@pytest.mark.parametrize("path", ["/portal/authorizations/sign/not-a-uuid/",
                                  "/portal/authorizations/00000000-0000-0000-0000-000000000000/revoke"])
def test_unknown_ids_answer_not_found(as_client: Browser, path: str) -> None:
    sign(as_client)
    response = as_client.post(path) if path.endswith("revoke") else as_client.get(path)
    assert response.status_code == 404
