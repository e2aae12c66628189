"""Bad input gets RFC 9457 problem details with a 4xx status, never a 5xx, and never echoes client data."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from confide.records.models import Client, Note
from tests.api.conftest import Api, assert_problem
from tests.conftest import Person

CANARY = "Zephyrine-Quillfeather"
GOOD_CLIENT = {"given_name": "Ada", "family_name": "Brook"}
GOOD_NOTE = {"kind": "progress", "session_date": "2026-11-20", "body": "Discussed sleep."}


def _no_echo(response: Any) -> None:
    assert CANARY not in response.content.decode("utf-8")


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"given_name": 123}, "#/given_name"),
    ({"given_name": ""}, "#/given_name"),
    ({"given_name": None}, "#/given_name"),
    ({"family_name": ["Brook"]}, "#/family_name"),
    ({"given_name": CANARY * 10}, "#/given_name"),
    ({"date_of_birth": f"{CANARY}"}, "#/date_of_birth"),
    ({"date_of_birth": "1990-02-30"}, "#/date_of_birth"),
    ({"date_of_birth": "14/03/1987"}, "#/date_of_birth"),
    ({"date_of_birth": 0}, "#/date_of_birth"),
    ({"email": 5}, "#/email"),
    ({"pronouns": True}, "#/pronouns"),
    ({"emergency_contact": "x" * 301}, "#/emergency_contact"),
    ({"nickname": CANARY}, "#/nickname"),
])
def test_bad_client_fields_are_named_in_a_422(bob: Person, api_as: Callable[[Person], Api],
                                              changes: dict[str, Any], pointer: str) -> None:
    response = api_as(bob).post("/clients", GOOD_CLIENT | changes)
    body = assert_problem(response, 422)
    assert pointer in [e.get("pointer") for e in body["errors"]]
    _no_echo(response)
    assert not Client.objects.exists()


def test_a_missing_field_is_named(bob: Person, api_as: Callable[[Person], Api]) -> None:
    body = assert_problem(api_as(bob).post("/clients", {"given_name": "Ada"}), 422)
    assert [e["pointer"] for e in body["errors"]] == ["#/family_name"]


@pytest.mark.parametrize(("changes", "words"), [
    ({"given_name": "  "}, "Given name is required"),
    ({"date_of_birth": "2999-01-01"}, "in the past"),
    ({"date_of_birth": "1850-01-01"}, "in the past"),
    ({"email": f"{CANARY}-not-an-address"}, "E-mail address"),
    ({"phone": f"call {CANARY}"}, "Phone number"),
    ({"family_name": f"a\u0000{CANARY}"}, "control characters"),
])
def test_rules_of_the_record_answer_422_with_their_reason(bob: Person, api_as: Callable[[Person], Api],
                                                          changes: dict[str, Any], words: str) -> None:
    response = api_as(bob).post("/clients", GOOD_CLIENT | changes)
    assert words in assert_problem(response, 422)["detail"]
    _no_echo(response)
    assert not Client.objects.exists()


@pytest.mark.parametrize(("changes", "pointer"), [
    ({"kind": "diary"}, "#/kind"),
    ({"kind": None}, "#/kind"),
    ({"session_date": "yesterday"}, "#/session_date"),
    ({"session_date": "2026-13-01"}, "#/session_date"),
    ({"session_date": 1764000000}, "#/session_date"),
    ({"body": 42}, "#/body"),
    ({"body": {"text": CANARY}}, "#/body"),
    ({"body": "x" * 100_001}, "#/body"),
    ({"template": "freeform"}, "#/template"),
    ({"sign": "yes"}, "#/sign"),
    ({"sign": 1}, "#/sign"),
    ({"author": 1}, "#/author"),
])
def test_bad_note_fields_are_named_in_a_422(bob: Person, client_record: Client, api_as: Callable[[Person], Api],
                                            changes: dict[str, Any], pointer: str) -> None:
    response = api_as(bob).post(f"/clients/{client_record.public_id}/notes", GOOD_NOTE | changes)
    body = assert_problem(response, 422)
    assert pointer in [e.get("pointer") for e in body["errors"]]
    _no_echo(response)
    assert not Note.objects.exists()


def test_a_session_in_the_future_is_refused(bob: Person, client_record: Client,
                                            api_as: Callable[[Person], Api]) -> None:
    response = api_as(bob).post(f"/clients/{client_record.public_id}/notes", GOOD_NOTE | {"session_date": "2999-01-01"})
    assert "future" in assert_problem(response, 422)["detail"]


@pytest.mark.parametrize("body", [
    {"role": "owner", "user_id": 1},
    {"role": "primary", "user_id": 1},
    {"role": "clinician"},
    {"role": "clinician", "user_id": 1, "email": "a@example.test"},
    {"role": "clinician", "user_id": "2"},
    {"role": "clinician", "user_id": 0},
    {"role": "clinician", "user_id": 2**64},
    {"role": "clinician", "user_id": 1, "clinical": "true"},
])
def test_bad_care_team_requests_are_refused(bob: Person, client_record: Client, api_as: Callable[[Person], Api],
                                            body: dict[str, Any]) -> None:
    assert_problem(api_as(bob).post(f"/clients/{client_record.public_id}/care-team", body), 422)


@pytest.mark.parametrize("raw", ["{not json", '{"given_name": "Ada",}', "\xff\xfe", "[1, 2", "nan"])
def test_malformed_json_is_a_400(bob: Person, api_as: Callable[[Person], Api], raw: str) -> None:
    response = api_as(bob).post("/clients", raw=raw.encode("latin-1"))
    assert_problem(response, 400)


@pytest.mark.parametrize("raw", ["[]", '"Ada Brook"', "null", "42", ""])
def test_a_body_that_is_not_an_object_is_a_422(bob: Person, api_as: Callable[[Person], Api], raw: str) -> None:
    assert_problem(api_as(bob).post("/clients", raw=raw), 422)


def test_a_form_encoded_body_is_refused(bob: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(bob).post("/clients", raw="given_name=Ada&family_name=Brook",
                                content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500 and response["Content-Type"] == "application/problem+json"


def test_an_oversized_body_is_a_413(bob: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(bob).post("/clients", raw=json.dumps(GOOD_CLIENT | {"padding": "x" * 3_000_000}))
    assert_problem(response, 413)
    assert not Client.objects.exists()


@pytest.mark.parametrize("path", [
    "/clients/not-a-uuid",
    "/clients/1",
    f"/clients/{CANARY}/notes",
    "/clients/00000000-0000-0000-0000-000000000000/notes/not-a-uuid",
    "/clients/00000000-0000-0000-0000-000000000000/care-team",
    "/clients/{id}/notes/%2e%2e",
    "/clients/{id}/notes/00000000-0000-0000-0000-000000000000",
    "/clients/{id}/care-team/not-a-number",
    "/clients/{id}/care-team/99999999999999999999999",
    "/clients/{id}/care-team/-1",
    "/no-such-endpoint",
])
def test_bad_ids_in_paths_are_404(bob: Person, client_record: Client, api_as: Callable[[Person], Api],
                                  path: str) -> None:
    api = api_as(bob)
    concrete = path.replace("{id}", str(client_record.public_id))
    response = api.delete(concrete) if "care-team/" in concrete else api.get(concrete)
    assert_problem(response, 404)
    _no_echo(response)


def test_the_wrong_method_is_a_405_that_names_the_allowed_ones(bob: Person, client: Any) -> None:
    response = client.put("/api/v1/clients", data="{}", content_type="application/json")
    assert_problem(response, 405)
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_error_responses_are_not_cached(anonymous: Api) -> None:
    assert anonymous.get("/clients")["Cache-Control"] == "no-store"


def test_a_tampered_record_is_a_409_integrity_problem_and_shows_nothing(
        bob: Person, client_record: Client, api_as: Callable[[Person], Api], caplog: pytest.LogCaptureFixture) -> None:
    api = api_as(bob)
    first = api.post(f"/clients/{client_record.public_id}/notes", GOOD_NOTE | {"body": "first note"}).json()
    second = api.post(f"/clients/{client_record.public_id}/notes", GOOD_NOTE | {"body": "second note"}).json()
    # An attacker with write access to the database moves one note's ciphertext onto the other.
    Note.objects.filter(public_id=second["id"]).update(body=Note.objects.get(public_id=first["id"]).body)
    response = api.get(f"/clients/{client_record.public_id}/notes/{second['id']}")
    body = assert_problem(response, 409)
    assert body["type"] == "urn:confide:problem:integrity-check-failed"
    assert b"first note" not in response.content
    assert "Integrity check failed" in caplog.text
