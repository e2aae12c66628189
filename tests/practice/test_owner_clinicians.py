"""Owner-clinicians (issue 15): a solo practice's owner treats clients; no client is ever created with an
empty care team, on the web, over the API or through the service, and bad input creates nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client as Browser

from confide.practice.models import Membership
from confide.records import services
from confide.records.errors import RecordError
from confide.records.models import CareTeamMember, Client
from tests.api.conftest import Api, api_as, assert_problem
from tests.conftest import Person
from tests.processes import base_env, confide, init_practice
from tests.records.conftest import vault_of
from tests.web.test_records_pages import browser_of

__all__ = ["api_as"]  # the API fixture, used here

ADA = {"given_name": "Ada", "family_name": "Brook"}


@pytest.fixture
def alice_manages_only(alice: Person) -> Person:
    """Alice owns the practice and does not treat clients."""
    Membership.objects.filter(user=alice.user).update(owner_is_clinician=False)
    return alice


def _primary(client: Client) -> int:
    [member] = CareTeamMember.objects.filter(client=client)
    assert member.role == CareTeamMember.Role.PRIMARY and member.clinical_access
    return member.user_id


# ----------------------------------------------------------------------------- the service


def test_an_owner_who_is_a_clinician_becomes_the_primary_clinician(alice: Person) -> None:
    client = services.create_client(vault_of(alice), services.Demographics(**ADA))
    assert _primary(client) == alice.user.pk
    # ... and can write a note for the client, which an empty care team never could.
    services.create_note(vault_of(alice), client.public_id, kind="progress", session_date="2026-11-02",
                         body="First session.", sign=True)


def test_an_owner_who_is_not_a_clinician_must_name_one(alice_manages_only: Person, bob: Person) -> None:
    with pytest.raises(RecordError, match="primary clinician"):
        services.create_client(vault_of(alice_manages_only), services.Demographics(**ADA))
    assert not Client.objects.exists()
    client = services.create_client(vault_of(alice_manages_only), services.Demographics(**ADA),
                                    primary_clinician_id=bob.user.pk)
    assert _primary(client) == bob.user.pk


def test_front_desk_must_name_a_clinician(dana: Person, bob: Person) -> None:
    with pytest.raises(RecordError, match="primary clinician"):
        services.create_client(vault_of(dana), services.Demographics(**ADA))
    assert not Client.objects.exists()


@pytest.mark.parametrize("who", ["unknown", "front_desk", "supervisor", "owner_not_clinician", "other_practice",
                                 "inactive"])
def test_a_primary_clinician_who_cannot_treat_is_refused_and_nothing_is_written(
        who: str, alice_manages_only: Person, bob: Person, carol: Person, dana: Person, charlie: Person) -> None:
    target = {"unknown": 999_999, "front_desk": dana.user.pk, "supervisor": carol.user.pk,
              "owner_not_clinician": alice_manages_only.user.pk, "other_practice": charlie.user.pk,
              "inactive": bob.user.pk}[who]
    if who == "inactive":
        bob.user.is_active = False
        bob.user.save(update_fields=["is_active"])
    with pytest.raises(RecordError, match="active clinician of this practice"):
        services.create_client(vault_of(dana), services.Demographics(**ADA), primary_clinician_id=target)
    assert not Client.objects.exists() and not CareTeamMember.objects.exists()


# ----------------------------------------------------------------------------- the web form


def test_the_form_offers_only_treating_clinicians_and_preselects_a_clinician_owner(alice: Person, bob: Person,
                                                                                   carol: Person) -> None:
    page = browser_of(alice).get("/clients/new").content.decode()
    assert f'<option value="{alice.user.pk}" selected>' in page
    assert f'value="{bob.user.pk}"' in page and f'value="{carol.user.pk}"' not in page


def test_an_owner_who_is_not_a_clinician_gets_a_form_error_without_a_clinician(alice_manages_only: Person,
                                                                               bob: Person, dana: Person) -> None:
    browser = browser_of(alice_manages_only)
    page = browser.get("/clients/new").content.decode()
    assert f'value="{alice_manages_only.user.pk}"' not in page
    for value in ("", str(alice_manages_only.user.pk), str(dana.user.pk), "999999", "not-a-number"):
        response = browser.post("/clients/new", {**ADA, "primary_clinician": value})
        assert response.status_code == 400, value
        assert 'role="alert"' in response.content.decode()
    assert not Client.objects.exists()
    response = browser.post("/clients/new", {**ADA, "primary_clinician": str(bob.user.pk)})
    assert response.status_code == 302
    assert _primary(Client.objects.get()) == bob.user.pk


# ----------------------------------------------------------------------------- the API


def test_the_api_makes_a_clinician_owner_primary(alice: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(alice).post("/clients", ADA)
    assert response.status_code == 201, response.content
    assert _primary(Client.objects.get(public_id=response.json()["id"])) == alice.user.pk


@pytest.mark.parametrize("body", [{}, {"primary_clinician_id": 999_999}, {"primary_clinician_id": "two"},
                                  {"primary_clinician_id": 0}, {"primary_clinician_id": None}])
def test_the_api_refuses_a_client_without_a_treating_clinician(body: dict[str, object], alice_manages_only: Person,
                                                               bob: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(alice_manages_only).post("/clients", {**ADA, **body})
    assert response.status_code in (400, 422), response.content
    assert_problem(response, response.status_code)
    assert not Client.objects.exists()


@pytest.mark.parametrize("who", ["front_desk", "owner_not_clinician", "other_practice"])
def test_the_api_refuses_a_primary_who_cannot_treat_with_a_clear_problem(
        who: str, alice_manages_only: Person, dana: Person, charlie: Person,
        api_as: Callable[[Person], Api]) -> None:
    target = {"front_desk": dana, "owner_not_clinician": alice_manages_only, "other_practice": charlie}[who]
    response = api_as(dana).post("/clients", {**ADA, "primary_clinician_id": target.user.pk})
    # A rule of the record refusing the request is a 422 problem in this API (docs/api.md, Errors).
    body = assert_problem(response, 422)
    assert "clinician" in body["detail"]
    assert not Client.objects.exists()


def test_the_api_registers_with_a_named_clinician(dana: Person, bob: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(dana).post("/clients", {**ADA, "primary_clinician_id": bob.user.pk})
    assert response.status_code == 201, response.content
    assert _primary(Client.objects.get()) == bob.user.pk


def test_the_openapi_document_names_the_primary_clinician(client: Browser) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "primary_clinician_id" in str(schema["components"]["schemas"]["ClientIn"])


# ----------------------------------------------------------------------------- confide init


def _owner_flag(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "confide.sqlite3") as db:
        [(flag,)] = db.execute("SELECT owner_is_clinician FROM practice_membership").fetchall()
    return int(flag)


@pytest.mark.parametrize(("clinician", "expected"), [(True, 1), (False, 0)])
def test_init_records_whether_the_owner_is_a_clinician(tmp_path: Path, clinician: bool, expected: int) -> None:
    data_dir = tmp_path / "data"
    env = base_env(data_dir, None)  # SQLite in the data directory, read back directly
    init_practice(data_dir, env, owner_is_clinician=clinician)
    assert _owner_flag(data_dir) == expected


def test_init_help_documents_the_flag(tmp_path: Path) -> None:
    result = confide("init", "--help", env=base_env(tmp_path / "d", None))
    assert "--owner-is-clinician" in result.stdout
