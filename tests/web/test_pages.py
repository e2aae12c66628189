"""Staff pages: who may see them, what bad input does, and the invitation path through the web."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from confide import crypto
from confide.accounts.models import User
from confide.keys.models import UserKeyPair
from confide.keys.services import kdf_params
from confide.practice.models import Invitation, Membership, Practice
from tests.accounts.test_signin import sign_in
from tests.conftest import Person, enrol_totp, totp_code


@pytest.fixture
def owner_client(alice: Person, relaxed: Practice) -> Client:
    client = Client()
    sign_in(client, alice.email, alice.password)
    return client


@pytest.fixture
def bob_client(bob: Person, relaxed: Practice) -> Client:
    client = Client()
    sign_in(client, bob.email, bob.password)
    return client


@pytest.mark.parametrize("path", ["/", "/practice/staff/", "/practice/settings/", "/account/security/"])
def test_signed_out_visitors_are_sent_to_sign_in(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_owner_sees_staff_and_can_invite(owner_client: Client, bob: Person) -> None:
    page = owner_client.get("/practice/staff/")
    assert page.status_code == 200
    assert b"bob@example.test" in page.content and b"Send invitation" in page.content


def test_a_clinician_sees_staff_but_cannot_invite(bob_client: Client) -> None:
    page = bob_client.get("/practice/staff/")
    assert page.status_code == 200 and b"Send invitation" not in page.content
    response = bob_client.post("/practice/staff/", {"email": "x@example.test", "role": "clinician"})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("path", ["/practice/invitations/1/revoke", "/practice/staff/1/active"])
def test_owner_actions_are_not_found_for_a_clinician(bob_client: Client, path: str) -> None:
    assert bob_client.post(path).status_code == 404


def test_someone_outside_the_practice_gets_404(client: Client, db: None) -> None:
    loner = User.objects.create_user(email="loner@example.test", password="quiet harbour lantern")
    # Everyone who signs in has a key pair: their second factor is sealed to it (ADR 0013).
    private = crypto.generate_user_keypair()
    UserKeyPair.objects.create(
        user=loner, public_key=crypto.serialize_public_key(private.public_key()),
        fingerprint=crypto.fingerprint(private.public_key()), recovery_wrap=b"",
        password_wrap=crypto.wrap_private_key_with_password(private, "quiet harbour lantern", owner_id=str(loner.pk),
                                                            params=kdf_params()))
    secret = enrol_totp(loner)
    sign_in(client, "loner@example.test", "quiet harbour lantern")
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    for path in ("/", "/practice/staff/", "/practice/settings/"):
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"email": "", "role": "clinician"},
        {"email": "not-an-address", "role": "clinician"},
        {"email": "x@example.test", "role": "owner"},
        {"email": "x@example.test"},
        {"email": "x" * 300 + "@example.test", "role": "clinician"},
    ],
)
def test_bad_invitations_get_a_clear_error_and_save_nothing(owner_client: Client, data: dict[str, str]) -> None:
    response = owner_client.post("/practice/staff/", data)
    assert response.status_code == 400
    assert b'class="error"' in response.content
    assert not Invitation.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "session_idle_minutes": "15"},
        {"name": "Ok", "session_idle_minutes": "2"},
        {"name": "Ok", "session_idle_minutes": "abc"},
        {"name": "Ok", "session_idle_minutes": "999"},
        {"name": "x" * 500, "session_idle_minutes": "15"},
    ],
)
def test_bad_settings_get_a_clear_error_and_save_nothing(owner_client: Client, data: dict[str, str]) -> None:
    response = owner_client.post("/practice/settings/", data)
    assert response.status_code == 400 and b'class="error"' in response.content
    practice = Practice.objects.get()
    assert practice.name == "Quiet Harbour Counselling" and practice.session_idle_minutes == 15


def test_the_owner_saves_settings(owner_client: Client) -> None:
    response = owner_client.post(
        "/practice/settings/", {"name": "Cedar", "session_idle_minutes": "20", "mfa_required": "on"}
    )
    assert response.status_code == 302
    practice = Practice.objects.get()
    assert (practice.name, practice.session_idle_minutes, practice.mfa_required) == ("Cedar", 20, True)


def test_relaxing_mfa_shows_a_warning_to_everyone(owner_client: Client, bob_client: Client) -> None:
    assert b"Two-factor authentication is not required" in bob_client.get("/").content


def test_a_clinician_cannot_change_settings(bob_client: Client) -> None:
    page = bob_client.get("/practice/settings/")
    assert page.status_code == 200 and b"Only the practice owner" in page.content
    assert bob_client.post("/practice/settings/", {"name": "Hijack", "session_idle_minutes": "120"}).status_code == 403
    assert Practice.objects.get().name == "Quiet Harbour Counselling"


def _invite(owner_client: Client) -> str:
    owner_client.post("/practice/staff/", {"email": "erin@example.test", "role": "supervisor"})
    match = re.search(r"/invite/([^/\s]+)/", mail.outbox[-1].body)
    assert match
    return match.group(0)


def test_an_invitation_is_accepted_through_the_web_once(owner_client: Client) -> None:
    link = _invite(owner_client)
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and b"erin@example.test" in page.content
    response = visitor.post(
        link, {"display_name": "Erin", "password1": "lantern orchard sparrow", "password2": "lantern orchard sparrow"}
    )
    assert response.status_code == 302 and response["Location"] == "/account/security/"
    assert Membership.objects.get(user__email="erin@example.test").role == "supervisor"
    assert Client().get(link).status_code == 404
    again = Client().post(link, {"password1": "another long passphrase", "password2": "another long passphrase"})
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("short", "short"),
        ("lantern orchard sparrow", "different passphrase here"),
        ("", ""),
        ("password1234567890", "password1234567890"),
    ],
)
def test_bad_passwords_on_the_invitation_page_save_nothing(owner_client: Client, first: str, second: str) -> None:
    link = _invite(owner_client)
    response = Client().post(link, {"password1": first, "password2": second})
    assert response.status_code == 400 and b'class="error"' in response.content
    assert not User.objects.filter(email="erin@example.test").exists()
    assert Client().get(link).status_code == 200, "the invitation still works"


def test_an_unknown_invitation_link_says_so(client: Client, db: None) -> None:
    response = client.get("/invite/not-a-real-token/")
    assert response.status_code == 404 and b"no longer valid" in response.content


def test_account_security_lists_factors(client: Client, alice: Person) -> None:
    secret = enrol_totp(alice.user)
    sign_in(client, alice.email, alice.password)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    page = client.get("/account/security/")
    assert page.status_code == 200 and b"enrolled" in page.content


def test_error_pages_show_nothing_of_the_request(client: Client, db: None) -> None:
    canary = "CANARY-Zephyrine-Quillfeather"
    response = client.get(f"/no/such/{canary}/?q={canary}")
    assert response.status_code == 404
    assert canary.encode() not in response.content


def test_api_errors_are_problem_details(client: Client, db: None) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] and "detail" in body
    assert client.get("/api/v1/health").json()["status"] == "ok"
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Confide API"
