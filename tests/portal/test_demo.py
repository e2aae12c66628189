"""The demo shows the client's side too: a portal client with a signed consent, a check-in and an authorization."""

from __future__ import annotations

from django.test import Client as Browser

from confide.accounts.addresses import portal_alias
from confide.demo import seed_demo_practice
from confide.disclosures.models import AuthorizationRequest
from confide.portal import services
from confide.portal.models import CheckIn, ClientAccount
from tests.accounts.test_signin import sign_in


def test_the_demo_has_a_portal_client_who_can_sign_in(db: None, relaxed: object) -> None:
    people = seed_demo_practice()
    [client] = [p for p in people if p.role == "client"]
    account = ClientAccount.objects.select_related("client").get(user__email=portal_alias(client.email))
    assert services.consent_status(account.client).state == "current"
    assert CheckIn.objects.filter(client=account.client).count() == 1
    assert AuthorizationRequest.objects.get(client=account.client).status == "pending"
    http = Browser()
    response = sign_in(http, client.email, client.password)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    home = http.get("/portal/")
    assert home.status_code == 200 and "1 authorization waiting for your signature" in home.content.decode()
    assert "Waiting for your signature" in http.get("/portal/authorizations/").content.decode()
