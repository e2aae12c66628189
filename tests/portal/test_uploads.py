"""Client uploads in the portal (issue 15): the staff's size and type checks, sealed, shown in the chart."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser

from confide.audit.models import LogEntry
from confide.portal.models import ClientAccount
from confide.records import documents
from confide.records.models import Document
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD
from tests.records.conftest import vault_of
from tests.web.test_records_pages import browser_of

LETTER = b"%PDF-1.4\nReferral letter for Wilhelmina Quastenbrook (fictional)\n%%EOF\n"


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    assert sign_in(http, client_account.user.email, CLIENT_PASSWORD).status_code == 302
    return http


def test_a_client_upload_is_sealed_and_the_care_team_opens_it(bob: Person, client_account: ClientAccount,
                                                              as_client: Browser, settings) -> None:  # type: ignore[no-untyped-def]
    response = as_client.post("/portal/uploads/", {"file": SimpleUploadedFile("referral.pdf", LETTER)})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.scope == "portal" and document.uploaded_by_id == client_account.user_id
    stored = (settings.FILE_STORE_DIR / document.storage_name).read_bytes()
    assert b"Quastenbrook" not in stored and b"referral" not in bytes(document.meta)
    [(listed, meta)] = documents.list_documents(vault_of(bob), client_account.client.public_id)
    assert listed == document and meta.filename == "referral.pdf"
    assert documents.read_document(vault_of(bob), client_account.client.public_id, document.public_id)[1] == LETTER
    assert "referral.pdf" in browser_of(bob).get(f"/clients/{client_account.client.public_id}/").content.decode()
    assert LogEntry.objects.filter(tag="portal:document:uploaded").count() == 1
    page = as_client.get("/portal/uploads/")
    assert page["Cache-Control"] == "no-store" and "referral.pdf" not in page.content.decode()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("script.exe", b"MZ\x90\x00binary", "Upload a PDF, PNG, JPEG or plain-text file."),
    ("fake.pdf", b"<html>not a pdf</html>", "Upload a PDF, PNG, JPEG or plain-text file."),
    ("empty.txt", b"", "empty"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(as_client: Browser, name: str, content: bytes,
                                                       message: str, settings) -> None:  # type: ignore[no-untyped-def]
    store = settings.FILE_STORE_DIR
    before = set(store.glob("*")) if store.exists() else set()
    response = as_client.post("/portal/uploads/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Document.objects.exists()
    assert (set(store.glob("*")) if store.exists() else set()) == before


def test_a_file_over_the_limit_is_refused(as_client: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 16)
    response = as_client.post("/portal/uploads/", {"file": SimpleUploadedFile("big.pdf", LETTER)})
    assert response.status_code == 400 and "at most" in response.content.decode()
    assert not Document.objects.exists()


def test_staff_cannot_use_the_portal_upload(bob: Person, client_account: ClientAccount) -> None:
    response = browser_of(bob).post("/portal/uploads/", {"file": SimpleUploadedFile("x.pdf", LETTER)})
    assert response.status_code == 403 and not Document.objects.exists()
