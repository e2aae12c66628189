"""Every route that returns client data writes its audit event; a new route must be classified.

The route list comes from the URL configuration (`tests.routes`), so a route added without an
entry here fails `test_every_route_is_classified`.
"""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client

from confide.audit.models import LogEntry
from confide.audit.services import verify_stored_log
from confide.records import care, documents, services
from confide.records.models import Client as ClientRecord
from tests.accounts.test_signin import sign_in
from tests.api.conftest import token_of
from tests.conftest import Person
from tests.disclosures.helpers import disclosure_ids
from tests.records.conftest import vault_of
from tests.routes import _walk

# Routes that show or return client data, with the event a GET must write.
CLIENT_DATA_ROUTES: dict[str, str] = {
    "clients/": "record:caseload:listed",
    "clients/<uuid:client_id>/": "record:client:read",
    "clients/<uuid:client_id>/details": "record:client:read",
    "clients/<uuid:client_id>/notes/<uuid:note_id>/": "record:note:read",
    "clients/<uuid:client_id>/psychotherapy-notes/": "record:notes:listed",
    "clients/<uuid:client_id>/team/": "access:careteam:read",
    "clients/<uuid:client_id>/documents/<uuid:document_id>": "record:document:read",
    "clients/<uuid:client_id>/notes/new": "record:client:read",
    "clients/summary": "record:caseload:listed",
    "clients/<uuid:client_id>/episodes/": "record:episodes:listed",
    "clients/<uuid:client_id>/sessions/": "record:appointments:listed",
    "clients/<uuid:client_id>/sessions/new": "record:client:read",
    "clients/<uuid:client_id>/sessions/<uuid:appointment_id>/": "record:appointment:read",
    "clients/<uuid:client_id>/plan/": "record:plan:read",
    "clients/<uuid:client_id>/plan/edit": "record:plan:read",
    "clients/<uuid:client_id>/access-log/": "audit:log:read",
    "api/v1/clients/<client_id>/access-log": "audit:log:read",
    "api/v1/clients": "record:caseload:listed",
    "api/v1/clients/<client_id>": "record:client:read",
    "api/v1/clients/<client_id>/notes": "record:notes:listed",
    "api/v1/clients/<client_id>/notes/<note_id>": "record:note:read",
    "api/v1/clients/<client_id>/care-team": "access:careteam:read",
    "clients/<uuid:client_id>/disclosures/": "disclosure:record:read",
    "clients/<uuid:client_id>/disclosures/authorizations/new": "record:client:read",
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/": "disclosure:authorization:read",
    "clients/<uuid:client_id>/disclosures/emergency/new": "record:client:read",
    "clients/<uuid:client_id>/disclosures/emergency/<uuid:disclosure_id>/": "disclosure:emergency:read",
    "clients/<uuid:client_id>/disclosures/court/new": "record:client:read",
    "clients/<uuid:client_id>/disclosures/other/new": "record:client:read",
    "clients/<uuid:client_id>/disclosures/accounting/": "disclosure:accounting:read",
    "clients/<uuid:client_id>/disclosures/accounting.pdf": "disclosure:accounting:read",
}

# Routes that write client data (their events are checked in the service tests) or act on one
# member of a care team; GET is not how they are used.
CLIENT_WRITE_ROUTES = {
    "clients/new", "clients/<uuid:client_id>/documents/",
    "clients/<uuid:client_id>/notes/<uuid:note_id>/addenda",
    "clients/<uuid:client_id>/notes/<uuid:note_id>/autosave", "clients/<uuid:client_id>/notes/autosave",
    "clients/<uuid:client_id>/team/revoke", "clients/<uuid:client_id>/episodes/close", "api/v1/clients/search",
    "api/v1/clients/<client_id>/care-team/<user_id>",
    # Break-glass (tests/oversight): opening and ending an emergency access, the holders' search by
    # name (a POST, logged as access:breakglass:searched), withdrawing a holder (rotates client keys).
    "clients/<uuid:client_id>/emergency", "emergency/", "emergency/<uuid:session_id>/end",
    "practice/emergency-access/revoke",
    "clients/<uuid:client_id>/disclosures/part2",
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/revoke",
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/expired",
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/packet",
    "clients/<uuid:client_id>/disclosures/court/<uuid:request_id>/outcome",
}

# Messaging (ADR 0018) and consultations (ADR 0019): the thread pages read and log the thread; the
# routes that need a message, attachment or consultation of their own are POST actions or reads
# whose events are checked in tests/messaging and tests/consultation.
CLIENT_DATA_ROUTES |= {
    "clients/<uuid:client_id>/consultations/new": "record:notes:listed",
}
CLIENT_WRITE_ROUTES |= {
    # A thread exists only for a client with a portal account (its key is the portal scope's):
    # tests/messaging/test_services.py checks that both reads are in the client's history.
    "clients/<uuid:client_id>/messages/", "api/v1/clients/<client_id>/messages",
    "api/v1/clients/<client_id>/messages/<message_id>/file", "clients/<uuid:client_id>/messages/<uuid:message_id>/file",
    "clients/<uuid:client_id>/messages/attachments/<uuid:attachment_id>",
    "clients/<uuid:client_id>/consultations/<uuid:consultation_id>/", "consultations/<uuid:consultation_id>/",
    "consult/<str:token>/",
    # The owner resets a staff member's second factor (tests/practice/test_second_factor.py): no client data.
    "practice/staff/<int:member_id>/reset-second-factor",
}
# "Shared with me": the consultant's list of de-identified summaries, no client identity.
# The client's own reminder choice (sealed under the operations key, shown only to them, like
# portal/security/); a portal attachment is read through its thread (tests/messaging).
# The client's list of consultations shows dates and states only.
NO_CLIENT_DATA_EXTRA = {"consultations/", "portal/reminders/", "clients/<uuid:client_id>/consultations/"}
# The practice's messaging settings and a staff member's quiet hours: practice-level, no client data.
NO_CLIENT_DATA_EXTRA |= {"practice/messaging/", "account/notifications/"}
# The destruction queue names records by opaque id and dates only; its read is still logged
# (lifecycle:destruction_queue:read, tests/lifecycle).
NO_CLIENT_DATA_EXTRA |= {"practice/retention/"}
CLIENT_WRITE_ROUTES |= {"portal/messages/attachments/<uuid:attachment_id>"}

# Retention and destruction (ADR 0016): approving and confirming are POST actions, and a
# certificate belongs to a record already destroyed (tests/lifecycle check their events).
CLIENT_DATA_ROUTES["clients/<uuid:client_id>/retention/"] = "record:client:read"
CLIENT_WRITE_ROUTES |= {
    "practice/retention/<uuid:client_id>/approve", "practice/retention/requests/<uuid:destruction_id>/confirm",
    "practice/retention/certificates/<uuid:destroyed_client_id>.pdf",
}

# Owner-only routes that show client data, with the event a GET by the owner must write.
OWNER_CLIENT_DATA_ROUTES: dict[str, str] = {
    "alerts/<int:alert_id>/": "access:breakglass:reviewed",
}

# Portal routes a signed-in client reads, with the event a GET must write (tests/portal/test_views.py).
PORTAL_CLIENT_ROUTES: dict[str, str] = {
    "portal/consent/": "consent:document:read",
    "portal/documents/": "consent:signatures:listed",
    "portal/documents/<uuid:signature_id>.pdf": "consent:copy:downloaded",
    "portal/access/": "audit:log:read",
    "portal/access/history.csv": "audit:log:read",
    "portal/access/history.pdf": "audit:log:read",
    "portal/check-in/": "portal:checkins:read",
    "portal/disclosures/": "portal:accounting:read",
    "portal/disclosures/accounting.pdf": "portal:accounting:downloaded",
    "portal/authorizations/": "portal:authorizations:read",
    "portal/messages/": "message:thread:read",
    "portal/retention/": "portal:retention:read",
    "portal/authorizations/sign/<uuid:prepared_id>/": "portal:authorization_request:read",
}
CLIENT_WRITE_ROUTES |= {"clients/<uuid:client_id>/portal/invite"}
# Video sessions (ADR 0021): a room exists only for a client with a portal account (its sealing
# key is the portal scope's, which this fixture's client lacks), so tests/telehealth/test_views.py
# checks that the clinician's room page logs telehealth:room:opened and that the privacy check,
# joins, leaves and admission are in the client's history; the client's list shows their own
# schedule only.
CLIENT_WRITE_ROUTES |= {"clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/",
                        "clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/signal",
                        "portal/sessions/<uuid:appointment_id>/", "portal/sessions/<uuid:appointment_id>/signal"}
NO_CLIENT_DATA_EXTRA |= {"portal/sessions/"}
# Revoking in the portal, and withdrawing an authorization prepared for the portal (tests/disclosures).
CLIENT_WRITE_ROUTES |= {"portal/authorizations/<uuid:authorization_id>/revoke",
                        "clients/<uuid:client_id>/disclosures/authorization-requests/<uuid:prepared_id>/withdraw"}
CLIENT_DATA_ROUTES["clients/<uuid:client_id>/disclosures/authorizations/prepare"] = "record:client:read"

# Intake, measures, client uploads and the calendar (issue 15, ADR 0020). The measures page reads
# the client (and the sealed answers, `measure:submissions:read`, once there are any:
# tests/measures/test_services.py); its forms are POST actions checked there. The calendar logs
# `record:calendar:read` for each client it shows (tests/scheduling); the client's results are
# read only once the clinician shares them (tests/measures); their upcoming sessions are logged
# as `portal:appointments:read`.
CLIENT_DATA_ROUTES["clients/<uuid:client_id>/measures/"] = "record:client:read"
CLIENT_WRITE_ROUTES |= {
    "clients/<uuid:client_id>/measures/send", "clients/<uuid:client_id>/measures/share",
    "clients/<uuid:client_id>/measures/<uuid:assignment_id>/stop",
    "clients/<uuid:client_id>/measures/submissions/<uuid:submission_id>/review",
    "calendar/", "portal/results/", "portal/forms/<uuid:assignment_id>/", "portal/uploads/",
}
PORTAL_CLIENT_ROUTES["portal/appointments/"] = "portal:appointments:read"
# The practice's intake packets and a clinician's weekly hours hold no client data; the portal's
# list of forms shows the kinds and dates of what is waiting, to the client only.
NO_CLIENT_DATA_EXTRA |= {"practice/packets/", "calendar/availability/", "portal/forms/"}
# The right of access (ADR 0023). The practice's list names the clients whose requests are open.
# The review page needs a client with a portal account (its texts are sealed under the portal
# key), a copy needs a request answered, and the API export a `format`: tests/access_rights
# checks their events (access:access_request:read, portal:record_copy:downloaded,
# record:export:created), as it checks those of the POST actions.
CLIENT_DATA_ROUTES["practice/access-requests/"] = "access:access_requests:listed"
PORTAL_CLIENT_ROUTES["portal/record/"] = "portal:access_requests:read"
CLIENT_WRITE_ROUTES |= {
    "clients/<uuid:client_id>/access-requests/",
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/fulfil",
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/deny",
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/extend",
    "clients/<uuid:client_id>/amendments/<uuid:amendment_id>/answer",
    "api/v1/clients/<client_id>/export",
    "portal/record/request", "portal/record/copies/<uuid:copy_id>",
    "portal/record/requests/<uuid:access_request_id>/review", "portal/record/amendments",
    # A forgotten portal password (ADR 0023): starting and restoring are audited POST actions
    # (tests/portal/test_password_recovery.py).
    "clients/<uuid:client_id>/portal/recovery/start", "clients/<uuid:client_id>/portal/recovery/restore",
}

# Routes that never show client data.
NO_CLIENT_DATA = {
    "", "account/security/", "account/sign-out-everywhere", "api/v1/", "api/v1/health", "api/v1/openapi.json",
    "healthz", "readyz", "metrics", "invite/<str:token>/", "practice/invitations/<int:invitation_id>/revoke",
    "practice/settings/",
    "practice/staff/", "practice/staff/<int:member_id>/active", "session/keepalive", "session/status",
    "vault/unlock",
    "practice/emergency-access/", "alerts/", "alerts/<int:alert_id>/acknowledge",
    "release/<str:token>/",  # a release link: its GET shows a passcode form only
}
# Owner pages of the jurisdiction pack and consent policies: practice-level, never client data.
NO_CLIENT_DATA |= {
    "practice/jurisdiction/", "practice/consent/", "practice/consent/preview", "practice/consent/preview.pdf",
}
NO_CLIENT_DATA |= {"portal/", "portal/join/<str:token>/", "portal/unlock", "portal/privacy/", "portal/security/",
                   "portal/notices/<int:notice_id>/dismiss", "practice/consent-process/"}
# The recovery pages show the step reached and its dates; the link's page, the practice's name.
NO_CLIENT_DATA |= {"clients/<uuid:client_id>/portal/recovery/", "portal/recover/<str:token>/"}
# The audit log's proofs (ADR 0014): checkpoints and proofs hold no client data; the entries of a
# range hold opaque ids only, and that read is logged as `audit:log:read` (tests/audit/test_proofs.py).
NO_CLIENT_DATA |= NO_CLIENT_DATA_EXTRA
NO_CLIENT_DATA |= {"api/v1/audit-log/checkpoint", "api/v1/audit-log/consistency", "api/v1/audit-log/entries"}


def _patterns() -> set[str]:
    from django.urls import get_resolver

    return set(_walk(get_resolver().url_patterns))


def test_every_route_is_classified(db: None) -> None:
    unclassified = sorted(
        p for p in _patterns()
        if not p.startswith("accounts/")  # allauth's sign-in and MFA pages hold no client data
        and p not in CLIENT_DATA_ROUTES and p not in CLIENT_WRITE_ROUTES and p not in NO_CLIENT_DATA
        and p not in OWNER_CLIENT_DATA_ROUTES and p not in PORTAL_CLIENT_ROUTES
    )
    assert not unclassified, f"classify these routes in {__file__}: {unclassified}"
    stale = sorted((CLIENT_DATA_ROUTES.keys() | CLIENT_WRITE_ROUTES | NO_CLIENT_DATA
                    | OWNER_CLIENT_DATA_ROUTES.keys() | PORTAL_CLIENT_ROUTES.keys()) - _patterns())
    assert not stale, f"these classified routes no longer exist: {stale}"


@pytest.fixture
def record(bob: Person, relaxed: object) -> dict[str, str]:
    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(given_name="Ada", family_name="Brook"))
    note = services.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20",
                                body="Session.", sign=True)
    services.create_note(vault, client.public_id, kind="psychotherapy", session_date="2026-11-20", body="Mine.")
    content = b"%PDF-1.4 fictional test document"
    doc = documents.upload_document(vault, client.public_id, filename="intake.pdf", stream=io.BytesIO(content),
                                    size=len(content))
    appointment = care.create_appointment(vault, client.public_id, starts_at="2026-11-20T10:00", duration_minutes=50,
                                          modality="video")
    return {"client_id": str(client.public_id), "note_id": str(note.public_id), "document_id": str(doc.public_id),
            "user_id": str(bob.user.pk), "appointment_id": str(appointment.public_id)} | disclosure_ids(vault, client)


@pytest.mark.parametrize(("pattern", "tag"), sorted(CLIENT_DATA_ROUTES.items()))
def test_reading_client_data_writes_its_audit_event(bob: Person, record: dict[str, str], pattern: str,
                                                    tag: str) -> None:
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: record[m.group(1)], pattern)
    http = Client()
    headers = {}
    if pattern.startswith("api/"):
        headers = {"Authorization": f"Bearer {token_of(bob)}"}
    else:
        sign_in(http, bob.email, bob.password)
    before = LogEntry.objects.count()
    response = http.get(path, headers=headers)
    assert response.status_code == 200, (pattern, response.status_code)
    written = LogEntry.objects.filter(position__gte=before)
    assert written.filter(tag=tag, actor_id=f"user:{bob.user.pk}").exists(), (
        f"GET {pattern} wrote {list(written.values_list('tag', flat=True))}, not {tag}")
    if "client_id" in pattern:
        assert written.filter(tag=tag, client_id=record["client_id"]).exists()


def test_writes_are_logged_in_their_transaction_and_the_log_verifies(bob: Person, carol: Person,
                                                                      record: dict[str, str]) -> None:
    vault = vault_of(bob)
    client_id = record["client_id"]
    services.grant_access(vault, client_id, user_id=carol.user.pk, role="supervisor")
    services.revoke_access(vault, client_id, user_id=carol.user.pk)
    tags = list(LogEntry.objects.filter(client_id=client_id).values_list("tag", flat=True))
    for expected in ("record:client:created", "record:note:created", "record:note:signed",
                     "record:psychotherapy_note:created", "record:document:uploaded", "access:careteam:granted",
                     "access:careteam:revoked"):
        assert expected in tags
    verify_stored_log()


def test_no_client_data_is_in_the_audit_log(bob: Person, record: dict[str, str]) -> None:
    rows = b"".join(bytes(e) for e in LogEntry.objects.values_list("entry", flat=True))
    for text in ("Ada", "Brook", "intake.pdf", "Session.", "Mine."):
        assert text.encode() not in rows


def test_an_integrity_failure_is_logged_and_alerts_the_owner(alice: Person, bob: Person,
                                                             record: dict[str, str]) -> None:
    from django.core import mail

    ClientRecord.objects.filter(public_id=record["client_id"]).update(demographics_version=7)
    with pytest.raises(services.RecordIntegrityError):
        services.get_client(vault_of(bob), record["client_id"])
    assert LogEntry.objects.filter(tag="record:integrity:failed", client_id=record["client_id"]).exists()
    assert mail.outbox and mail.outbox[-1].to == [alice.email]
    assert "Ada" not in mail.outbox[-1].body and record["client_id"] not in mail.outbox[-1].body


def test_the_chart_logs_all_its_reads_together(bob: Person, record: dict[str, str]) -> None:
    http = Client()
    sign_in(http, bob.email, bob.password)
    before = LogEntry.objects.count()
    assert http.get(f"/clients/{record['client_id']}/").status_code == 200
    tags = set(LogEntry.objects.filter(position__gte=before).values_list("tag", flat=True))
    assert {"record:client:read", "record:notes:listed", "record:note:read", "access:careteam:read",
            "record:documents:listed"} <= tags
    verify_stored_log()


def test_a_chart_whose_reads_cannot_be_logged_is_not_shown(bob: Person, record: dict[str, str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from confide.audit import services as audit_services

    http = Client(raise_request_exception=False)
    sign_in(http, bob.email, bob.password)

    def broken(events: object) -> None:
        raise audit_services.AuditAppendError("the log is unavailable")

    monkeypatch.setattr(audit_services, "record_events", broken)
    response = http.get(f"/clients/{record['client_id']}/")
    assert response.status_code == 500
    assert b"Ada" not in response.content and b"Brook" not in response.content


@pytest.mark.parametrize(("pattern", "tag"), sorted(OWNER_CLIENT_DATA_ROUTES.items()))
def test_the_owners_client_data_routes_write_their_audit_event(alice: Person, bob: Person, pattern: str,
                                                              tag: str, relaxed: object) -> None:
    from confide.oversight import services as oversight
    from confide.oversight.models import Alert

    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(given_name="Ada", family_name="Brook"))
    oversight.designate_holder(vault_of(alice), user_id=alice.user.pk, fingerprint=alice.user.key_pair.fingerprint)
    services.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20", body="Opens the key.")
    oversight.open_break_glass(vault_of(alice), client.public_id, "A fictional emergency.")
    values = {"alert_id": str(Alert.objects.get(kind=Alert.Kind.BREAK_GLASS).pk)}
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], pattern)
    http = Client()
    sign_in(http, alice.email, alice.password)
    before = LogEntry.objects.count()
    assert http.get(path).status_code == 200
    written = LogEntry.objects.filter(position__gte=before)
    assert written.filter(tag=tag, actor_id=f"user:{alice.user.pk}", client_id=str(client.public_id)).exists()
