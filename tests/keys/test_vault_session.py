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


def test_the_caseload_fills_the_keyring_once_and_then_skips_the_kem(bob: Person, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from confide import crypto
    from confide.keys.models import KeyWrap
    from confide.records import services
    from tests.records.conftest import vault_of

    vault = vault_of(bob)
    for name in ("Ada", "Bea", "Cy"):
        services.create_client(vault, services.Demographics(given_name=name, family_name="Brook"))
    assert not KeyWrap.objects.filter(recipient=bob.user, keyring_blob__isnull=False).exists()
    assert len(services.caseload(vault_of(bob))) == 3
    assert KeyWrap.objects.filter(recipient=bob.user, key_version__scope="admin",
                                  keyring_blob__isnull=False).count() == 3
    calls = []
    real = crypto.unwrap_key
    monkeypatch.setattr(crypto, "unwrap_key", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert [e.demographics.given_name for e in services.caseload(vault_of(bob))] == ["Ada", "Bea", "Cy"]
    assert calls == [], "the second caseload opens every admin key through the keyring"


def test_an_altered_keyring_wrap_falls_back_to_the_hpke_wrap(bob: Person) -> None:
    from confide.keys.models import KeyWrap
    from confide.records import services
    from tests.records.conftest import vault_of

    services.create_client(vault_of(bob), services.Demographics(given_name="Ada", family_name="Brook"))
    services.caseload(vault_of(bob))
    wrap = KeyWrap.objects.get(recipient=bob.user, key_version__scope="admin")
    KeyWrap.objects.filter(pk=wrap.pk).update(keyring_blob=bytes(wrap.keyring_blob)[:-1] + b"\0")
    assert [e.demographics.given_name for e in services.caseload(vault_of(bob))] == ["Ada"]
