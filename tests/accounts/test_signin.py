"""Signing in: password, TOTP, recovery codes, rate limits, MFA enforcement and idle expiry."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from confide.accounts.middleware import LAST_ACTIVITY_KEY
from tests.conftest import Person, enrol_totp, recovery_codes, totp_code

LOGIN = "/accounts/login/"
MFA = "/accounts/2fa/authenticate/"


def sign_in(client: Client, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def test_it_signs_in_with_password_when_mfa_is_optional(client: Client, alice: Person, relaxed: object) -> None:
    response = sign_in(client, alice.email, alice.password)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_it_refuses_a_wrong_password(client: Client, alice: Person) -> None:
    response = sign_in(client, alice.email, "not the password at all, sorry")
    assert response.status_code == 400, "a refused sign-in says so in its status (issue 21, finding 8)"
    assert b"not correct" in response.content
    assert client.get("/").status_code == 302


def test_it_asks_for_totp_after_the_password(client: Client, alice: Person) -> None:
    secret = enrol_totp(alice.user)
    response = sign_in(client, alice.email, alice.password)
    assert response.status_code == 302 and response["Location"] == MFA
    assert client.get("/").status_code == 302, "the password alone must not sign in"
    response = client.post(MFA, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert response.status_code == 400 and b"Incorrect code" in response.content
    response = client.post(MFA, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_a_totp_code_works_only_once(alice: Person) -> None:
    secret = enrol_totp(alice.user)
    first, second = Client(), Client()
    code = totp_code(secret)
    sign_in(first, alice.email, alice.password)
    assert first.post(MFA, {"code": code}).status_code == 302
    sign_in(second, alice.email, alice.password)
    response = second.post(MFA, {"code": code})
    assert response.status_code == 400 and b"Incorrect code" in response.content


def test_it_signs_in_with_a_recovery_code_once(alice: Person) -> None:
    enrol_totp(alice.user)
    codes = recovery_codes(alice)
    client = Client()
    sign_in(client, alice.email, alice.password)
    assert client.post(MFA, {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    again = Client()
    sign_in(again, alice.email, alice.password)
    assert again.post(MFA, {"code": codes[0]}).status_code == 400, "a used recovery code is refused"


def test_staff_without_mfa_are_sent_to_enrol_when_the_practice_requires_it(client: Client, bob: Person) -> None:
    sign_in(client, bob.email, bob.password)
    response = client.get("/practice/staff/")
    assert response.status_code == 302 and response["Location"] == "/account/security/"
    assert client.get("/account/security/").status_code == 200
    # Enrolling a factor is a sensitive change: allauth asks for the password again first.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": bob.password})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)}).status_code == 302
    assert client.get("/practice/staff/").status_code == 200, "after enrolment the practice opens"


def test_failed_sign_ins_lock_the_account(alice: Person, relaxed: object) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, alice.email, "wrong wrong wrong wrong")
    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    response = sign_in(elsewhere, alice.email, alice.password)
    assert response.status_code == 429 and b"Too many failed login attempts" in response.content
    assert elsewhere.get("/").status_code == 302, "the right password does not open a locked account"


def test_failed_sign_ins_from_one_address_are_limited_across_accounts(db: None, alice: Person, relaxed: object) -> None:
    client = Client(REMOTE_ADDR="10.1.2.3")
    for index in range(20):
        sign_in(client, f"nobody{index}@example.test", "wrong wrong wrong wrong")
    response = sign_in(client, alice.email, alice.password)
    assert b"Too many failed login attempts" in response.content
    assert client.get("/").status_code == 302, "the right password from a blocked address does not sign in"
    other = Client(REMOTE_ADDR="10.1.2.4")
    assert sign_in(other, alice.email, alice.password).status_code == 302


def test_a_session_ends_after_the_idle_timeout(client: Client, alice: Person, relaxed: object) -> None:
    sign_in(client, alice.email, alice.password)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 16 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert client.get("/").status_code == 302, "the session is gone, not just redirected once"


def test_the_idle_timeout_follows_the_practice_setting(client: Client, alice: Person, relaxed: object) -> None:
    relaxed.session_idle_minutes = 60  # type: ignore[attr-defined]
    relaxed.save()  # type: ignore[attr-defined]
    sign_in(client, alice.email, alice.password)
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 30 * 60
    session.save()
    assert client.get("/").status_code == 200


def test_polling_the_session_status_does_not_keep_it_alive(client: Client, alice: Person, relaxed: object) -> None:
    sign_in(client, alice.email, alice.password)
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - 14 * 60
    session.save()
    status = client.get("/session/status").json()
    assert status["signed_in"] and status["remaining_seconds"] <= 60
    assert client.session[LAST_ACTIVITY_KEY] < time.time() - 13 * 60
    assert client.post("/session/keepalive").json()["remaining_seconds"] == 15 * 60
    assert client.session[LAST_ACTIVITY_KEY] > time.time() - 5


def test_session_status_reports_signed_out(client: Client, db: None) -> None:
    assert client.get("/session/status").status_code == 401


def test_sign_out_everywhere_ends_other_sessions(alice: Person, relaxed: object) -> None:
    laptop, phone = Client(HTTP_USER_AGENT="laptop"), Client(HTTP_USER_AGENT="phone")
    sign_in(laptop, alice.email, alice.password)
    sign_in(phone, alice.email, alice.password)
    assert phone.get("/").status_code == 200
    page = laptop.get("/account/security/")
    assert b"laptop" in page.content and b"phone" in page.content
    assert laptop.post("/account/sign-out-everywhere").status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302


def test_a_suspended_member_cannot_sign_in(client: Client, alice: Person, bob: Person, relaxed: object) -> None:
    bob.user.is_active = False
    bob.user.save()
    response = sign_in(client, bob.email, bob.password)
    assert client.get("/").status_code == 302
    assert response.status_code in (200, 302)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"login": "alice@example.test"},
        {"login": "x" * 5000, "password": "y"},
        {"login": "not-an-email", "password": "whatever whatever"},
    ],
)
def test_bad_sign_in_input_gets_a_form_error(client: Client, alice: Person, data: dict[str, str]) -> None:
    response = client.post(LOGIN, data)
    assert response.status_code == 400
    assert b"errorlist" in response.content or b"not correct" in response.content
