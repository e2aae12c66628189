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
import datetime as dt
import http.client
import io
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
                                                      "version": draft.version, "unscheduled_reason": "phone",
                                                      "action": "sign"}), 302)
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
    "pronouns VARCHAR(60) NOT NULL, date_of_birth VARCHAR(10) NOT NULL, email VARCHAR(254) NOT NULL, "
    "phone VARCHAR(60) NOT NULL, emergency_contact VARCHAR(300) NOT NULL, status VARCHAR(16) NOT NULL)",
    "CREATE TABLE control_careteam (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL, user_id BIGINT NOT NULL, "
    "role VARCHAR(16) NOT NULL, clinical_access BOOLEAN NOT NULL)",
    "CREATE INDEX control_careteam_client ON control_careteam (client_id)",
    "CREATE TABLE control_note (id BIGINT PRIMARY KEY, public_id VARCHAR(36) NOT NULL UNIQUE, "
    "client_id BIGINT NOT NULL, author_id BIGINT NOT NULL, kind VARCHAR(16) NOT NULL, template VARCHAR(8) NOT NULL, "
    "session_date DATE NOT NULL, status VARCHAR(8) NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX control_note_client ON control_note (client_id, session_date)",
    "CREATE TABLE control_treatment_plan (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL UNIQUE, "
    "problems TEXT NOT NULL, goals TEXT NOT NULL, interventions TEXT NOT NULL, review_on DATE, "
    "diagnoses TEXT NOT NULL)",
    "CREATE TABLE control_episode (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL, opened_on DATE NOT NULL, "
    "closed_on DATE, summary TEXT NOT NULL)",
    "CREATE INDEX control_episode_client ON control_episode (client_id)",
    "CREATE TABLE control_appointment (id BIGINT PRIMARY KEY, public_id VARCHAR(36) NOT NULL UNIQUE, "
    "client_id BIGINT NOT NULL, clinician_id BIGINT, starts_at TIMESTAMP WITH TIME ZONE NOT NULL, "
    "duration_minutes INTEGER NOT NULL, modality VARCHAR(16) NOT NULL, attendance VARCHAR(16) NOT NULL)",
    "CREATE INDEX control_appointment_client ON control_appointment (client_id, starts_at)",
    "CREATE TABLE control_document (id BIGINT PRIMARY KEY, public_id VARCHAR(36) NOT NULL UNIQUE, "
    "client_id BIGINT NOT NULL, filename VARCHAR(200) NOT NULL, content_type VARCHAR(100) NOT NULL, "
    "size BIGINT NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL)",
    "CREATE INDEX control_document_client ON control_document (client_id, created_at)",
    "CREATE TABLE control_consent_version (id BIGINT PRIMARY KEY, number INTEGER NOT NULL UNIQUE, "
    "title VARCHAR(300) NOT NULL)",
    "CREATE TABLE control_consent_signature (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL, "
    "version_id BIGINT NOT NULL, signed_at TIMESTAMP WITH TIME ZONE NOT NULL)",
    "CREATE INDEX control_consent_signature_client ON control_consent_signature (client_id, signed_at)",
    "CREATE TABLE control_checkin (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL, comfort INTEGER NOT NULL, "
    "informed INTEGER NOT NULL, trust INTEGER NOT NULL, comment TEXT NOT NULL, "
    "submitted_at TIMESTAMP WITH TIME ZONE NOT NULL)",
    "CREATE INDEX control_checkin_client ON control_checkin (client_id, submitted_at)",
    "CREATE TABLE control_portal_account (id BIGINT PRIMARY KEY, client_id BIGINT NOT NULL UNIQUE)",
]


# Fictional content of the parts of the chart beyond the notes, the same for every client.
PLAN = {"problems": "Low mood and poor sleep since a change of job.",
        "goals": "Sleep six hours on most nights.\nReturn to two social activities a week.\n"
                 "Use the thought record between sessions.",
        "interventions": "Weekly CBT; sleep diary; behavioural activation."}
DIAGNOSES = [{"code": "F32.0", "description": "Mild depressive episode"}]
DOCUMENT = (b"Intake letter (fictional).\n\nReferred by the family doctor for low mood and poor sleep. "
            b"No risk concerns noted at referral. Prefers morning sessions.\n")


def _control_value(value: Any, sqlite: bool) -> Any:
    """A value as the control database takes it: SQLite gets dates and times as ISO text (in UTC)."""
    if sqlite and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(sep=" ")
    if sqlite and isinstance(value, dt.date):
        return value.isoformat()
    return value


def seed(*, clinicians: int, caseload: int, notes: int, password: str, control: str | None,
         portal_clients: int = 0, documents_every: int = 1) -> dict[str, Any]:
    """Add clinicians with caseloads of clients with signed notes to the practice in the database.

    Runs in a process configured for the practice's data directory and database. Each client also
    gets what the chart shows beyond the notes, through the record services: contact details, a
    treatment plan, an open episode of care, two past sessions and one upcoming, and (every
    `documents_every`-th client, 0 for none) a small document. The first client of each of the
    first `portal_clients` clinicians is invited to the client portal and accepts (an account with
    `password`). Returns the clinicians' e-mail addresses with their clients' public ids, and the
    portal clients' e-mail addresses and names.
    """
    from django.db import connection, transaction
    from django.utils import timezone

    from confide.accounts.models import User
    from confide.keys import services as key_services
    from confide.keys import vault as keys
    from confide.practice.models import Membership, Practice, Role
    from confide.records import care, sealing, services
    from confide.records import documents as record_documents
    from confide.records.models import Note

    rng = random.Random(7)
    practice = Practice.objects.get()
    # The bench accounts sign in with a password alone; the practice setting that allows it.
    practice.mfa_required = False
    practice.save(update_fields=["mfa_required"])
    people = []
    portal: list[dict[str, str]] = []
    control_rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in CONTROL_TABLES}
    plan = care.PlanContent(problems=PLAN["problems"], goals=PLAN["goals"], interventions=PLAN["interventions"],
                            review_on=(timezone.localdate() + dt.timedelta(days=90)).isoformat(),
                            diagnoses=tuple(care.Diagnosis(**d) for d in DIAGNOSES))
    at_ten = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    sessions = [(at_ten - dt.timedelta(days=14), care.Modality.IN_PERSON, care.Attendance.ATTENDED),
                (at_ten - dt.timedelta(days=7), care.Modality.IN_PERSON, care.Attendance.ATTENDED),
                (at_ten + dt.timedelta(days=7), care.Modality.VIDEO, care.Attendance.SCHEDULED)]
    seq = 0
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
            seq += 1
            demographics = services.Demographics(
                given_name=rng.choice(GIVEN), family_name=f"{rng.choice(FAMILY)}{index}x{number}",
                date_of_birth=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                phone=f"555-01{number % 100:02d}", emergency_contact="A partner, 555-0199")
            with transaction.atomic():
                client = services.create_client(vault, demographics)
                saved_plan = care.save_treatment_plan(vault, client.public_id, plan, expected_version=0)
                episode = care.open_episode(vault, client.public_id, opened_on=at_ten.date() - dt.timedelta(days=120))
                booked = [(care.create_appointment(vault, client.public_id, starts_at=starts, duration_minutes=50,
                                                   modality=modality, attendance=attendance), modality, attendance)
                          for starts, modality, attendance in sessions]
            document = None
            if documents_every and (seq - 1) % documents_every == 0:  # the 1st, (N+1)th, ... client
                document = record_documents.upload_document(vault, client.public_id, filename="intake-letter.txt",
                                                            stream=io.BytesIO(DOCUMENT), size=len(DOCUMENT))
            clients.append(str(client.public_id))
            control_rows["client"].append((client.pk, str(client.public_id), demographics.given_name,
                                           demographics.family_name, "", "", demographics.date_of_birth, "",
                                           demographics.phone, demographics.emergency_contact, "active"))
            control_rows["treatment_plan"].append((saved_plan.pk, client.pk, plan.problems, plan.goals,
                                                   plan.interventions, plan.review_date,
                                                   json.dumps(DIAGNOSES)))
            control_rows["episode"].append((episode.pk, client.pk, episode.opened_on, None, ""))
            for appointment, modality, attendance in booked:
                control_rows["appointment"].append((appointment.pk, str(appointment.public_id), client.pk,
                                                    appointment.clinician_id, appointment.starts_at,
                                                    appointment.duration_minutes, modality, attendance))
            if document is not None:
                control_rows["document"].append((document.pk, str(document.public_id), client.pk,
                                                 "intake-letter.txt", "text/plain", document.size,
                                                 document.created_at))
            key = vault.current_key(client.pk, "clinical")
            for n in range(notes):
                body = f"Session {n + 1}.\\n\\n{BODY}"
                note = Note(client=client, author_id=user.pk, kind="progress", template="soap",
                            session_date=f"2026-{1 + n % 10:02d}-{1 + (n * 3) % 27:02d}", status="signed", body=b"")
                note.body = sealing.seal_value(key, body, services._note_context(note, 1))
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
        write_control(control, control_rows)
    if connection.vendor == "postgresql":
        # A live database has planner statistics from autovacuum; a freshly bulk-loaded one has none.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"clinicians": people, "portal_clients": portal, "practice_id": practice.pk}


# The control's tables in the order they are filled, each with the Confide model it copies.
CONTROL_TABLES = {"user": "practice.Membership", "client": "records.Client", "careteam": "records.CareTeamMember",
                  "note": "records.Note", "treatment_plan": "records.TreatmentPlan", "episode": "records.Episode",
                  "appointment": "records.Appointment", "document": "records.Document",
                  "consent_version": "portal.ConsentVersion", "consent_signature": "portal.ConsentSignature",
                  "checkin": "portal.CheckIn", "portal_account": "portal.ClientAccount"}


def write_control(control: str, control_rows: dict[str, list[tuple[Any, ...]]]) -> None:
    """Write the control copy: the same rows in plain text, with no keys, no audit and no sign-in.

    The rows that exist only after seeding (care teams, portal accounts, consent) are read here.
    Raises `RuntimeError` when a table of the copy does not hold as many rows as Confide's.
    """
    from django.apps import apps

    from confide.portal.models import ClientAccount, ConsentSignature, ConsentVersion
    from confide.records.models import CareTeamMember

    for member in CareTeamMember.objects.all():
        control_rows["careteam"].append((member.pk, member.client_id, member.user_id, member.role,
                                         member.clinical_access))
    control_rows["consent_version"] = [tuple(v) for v in ConsentVersion.objects.values_list("pk", "number", "title")]
    control_rows["consent_signature"] = [tuple(s) for s in ConsentSignature.objects.values_list(
        "pk", "client_id", "version_id", "signed_at")]
    control_rows["portal_account"] = [tuple(a) for a in ClientAccount.objects.values_list("pk", "client_id")]
    # Check-ins are sealed with the portal key and none are seeded; a seeded one would fail the check below.
    expected = {table: apps.get_model(label).objects.count() for table, label in CONTROL_TABLES.items()}
    expected["user"] = apps.get_model(CONTROL_TABLES["user"]).objects.filter(role="clinician").count()
    copied = {table: len(rows) for table, rows in control_rows.items()}
    if copied != expected or any(row[0] is None for rows in control_rows.values() for row in rows):
        raise RuntimeError(f"the control copy does not match the practice's rows: {copied} != {expected}")
    sqlite = not control.startswith("postgres")
    with _control_connection(control) as db:
        cursor = db.cursor()
        for statement in CONTROL_SCHEMA:
            cursor.execute(statement)
        mark = "?" if sqlite else "%s"
        for table, rows in control_rows.items():
            if rows:
                marks = ", ".join([mark] * len(rows[0]))
                cursor.executemany(f"INSERT INTO control_{table} VALUES ({marks})",  # noqa: S608
                                   [tuple(_control_value(v, sqlite) for v in row) for row in rows])
        written = {}
        for table in control_rows:
            cursor.execute(f"SELECT COUNT(*) FROM control_{table}")  # noqa: S608
            written[table] = cursor.fetchone()[0]
        if written != expected:
            raise RuntimeError(f"the control database does not hold the practice's rows: {written} != {expected}")
        db.commit()


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
    from confide.records import sealing, services
    from confide.records.models import Note

    vaults: dict[int, Any] = {}
    found: dict[str, Any] = {}
    failed: list[str] = []
    for note in Note.objects.select_related("client").order_by("pk"):
        if note.author_id not in vaults:
            vaults[note.author_id] = keys.vault_from_password(note.author_id, note.client.practice_id, password)
        try:
            context = services._note_context(note, note.version)
            body = sealing.open_value(vaults[note.author_id], bytes(note.body), context)
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
    p_seed.add_argument("--documents-every", type=int, default=1,
                        help="a document for every N-th client (default 1: every client; 0: none)")
    p_check = sub.add_parser("check")
    p_check.add_argument("--password-file", type=Path, required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    import django

    django.setup()
    password = args.password_file.read_text(encoding="utf-8").strip()
    if args.command == "seed":
        result = seed(clinicians=args.clinicians, caseload=args.caseload, notes=args.notes, password=password,
                      control=args.control, portal_clients=args.portal_clients,
                      documents_every=args.documents_every)
    else:
        result = check(password=password)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
