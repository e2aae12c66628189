"""Shared pieces of the load benchmark and the crash-safety test.

* `Browser`: a small HTTP/1.1 client that keeps one connection alive, keeps cookies and the
  CSRF token like a browser, and never follows redirects by itself. It is deliberately lighter
  than `requests`, because on a 2-core machine the load generator competes with the server.
* `seed` (run as `python -m benchmarks.loadkit seed ...` with a `confide serve` environment):
  fills a practice made by `confide init` with clinicians, caseloads and signed progress notes
  through the record services, and optionally writes the same data in plain text into the
  control database of the plaintext comparison (benchmarks/control/).
* `check` (`python -m benchmarks.loadkit check ...`): opens every note in the database with its
  author's keys and counts the note events in the audit log, for the crash-safety test.

Every name and note in the seeded data is fictional.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

PASSWORD = "bench harbour lantern orchard"  # noqa: S105  (fictional benchmark accounts)
GIVEN = ["Ada", "Bram", "Cleo", "Dov", "Esme", "Finn", "Gita", "Hugo", "Ines", "Jonah", "Kaia", "Lev"]
FAMILY = ["Ashdown", "Brightwater", "Coldbrook", "Dunmore", "Elsworth", "Fairhaven", "Greystone", "Holloway"]
CLINICIAN_NAMES = ["Sam Okafor", "Robin Vale", "Ines Marlow", "Jo Finch", "Noor Castell", "Theo Lindqvist"]
BODY = ("Subjective: Client reports a difficult week at work and poor sleep.\n\n"
        "Objective: Alert, oriented, affect constricted.\n\n"
        "Assessment: Mild depressive symptoms persist.\n\n"
        "Plan: Continue weekly CBT; review sleep diary next session.\n")

_CSRF = re.compile(r'(?:name="csrfmiddlewaretoken" value|data-csrf-token)="([^"]+)"')


# ----------------------------------------------------------------------------- HTTP


class TransportError(Exception):
    """The request got no HTTP response (connection refused, reset or closed mid-request)."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """One person's browser: one kept-alive connection from its own loopback address, cookies, CSRF token.

    Each simulated person connects from a different 127.x address (Linux answers the whole
    127.0.0.0/8 on the loopback interface), as people in a practice come from different machines,
    so the per-address sign-in rate limit applies to each of them and not to all together.
    """

    base_url: str
    source_ip: str | None = None
    timeout: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: str = ""
    _conn: http.client.HTTPConnection | None = None
    _last_used: float = 0.0

    def _connection(self) -> http.client.HTTPConnection:
        # Gunicorn closes a kept-alive connection after 2 s of silence; start a fresh one before then.
        if self._conn is not None and time.monotonic() - self._last_used > 1.5:
            self.close()
        if self._conn is None:
            parts = urlsplit(self.base_url)
            self._conn = http.client.HTTPConnection(
                parts.hostname or "127.0.0.1", parts.port or 80, timeout=self.timeout,
                source_address=(self.source_ip, 0) if self.source_ip else None)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method: str, path: str, form: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> Response:
        """Send one request and read the whole answer. Raises `TransportError` when there is none."""
        sent = {"Host": urlsplit(self.base_url).netloc, "User-Agent": "confide-load/1"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode("utf-8")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        conn = self._connection()
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise TransportError(f"{method} {path}: {type(exc).__name__}") from None
        self._last_used = time.monotonic()
        if raw.will_close:
            self.close()
        for header in raw.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        found = _CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, form: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        return self.request("POST", path, form={"csrfmiddlewaretoken": self.csrf, **form},
                            headers={"X-CSRFToken": self.csrf, **(headers or {})})


class UnexpectedResponseError(Exception):
    """An answer other than the one a working server gives."""

    def __init__(self, action: str, status: int) -> None:
        super().__init__(f"{action}: HTTP {status}")
        self.action, self.status = action, status


def expect(action: str, response: Response, *statuses: int) -> Response:
    if response.status not in statuses:
        raise UnexpectedResponseError(action, response.status)
    return response


def sign_in(browser: Browser, email: str, password: str) -> None:
    """The sign-in page, then the form (the bench practice has MFA optional), then the home page."""
    expect("sign in", browser.get("/accounts/login/"), 200)
    answer = browser.post("/accounts/login/", {"login": email, "password": password})
    expect("sign in", answer, 302)
    if answer.location.rstrip("/").endswith("/accounts/login"):
        raise UnexpectedResponseError("sign in", answer.status)
    # Django rotates the CSRF token at sign-in; the next page carries the new one.
    expect("sign in", browser.get("/"), 200)


@dataclass
class Draft:
    """A note being written: its URLs and the version the server last acknowledged."""

    note_url: str
    autosave_url: str
    version: int


def start_note(browser: Browser, client_id: str, body: str, session_date: str) -> Draft:
    """The first autosave of a new progress note: it creates the draft."""
    answer = expect("save note", browser.post(
        f"/clients/{client_id}/notes/autosave",
        {"kind": "progress", "template": "soap", "session_date": session_date, "body": body},
        headers={"HX-Request": "true"}), 200)
    return Draft(answer.headers["x-confide-note-url"], answer.headers["x-confide-autosave-url"], 1)


def autosave(browser: Browser, draft: Draft, body: str, session_date: str) -> None:
    """A later autosave of the draft; the acknowledged version moves on by one."""
    expect("save note", browser.post(draft.autosave_url, {"session_date": session_date, "body": body,
                                                          "version": draft.version},
                                     headers={"HX-Request": "true"}), 200)
    draft.version += 1


def sign(browser: Browser, draft: Draft, body: str, session_date: str) -> None:
    """Save what is on screen and sign it (the editor's Sign button)."""
    expect("sign note", browser.post(draft.note_url, {"session_date": session_date, "body": body,
                                                      "version": draft.version, "action": "sign"}), 302)
    draft.version += 1


def portal_sign_in(browser: Browser, email: str, password: str) -> None:
    """A client signs in with the same form; the portal home answers (or asks for consent first)."""
    expect("client sign in", browser.get("/accounts/login/"), 200)
    answer = browser.post("/accounts/login/", {"login": email, "password": password})
    expect("client sign in", answer, 302)
    if answer.location.rstrip("/").endswith("/accounts/login"):
        raise UnexpectedResponseError("client sign in", answer.status)
    home = expect("client sign in", browser.get("/portal/"), 200, 302)
    if home.status == 302 and not home.location.rstrip("/").endswith("/portal/consent"):
        raise UnexpectedResponseError("client sign in", home.status)


_VERSION = re.compile(r'name="version" value="(\d+)"')


def sign_consent(browser: Browser, typed_name: str) -> None:
    """Read the current consent document and sign it (the portal asks before anything else)."""
    page = expect("sign consent", browser.get("/portal/consent/"), 200)
    found = _VERSION.search(page.text)
    if found is None:
        raise UnexpectedResponseError("sign consent", page.status)
    expect("sign consent", browser.post("/portal/consent/", {"version": found.group(1), "understood": "on",
                                                             "typed_name": typed_name}), 302)


def loopback_address(index: int) -> str:
    """A distinct 127.x.y.z address for the index-th simulated person."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


# ----------------------------------------------------------------------------- seeding


def _control_connection(target: str) -> Any:
    if target.startswith("postgres"):
        import psycopg

        return psycopg.connect(target)
    import sqlite3

    return sqlite3.connect(target)


CONTROL_SCHEMA = [
    "CREATE TABLE control_user (id BIGINT PRIMARY KEY, display_name VARCHAR(120) NOT NULL)",
    "CREATE TABLE control_client (id BIGINT PRIMARY KEY, public_id VARCHAR(36) NOT NULL UNIQUE, "
    "given_name VARCHAR(200) NOT NULL, family_name VARCHAR(200) NOT NULL, preferred_name VARCHAR(200) NOT NULL, "
    "pronouns VARCHAR(60) NOT NULL, date_of_birth VARCHAR(10) NOT NULL, status VARCHAR(16) NOT NULL)",
    "CREATE TABLE control_careteam (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL, user_id BIGINT NOT NULL, "
    "role VARCHAR(16) NOT NULL, clinical_access BOOLEAN NOT NULL)",
    "CREATE INDEX control_careteam_client ON control_careteam (client_id)",
    "CREATE TABLE control_note (id BIGINT PRIMARY KEY, public_id VARCHAR(36) NOT NULL UNIQUE, "
    "client_id BIGINT NOT NULL, author_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL, template VARCHAR(8) NOT NULL, "
    "session_date DATE NOT NULL, status VARCHAR(8) NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX control_note_client ON control_note (client_id, session_date)",
]


def seed(*, clinicians: int, caseload: int, notes: int, password: str, control: str | None,
         portal_clients: int = 0) -> dict[str, Any]:
    """Add clinicians with caseloads of clients with signed notes to the practice in the database.

    Runs in a process configured for the practice's data directory and database. The first
    client of each of the first `portal_clients` clinicians is invited to the client portal and
    accepts (an account with `password`). Returns the clinicians' e-mail addresses with their
    clients' public ids, and the portal clients' e-mail addresses and names.
    """
    from django.db import connection, transaction

    from confide.accounts.models import User
    from confide.keys import services as key_services
    from confide.keys import vault as keys
    from confide.practice.models import Membership, Practice, Role
    from confide.records import services
    from confide.records.models import CareTeamMember, Client, Note

    rng = random.Random(7)
    practice = Practice.objects.get()
    # The bench accounts sign in with a password alone; the practice setting that allows it.
    practice.mfa_required = False
    practice.save(update_fields=["mfa_required"])
    people = []
    portal: list[dict[str, str]] = []
    control_rows: dict[str, list[tuple[Any, ...]]] = {"user": [], "client": [], "careteam": [], "note": []}
    for index in range(clinicians):
        name = f"{CLINICIAN_NAMES[index % len(CLINICIAN_NAMES)]} {index}"
        user = User.objects.create_user(email=f"clinician{index}@bench.invalid", password=password, display_name=name)
        Membership.objects.create(practice=practice, user=user, role=Role.CLINICIAN)
        key_services.provision_user_keys(user.pk, practice.pk, password)
        vault = keys.vault_from_password(user.pk, practice.pk, password)
        control_rows["user"].append((user.pk, name))
        clients = []
        batch: list[tuple[Note, str]] = []
        for number in range(caseload):
            demographics = services.Demographics(
                given_name=rng.choice(GIVEN), family_name=f"{rng.choice(FAMILY)}{index}x{number}",
                date_of_birth=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}")
            with transaction.atomic():
                client = services.create_client(vault, demographics)
            clients.append(str(client.public_id))
            control_rows["client"].append((client.pk, str(client.public_id), demographics.given_name,
                                           demographics.family_name, "", "", demographics.date_of_birth, "active"))
            key = vault.current_key(client.pk, "clinical")
            for n in range(notes):
                body = f"Session {n + 1}.\n\n{BODY}"
                note = Note(client=client, author_id=user.pk, kind="progress", template="soap",
                            session_date=f"2026-{1 + n % 10:02d}-{1 + (n * 3) % 27:02d}", status="signed", body=b"")
                note.body = services._seal(key, body, services._note_context(note, 1))
                batch.append((note, body))
        Note.objects.bulk_create([note for note, _ in batch])
        for note, body in batch:
            control_rows["note"].append((note.pk, str(note.public_id), note.client_id, note.author_id, note.kind,
                                         note.template, note.session_date, note.status, body))
        people.append({"email": user.email, "clients": clients})
        if index < portal_clients and clients:
            portal.append(_portal_account(vault, clients[0], index, password))
        print(f"  seeded clinician {index + 1} of {clinicians}", file=sys.stderr)
    if control:
        # The control copy: the same rows in plain text, with no keys, no audit and no sign-in.
        for member in CareTeamMember.objects.all():
            control_rows["careteam"].append((member.pk, member.client_id, member.user_id, member.role,
                                             member.clinical_access))
        if Client.objects.count() != len(control_rows["client"]) or None in [r[0] for r in control_rows["note"]]:
            raise RuntimeError("the control copy does not match the practice's rows")
        with _control_connection(control) as db:
            cursor = db.cursor()
            for statement in CONTROL_SCHEMA:
                cursor.execute(statement)
            mark = "%s" if control.startswith("postgres") else "?"
            for table, rows in control_rows.items():
                if rows:
                    marks = ", ".join([mark] * len(rows[0]))
                    cursor.executemany(f"INSERT INTO control_{table} VALUES ({marks})", rows)  # noqa: S608
            db.commit()
    if connection.vendor == "postgresql":
        # A live database has planner statistics from autovacuum; a freshly bulk-loaded one has none.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"clinicians": people, "portal_clients": portal, "practice_id": practice.pk}


def _portal_account(vault: Any, client_id: str, index: int, password: str) -> dict[str, str]:
    """Invite a client to the portal and accept the invitation as they would, through the services."""
    from confide.portal import services as portal
    from confide.records import services

    email = f"client{index}@bench.invalid"
    issued = portal.invite_client(vault, client_id, email=email)
    portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1], email=email, password=password)
    _, demographics = services.get_client(vault, client_id)
    return {"email": email, "name": f"{demographics.given_name} {demographics.family_name}"}


def check(*, password: str) -> dict[str, Any]:
    """Open every note with its author's keys; count the note events in the audit log.

    Returns {"notes": {public_id: {"version", "status", "body", "client"}}, "failed": [...],
    "events": {tag: count}}. A note that does not open is listed in "failed" by id only.
    """
    from django.db.models import Count

    from confide.audit.models import LogEntry
    from confide.audit.services import sequence_pending
    from confide.keys import vault as keys
    from confide.records import services
    from confide.records.models import Note

    vaults: dict[int, Any] = {}
    found: dict[str, Any] = {}
    failed: list[str] = []
    for note in Note.objects.select_related("client").order_by("pk"):
        if note.author_id not in vaults:
            vaults[note.author_id] = keys.vault_from_password(note.author_id, note.client.practice_id, password)
        try:
            body = services._open(vaults[note.author_id], bytes(note.body), services._note_context(note, note.version))
        except Exception:  # any failure to open is what the check reports
            failed.append(str(note.public_id))
            continue
        found[str(note.public_id)] = {"version": note.version, "status": note.status, "body": body,
                                      "client": str(note.client.public_id)}
    # Events committed with their write but not yet placed when the server died are in the
    # pending table (ADR 0005); a read of the log places them first, as `confide audit` does.
    sequence_pending(wait=True)
    events = dict(LogEntry.objects.filter(tag__startswith="record:note:").values_list("tag")
                  .annotate(n=Count("position")).values_list("tag", "n"))
    return {"notes": found, "failed": failed, "events": events}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_seed = sub.add_parser("seed")
    p_seed.add_argument("--clinicians", type=int, required=True)
    p_seed.add_argument("--caseload", type=int, required=True)
    p_seed.add_argument("--notes", type=int, required=True)
    p_seed.add_argument("--password-file", type=Path, required=True)
    p_seed.add_argument("--control", help="SQLite path or PostgreSQL URL of the (empty) control database")
    p_seed.add_argument("--portal-clients", type=int, default=0, help="clients with a portal account")
    p_check = sub.add_parser("check")
    p_check.add_argument("--password-file", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    import django

    django.setup()
    password = args.password_file.read_text(encoding="utf-8").strip()
    if args.command == "seed":
        result = seed(clinicians=args.clinicians, caseload=args.caseload, notes=args.notes, password=password,
                      control=args.control, portal_clients=args.portal_clients)
    else:
        result = check(password=password)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
