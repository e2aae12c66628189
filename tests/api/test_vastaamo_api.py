"""The Vastaamo test through the API: what was sent over HTTP is not readable in a stolen database.

The canaries include the token itself: the database holds only its hash and a wrap of the key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client as HttpClient

from tests.api.conftest import Api, token_of
from tests.conftest import Person
from tests.records.test_vastaamo import CANARIES, assert_no_canary, copy_database


@pytest.mark.django_db(transaction=True)
def test_what_the_api_wrote_a_stolen_database_does_not_reveal(alice: Person, bob: Person, tmp_path: Path) -> None:
    token = token_of(bob)
    api = Api(HttpClient(), token)
    client = api.post("/clients", {"given_name": CANARIES["given_name"], "family_name": CANARIES["family_name"],
                                   "email": CANARIES["email"], "phone": CANARIES["phone"]}).json()
    for kind in ("progress", "psychotherapy"):
        made = api.post(f"/clients/{client['id']}/notes",
                        {"kind": kind, "session_date": "2026-11-20", "body": CANARIES[kind], "sign": True})
        assert made.status_code == 201
    api.post("/clients/search", {"query": CANARIES["family_name"]})

    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for path in copy_database(stolen):
        blob = path.read_bytes()
        assert_no_canary(blob, path.name)
        assert token.removeprefix("cfd_").encode() not in blob, "the token is stored only as a hash"

    # With the token, everything opens again.
    notes = api.get(f"/clients/{client['id']}/notes").json()
    bodies = {api.get(f"/clients/{client['id']}/notes/{n['id']}").json()["body"] for n in notes}
    assert bodies == {CANARIES["progress"], CANARIES["psychotherapy"]}
