"""The Vastaamo test through the web pages and the API together.

Bob registers a client through the web form with a canary in every field, writes a progress
note (signed, with an addendum), an autosaved draft and a psychotherapy note in the note editor,
uploads a document, and searches his caseload by name. Through the API he registers a second
client and writes its notes. Then a thief copies the database and the whole data directory:
no canary may appear there in UTF-8, UTF-16 or base64. Nor may one appear in any URL the
browser asked for or was sent to, in any response header, cookie or page title, or in any log
record at DEBUG level (SQL included). With bob's secret everything still opens.
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as Browser

from confide.keys.web import cookie_name
from confide.records import documents, services
from confide.records.models import Client, Document, Note
from tests.accounts.test_signin import sign_in
from tests.api.conftest import Api, token_of
from tests.conftest import Person
from tests.records.conftest import vault_of
from tests.records.test_vastaamo import copy_database, encodings

# Unique to this test, so a hit names the path that leaked it.
WEB = {
    "given_name": "Xanthoriaqw",
    "family_name": "Brindlewortzz",
    "preferred_name": "Pipistrellequ",
    "pronouns": "canary-pronoun-ze-zir",
    "date_of_birth": "1931-08-17",
    "email": "canary.web.inbox.k4@example.test",
    "phone": "+1 555 0173 9911",
    "emergency_contact": "CANARY-EMERGENCY-aunt-Mirabel-Vontasque",
    "search": "Brindlewo",
    "progress": "CANARY-WEB-PROGRESS-the-tide-clock-stopped",
    "addendum": "CANARY-WEB-ADDENDUM-called-back-on-tuesday",
    "draft": "CANARY-WEB-DRAFT-half-written-about-the-ferry",
    "draft_saved": "CANARY-WEB-DRAFT-SAVED-the-ferry-again",
    "psychotherapy": "CANARY-WEB-PSYCHO-my-own-grief-in-the-room",
    "document": "CANARY-WEB-DOCUMENT-sleep-diary-week-three",
    "filename": "canary-web-sleep-diary-xq.txt",
}
API = {
    "given_name": "Oleandrixqa",
    "family_name": "Marrowquinzz",
    "preferred_name": "Tamarisquel",
    "pronouns": "canary-api-pronoun-xe",
    "date_of_birth": "1942-11-03",
    "email": "canary.api.inbox.m8@example.test",
    "phone": "+1 555 0188 2323",
    "emergency_contact": "CANARY-API-EMERGENCY-brother-Osric-Pellam",
    "search": "Marrowqu",
    "progress": "CANARY-API-PROGRESS-counting-the-lighthouse-steps",
    "psychotherapy": "CANARY-API-PSYCHO-i-felt-protective-today",
}
CANARIES = {f"web {k}": v for k, v in WEB.items()} | {f"api {k}": v for k, v in API.items()}
DEMOGRAPHIC_FIELDS = ("given_name", "family_name", "preferred_name", "pronouns", "date_of_birth", "email", "phone",
                      "emergency_contact")
DOCUMENT = (WEB["document"] + "\n").encode("utf-8") * 40
SESSION_DATE = "2026-11-20"


def assert_no_canary(blob: bytes, where: str, extra: dict[str, str] | None = None) -> None:
    """No canary (or extra secret) in `blob`, in any of the forms of `encodings`."""
    for name, canary in (CANARIES | (extra or {})).items():
        for form in encodings(canary):
            assert form not in blob, f"the {name} canary is in {where}"


class RecordingBrowser(Browser):
    """The Django test client, remembering every URL, header, cookie and page title it saw."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(**defaults)
        self.seen: list[tuple[str, str]] = []

    def request(self, **environ: Any) -> Any:
        response = super().request(**environ)
        query = environ.get("QUERY_STRING", "")
        self.seen.append(("requested URL", environ.get("PATH_INFO", "") + (f"?{query}" if query else "")))
        for header, value in response.items():
            self.seen.append((f"response header {header}", value))
        for morsel in response.cookies.values():
            self.seen.append((f"cookie {morsel.key}", morsel.OutputString()))
        if not response.streaming:
            title = re.search(rb"<title>(.*?)</title>", response.content, re.S)
            if title:
                self.seen.append(("page title", title.group(1).decode("utf-8", "replace")))
        return response


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of every logger at DEBUG, SQL included, before any filter or formatter."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    deaf = [lg for lg in logging.root.manager.loggerDict.values()
            if isinstance(lg, logging.Logger) and not lg.propagate]
    for logger in deaf:
        logger.addHandler(caplog.handler)
    was, connection.force_debug_cursor = connection.force_debug_cursor, True
    try:
        yield caplog
    finally:
        connection.force_debug_cursor = was
        for logger in deaf:
            logger.removeHandler(caplog.handler)


def _client_id(response: Any) -> str:
    match = re.fullmatch(r"/clients/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _note_id(response: Any) -> str:
    match = re.fullmatch(r"/clients/[0-9a-f-]{36}/notes/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _write_through_the_web(browser: RecordingBrowser) -> dict[str, str]:
    """Everything a clinician does in the browser; returns the ids of what was made."""
    assert browser.get("/clients/new").status_code == 200
    registered = browser.post("/clients/new", {name: WEB[name] for name in DEMOGRAPHIC_FIELDS})
    assert registered.status_code == 302, registered.content[:2000]
    cid = _client_id(registered)
    chart = browser.get(f"/clients/{cid}/")
    assert chart.status_code == 200 and WEB["family_name"].encode() in chart.content

    found = browser.post("/clients/", {"q": WEB["search"]})
    assert found.status_code == 200 and WEB["family_name"].encode() in found.content, "decrypt-then-search"

    assert browser.get(f"/clients/{cid}/notes/new?kind=progress&template=soap").status_code == 200
    signed = browser.post(f"/clients/{cid}/notes/new", {
        "kind": "progress", "template": "soap", "session_date": SESSION_DATE, "body": WEB["progress"],
        "unscheduled_reason": "other", "action": "sign"})
    assert signed.status_code == 302, signed.content[:2000]
    progress = _note_id(signed)
    added = browser.post(f"/clients/{cid}/notes/{progress}/addenda", {"body": WEB["addendum"]})
    assert added.status_code == 302, added.content[:2000]

    autosaved = browser.post(f"/clients/{cid}/notes/autosave", {
        "kind": "progress", "template": "free", "session_date": SESSION_DATE, "body": WEB["draft"]})
    assert autosaved.status_code == 200 and autosaved["X-Confide-Autosave"] == "saved"
    draft_url = autosaved["X-Confide-Autosave-Url"]
    again = browser.post(draft_url, {"session_date": SESSION_DATE, "body": WEB["draft_saved"], "version": "1"})
    assert again.status_code == 200 and again["X-Confide-Autosave"] == "saved"
    draft = draft_url.rstrip("/").split("/")[-2]

    private = browser.post(f"/clients/{cid}/notes/new", {
        "kind": "psychotherapy", "template": "free", "session_date": SESSION_DATE, "body": WEB["psychotherapy"],
        "action": "save"})
    assert private.status_code == 302, private.content[:2000]
    psychotherapy = _note_id(private)
    assert browser.get(f"/clients/{cid}/psychotherapy-notes/").status_code == 200

    upload = SimpleUploadedFile(WEB["filename"], DOCUMENT, content_type="text/plain")
    uploaded = browser.post(f"/clients/{cid}/documents/", {"file": upload})
    assert uploaded.status_code == 302, uploaded.content[:2000]
    listed = [str(d.public_id) for d in Document.objects.filter(client__public_id=cid)]
    assert len(listed) == 1
    download = browser.get(f"/clients/{cid}/documents/{listed[0]}")
    assert download.status_code == 200 and b"".join(download.streaming_content) == DOCUMENT
    for path in (f"/clients/{cid}/", f"/clients/{cid}/notes/{progress}/", f"/clients/{cid}/notes/{draft}/",
                 f"/clients/{cid}/notes/{psychotherapy}/", f"/clients/{cid}/team/"):
        assert browser.get(path).status_code == 200, path
    return {"client": cid, "progress": progress, "draft": draft, "psychotherapy": psychotherapy,
            "document": listed[0]}


def _write_through_the_api(api: Api) -> dict[str, str]:
    made = api.post("/clients", {name: API[name] for name in DEMOGRAPHIC_FIELDS})
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    ids = {"client": cid}
    for kind in ("progress", "psychotherapy"):
        note = api.post(f"/clients/{cid}/notes", {"kind": kind, "session_date": SESSION_DATE, "body": API[kind],
                                                  "sign": True})
        assert note.status_code == 201, note.content
        ids[kind] = note.json()["id"]
    found = api.post("/clients/search", {"query": API["search"]})
    assert [c["id"] for c in found.json()] == [cid]
    assert api.get(f"/clients/{cid}").json()["emergency_contact"] == API["emergency_contact"]
    return ids


@pytest.mark.django_db(transaction=True)
def test_what_the_web_and_the_api_wrote_a_thief_cannot_read(alice: Person, bob: Person, relaxed: object,
                                                             all_logs: pytest.LogCaptureFixture,
                                                             tmp_path: Path) -> None:
    browser = RecordingBrowser()
    assert sign_in(browser, bob.email, bob.password).status_code == 302
    web = _write_through_the_web(browser)
    token = token_of(bob)
    api_http = RecordingBrowser()
    api = _write_through_the_api(Api(api_http, token))
    # Secrets that are not client data but must not be stolen either: the API token and the
    # cookie secret that unwraps bob's key (the database holds only the wrap and the token's hash).
    vault_cookie = browser.cookies[cookie_name()].value
    secrets = {"api token": token.removeprefix("cfd_"), "vault cookie": vault_cookie}
    cookie_bytes = base64.urlsafe_b64decode(vault_cookie + "==")

    # What went over HTTP, outside the bodies: URLs, redirects, headers, cookies and titles.
    seen = browser.seen + api_http.seen
    assert any(where == "requested URL" and "/documents/" in what for where, what in seen), "the recorder works"
    for where, what in seen:
        for text in (what, unquote(what)):
            assert_no_canary(text.encode("utf-8"), f"{where}: {what[:200]}")

    # Every log record, at DEBUG, of every logger, SQL included.
    records = all_logs.records
    assert any(r.name == "django.db.backends" for r in records), "SQL was logged, so it was checked"
    for record in records:
        assert_no_canary(record.getMessage().encode("utf-8", "replace"), f"a log record of {record.name}",
                         extra=secrets)
    assert_no_canary(all_logs.text.encode("utf-8", "replace"), "the captured log", extra=secrets)

    # The thief's copy: the database (file or pg_dump) and the whole data directory with the file store.
    stolen = tmp_path / "stolen"
    stolen.mkdir()
    copies = copy_database(stolen)
    data_copy = Path(shutil.copytree(settings.DATA_DIR, stolen / "data", ignore=shutil.ignore_patterns("*.sock")))
    store = data_copy / Path(settings.FILE_STORE_DIR).relative_to(settings.DATA_DIR)
    assert len([p for p in store.iterdir() if p.is_file()]) >= 1, "the document is in the copied file store"
    for path in [*copies, *(p for p in data_copy.rglob("*") if p.is_file())]:
        blob = path.read_bytes()
        assert_no_canary(path.name.encode(), f"the file name {path.name}")
        assert_no_canary(blob, str(path.relative_to(stolen)), extra=secrets)
        assert cookie_bytes not in blob, f"the vault cookie secret is in {path.name}"

    # With bob's secret, everything opens again.
    vault = vault_of(bob)
    _, demographics = services.get_client(vault, web["client"])
    assert {name: getattr(demographics, name) for name in DEMOGRAPHIC_FIELDS} == {
        name: WEB[name] for name in DEMOGRAPHIC_FIELDS}
    opened = services.open_note(vault, web["client"], web["progress"])
    assert opened.body == WEB["progress"] and [body for _, body in opened.addenda] == [WEB["addendum"]]
    assert services.open_note(vault, web["client"], web["draft"]).body == WEB["draft_saved"]
    private = services.open_note(vault, web["client"], web["psychotherapy"])
    assert private.body == WEB["psychotherapy"] and private.note.kind == Note.Kind.PSYCHOTHERAPY
    meta, data = documents.read_document(vault, web["client"], web["document"])
    assert data == DOCUMENT and meta.filename == WEB["filename"] and meta.content_type == "text/plain"
    _, demographics = services.get_client(vault, api["client"])
    assert {name: getattr(demographics, name) for name in DEMOGRAPHIC_FIELDS} == {
        name: API[name] for name in DEMOGRAPHIC_FIELDS}
    for kind in ("progress", "psychotherapy"):
        assert services.open_note(vault, api["client"], api[kind]).body == API[kind]
    assert Client.objects.count() == 2


def test_the_recording_browser_sees_urls_headers_and_titles(alice: Person, relaxed: object) -> None:
    browser = RecordingBrowser()
    sign_in(browser, alice.email, alice.password)
    browser.get("/clients/?q=Brindlewortzz")
    kinds = {where for where, _ in browser.seen}
    assert {"requested URL", "page title", "response header Content-Type"} <= kinds
    assert ("requested URL", "/clients/?q=Brindlewortzz") in browser.seen
    with pytest.raises(AssertionError, match="web family_name"):
        assert_no_canary(b"/clients/?q=Brindlewortzz", "a URL")
