"""The unlocked key travels between requests as a session blob plus a cookie secret."""

from __future__ import annotations

from django.test import Client

from confide.keys.web import SESSION_KEY, cookie_name
from tests.accounts.test_signin import MFA, sign_in
from tests.conftest import Person, enrol_totp, totp_code


def test_signing_in_unlocks_the_vault(client: Client, alice: Person, relaxed: object) -> None:
    sign_in(client, alice.email, alice.password)
    cookie = client.cookies[cookie_name()]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert client.session[SESSION_KEY]
    assert client.get("/vault/unlock").status_code == 200


def test_the_vault_survives_the_second_factor(client: Client, alice: Person) -> None:
    secret = enrol_totp(alice.user)
    sign_in(client, alice.email, alice.password)
    client.post(MFA, {"code": totp_code(secret)})
    assert client.session[SESSION_KEY] and client.cookies[cookie_name()].value


def test_the_unlock_page_refuses_a_wrong_password(client: Client, alice: Person, relaxed: object) -> None:
    sign_in(client, alice.email, alice.password)
    session = client.session
    del session[SESSION_KEY]
    session.save()
    response = client.post("/vault/unlock?next=/", {"password": "wrong wrong wrong wrong"})
    assert response.status_code == 400 and b"not your password" in response.content
    assert SESSION_KEY not in client.session
    response = client.post("/vault/unlock?next=https://evil.example/", {"password": alice.password})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session[SESSION_KEY]


def test_the_cookie_is_removed_after_sign_out(client: Client, alice: Person, relaxed: object) -> None:
    sign_in(client, alice.email, alice.password)
    client.post("/accounts/logout/")
    client.get("/accounts/login/")
    assert client.cookies[cookie_name()].value == ""
