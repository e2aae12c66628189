"""The access history of a client's record: plain words, and every entry provable."""

from __future__ import annotations

import base64
import hashlib

from django.test import Client

from confide.audit import services as audit_services
from confide.auditlog import verify_inclusion
from confide.records import services
from tests.accounts.test_signin import sign_in
from tests.api.conftest import token_of
from tests.conftest import Person
from tests.records.conftest import vault_of


def _setup(bob: Person) -> str:
    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(given_name="Ada", family_name="Brook"))
    note = services.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20",
                                body="Session.", sign=True)
    services.open_note(vault_of(bob), client.public_id, note.public_id)
    return str(client.public_id)


def test_the_api_lists_accesses_in_plain_words_with_proofs_that_verify(bob: Person, relaxed: object) -> None:
    client_id = _setup(bob)
    response = Client().get(f"/api/v1/clients/{client_id}/access-log",
                            headers={"Authorization": f"Bearer {token_of(bob)}"})
    assert response.status_code == 200
    body = response.json()
    whats = [e["what"] for e in body["entries"]]
    assert "read a progress note" in whats and "registered you as a client" in whats
    assert all(e["who"].startswith("bob@example.test") for e in body["entries"])
    head = audit_services.read_head_text(body["tree_head"])
    assert head.size == body["tree_size"]
    for entry in body["entries"]:
        proof = [base64.b64decode(p) for p in entry["inclusion_proof"]]
        verify_inclusion(bytes.fromhex(entry["leaf_hash"]), entry["leaf_index"], head.size, proof, head.root_hash)
        # The entry's bytes are served too, and they hash to the proven leaf (issue 22).
        assert hashlib.sha256(b"\x00" + base64.b64decode(entry["entry"])).hexdigest() == entry["leaf_hash"]
    assert "Ada" not in response.content.decode() and "Brook" not in response.content.decode()


def test_a_tampered_proof_does_not_verify(bob: Person, relaxed: object) -> None:
    import pytest

    from confide.auditlog import InclusionProofError

    client_id = _setup(bob)
    body = Client().get(f"/api/v1/clients/{client_id}/access-log",
                        headers={"Authorization": f"Bearer {token_of(bob)}"}).json()
    head = audit_services.read_head_text(body["tree_head"])
    entry = body["entries"][0]
    with pytest.raises(InclusionProofError):
        verify_inclusion(bytes(32), entry["leaf_index"], head.size,
                         [base64.b64decode(p) for p in entry["inclusion_proof"]], head.root_hash)


def test_the_page_shows_the_history_to_the_care_team_only(bob: Person, charlie: Person, dana: Person,
                                                          relaxed: object) -> None:
    client_id = _setup(bob)
    http = Client()
    sign_in(http, bob.email, bob.password)
    page = http.get(f"/clients/{client_id}/access-log/")
    assert page.status_code == 200 and b"read a progress note" in page.content
    assert b"Ada" not in page.content.split(b"<main")[1]
    stranger = Client()
    charlie.user.membership.practice.mfa_required = False
    charlie.user.membership.practice.save()
    sign_in(stranger, charlie.email, charlie.password)
    assert stranger.get(f"/clients/{client_id}/access-log/").status_code == 404
    assert Client().get(f"/api/v1/clients/{client_id}/access-log",
                        headers={"Authorization": f"Bearer {token_of(charlie)}"}).status_code == 404


def test_every_record_event_has_plain_words() -> None:
    from confide.audit.tags import Tag
    from confide.records.access_history import WHAT

    client_tags = [t.value for t in Tag if t.value.startswith(("record:", "access:")) or t == Tag.AUDIT_LOG_READ]
    # These two never carry a client id, so they never appear in a client's history.
    no_client = {"access:recovery:password_reset", "record:caseload:listed"}
    missing = [t for t in client_tags if t not in WHAT and t not in no_client]
    assert not missing, f"describe these events for clients in access_history.WHAT: {missing}"
