"""Personal access tokens: the only way into the API, and a dead end once revoked or suspended."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from confide.keys.models import PersonalAccessToken
from confide.records.models import Client
from tests.api.conftest import Api, assert_problem, token_of
from tests.conftest import Person

CLIENT_PATHS = ["/clients", "/clients/{id}", "/clients/{id}/notes", "/clients/{id}/care-team"]


@pytest.mark.parametrize("path", CLIENT_PATHS)
def test_every_endpoint_needs_a_token(anonymous: Api, client_record: Client, path: str) -> None:
    response = anonymous.get(path.format(id=client_record.public_id))
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="confide"'
    assert "Quastenbrook" not in response.content.decode()


@pytest.mark.parametrize("header", [
    "Bearer cfd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  # well-formed, unknown
    "Bearer cfd_not-base64!!",
    "Bearer not-a-confide-token",
    "Bearer ",
    "Bearer",
    "Basic YWxpY2U6c2VjcmV0",
    "Token cfd_AAAA",
    "Bearer cfd_\u00e9\u00e9\u00e9",
])
def test_a_bad_token_gets_401(client: HttpClient, client_record: Client, header: str) -> None:
    response = client.get("/api/v1/clients", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(bob: Person, client: HttpClient, client_record: Client) -> None:
    token = token_of(bob)
    api = Api(client, token)
    assert api.get("/clients").status_code == 200
    PersonalAccessToken.objects.filter(user=bob.user).update(revoked_at=timezone.now())
    response = api.get("/clients")
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_portal_clients_token_gets_401(bob: Person, client: HttpClient, client_record: Client) -> None:
    """The API is for staff: a client's own token (they hold a key pair too) is refused, not a 500."""
    from confide.keys.vault import create_access_token
    from confide.portal import services as portal
    from tests.conftest import PASSWORD
    from tests.records.conftest import vault_of

    issued = portal.invite_client(vault_of(bob), client_record.public_id, email="wq.api@example.test")
    account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                              email="wq.api@example.test", password=PASSWORD)
    api = Api(client, create_access_token(portal.client_vault(account, PASSWORD), "mine"))
    for path in ("/clients", f"/clients/{client_record.public_id}", f"/clients/{client_record.public_id}/notes"):
        response = api.get(path)
        assert_problem(response, 401)
        assert "Quastenbrook" not in response.content.decode()


def test_a_suspended_persons_token_stops_working(bob: Person, client: HttpClient, client_record: Client) -> None:
    api = Api(client, token_of(bob))
    bob.user.is_active = False
    bob.user.save()
    assert_problem(api.get("/clients"), 401)


def test_a_token_records_when_it_was_last_used(bob: Person, client: HttpClient) -> None:
    Api(client, token_of(bob)).get("/clients")
    assert PersonalAccessToken.objects.get(user=bob.user).last_used_at is not None


def test_the_token_is_stored_only_as_a_hash(bob: Person) -> None:
    token = token_of(bob)
    record = PersonalAccessToken.objects.get(user=bob.user)
    secret = token.removeprefix("cfd_")
    assert secret not in record.lookup_hash and secret.encode() not in bytes(record.private_key_wrap)


def test_tokens_never_reach_the_logs(bob: Person, client: HttpClient, client_record: Client,
                                     caplog: pytest.LogCaptureFixture, settings: object) -> None:
    token = token_of(bob)
    settings.DEBUG = True  # type: ignore[attr-defined]  # ninja's own bearer class logs the header in DEBUG
    with caplog.at_level(logging.DEBUG):
        for header in (f"Bearer {token}", f"Bearer {token}x", f"Bearr {token}", f"bearer {token}"):
            client.get("/api/v1/clients", headers={"Authorization": header})
            client.get("/api/v1/clients/not-a-uuid", headers={"Authorization": header})
    assert token[4:20] not in caplog.text


def test_the_health_check_needs_no_token(anonymous: Api) -> None:
    assert anonymous.get("/health").json()["status"] == "ok"


def test_a_token_works_without_a_session_or_csrf_token(bob: Person, client_record: Client) -> None:
    strict = HttpClient(enforce_csrf_checks=True)
    response = strict.post("/api/v1/clients", data={"given_name": "Ada", "family_name": "Brook"},
                           content_type="application/json", headers={"Authorization": f"Bearer {token_of(bob)}"})
    assert response.status_code == 201


def test_a_signed_in_browser_session_is_not_a_token(alice: Person, relaxed: object, client: HttpClient,
                                                    client_record: Client, api_as: Callable[[Person], Api]) -> None:
    # The API takes tokens only, so a page cannot be tricked into calling it with the browser's cookies.
    client.force_login(alice.user)
    assert_problem(client.get("/api/v1/clients"), 401)
