"""The messages API: the care team reads, replies and files; bad input is a problem, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from confide.keys.vault import create_access_token
from confide.messaging import services
from confide.portal.models import ClientAccount
from tests.conftest import Person
from tests.portal.conftest import client_account, client_record, client_vault_of, consent  # noqa: F401
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db


def _token(person: Person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(vault_of(person), 't')}"}


def test_the_care_team_reads_replies_and_files(client_account: ClientAccount, bob: Person) -> None:  # noqa: F811
    services.send_as_client(client_vault_of(client_account), client_account, text="hello")
    http, auth = HttpClient(), _token(bob)
    base = f"/api/v1/clients/{client_account.client.public_id}/messages"
    [first] = http.get(base, **auth).json()
    assert first["text"] == "hello" and first["from_client"] is True and first["filed_at"] is None
    sent = http.post(base, {"text": "a reply"}, content_type="application/json", **auth)
    assert sent.status_code == 201 and sent.json()["author"] == "You"
    filed = http.post(f"{base}/{first['id']}/file", **auth)
    assert filed.status_code == 200 and filed.json()["filed_at"] is not None
    again = http.post(f"{base}/{first['id']}/file", **auth)
    assert again.status_code == 422 and again["Content-Type"] == "application/problem+json"


def test_bad_input_and_strangers_get_problems(client_account: ClientAccount, bob: Person,  # noqa: F811
                                              dana: Person) -> None:
    http = HttpClient()
    base = f"/api/v1/clients/{client_account.client.public_id}/messages"
    for body in ({"text": ""}, {"text": "x" * 6000}, {"text": "x", "extra": 1}, {}):
        answer = http.post(base, body, content_type="application/json", **_token(bob))
        assert 400 <= answer.status_code < 500
    assert http.get(base, **_token(dana)).status_code == 404
    assert http.get(base).status_code == 401
