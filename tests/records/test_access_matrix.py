"""The access matrix: who may open which part of a client's record, asked three ways.

Seven people meet one client of bob's: the owner (who holds every client's admin key but is not
on this care team), bob (the primary clinician), erin (a clinician off the team), carol (a
supervisor bob granted clinical access), frank (a supervisor nobody granted anything), dana
(front desk) and charlie (the owner of another practice). For each person and each resource,
`MATRIX` says what they get; the same answer must come from the record services, the web pages
and the API. Then, for every "not found", the person's vault is shown to be unable to open the
data even with every permission check bypassed: they hold no wrap of the key, and nobody else's
wrap opens with their private key.
"""

from __future__ import annotations

import io
import struct
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client as Browser

from confide import crypto
from confide.keys import vault as keys
from confide.keys.models import KeyWrap
from confide.keys.vault import NoKeyError, Vault
from confide.practice.models import Practice, Role
from confide.records import documents, services
from confide.records.models import Client, Document, Note
from tests.accounts.test_signin import sign_in
from tests.api.conftest import Api, assert_problem, token_of
from tests.conftest import PASSWORD, Person, add_member
from tests.records.conftest import vault_of

ALLOWED = "allowed"
NOT_FOUND = "not found"
Y, N = ALLOWED, NOT_FOUND

RESOURCES = ("demographics", "progress_note", "psychotherapy_note", "document", "care_team")

# THE table. One row per person, one cell per resource, in the order of RESOURCES.
# The owner and the front desk hold every client's admin key (demographics, care team), nothing clinical.
# Psychotherapy notes open for their author alone, even to a supervisor with clinical access.
MATRIX_ROWS: dict[str, tuple[str, ...]] = {
    #                           demographics  progress_note  psychotherapy_note  document  care_team
    "owner":                    (Y,           N,             N,                  N,        Y),
    "clinician_on_team":        (Y,           Y,             Y,                  Y,        Y),
    "clinician_off_team":       (N,           N,             N,                  N,        N),
    "supervisor_with_grant":    (Y,           Y,             N,                  Y,        Y),
    "supervisor_without_grant": (N,           N,             N,                  N,        N),
    "front_desk":               (Y,           N,             N,                  N,        Y),
    "other_practice":           (N,           N,             N,                  N,        N),
}
# A row with a missing or extra cell fails here, at collection, rather than quietly testing less.
MATRIX: dict[str, dict[str, str]] = {
    persona: dict(zip(RESOURCES, row, strict=True)) for persona, row in MATRIX_ROWS.items()
}

# Who plays each persona (see the `world` fixture).
PERSONAS: dict[str, str] = {
    "owner": "alice",
    "clinician_on_team": "bob",
    "clinician_off_team": "erin",
    "supervisor_with_grant": "carol",
    "supervisor_without_grant": "frank",
    "front_desk": "dana",
    "other_practice": "charlie",
}

CELLS = [(persona, resource) for persona in PERSONAS for resource in RESOURCES]

# What each resource is over HTTP. Documents have no API endpoint (yet): None says so explicitly.
WEB_PAGES: dict[str, str] = {
    "demographics": "/clients/{client}/",
    "progress_note": "/clients/{client}/notes/{progress}/",
    "psychotherapy_note": "/clients/{client}/notes/{psychotherapy}/",
    "document": "/clients/{client}/documents/{document}",
    "care_team": "/clients/{client}/team/",
}
API_PATHS: dict[str, str | None] = {
    "demographics": "/clients/{client}",
    "progress_note": "/clients/{client}/notes/{progress}",
    "psychotherapy_note": "/clients/{client}/notes/{psychotherapy}",
    "document": None,
    "care_team": "/clients/{client}/care-team",
}

FAMILY_NAME = "Quastenbrook"  # of `client_record`
PROGRESS_BODY = "Progress: slept six hours, fewer panic episodes, plan to continue exposure work."
PSYCHOTHERAPY_BODY = "Process: my own impatience today; the silence of the client felt like a test."
DOCUMENT_BYTES = b"Intake questionnaire of W. Q.\nReason for referral: low mood.\n"
SECRETS = (FAMILY_NAME, PROGRESS_BODY, PSYCHOTHERAPY_BODY, DOCUMENT_BYTES.decode())


@dataclass
class World:
    """The practice, the client and one record of every kind, written by bob."""

    people: dict[str, Person]
    client: Client
    progress: Note
    psychotherapy: Note
    document: Document

    def person(self, persona: str) -> Person:
        return self.people[PERSONAS[persona]]

    def ids(self) -> dict[str, uuid.UUID]:
        return {"client": self.client.public_id, "progress": self.progress.public_id,
                "psychotherapy": self.psychotherapy.public_id, "document": self.document.public_id}


@pytest.fixture
def world(alice: Person, bob: Person, carol: Person, dana: Person, charlie: Person, client_record: Client,
          relaxed: Practice) -> World:
    erin = Person(add_member(relaxed, "erin@example.test", Role.CLINICIAN), PASSWORD)
    frank = Person(add_member(relaxed, "frank@example.test", Role.SUPERVISOR), PASSWORD)
    # Charlie's practice gets a client of its own, so his vault holds wraps and still opens nothing of ours.
    elsewhere = charlie.user.membership.practice
    elsewhere.mfa_required = False
    elsewhere.save(update_fields=["mfa_required"])
    services.create_client(vault_of(charlie), services.Demographics(given_name="Otto", family_name="Elsewhere"),
                           primary_clinician_id=charlie.user.pk)

    writer = vault_of(bob)
    cid = client_record.public_id
    progress = services.create_note(writer, cid, kind="progress", session_date="2026-11-20", body=PROGRESS_BODY,
                                    sign=True)
    psychotherapy = services.create_note(writer, cid, kind="psychotherapy", session_date="2026-11-20",
                                         body=PSYCHOTHERAPY_BODY, sign=True)
    document = documents.upload_document(writer, cid, filename="intake.txt", stream=io.BytesIO(DOCUMENT_BYTES),
                                         size=len(DOCUMENT_BYTES))
    services.grant_access(writer, cid, user_id=carol.user.pk, role="supervisor", clinical=True)
    people = {"alice": alice, "bob": bob, "carol": carol, "dana": dana, "charlie": charlie, "erin": erin,
              "frank": frank}
    return World(people=people, client=client_record, progress=progress, psychotherapy=psychotherapy,
                 document=document)


def test_the_matrix_has_a_row_for_every_persona_and_a_cell_for_every_resource() -> None:
    assert set(MATRIX) == set(PERSONAS)
    for persona, row in MATRIX.items():
        assert tuple(row) == RESOURCES, persona
        assert set(row.values()) <= {ALLOWED, NOT_FOUND}, persona
    assert set(WEB_PAGES) == set(RESOURCES) and set(API_PATHS) == set(RESOURCES)


def test_the_matrix_is_not_trivial() -> None:
    # Each resource is open to someone and closed to someone, so every column tests both answers.
    for resource in RESOURCES:
        assert {MATRIX[persona][resource] for persona in PERSONAS} == {ALLOWED, NOT_FOUND}, resource


# ----------------------------------------------------------------------------- (a) the record services


def _open_through_services(vault: Vault, world: World, resource: str) -> None:
    """Open `resource` as the services would for a page; asserts what comes back when it opens."""
    cid = world.client.public_id
    if resource == "demographics":
        assert services.get_client(vault, cid)[1].family_name == FAMILY_NAME
    elif resource == "progress_note":
        assert services.open_note(vault, cid, world.progress.public_id).body == PROGRESS_BODY
    elif resource == "psychotherapy_note":
        assert services.open_note(vault, cid, world.psychotherapy.public_id).body == PSYCHOTHERAPY_BODY
    elif resource == "document":
        meta, data = documents.read_document(vault, cid, world.document.public_id)
        assert data == DOCUMENT_BYTES and meta.filename == "intake.txt"
    elif resource == "care_team":
        team = services.care_team(vault, cid)
        assert {t.member.user_id for t in team} == {world.people["bob"].user.pk, world.people["carol"].user.pk}
    else:
        pytest.fail(f"no service call for {resource}")


@pytest.mark.parametrize(("persona", "resource"), CELLS)
def test_the_services_answer_as_the_matrix_says(world: World, persona: str, resource: str) -> None:
    vault = vault_of(world.person(persona))
    if MATRIX[persona][resource] == ALLOWED:
        _open_through_services(vault, world, resource)
    else:
        with pytest.raises(services.NotFoundError):
            _open_through_services(vault, world, resource)


@pytest.mark.parametrize(("persona", "resource"), CELLS)
def test_listings_show_only_what_opens(world: World, persona: str, resource: str) -> None:
    """What someone may not open is not listed to them either: notes, documents, and the client in the caseload."""
    vault = vault_of(world.person(persona))
    cid = world.client.public_id
    allowed = MATRIX[persona][resource] == ALLOWED
    listed: set[uuid.UUID] | None
    wanted: uuid.UUID | None = None
    try:
        if resource in ("progress_note", "psychotherapy_note"):
            wanted = (world.progress if resource == "progress_note" else world.psychotherapy).public_id
            listed = {n.public_id for n in services.list_notes(vault, cid)}
        elif resource == "document":
            wanted = world.document.public_id
            listed = {d.public_id for d, _ in documents.list_documents(vault, cid)}
        else:
            wanted = world.client.public_id
            listed = {e.client.public_id for e in services.caseload(vault)}
    except services.NotFoundError:
        listed = None
    if allowed:
        assert listed is not None and wanted in listed
    else:
        assert listed is None or wanted not in listed


# ----------------------------------------------------------------------------- (b) the web pages


def _browser(person: Person) -> Browser:
    browser = Browser()
    assert sign_in(browser, person.email, person.password).status_code == 302
    return browser


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)


@pytest.mark.parametrize(("persona", "resource"), CELLS)
def test_the_web_pages_answer_as_the_matrix_says(world: World, persona: str, resource: str) -> None:
    browser = _browser(world.person(persona))
    response = browser.get(WEB_PAGES[resource].format(**world.ids()))
    body = _body(response)
    if MATRIX[persona][resource] == NOT_FOUND:
        assert response.status_code == 404, body[:500]
        for secret in SECRETS:
            assert secret.encode() not in body
        return
    assert response.status_code == 200, body[:500]
    expected = {
        "demographics": FAMILY_NAME.encode(),
        "progress_note": PROGRESS_BODY.encode(),
        "psychotherapy_note": PSYCHOTHERAPY_BODY.encode(),
        "document": DOCUMENT_BYTES,
        "care_team": f'class="fingerprint">{world.people["carol"].user.key_pair.fingerprint}'.encode(),
    }[resource]
    if resource == "document":
        assert body == expected
    else:
        assert expected in body


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_psychotherapy_notes_page_lists_the_note_only_for_its_author(world: World, persona: str) -> None:
    response = _browser(world.person(persona)).get(f"/clients/{world.client.public_id}/psychotherapy-notes/")
    listed = response.status_code == 200 and str(world.psychotherapy.public_id).encode() in response.content
    assert response.status_code in (200, 404)
    assert listed == (MATRIX[persona]["psychotherapy_note"] == ALLOWED)
    assert PSYCHOTHERAPY_BODY.encode() not in response.content, "the listing shows no bodies"


# ----------------------------------------------------------------------------- (c) the API


API_CELLS = [(persona, resource) for persona, resource in CELLS if API_PATHS[resource] is not None]


@pytest.mark.parametrize(("persona", "resource"), API_CELLS)
def test_the_api_answers_as_the_matrix_says(world: World, client: Browser, persona: str, resource: str) -> None:
    api = Api(client, token_of(world.person(persona)))
    path = API_PATHS[resource]
    assert path is not None
    response = api.get(path.format(**world.ids()))
    if MATRIX[persona][resource] == NOT_FOUND:
        assert_problem(response, 404)
        for secret in SECRETS:
            assert secret.encode() not in response.content
        return
    assert response.status_code == 200, response.content
    body = response.json()
    if resource == "demographics":
        assert body["family_name"] == FAMILY_NAME
    elif resource == "progress_note":
        assert body["body"] == PROGRESS_BODY and body["kind"] == "progress"
    elif resource == "psychotherapy_note":
        assert body["body"] == PSYCHOTHERAPY_BODY and body["kind"] == "psychotherapy"
    else:
        assert {m["user_id"] for m in body} == {world.people["bob"].user.pk, world.people["carol"].user.pk}


def test_documents_have_no_api_endpoint_to_leak_through(world: World, client: Browser) -> None:
    api = Api(client, token_of(world.person("clinician_on_team")))
    ids = world.ids()
    for path in (f"/clients/{ids['client']}/documents", f"/clients/{ids['client']}/documents/{ids['document']}"):
        assert api.get(path).status_code == 404
    assert not [p for p in api.get("/openapi.json").json()["paths"] if "document" in p]


# ----------------------------------------------------------------------------- keys, with the rules bypassed


_LENGTH = struct.Struct(">I")


def _document_chunks(document: Document) -> Iterator[bytes]:
    with (Path(settings.FILE_STORE_DIR) / document.storage_name).open("rb") as handle:
        for _ in range(document.chunk_count):
            yield handle.read(_LENGTH.unpack(handle.read(_LENGTH.size))[0])


def sealed_blobs(world: World, resource: str) -> list[bytes]:
    """The ciphertexts a thief with database access would hold for `resource`.

    The care-team listing has no sealed field of its own (who treats an opaque client id is
    metadata); what guards it is the client's admin scope, the key of the demographics.
    """
    world.client.refresh_from_db()
    if resource in ("demographics", "care_team"):
        return [bytes(world.client.demographics)]
    if resource == "progress_note":
        return [bytes(Note.objects.get(pk=world.progress.pk).body)]
    if resource == "psychotherapy_note":
        return [bytes(Note.objects.get(pk=world.psychotherapy.pk).body)]
    document = Document.objects.get(pk=world.document.pk)
    return [bytes(document.meta), *_document_chunks(document)]


@pytest.mark.parametrize(("persona", "resource"), CELLS)
def test_without_a_wrap_the_vault_cannot_open_the_data_even_with_the_checks_bypassed(
        world: World, persona: str, resource: str) -> None:
    person = world.person(persona)
    vault = vault_of(person)
    blobs = sealed_blobs(world, resource)
    if MATRIX[persona][resource] == ALLOWED:
        # The control: the same calls succeed for someone with access, so the failures below mean something.
        for blob in blobs:
            assert vault.key_for_blob(blob).key_id == crypto.sealed_key_id(blob)
        return
    for blob in blobs:
        with pytest.raises(NoKeyError):
            vault.key_for_blob(blob)
        wraps = list(KeyWrap.objects.filter(key_version__key_id=crypto.sealed_key_id(blob).hex())
                     .select_related("key_version__client"))
        assert wraps, "the key is wrapped to someone (at least the practice recovery key)"
        assert person.user.pk not in {w.recipient_id for w in wraps}
        for wrap in wraps:
            version = wrap.key_version
            practice_id = version.client.practice_id
            # As addressed, and as if it had been addressed to this person: neither opens.
            for context in (keys.wrap_context(version, practice_id, wrap.recipient_id),
                            keys.wrap_context(version, practice_id, person.user.pk)):
                with pytest.raises(crypto.CryptoError):
                    crypto.unwrap_key(vault.private_key, bytes(wrap.blob), context)


def _everyone_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch off the care-team rules: every vault 'holds' every scope, every note is 'visible'."""
    monkeypatch.setattr(Vault, "holds", lambda self, client_id, scope, author_id=None: True)
    monkeypatch.setattr(services, "_visible_notes",
                        lambda vault, client: Note.objects.filter(client=client).select_related("client", "author"))


SEALED_CELLS = [(p, r) for p, r in CELLS if r != "care_team" and MATRIX[p][r] == NOT_FOUND]


@pytest.mark.parametrize(("persona", "resource"), SEALED_CELLS)
def test_with_the_rules_switched_off_the_services_still_cannot_open_the_record(
        world: World, monkeypatch: pytest.MonkeyPatch, persona: str, resource: str) -> None:
    vault = vault_of(world.person(persona))
    _everyone_passes(monkeypatch)
    # Key possession is the second line: opening needs a wrap, and the answer is still "not found".
    with pytest.raises(services.NotFoundError):
        _open_through_services(vault, world, resource)


def test_with_the_rules_switched_off_the_author_still_opens_everything(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _everyone_passes(monkeypatch)
    vault = vault_of(world.person("clinician_on_team"))
    for resource in RESOURCES:
        _open_through_services(vault, world, resource)
