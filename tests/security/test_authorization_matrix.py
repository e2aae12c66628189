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
CLINICAL_CANARIES = (canary("ProgressNote"), canary("DocumentBody"), canary("File"))
PRIVATE_CANARIES = (canary("PsychotherapyNote"),)
THEIR_CANARIES = (canary("GivenTheirs"), canary("FamilyTheirs"), canary("ProgressNoteTheirs"),
                  canary("PsychotherapyNoteTheirs"), canary("DocumentBodyTheirs"), canary("FileTheirs"))
OUR_CANARIES = (canary("Given"), canary("Family"), canary("Emergency"), PHONE_CANARY, *CLINICAL_CANARIES,
                *PRIVATE_CANARIES)

# What each persona holds no key for, and so must never see.
UNSEEN: dict[str, tuple[str, ...]] = {
    "anonymous": OUR_CANARIES + THEIR_CANARIES,
    "owner": CLINICAL_CANARIES + PRIVATE_CANARIES + THEIR_CANARIES,
    "clinician_on_team": THEIR_CANARIES,
    "clinician_off_team": OUR_CANARIES + THEIR_CANARIES,
    "supervisor_granted": PRIVATE_CANARIES + THEIR_CANARIES,
    "supervisor_not_granted": OUR_CANARIES + THEIR_CANARIES,
    "front_desk": CLINICAL_CANARIES + PRIVATE_CANARIES + THEIR_CANARIES,
    "other_practice": OUR_CANARIES,
    "client": OUR_CANARIES + THEIR_CANARIES,
    "another_client": OUR_CANARIES + THEIR_CANARIES,
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


def check_response(response: Any, label: str, persona: str, problems: list[str]) -> None:
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
    for secret in UNSEEN[persona]:
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
        return http.post(path, {}, headers=headers)
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
    if persona in matrix.PENDING_PERSONAS:
        pytest.fail(f"{matrix.PENDING_PERSONAS[persona]} is installed: teach tests/security/world.py to sign in "
                    f"as {persona!r} and give the portal's routes their policies")
    http = world.browser(persona)
    token = world.token(persona) if persona != "anonymous" else None
    api_headers = {"Authorization": f"Bearer {token}"} if token else {}
    problems: list[str] = []
    entries = [(p, r) for p in web_patterns() if (r := matrix.web_route(p)) is not None]
    entries += [(op, r) for op, r in matrix.API_OPERATIONS.items()]
    for key, route in _order(entries):
        api = key.startswith(("GET /api", "POST /api", "DELETE /api"))
        path = fill(key.split(" ", 1)[1] if api else "/" + key, world.ours.ids)
        body = matrix.API_BODIES.get(key)
        if body is not None:
            body = json.loads(json.dumps(body).replace('"{body_user_id}"', world.ours.ids["body_user_id"]))
        response = call(http, route.method, path, body=body, headers=api_headers if api else None)
        got = matrix.outcome_of(response.status_code, response.get("Location", ""), api=api)
        expected = route.policy.expected(persona)
        if got not in expected and matrix.ANY not in expected:
            problems.append(f"{route.method} {key} as {persona}: {got} ({response.status_code}), expected one of "
                            f"{sorted(expected)} (policy {route.policy.name!r})")
        elif matrix.ANY in expected and got.endswith("(server error)"):
            problems.append(f"{route.method} {key} as {persona}: {got}")
        check_response(response, f"{route.method} {key} as {persona}", persona, problems)
    assert not problems, "\n".join(problems)


ID_ROUTES = [p for p in matrix.WEB_ROUTES if "<" in p and not p.startswith("invite/")]


@pytest.mark.parametrize("persona", ["owner", "clinician_on_team", "front_desk"])
def test_another_practices_ids_are_not_found(world: World, persona: str) -> None:
    """Our staff asking for charlie's practice's records, members or invitations get 404, never data."""
    http = world.browser(persona)
    token = world.token(persona)
    problems: list[str] = []
    for pattern in ID_ROUTES:
        route = matrix.WEB_ROUTES[pattern]
        response = call(http, route.method, fill("/" + pattern, world.theirs.ids))
        if pattern.startswith("practice/") and persona == "owner":
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
