"""The Vastaamo test: a stolen copy of the database and file store reveals nothing.

A practice is filled with clients, notes, psychotherapy notes and documents carrying unique
canary strings. Then the database (the SQLite file with its WAL, or a pg_dump of PostgreSQL) and
the file store are copied, and no canary may appear in any of them, in UTF-8, UTF-16 or base64.
With the right person's secret everything still opens.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection

from confide.records import documents, services
from tests.conftest import Person
from tests.records.conftest import vault_of

CANARIES = {
    "given_name": "Zephyrinexq",
    "family_name": "Quillfeatherzz",
    "email": "canary.mailbox.q7@example.test",
    "phone": "+1 555 0199 4242",
    "progress": "CANARY-PROGRESS-sleepless-in-the-lighthouse",
    "psychotherapy": "CANARY-PSYCHO-the-red-umbrella-dream",
    "addendum": "CANARY-ADDENDUM-fifty-minutes-exactly",
    "document": "CANARY-DOCUMENT-intake-questionnaire",
    "filename": "canary-intake-form-zq.txt",
}


def encodings(text: str) -> list[bytes]:
    """Every form in which a canary could leak: UTF-8, UTF-16 both ways, base64 at each alignment."""
    raw = text.encode("utf-8")
    forms = [raw, text.encode("utf-16-le"), text.encode("utf-16-be"), text.casefold().encode("utf-8")]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw)
        # Drop the characters that depend on the neighbouring bytes at both ends.
        start = {0: 0, 1: 2, 2: 3}[pad]
        forms.append(encoded[start:-4])
        forms.append(base64.urlsafe_b64encode(b"\0" * pad + raw)[start:-4])
    return forms


def assert_no_canary(blob: bytes, where: str) -> None:
    for name, canary in CANARIES.items():
        for form in encodings(canary):
            assert form not in blob, f"{name} canary found in {where}"


def copy_database(destination: Path) -> list[Path]:
    """What a thief would take: the database files, or a full dump."""
    if connection.vendor == "sqlite":
        connection.close()
        source = Path(connection.settings_dict["NAME"])
        copies = []
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{source}{suffix}")
            if path.exists():
                copies.append(Path(shutil.copy(path, destination / path.name)))
        return copies
    params = connection.get_connection_params()
    dump = destination / "dump.sql"
    env = {**os.environ, "PGPASSWORD": str(params.get("password") or "")}
    command = ["pg_dump", "--host", str(params.get("host") or "127.0.0.1"),
               "--port", str(params.get("port") or 5432), "--username", str(params.get("user") or "postgres"),
               "--format=plain", "--file", str(dump), connection.settings_dict["NAME"]]
    subprocess.run(command, check=True, env=env)
    return [dump]


@pytest.mark.django_db(transaction=True)
def test_a_stolen_database_and_file_store_reveal_nothing(alice: Person, bob: Person, tmp_path: Path) -> None:
    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(
        given_name=CANARIES["given_name"], family_name=CANARIES["family_name"], email=CANARIES["email"],
        phone=CANARIES["phone"], date_of_birth="1984-02-29"))
    note = services.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20",
                                body=CANARIES["progress"], sign=True)
    services.add_addendum(vault, client.public_id, note.public_id, body=CANARIES["addendum"])
    services.create_note(vault, client.public_id, kind="psychotherapy", session_date="2026-11-20",
                         body=CANARIES["psychotherapy"])
    content = (CANARIES["document"] + "\n").encode("utf-8") * 50
    doc = documents.upload_document(vault, client.public_id, filename=CANARIES["filename"],
                                    stream=io.BytesIO(content), size=len(content))

    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for path in copy_database(stolen):
        assert_no_canary(path.read_bytes(), path.name)
    store = Path(settings.FILE_STORE_DIR)
    files = list(store.iterdir())
    assert files, "the document is in the file store"
    for path in files:
        assert_no_canary(path.name.encode(), f"file name {path.name}")
        assert_no_canary(path.read_bytes(), "the file store")

    # With bob's secret, everything opens again.
    fresh = vault_of(bob)
    assert services.get_client(fresh, client.public_id)[1].family_name == CANARIES["family_name"]
    opened = services.open_note(fresh, client.public_id, note.public_id)
    assert opened.body == CANARIES["progress"] and opened.addenda[0][1] == CANARIES["addendum"]
    meta, data = documents.read_document(fresh, client.public_id, doc.public_id)
    assert data == content and meta.filename == CANARIES["filename"]
    assert urlsplit(str(doc.public_id)).path  # the document's id is an opaque UUID


def test_the_canary_detector_finds_what_it_looks_for() -> None:
    for name, canary in CANARIES.items():
        for form in encodings(canary):
            with pytest.raises(AssertionError):
                assert_no_canary(b"prefix" + form + b"suffix", name)


PORTAL = {
    "portal_email": "canary.portal.signin.w3@example.test",
    "typed_name": "Quorrendellyx Vantablackwood",
    "staff_given": "Fennimorequa",
}


@pytest.mark.django_db(transaction=True)
def test_a_stolen_copy_reveals_no_portal_client_address_and_no_session(
        alice: Person, bob: Person, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Portal accounts, their consent signatures and live sessions (issue 21, finding 4).

    The client signs in over HTTP with their address, so the session rows, allauth's device
    list, the rate-limit cache and the audit log all had their chance to keep it.
    """
    from django.core import mail
    from django.test import Client as Browser

    from confide.portal import services as portal
    from confide.portal.models import ClientAccount
    from tests.accounts.test_signin import sign_in
    from tests.portal.conftest import ChangeableConsent

    fake = ChangeableConsent()
    monkeypatch.setattr("confide.portal.documents._consent_module", lambda: fake)
    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(given_name=PORTAL["staff_given"],
                                                                 family_name="Okafor-Lindqvist"))
    issued = portal.invite_client(vault, client.public_id, email=PORTAL["portal_email"])
    account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                              email=PORTAL["portal_email"], password="meadow copper violin harbour")
    version, _ = portal.read_consent(account)
    portal.sign_consent(portal.client_vault(account, "meadow copper violin harbour"), account,
                        version_number=version.number, understood=True, typed_name=PORTAL["typed_name"])
    browser = Browser()
    sign_in(browser, PORTAL["portal_email"], "wrong password for the rate limit")
    assert sign_in(browser, PORTAL["portal_email"], "meadow copper violin harbour").status_code == 302
    assert browser.get("/portal/").status_code in (200, 302)
    mail.outbox.clear()

    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for path in copy_database(stolen):
        blob = path.read_bytes()
        for name, canary in PORTAL.items():
            for form in encodings(canary):
                assert form not in blob, f"{name} canary found in {path.name}"
        # The session cookie's value is never stored either.
        session_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
        assert session_key.encode() not in blob, "a session's cookie value is in the database"

    # The address is still there for whoever holds the address key: for sending e-mail.
    assert portal.client_address(ClientAccount.objects.get(pk=account.pk)) == PORTAL["portal_email"]


def test_the_portal_canary_scan_fails_on_a_plaintext_address() -> None:
    """The scan above would catch the address as Confide stored it before issue 21."""
    row = b"INSERT INTO accounts_user VALUES (7, '" + PORTAL["portal_email"].encode() + b"');"
    assert any(form in row for form in encodings(PORTAL["portal_email"]))
