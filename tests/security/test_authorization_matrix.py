"""Every route, as every persona: the outcome matches `tests/security/matrix.py`.

Routes come from the URL configuration and from /api/v1/openapi.json, and ids are real: the
client of `build_world` has notes, a psychotherapy note, a document and an appointment. Each
response is also checked for the security headers (no-store included) and for canaries the
persona holds no key for: front desk never sees a note, nobody but the author sees a
psychotherapy note, and no one sees another practice's record.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import get_resolver

from confide.practice.models import Invitation
from tests.routes import _walk
from tests.security import matrix
from tests.security.world import CANARY, PHONE_CANARY, World, build_world, canary
from tests.web.test_headers import REQUIRED, assert_secure_headers

ID = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def _of(tag: str, *names: str) -> tuple[str, ...]:
    return tuple(canary(f"{name}{tag}") for name in names)


# The canaries of one client's record, by the key that opens them (world.py).
def _admin(tag: str) -> tuple[str, ...]:
    return _of(tag, "Given", "Family", "Emergency") + ((PHONE_CANARY,) if not tag else ())


def _clinical(tag: str) -> tuple[str, ...]:
    return _of(tag, "ProgressNote", "DocumentBody", "File")


def _private(tag: str) -> tuple[str, ...]:
    return _of(tag, "PsychotherapyNote")


def _portal(tag: str) -> tuple[str, ...]:
    return _of(tag, "TypedName", "CheckInComment", "IntakeAnswer", "ClientFile")


# Disclosures of our client (the clinical scope) and the emergency draft (its author's only).
DISCLOSURE_CANARIES = _of("", "Recipient", "RecipientAddress", "Purpose", "AuthDescription", "Signer", "Court")
DRAFT_CANARIES = _of("", "Threat", "Victim")
OURS = _admin("") + _clinical("") + _private("") + _portal("") + DISCLOSURE_CANARIES + DRAFT_CANARIES
ANOTHER = _admin("Another") + _clinical("Another") + _private("Another") + _portal("Another")
THEIR_CANARIES = (_admin("Theirs") + _clinical("Theirs") + _private("Theirs")
                  + _of("Theirs", "Recipient", "Purpose", "Threat"))


def _but(*seen: tuple[str, ...]) -> tuple[str, ...]:
    """Every canary of the world except those the persona holds the key for."""
    shown = {c for group in seen for c in group}
    return tuple(c for c in OURS + ANOTHER + THEIR_CANARIES if c not in shown)


# What each persona holds no key for, and so must never see.
UNSEEN: dict[str, tuple[str, ...]] = {
    "anonymous": _but(),
    "owner": _but(_admin(""), _admin("Another")),
    "clinician_on_team": _but(OURS, ANOTHER),
    "clinician_off_team": _but(),
    "supervisor_granted": _but(_admin(""), _clinical(""), _portal(""), DISCLOSURE_CANARIES),
    "supervisor_not_granted": _but(),
    # Front desk and owners hold every client's admin key (records.services._admin_holders).
    "front_desk": _but(_admin(""), _admin("Another")),
    "other_practice": _but(THEIR_CANARIES),
    # A live break-glass session on the other client's record opens its admin and clinical scopes.
    "emergency_holder": _but(_admin("Another"), _clinical("Another")),
    "client": _but(_portal("")),
    "another_client": _but(_portal("Another")),
}


def web_patterns() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)) - {p for p in _walk(get_resolver().url_patterns)
                                                            if p.startswith("api/")})


def api_operations(http: HttpClient) -> list[str]:
    schema = http.get("/api/v1/openapi.json").json()
    return sorted(f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item
                  if method in {"get", "post", "put", "patch", "delete"})


def fill(template: str, ids: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return ids.get(name, "sample")

    return ID.sub(one, template)


# The client's copy of their own record (ADR 0023) shows them their demographics and clinical
# record, which they hold no key for otherwise; never a psychotherapy note or anyone else's data.
OWN_COPY = "portal/record/copies/<uuid:copy_id>"
UNSEEN_IN_OWN_COPY = _but(_admin(""), _clinical(""), _portal(""))


def check_response(response: Any, label: str, persona: str, problems: list[str], key: str = "") -> None:
    """Headers and canaries of any response; appends what is wrong to `problems`."""
    if response.streaming:  # a document download: the headers alone (its body is read below)
        problems += [f"{label}: {name} is {response.get(name)!r}" for name, value in REQUIRED.items()
                     if response.get(name) != value]
    else:
        try:
            assert_secure_headers(response, label)  # the page headers of tests/web/test_headers.py, with real ids
        except AssertionError as exc:
            problems.append(str(exc))
    if response.get("Cache-Control") != "no-store":
        problems.append(f"{label}: Cache-Control is {response.get('Cache-Control')!r}, not no-store")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{label}: no X-Content-Type-Options: nosniff")
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    if CANARY in headers or PHONE_CANARY in headers:
        problems.append(f"{label}: client data in a response header")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    for secret in UNSEEN_IN_OWN_COPY if (key == OWN_COPY and persona == "client") else UNSEEN[persona]:
        if secret in text:
            problems.append(f"{label}: shows {secret!r}, which {persona} holds no key for")


def _order(entries: list[tuple[str, matrix.Route]]) -> list[tuple[str, matrix.Route]]:
    # Reads first, then writes, then deletions, then whatever ends the session.
    rank = {"GET": 0, "POST": 1, "DELETE": 2}
    return sorted(entries, key=lambda e: (e[1].ends_session, rank.get(e[1].method, 1), e[0]))


def call(http: HttpClient, method: str, path: str, *, body: dict[str, object] | None = None,
         headers: dict[str, str] | None = None) -> Any:
    if method == "GET":
        return http.get(path, headers=headers)
    if method == "POST":
        if path.startswith("/api/"):
            return http.post(path, data=json.dumps(body or {}), content_type="application/json", headers=headers)
        return http.post(path, body or {}, headers=headers)
    return http.delete(path, data=json.dumps(body) if body else "", content_type="application/json",
                       headers=headers)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_every_route_and_operation_is_classified(world: World) -> None:
    unclassified = [p for p in web_patterns() if matrix.web_route(p) is None]
    assert not unclassified, f"classify these routes in tests/security/matrix.py WEB_ROUTES: {unclassified}"
    operations = api_operations(HttpClient())
    missing = [op for op in operations if op not in matrix.API_OPERATIONS]
    assert not missing, f"classify these API operations in tests/security/matrix.py API_OPERATIONS: {missing}"
    stale = sorted(set(matrix.WEB_ROUTES) - set(web_patterns())) + sorted(set(matrix.API_OPERATIONS) - set(operations))
    assert not stale, f"these classified routes no longer exist; remove them from tests/security/matrix.py: {stale}"


def test_the_matrix_fails_on_an_unclassified_route() -> None:
    assert matrix.web_route("portal/new-page/") is None
    assert matrix.web_route("accounts/anything/") is not None


@pytest.mark.parametrize("persona", matrix.personas())
def test_authorization_matrix(world: World, persona: str) -> None:
    http = world.browser(persona)
    token = world.token(persona) if persona != "anonymous" else None
    api_headers = {"Authorization": f"Bearer {token}"} if token else {}
    problems: list[str] = []
    entries = [(p, r) for p in web_patterns() if (r := matrix.web_route(p)) is not None]
    entries += [(op, r) for op, r in matrix.API_OPERATIONS.items()]
    for key, route in _order(entries):
        api = key.startswith(("GET /api", "POST /api", "DELETE /api"))
        path = fill(key.split(" ", 1)[1] if api else "/" + key, world.ours.ids_for(key))
        body = matrix.API_BODIES.get(key) if api else matrix.WEB_BODIES.get(key)
        if body is not None:
            body = json.loads(json.dumps(body).replace('"{body_user_id}"', world.ours.ids["body_user_id"]))
        response = call(http, route.method, path, body=body, headers=api_headers if api else None)
        got = matrix.outcome_of(response.status_code, response.get("Location", ""), api=api)
        expected = route.policy.expected(persona, api=api)
        if got not in expected and matrix.ANY not in expected:
            problems.append(f"{route.method} {key} as {persona}: {got} ({response.status_code}), expected one of "
                            f"{sorted(expected)} (policy {route.policy.name!r})")
        elif matrix.ANY in expected and got.endswith("(server error)"):
            problems.append(f"{route.method} {key} as {persona}: {got}")
        check_response(response, f"{route.method} {key} as {persona}", persona, problems, key)
    assert not problems, "\n".join(problems)


# Token pages (invitations, release links) and the portal (where staff get 403 for any id) aside.
ID_ROUTES = [p for p in matrix.WEB_ROUTES if "<" in p and not p.startswith(("invite/", "portal/", "release/"))]


@pytest.mark.parametrize("persona", ["owner", "clinician_on_team", "front_desk"])
def test_another_practices_ids_are_not_found(world: World, persona: str) -> None:
    """Our staff asking for charlie's practice's records, members or invitations get 404, never data."""
    http = world.browser(persona)
    token = world.token(persona)
    problems: list[str] = []
    for pattern in ID_ROUTES:
        route = matrix.WEB_ROUTES[pattern]
        response = call(http, route.method, fill("/" + pattern, world.theirs.ids_for(pattern)),
                        body=matrix.WEB_BODIES.get(pattern))
        if pattern.startswith(("practice/staff/", "practice/invitations/")) and persona == "owner":
            # The owner's staff pages answer "no such staff member / invitation" for a foreign id,
            # as for an unknown one, and change nothing (checked below).
            if response.status_code != 302 or response["Location"] != "/practice/staff/":
                problems.append(f"{route.method} /{pattern} with another practice's ids: {response.status_code}")
        elif route.policy.others == matrix.EMPTY_FORM_DENIED and response.status_code == 400:
            pass  # an empty form, refused before any lookup (matrix.EMPTY_FORM_DENIED)
        elif response.status_code != 404:
            problems.append(f"{route.method} /{pattern} with another practice's ids: {response.status_code}")
        check_response(response, pattern, persona, problems)
    for op, route in matrix.API_OPERATIONS.items():
        if "{" not in op:
            continue
        body = matrix.API_BODIES.get(op)
        if body is not None:
            body = json.loads(json.dumps(body).replace('"{body_user_id}"', world.theirs.ids["user_id"]))
        response = call(http, route.method, fill(op.split(" ", 1)[1], world.theirs.ids), body=body,
                        headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 404:
            problems.append(f"{op} with another practice's ids: {response.status_code}")
        check_response(response, op, persona, problems)
    assert not problems, "\n".join(problems)
    other = world.people["other_practice"].user
    other.refresh_from_db()
    assert other.is_active
    assert Invitation.objects.get(pk=world.theirs.ids["invitation_id"]).revoked_at is None


def test_valid_writes_from_someone_without_access_are_not_found(world: World) -> None:
    """The empty-form answers of the matrix aside, a real write by an off-team clinician gets 404."""
    http = world.browser("clinician_off_team")
    client_id, note_id = world.ours.ids["client_id"], world.ours.ids["note_id"]
    form = {"kind": "progress", "session_date": "2026-11-21", "body": "Fictional.", "template": "free",
            "version": "1"}
    assert http.post(f"/clients/{client_id}/notes/autosave", form).status_code == 404
    assert http.post(f"/clients/{client_id}/notes/{note_id}/autosave", form).status_code == 404
    user_id = world.ours.ids["user_id"]
    assert http.post(f"/clients/{client_id}/team/revoke", {"user_id": user_id}).status_code == 404
    outcome = {"outcome": "withdrawn", "disclosed": "", "notes": "Fictional."}
    request_id = world.ours.ids["request_id"]
    assert http.post(f"/clients/{client_id}/disclosures/court/{request_id}/outcome", outcome).status_code == 404


def test_a_notice_is_dismissed_only_by_its_recipient(world: World) -> None:
    """Dismissing someone else's portal notice answers as for an unknown one and leaves it unread."""
    from confide.portal.models import ClinicianNotice

    notice_id = world.ours.ids["notice_id"]
    for persona in ("supervisor_granted", "clinician_off_team", "front_desk", "other_practice"):
        response = world.browser(persona).post(f"/portal/notices/{notice_id}/dismiss")
        assert response.status_code == 302
        assert ClinicianNotice.objects.get(pk=notice_id).read_at is None, persona
    assert world.browser("clinician_on_team").post(f"/portal/notices/{notice_id}/dismiss").status_code == 302
    assert ClinicianNotice.objects.get(pk=notice_id).read_at is not None


def test_each_client_sees_their_own_portal_data_and_nobody_elses(world: World) -> None:
    """The canaries the matrix looks for really are on the pages meant to show them, so its checks bite."""
    for persona, tag in (("client", ""), ("another_client", "Another")):
        documents = world.browser(persona).get("/portal/documents/").content.decode()
        assert canary(f"TypedName{tag}") in documents
        assert canary("TypedName" + ("Another" if not tag else "")) not in documents
    chart = world.browser("clinician_on_team").get(f"/clients/{world.ours.ids['client_id']}/").content.decode()
    assert canary("CheckInComment") in chart and canary("CheckInCommentAnother") not in chart
    disclosures = world.browser("supervisor_granted").get(
        f"/clients/{world.ours.ids['client_id']}/disclosures/").content.decode()
    assert canary("Recipient") in disclosures
    theirs = world.browser("another_client").get(f"/portal/documents/{world.ours.ids['signature_id']}.pdf")
    assert theirs.status_code == 404


def test_care_team_membership_is_not_revealed_to_someone_without_access(world: World) -> None:
    """Asking to remove a person who is not on the team answers as for one who is: 404."""
    headers = {"Authorization": f"Bearer {world.token('clinician_off_team')}"}
    client_id = world.ours.ids["client_id"]
    http = HttpClient()
    not_on_team = world.people["supervisor_not_granted"].user.pk
    on_team = world.ours.ids["user_id"]
    for user_id in (not_on_team, on_team):
        response = call(http, "DELETE", f"/api/v1/clients/{client_id}/care-team/{user_id}", headers=headers)
        assert response.status_code == 404, (user_id, response.content)
        response = call(http, "DELETE", f"/api/v1/clients/{client_id}/care-team", body={"user_id": int(user_id)},
                        headers=headers)
        assert response.status_code == 404, (user_id, response.content)


def test_a_malformed_or_unknown_id_is_not_found(world: World) -> None:
    http = world.browser("clinician_on_team")
    for path in ("/clients/00000000-0000-0000-0000-000000000000/", "/clients/not-a-uuid/",
                 f"/clients/{world.ours.ids['client_id']}/notes/{world.theirs.ids['note_id']}/",
                 f"/clients/{world.theirs.ids['client_id']}/notes/{world.ours.ids['note_id']}/"):
        assert http.get(path).status_code == 404, path
