"""Notes through the API: progress notes for the care team, psychotherapy notes for their author only."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from confide.audit.models import LogEntry
from confide.portal import consent_gate
from confide.portal import services as portal
from confide.portal.models import ConsentOverride
from confide.records import services
from confide.records.models import Client, Note
from tests.api.conftest import Api, assert_problem
from tests.conftest import Person
from tests.portal.conftest import consent
from tests.records.conftest import vault_of

PROGRESS = {"kind": "progress", "session_date": "2026-11-20", "body": "Discussed sleep and the new routine.",
            "template": "soap", "sign": True}
__all__ = ["consent"]  # fixture

PRIVATE = {"kind": "psychotherapy", "session_date": "2026-11-20", "body": "Transference: the lighthouse again."}


def test_a_clinician_writes_and_reads_a_note(bob: Person, client_record: Client,
                                             api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    response = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS)
    assert response.status_code == 201, response.content
    note = response.json()
    assert note["kind"] == "progress" and note["status"] == "signed" and note["template"] == "soap"
    assert note["body"] == PROGRESS["body"] and note["addenda"] == []
    assert note["author"] == {"id": bob.user.pk, "name": bob.email}
    assert PROGRESS["body"].encode() not in bytes(Note.objects.get(public_id=note["id"]).body)

    listed = api.get(f"/clients/{client_record.public_id}/notes")
    assert listed.status_code == 200
    assert [(n["id"], n["kind"], n["session_date"], n["status"]) for n in listed.json()] == [
        (note["id"], "progress", "2026-11-20", "signed")]
    assert "body" not in listed.json()[0], "the list carries metadata only"

    opened = api.get(f"/clients/{client_record.public_id}/notes/{note['id']}")
    assert opened.status_code == 200 and opened.json() == note


def test_a_note_is_a_draft_unless_signed(bob: Person, client_record: Client,
                                         api_as: Callable[[Person], Api]) -> None:
    body = {k: v for k, v in PROGRESS.items() if k != "sign"}
    note = api_as(bob).post(f"/clients/{client_record.public_id}/notes", body).json()
    assert note["status"] == "draft" and note["signed_at"] is None


def test_addenda_come_with_the_note(bob: Person, client_record: Client, api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    note = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS).json()
    services.add_addendum(vault_of(bob), client_record.public_id, note["id"], body="Correction: two sessions.")
    opened = api.get(f"/clients/{client_record.public_id}/notes/{note['id']}").json()
    assert opened["body"] == PROGRESS["body"]
    assert [a["body"] for a in opened["addenda"]] == ["Correction: two sessions."]


def test_psychotherapy_notes_are_only_for_their_author(bob: Person, carol: Person, client_record: Client,
                                                       api_as: Callable[[Person], Api]) -> None:
    bob_api = api_as(bob)
    assert bob_api.post(f"/clients/{client_record.public_id}/care-team",
                        {"user_id": carol.user.pk, "role": "supervisor"}).status_code == 201
    private = bob_api.post(f"/clients/{client_record.public_id}/notes", PRIVATE).json()
    progress = bob_api.post(f"/clients/{client_record.public_id}/notes", PROGRESS).json()
    assert bob_api.get(f"/clients/{client_record.public_id}/notes/{private['id']}").json()["body"] == PRIVATE["body"]

    carol_api = api_as(carol)
    assert [n["id"] for n in carol_api.get(f"/clients/{client_record.public_id}/notes").json()] == [progress["id"]]
    assert_problem(carol_api.get(f"/clients/{client_record.public_id}/notes/{private['id']}"), 404)
    assert carol_api.get(f"/clients/{client_record.public_id}/notes/{progress['id']}").status_code == 200


@pytest.mark.parametrize("who", ["charlie", "erin", "dana", "alice"])
def test_someone_without_clinical_access_gets_404_for_notes(who: str, request: pytest.FixtureRequest, bob: Person,
                                                            client_record: Client,
                                                            api_as: Callable[[Person], Api]) -> None:
    note = api_as(bob).post(f"/clients/{client_record.public_id}/notes", PROGRESS).json()
    api = api_as(request.getfixturevalue(who))
    base = f"/clients/{client_record.public_id}/notes"
    assert_problem(api.get(base), 404)
    assert_problem(api.get(f"{base}/{note['id']}"), 404)
    assert_problem(api.post(base, PROGRESS), 404)
    assert Note.objects.count() == 1


def test_a_note_of_another_client_is_not_found_under_this_one(bob: Person, client_record: Client,
                                                              api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    other = api.post("/clients", {"given_name": "Ada", "family_name": "Brook"}).json()
    note = api.post(f"/clients/{other['id']}/notes", PROGRESS).json()
    assert_problem(api.get(f"/clients/{client_record.public_id}/notes/{note['id']}"), 404)


# ----------------------------------------------------------------------------- the consent gate (ADR 0008)


@pytest.fixture
def consent_process(consent: object, client_record: Client) -> None:
    """The practice issued a consent document through Confide; the client has not signed it."""
    portal.current_version(client_record.practice)


def test_signing_without_current_consent_needs_a_reason(bob: Person, client_record: Client, consent_process: None,
                                                        api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    before = LogEntry.objects.count()
    response = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS)
    body = assert_problem(response, 422)
    assert body["type"] == "urn:confide:problem:consent-required" and body["title"] == "Consent required"
    assert [e["pointer"] for e in body["errors"]] == ["#/consent_reason"]
    assert not Note.objects.exists(), "a refused signature saves nothing"
    assert not LogEntry.objects.filter(position__gte=before, tag__startswith="record:note").exists()
    blank = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS | {"consent_reason": "   "})
    assert assert_problem(blank, 422)["type"] == "urn:confide:problem:consent-required"
    signed = api.post(f"/clients/{client_record.public_id}/notes",
                      PROGRESS | {"consent_reason": "Crisis session before the consent could be signed"})
    assert signed.status_code == 201 and signed.json()["status"] == "signed"
    override = ConsentOverride.objects.get()
    assert b"Crisis" not in bytes(override.reason)
    assert consent_gate.consent_override_reason(vault_of(bob), override.note) == (
        "Crisis session before the consent could be signed")
    assert LogEntry.objects.filter(tag="consent:override:recorded").count() == 1


def test_drafts_and_psychotherapy_notes_need_no_reason_and_a_long_reason_is_refused(
        bob: Person, client_record: Client, consent_process: None, api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    assert api.post(f"/clients/{client_record.public_id}/notes", PROGRESS | {"sign": False}).status_code == 201
    assert api.post(f"/clients/{client_record.public_id}/notes", PRIVATE | {"sign": True}).status_code == 201
    long = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS | {"consent_reason": "x" * 1001})
    assert "#/consent_reason" in [e.get("pointer") for e in assert_problem(long, 422)["errors"]]
    wrong_type = api.post(f"/clients/{client_record.public_id}/notes", PROGRESS | {"consent_reason": 7})
    assert "#/consent_reason" in [e.get("pointer") for e in assert_problem(wrong_type, 422)["errors"]]
    assert not ConsentOverride.objects.exists()
