"""No side doors in the right of access and the portal password recovery (ADR 0023).

A client with a canary in every field asks for a copy, the clinician reviews and delivers it, the
client downloads it and asks for an amendment (with a canary), and later recovers a forgotten
password with the care team. Every log line, e-mail, URL, response header (file names of the
downloads included) and stored file name is searched for the canaries; the recovery link's token
must not reach the logs either.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core import mail
from django.test import Client as HttpClient

from confide.keys.models import UserKeyPair
from confide.portal.models import ClientAccount
from confide.records import services
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.records.conftest import vault_of
from tests.security.test_side_doors import (
    DEMOGRAPHICS,
    Browser,
    Capture,
    _link_in,
    captured_logs,  # noqa: F401 (a fixture)
    file_names,
    leaks,
)
from tests.security.world import canary

CLIENT_PASSWORD = "meadow copper violin harbour"
NEW_PASSWORD = "juniper anchor solstice ribbon"


def test_copies_amendments_and_recovery_leave_no_client_data_through_a_side_door(
        alice: Person, bob: Person, relaxed: object, captured_logs: Capture) -> None:  # noqa: F811
    staff = Browser(HttpClient(raise_request_exception=False))
    assert sign_in(staff.http, bob.email, bob.password).status_code == 302
    client = services.create_client(vault_of(bob), services.Demographics(**DEMOGRAPHICS))
    chart = f"/clients/{client.public_id}/"
    services.create_note(vault_of(bob), client.public_id, kind="progress", session_date="2026-11-20",
                         body=canary("ProgressNote"), sign=True, consent_reason="A fictional reason.")
    services.create_note(vault_of(bob), client.public_id, kind="psychotherapy", session_date="2026-11-20",
                         body=canary("PsychotherapyNote"), sign=True)

    mail.outbox.clear()
    assert staff.request("post", f"{chart}portal/invite", data={"email": "wren@example.test"}).status_code == 302
    join = _link_in(mail.outbox[-1])
    portal = Browser(HttpClient(raise_request_exception=False))
    assert portal.request("post", join, data={"email": "wren@example.test", "password1": CLIENT_PASSWORD,
                                              "password2": CLIENT_PASSWORD}).status_code == 302

    # The copy: asked for, listed, reviewed, delivered, downloaded.
    assert portal.request("post", "/portal/record/request").status_code == 302
    listing = staff.request("get", "/practice/access-requests/")
    assert canary("Family").encode() in listing.content, "the list is meant to name the client"
    review = staff.request("get", f"{chart}access-requests/")
    request_id = re.search(r'/access-requests/([0-9a-f-]{36})/fulfil', review.content.decode())
    assert request_id
    assert staff.request("post", f"{chart}access-requests/{request_id.group(1)}/fulfil").status_code == 302
    page = portal.request("get", "/portal/record/").content.decode()
    copies = re.findall(r'href="(/portal/record/copies/[0-9a-f-]+)"', page)
    assert len(copies) == 2
    for path in copies:
        downloaded = portal.request("get", path)
        assert downloaded.status_code == 200
        assert canary("PsychotherapyNote").encode() not in downloaded.content
    exported = staff.http.get(f"/api/v1/clients/{client.public_id}/export?format=fhir")
    assert exported.status_code in (200, 401)  # a session is not a token: the API answers 401

    # An amendment request with a canary, and the practice's answer with another.
    assert portal.request("post", "/portal/record/amendments",
                          data={"text": canary("AmendmentText")}).status_code == 302
    review = staff.request("get", f"{chart}access-requests/").content.decode()
    amendment = re.search(r'/amendments/([0-9a-f-]{36})/answer', review)
    assert amendment and canary("AmendmentText") in review
    assert staff.request("post", f"{chart}amendments/{amendment.group(1)}/answer",
                         data={"decision": "accepted", "answer": canary("AmendmentAnswer")}).status_code == 302

    # A forgotten password, recovered with the care team.
    mail.outbox.clear()
    assert staff.request("post", f"{chart}portal/recovery/start",
                         data={"identity_check": "video", "confirmed": "on"}).status_code == 302
    recover = _link_in(mail.outbox[-1])
    fresh = Browser(HttpClient(raise_request_exception=False))
    assert fresh.request("post", recover, data={"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}) \
        .status_code == 302
    assert fresh.request("get", "/portal/").status_code == 403
    account = ClientAccount.objects.get(client=client)
    fingerprint = UserKeyPair.objects.get(user=account.user).fingerprint
    assert staff.request("post", f"{chart}portal/recovery/restore",
                         data={"fingerprint": fingerprint}).status_code == 302
    assert canary("AmendmentAnswer").encode() in fresh.request("get", "/portal/record/").content

    sides = {
        "logs": "\n".join(captured_logs.lines),
        "e-mails": "\n".join(f"{m.subject}\n{m.to}\n{m.extra_headers}\n{m.body}" for m in mail.outbox),
        "URLs and response headers": "\n".join(staff.seen + portal.seen + fresh.seen),
        "file names": "\n".join(file_names(Path(settings.DATA_DIR))),
    }
    token = recover.rstrip("/").rsplit("/", 1)[-1]
    assert token not in sides["logs"], "the recovery link's token reached the logs"
    for side, text in sides.items():
        assert not leaks(text), f"client data in the {side}: " + next(
            line for line in text.splitlines() if leaks(line))
