"""No side doors: client data appears only on the pages and API answers meant to show it.

End-to-end scenarios run with a canary in every client field, note and file name; then every log
record (every logger, root at DEBUG), every e-mail, every URL requested and redirected to, every
response header, the file store's file names and the error pages are searched for the canary.
The same scenario against a real `confide serve` also searches the server's own output, its
access log included.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core import mail
from django.test import Client as HttpClient

from confide.keys.vault import create_access_token
from confide.practice import services as practice_services
from confide.practice.models import Role
from confide.records import services
from confide.records.models import Client as ClientRecord
from tests.conftest import Person
from tests.processes import OWNER_PASSWORD, Server, base_env, confide, free_port, init_practice, scratch_database
from tests.records.conftest import vault_of
from tests.security.world import CANARY, PHONE_CANARY, canary

SECRETS = (CANARY, PHONE_CANARY, CANARY.lower())

DEMOGRAPHICS = {
    "given_name": canary("Given"), "family_name": canary("Family"), "preferred_name": canary("Preferred"),
    "pronouns": canary("Pronouns"), "date_of_birth": "1987-03-14", "email": f"{canary('mail').lower()}@example.test",
    "phone": PHONE_CANARY, "emergency_contact": canary("Emergency"),
}


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


class Capture(logging.Handler):
    """Every log record of every logger, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured_logs() -> Iterator[Capture]:
    """Root at DEBUG; every named logger lets DEBUG through, and those that do not propagate are tapped too."""
    handler = Capture()
    root = logging.getLogger()
    saved: list[tuple[logging.Logger, int, bool]] = []
    root_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    # As with CONFIDE_LOG_LEVEL=DEBUG: the levels Confide's settings pin stay; every other logger
    # lets DEBUG through.
    pinned = set(settings.LOGGING.get("loggers", {}))
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            saved.append((logger, logger.level, logger.disabled))
            if name not in pinned:
                logger.setLevel(logging.DEBUG)
            logger.disabled = False
            if not logger.propagate:
                logger.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(root_level)
        for logger, level, disabled in saved:
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(handler)


@dataclass
class Browser:
    """The Django test client, remembering every URL, redirect and header it saw."""

    http: HttpClient
    seen: list[str] = field(default_factory=list)

    def request(self, method: str, path: str, *, probe: bool = False, **kwargs: Any) -> Any:
        """Send a request; a probe's own URL holds a canary on purpose and is not recorded."""
        response = getattr(self.http, method)(path, **kwargs)
        if not probe:
            self.seen.append(f"{method.upper()} {path}")
        self.seen.extend(f"{k}: {v}" for k, v in response.items())
        for cookie in response.cookies.values():
            self.seen.append(f"Set-Cookie: {cookie.key}={cookie.value}")
        return response


def file_names(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*")]


def test_no_client_data_leaves_through_a_side_door(alice: Person, bob: Person, relaxed: object,
                                                    captured_logs: Capture, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.accounts.test_signin import sign_in

    web = Browser(HttpClient(raise_request_exception=False))
    assert sign_in(web.http, bob.email, bob.password).status_code == 302

    # Register a client through the form, with a canary in every field; a bad date first.
    form = web.request("get", "/clients/new")
    primary = re.search(r'<select name="primary_clinician".*?<option value="(\d+)"', form.content.decode(), re.S)
    fields = {**DEMOGRAPHICS, "primary_clinician": primary.group(1) if primary else ""}
    refused = web.request("post", "/clients/new", data={**fields, "date_of_birth": "not a date"})
    assert refused.status_code == 400
    registered = web.request("post", "/clients/new", data=fields)
    assert registered.status_code == 302, registered.content[:500]
    chart = registered["Location"]
    client_id = chart.split("/")[2]

    # Write and sign a note, upload a document, search the caseload.
    written = web.request("post", f"{chart}notes/new", data={
        "kind": "progress", "template": "free", "session_date": "2026-11-20", "body": canary("Note"),
        "unscheduled_reason": "phone", "action": "sign"})
    assert written.status_code == 302, written.content[:500]
    upload = io.BytesIO(f"%PDF-1.4 {canary('DocumentBody')}".encode())
    upload.name = f"{canary('File')}.pdf"
    assert web.request("post", f"{chart}documents/", data={"file": upload}).status_code in (200, 302)
    found = web.request("post", "/clients/", data={"q": canary("Given")})
    assert found.status_code == 200 and canary("Family").encode() in found.content
    assert canary("Note").encode() in web.request("get", chart).content
    web.request("get", f"{chart}details")
    web.request("get", f"{chart}access-log/")

    # The same through the API, with bad input that quotes a canary.
    token = create_access_token(vault_of(bob), "side doors")
    api = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = web.request("post", "/api/v1/clients", data={**DEMOGRAPHICS, "pronouns": None},
                          content_type="application/json", **api)
    assert created.status_code == 201, created.content
    api_client = created.json()["id"]
    errors = [
        web.request("post", "/api/v1/clients", data={**DEMOGRAPHICS, "date_of_birth": canary("Birth")},
                    content_type="application/json", **api),
        web.request("post", "/api/v1/clients", data={**DEMOGRAPHICS, "given_name": canary("Long") * 40},
                    content_type="application/json", **api),
        web.request("post", f"/api/v1/clients/{api_client}/notes", data={
            "kind": canary("Kind"), "session_date": "2026-11-20", "body": canary("ApiNote")},
            content_type="application/json", **api),
        web.request("post", "/api/v1/clients/search", data=f'{{"query": "{canary("Broken")}',
                    content_type="application/json", **api),
        web.request("get", f"/api/v1/clients/{canary('Path')}", probe=True, **api),
    ]
    for response in errors:
        assert 400 <= response.status_code < 500, response.content
        assert not leaks(response.content.decode()), f"an API error quotes client data: {response.content!r}"
    assert web.request("post", "/api/v1/clients/search", data={"query": canary("Given")},
                       content_type="application/json", **api).status_code == 200
    assert web.request("post", f"/api/v1/clients/{api_client}/notes", data={
        "kind": "progress", "session_date": "2026-11-20", "body": canary("ApiNote"), "sign": True},
        content_type="application/json", **api).status_code == 201

    # Error pages for paths holding a canary show nothing of it.
    for path in (f"/clients/{canary('Path')}/", f"/nowhere/{canary('Path')}", f"{chart}notes/{canary('Path')}/"):
        page = web.request("get", path, probe=True)
        assert page.status_code == 404
        assert not leaks(page.content.decode()), f"the 404 page for {path} repeats it"

    # A server error while saving a note shows nothing of the request.
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a fault in the note service")

    monkeypatch.setattr(services, "create_note", broken)
    failed = web.request("post", f"{chart}notes/new", data={
        "kind": "progress", "template": "free", "session_date": "2026-11-20", "body": canary("Lost"), "action": "save"})
    assert failed.status_code == 500
    assert not leaks(failed.content.decode()), "the 500 page repeats the request"
    monkeypatch.undo()

    # E-mail: an invitation, and the owner's alert about a record that fails its integrity check.
    practice_services.invite_staff(inviter=alice.user, email="fay@example.test", role=Role.CLINICIAN)
    ClientRecord.objects.filter(public_id=client_id).update(demographics_version=7)
    assert web.request("get", chart).status_code in (404, 409, 500)
    assert len(mail.outbox) >= 2, "the invitation and the integrity alert were sent"

    assert any("django.request" in line for line in captured_logs.lines), "the capture sees Django's logs"
    sides = {
        "logs": "\n".join(captured_logs.lines),
        "e-mails": "\n".join(f"{m.subject}\n{m.to}\n{m.extra_headers}\n{m.body}\n{getattr(m, 'alternatives', [])}"
                             for m in mail.outbox),
        "URLs and response headers": "\n".join(web.seen),
        "file names": "\n".join(file_names(Path(settings.DATA_DIR))),
    }
    for side, text in sides.items():
        assert not leaks(text), f"client data in the {side}: " + next(
            line for line in text.splitlines() if leaks(line))


# ----------------------------------------------------------------------------- a real server

@pytest.mark.server
def test_a_real_server_writes_no_client_data_to_its_output_or_file_names(tmp_path: Path) -> None:
    from tests.server.test_vault_across_processes import _post, sign_in_and_enrol

    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url, CONFIDE_LOG_LEVEL="DEBUG")
        init_practice(data_dir, env)
        server = Server(env, free_port())
        try:
            browser = requests.Session()
            sign_in_and_enrol(browser, server, server)
            form = browser.get(f"{server.url}/clients/new", timeout=10)
            primary = re.search(r'<select name="primary_clinician".*?<option value="(\d+)"', form.text, re.S)
            assert primary
            registered = _post(browser, f"{server.url}/clients/new",
                               {**DEMOGRAPHICS, "primary_clinician": primary.group(1)}, follow=False)
            assert registered.status_code == 302, registered.text[:500]
            chart = registered.headers["Location"]
            written = _post(browser, f"{server.url}{chart}notes/new", {
                "kind": "progress", "template": "free", "session_date": "2026-11-20", "body": canary("Note"),
                "unscheduled_reason": "phone", "action": "sign"}, follow=False)
            assert written.status_code == 302, written.text[:500]
            found = _post(browser, f"{server.url}/clients/", {"q": canary("Given")})
            assert canary("Family") in found.text
            page = browser.get(f"{server.url}{chart}", timeout=10)
            assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
            seen = [r.url for r in (registered, written, found, page)] + [str(page.headers)]

            password_file = tmp_path / "password"
            password_file.write_text(OWNER_PASSWORD, encoding="utf-8")
            token = confide("token", "create", "--email", "alice@example.test", "--password-file",
                            str(password_file), "--name", "side doors", env=env, check=True).stdout.splitlines()[-1]
            headers = {"Authorization": f"Bearer {token}"}
            created = requests.post(f"{server.url}/api/v1/clients", json={**DEMOGRAPHICS}, headers=headers,
                                    timeout=10)
            assert created.status_code == 201, created.text
            bad = requests.post(f"{server.url}/api/v1/clients", json={**DEMOGRAPHICS, "date_of_birth": canary("x")},
                                headers=headers, timeout=10)
            assert bad.status_code == 422 and not leaks(bad.text)
            searched = requests.post(f"{server.url}/api/v1/clients/search", json={"query": canary("Given")},
                                     headers=headers, timeout=10)
            assert searched.status_code == 200 and canary("Family") in searched.text
            seen += [str(r.headers) for r in (created, bad, searched)]
            disclosed, release_token = _disclosures_on_a_real_server(browser, server.url, chart)
            seen += disclosed
        finally:
            output = server.stop()
        assert '"POST /clients/new" 302' in output and '"POST /api/v1/clients/search" 200' in output, (
            "the access log is part of the output searched")
        assert not leaks(output), "client data in the server's output: " + next(
            line for line in output.splitlines() if leaks(line))
        assert not leaks("\n".join(seen)), "client data in a URL or response header"
        assert not leaks("\n".join(file_names(data_dir))), "client data in a file name"
        assert '"POST /release/[redacted]/" 200' in output, "the release link's requests are in the access log"
        assert release_token not in output, "a release link's token in the server's output"


def _post_from(browser: requests.Session, form_url: str, action_url: str, data: dict[str, Any],
               **kwargs: Any) -> requests.Response:
    """Post to `action_url` with the CSRF token of the form page at `form_url` (as a browser would)."""
    page = browser.get(form_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, f"no form on {form_url}"
    return browser.post(action_url, data={"csrfmiddlewaretoken": token.group(1), **data},
                        headers={"Referer": form_url}, timeout=10, allow_redirects=False, **kwargs)


def _disclosures_on_a_real_server(browser: requests.Session, base: str, chart: str) -> tuple[list[str], str]:
    """An authorization, a release link opened by its recipient, and an emergency disclosure, with
    canaries in every free-text field; returns the URLs and headers seen, and the link's token."""
    url = f"{base}{chart}"
    scan = _post_from(browser, url, f"{url}documents/", {},
                      files={"file": (f"{canary('Scan')}.pdf", b"%PDF-1.4 a fictional signed form")})
    assert scan.status_code in (200, 302), scan.text[:500]
    form = browser.get(f"{url}disclosures/authorizations/new", timeout=10)
    scan_id = re.search(r'<option value="([0-9a-f-]{36})"', form.text)
    assert scan_id, form.text[:500]
    saved = _post_from(browser, f"{url}disclosures/authorizations/new", f"{url}disclosures/authorizations/new", {
        "categories": "progress_notes", "description": canary("AuthDescription"), "discloser": "The practice",
        "recipient_name": canary("Recipient"), "recipient_address": canary("RecipientAddress"),
        "purposes": canary("Purpose"), "expiry_event": "One year after signing", "signer_name": canary("Signer"),
        "signed_on": "2026-11-20", "states_right_to_revoke": "on", "states_conditioning": "on",
        "states_redisclosure": "on", "scan_document_id": scan_id.group(1)})
    assert saved.status_code == 302, saved.text[:500]
    authorization = f"{base}{saved.headers['Location']}"
    issued = _post_from(browser, authorization, f"{authorization}packet",
                        {"categories": "progress_notes", "delivery": "link", "days": "7"})
    assert issued.status_code == 200, issued.text[:500]
    release = re.search(r"https?://[^/\s\"<]+(/release/[^\s\"<]+/)", issued.text)
    passcode = re.search(r'<code id="release-passcode">([^<]+)</code>', issued.text)
    assert release and passcode
    recipient = requests.Session()
    link = f"{base}{release.group(1)}"
    wrong = _post_from(recipient, link, link, {"passcode": "WRONG-WRONG"})
    assert wrong.status_code == 400
    opened = _post_from(recipient, link, link, {"passcode": passcode.group(1)})
    assert opened.status_code == 200 and opened.headers["Content-Type"] == "application/pdf"

    started = _post_from(browser, f"{url}disclosures/emergency/new", f"{url}disclosures/emergency/new",
                         {"basis": "duty_to_warn"})
    assert started.status_code == 302, started.text[:500]
    draft = f"{base}{started.headers['Location']}"
    for data in (
        {"step": "risk", "threat": canary("Threat"), "victim": canary("Victim"), "imminence": "soon",
         "means": canary("Means"), "history": ""},
        {"step": "rule", "rule_reviewed": "on", "no_consultation_reason": canary("NoConsultation")},
        {"step": "disclosure", "recipient_type": "police", "recipient_name": canary("Officer"), "method": "phone",
         "disclosed_at": "2026-11-20T10:00", "items": "threat", "details": canary("WhatWasSaid")},
        {"step": "client", "client_told": "later", "not_told_reason": canary("NotTold")},
        {"step": "review", "confirm": "on"},
    ):
        answer = _post_from(browser, draft, draft, data)
        assert answer.status_code == 302, (data["step"], answer.text[:500])
    assert canary("WhatWasSaid") in browser.get(draft, timeout=10).text
    seen = [r.url for r in (scan, saved, issued, started)] + [
        str(r.headers) for r in (scan, saved, issued, wrong, opened, started)]
    return seen, release.group(1).rstrip("/").rsplit("/", 1)[-1]


def test_the_template_engine_never_logs_its_context(captured_logs: Capture, bob: Person) -> None:
    """At DEBUG, Django's template engine would log a whole context (decrypted demographics) on a failed lookup."""
    from django.template import Context, Template

    assert not logging.getLogger("django.template").isEnabledFor(logging.DEBUG)
    Template("{{ missing.value }}").render(Context({"d": canary("Context")}))
    assert not leaks("\n".join(captured_logs.lines))


# ----------------------------------------------------------------------------- the portal and disclosures


def _link_in(message: Any) -> str:
    found = re.findall(r"https?://\S+", str(message.body))
    assert len(found) == 1, message.body
    return "/" + found[0].split("://", 1)[1].split("/", 1)[1]


def _video_room(bob: Person, client: ClientRecord, staff: Browser, portal: Browser) -> dict[str, Any]:
    """Book a video session starting now; both answer the privacy check; the clinician reads the client's."""
    import json

    from django.utils import timezone

    from confide.records import care

    appointment = care.create_appointment(vault_of(bob), client.public_id, starts_at=timezone.now(),
                                          duration_minutes=50, modality="video")
    portal_room = f"/portal/sessions/{appointment.public_id}/"
    staff_room = f"/clients/{client.public_id}/sessions/{appointment.public_id}/video/"
    answers = {"private_space": "yes", "headphones": "yes", "alone": "no", "others_note": canary("OthersNote"),
               "location": "US-NJ", "emergency_contact": canary("SessionContact")}
    assert portal.request("post", portal_room, data={**answers, "location": "Atlantis"}).status_code == 400
    assert portal.request("post", portal_room, data=answers).status_code == 302
    assert staff.request("post", staff_room, data={"private_space": "yes", "headphones": "yes",
                                                   "alone": "yes"}).status_code == 302
    pages = {}
    for who, browser, path in (("client", portal, portal_room), ("clinician", staff, staff_room)):
        page = browser.request("get", path)
        assert page.status_code == 200 and "camera=(self)" in page["Permissions-Policy"]
        config = re.search(r'<script id="room-config" type="application/json">(.*?)</script>', page.content.decode())
        assert config, page.content[:500]
        pages[who] = json.loads(config.group(1))

    def signal(who: str, browser: Browser, body: dict[str, Any]) -> Any:
        answer = browser.request("post", pages[who]["signalUrl"],
                                 data=json.dumps({**body, "token": pages[who]["token"]}),
                                 content_type="application/json")
        if answer.status_code == 200:
            pages[who]["token"] = answer.json()["token"]
        return answer

    assert signal("client", portal, {"action": "join"}).status_code == 200
    assert signal("clinician", staff, {"action": "join"}).status_code == 200
    assert signal("clinician", staff, {"action": "send", "kind": "offer", "generation": 0,
                                       "data": {"type": "offer", "sdp": canary("Sdp")}}).status_code == 400
    checked = signal("clinician", staff, {"action": "check"})
    assert checked.status_code == 200, checked.content[:500]
    return {"check": checked.json()["clientCheck"]}


def test_the_portal_and_disclosures_leave_no_client_data_through_a_side_door(
        alice: Person, bob: Person, relaxed: object, captured_logs: Capture) -> None:
    """Canaries typed by a client (signature, check-in) and by a clinician (authorization, emergency
    disclosure, release link) reach only the pages meant to show them."""
    from tests.accounts.test_signin import sign_in

    staff = Browser(HttpClient(raise_request_exception=False))
    assert sign_in(staff.http, bob.email, bob.password).status_code == 302
    client = services.create_client(vault_of(bob), services.Demographics(**DEMOGRAPHICS))
    chart = f"/clients/{client.public_id}/"

    # The clinician invites the client; the client joins from the e-mailed link.
    mail.outbox.clear()
    assert staff.request("post", f"{chart}portal/invite", data={"email": "wren@example.test"}).status_code == 302
    [invitation] = mail.outbox
    join = _link_in(invitation)
    portal = Browser(HttpClient(raise_request_exception=False))
    assert portal.request("get", join).status_code == 200
    joined = portal.request("post", join, data={"email": "wren@example.test", "password1": "meadow copper violin "
                                                "harbour", "password2": "meadow copper violin harbour"})
    assert joined.status_code == 302, joined.content[:500]

    # The client signs the consent document (first without ticking the box) and answers a check-in
    # (first with a bad answer), each with a canary in the free text.
    assert portal.request("get", "/portal/").status_code == 302
    page = portal.request("get", "/portal/consent/")
    version = re.search(r'name="version" value="(\d+)"', page.content.decode())
    assert version, page.content[:500]
    unticked = portal.request("post", "/portal/consent/", data={"version": version.group(1),
                                                                "typed_name": canary("TypedName")})
    assert unticked.status_code == 400
    signed = portal.request("post", "/portal/consent/", data={"version": version.group(1), "understood": "on",
                                                              "typed_name": canary("TypedName")})
    assert signed.status_code == 302, signed.content[:500]
    documents = portal.request("get", "/portal/documents/")
    assert canary("TypedName").encode() in documents.content
    pdf_path = re.search(r'href="(/portal/documents/[0-9a-f-]+\.pdf)"', documents.content.decode())
    assert pdf_path
    pdf = portal.request("get", pdf_path.group(1))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    bad = portal.request("post", "/portal/check-in/", data={"comfort": "9", "informed": "4", "trust": "4",
                                                            "comment": canary("CheckInComment")})
    assert bad.status_code == 400
    answered = portal.request("post", "/portal/check-in/", data={"comfort": "2", "informed": "4", "trust": "4",
                                                                 "comment": canary("CheckInComment")})
    assert answered.status_code == 302, answered.content[:500]
    for path in ("/portal/privacy/", "/portal/access/", "/portal/access/history.csv", "/portal/access/history.pdf",
                 "/portal/security/", "/portal/retention/"):
        assert portal.request("get", path).status_code == 200, path
    assert canary("CheckInComment").encode() in staff.request("get", chart).content

    # The clinician records a paper authorization (a scan first), releases a packet by link (of a
    # signed note: an empty packet is refused), and the recipient opens it with the passcode.
    services.create_note(vault_of(bob), client.public_id, kind="progress", session_date="2026-11-20",
                         body="A fictional session.", sign=True, consent_reason="A fictional reason.")
    scan = io.BytesIO(b"%PDF-1.4 a fictional signed form")
    scan.name = f"{canary('Scan')}.pdf"
    assert staff.request("post", f"{chart}documents/", data={"file": scan}).status_code in (200, 302)
    form = staff.request("get", f"{chart}disclosures/authorizations/new").content.decode()
    scan_id = re.search(r'<option value="([0-9a-f-]{36})"', form)
    assert scan_id, form[:500]
    authorization = {
        "categories": ["progress_notes"], "description": canary("AuthDescription"), "discloser": "The practice",
        "recipient_name": canary("Recipient"), "recipient_address": canary("RecipientAddress"),
        "purposes": canary("Purpose"), "expiry_event": "One year after signing", "signer_name": canary("Signer"),
        "signed_on": "2026-11-20", "states_right_to_revoke": "on", "states_conditioning": "on",
        "states_redisclosure": "on", "scan_document_id": scan_id.group(1)}
    incomplete = staff.request("post", f"{chart}disclosures/authorizations/new",
                               data={**authorization, "purposes": ""})
    assert incomplete.status_code == 400
    saved = staff.request("post", f"{chart}disclosures/authorizations/new", data=authorization)
    assert saved.status_code == 302, saved.content[:500]
    issued = staff.request("post", f"{saved['Location']}packet", data={
        "categories": ["progress_notes"], "delivery": "link", "days": "7"})
    assert issued.status_code == 200, issued.content[:500]
    release = re.search(r"https?://[^/\s\"<]+(/release/[^\s\"<]+/)", issued.content.decode())
    passcode = re.search(r'<code id="release-passcode">([^<]+)</code>', issued.content.decode())
    assert release and passcode, issued.content.decode()[:2000]
    recipient = Browser(HttpClient(raise_request_exception=False))
    assert recipient.request("get", release.group(1)).status_code == 200
    assert recipient.request("post", release.group(1), data={"passcode": "WRONG-WRONG"}).status_code == 400
    opened = recipient.request("post", release.group(1), data={"passcode": passcode.group(1)})
    assert opened.status_code == 200 and opened["Content-Type"] == "application/pdf"

    # An emergency disclosure, step by step, with a canary in every narrative field.
    started = staff.request("post", f"{chart}disclosures/emergency/new", data={"basis": "duty_to_warn"})
    assert started.status_code == 302, started.content[:500]
    draft = started["Location"]
    steps = [
        {"step": "risk", "threat": canary("Threat"), "victim": canary("Victim"), "imminence": "soon",
         "means": canary("Means"), "history": ""},
        {"step": "rule", "rule_reviewed": "on", "no_consultation_reason": canary("NoConsultation")},
        {"step": "disclosure", "recipient_type": "police", "recipient_name": canary("Officer"),
         "recipient_address": "", "method": "phone", "disclosed_at": "2026-11-20T10:00", "items": ["threat"],
         "details": canary("WhatWasSaid")},
        {"step": "client", "client_told": "later", "not_told_reason": canary("NotTold")},
        {"step": "review", "confirm": "on"},
    ]
    assert staff.request("post", draft, data={"step": "risk", "threat": canary("Threat")}).status_code == 400
    for data in steps:
        answer = staff.request("post", draft, data=data)
        assert answer.status_code == 302, (data["step"], answer.content[:800])
    recorded = staff.request("get", draft)
    assert canary("WhatWasSaid").encode() in recorded.content
    accounting = staff.request("get", f"{chart}disclosures/accounting/")
    assert accounting.status_code == 200
    pdf = staff.request("get", f"{chart}disclosures/accounting.pdf")
    assert pdf.status_code == 200

    # A video session (ADR 0021): the client's privacy check carries canaries (who else is there, the
    # emergency contact); the clinician reads it through the signalling endpoint, a bad answer first.
    room = _video_room(bob, client, staff, portal)
    assert room["check"]["answers"]["emergency_contact"] == canary("SessionContact")

    assert mail.outbox, "the portal invitation was sent"
    sides = {
        "logs": "\n".join(captured_logs.lines),
        "e-mails": "\n".join(f"{m.subject}\n{m.to}\n{m.extra_headers}\n{m.body}\n{getattr(m, 'alternatives', [])}"
                             for m in mail.outbox),
        "URLs and response headers": "\n".join(staff.seen + portal.seen + recipient.seen),
        "file names": "\n".join(file_names(Path(settings.DATA_DIR))),
    }
    # The tokens of the invitation and release links are secrets too: never in a log line.
    for token in (join.rstrip("/").rsplit("/", 1)[-1], release.group(1).rstrip("/").rsplit("/", 1)[-1]):
        assert token not in sides["logs"], "a link's token reached the logs"
    for side, text in sides.items():
        assert not leaks(text), f"client data in the {side}: " + next(
            line for line in text.splitlines() if leaks(line))
