"""Clients through the API: registering, the caseload, search, and 404 for anyone without access."""

from __future__ import annotations

from collections.abc import Callable

from confide.records.models import Client
from tests.api.conftest import Api, assert_problem
from tests.conftest import Person

NEW_CLIENT = {
    "given_name": "Oriana",
    "family_name": "Thistlewood",
    "date_of_birth": "1991-06-02",
    "email": "oriana@example.test",
    "phone": "+1 555 0142",
}


def test_a_clinician_registers_a_client_and_reads_it_back(bob: Person, api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    response = api.post("/clients", NEW_CLIENT | {"pronouns": "she/her", "emergency_contact": "Mara, +1 555 0143"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created | {"id": "x", "created_at": "x"} == {
        **NEW_CLIENT, "id": "x", "created_at": "x", "preferred_name": "", "pronouns": "she/her",
        "emergency_contact": "Mara, +1 555 0143", "status": "active",
    }
    client = Client.objects.get(public_id=created["id"])
    assert b"Thistlewood" not in bytes(client.demographics), "stored sealed"
    again = api.get(f"/clients/{created['id']}")
    assert again.status_code == 200 and again.json() == created
    assert again["Cache-Control"] == "no-store"


def test_optional_fields_may_be_left_out(bob: Person, api_as: Callable[[Person], Api]) -> None:
    response = api_as(bob).post("/clients", {"given_name": "Ada", "family_name": "Brook"})
    assert response.status_code == 201
    assert response.json()["date_of_birth"] is None and response.json()["email"] == ""


def test_the_caseload_lists_the_callers_clients_only(bob: Person, erin: Person, dana: Person, client_record: Client,
                                                     api_as: Callable[[Person], Api]) -> None:
    api_as(erin).post("/clients", NEW_CLIENT)
    bobs = api_as(bob).get("/clients")
    assert bobs.status_code == 200
    assert [(c["id"], c["family_name"], c["clinical_access"]) for c in bobs.json()] == [
        (str(client_record.public_id), "Quastenbrook", True)]
    assert "email" not in bobs.json()[0], "the caseload carries no contact details"
    # The front desk holds every client's admin key, but no clinical access.
    desk = api_as(dana).get("/clients").json()
    assert sorted(c["family_name"] for c in desk) == ["Quastenbrook", "Thistlewood"]
    assert not any(c["clinical_access"] for c in desk)


def test_search_takes_its_terms_in_the_body(bob: Person, client_record: Client,
                                            api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    api.post("/clients", NEW_CLIENT)
    found = api.post("/clients/search", {"query": "thistle"})
    assert found.status_code == 200
    assert [c["family_name"] for c in found.json()] == ["Thistlewood"]
    assert api.post("/clients/search", {"query": "nobody-by-that-name"}).json() == []


def test_the_caseload_ignores_search_terms_in_the_url(bob: Person, client_record: Client,
                                                     api_as: Callable[[Person], Api]) -> None:
    # Names must never travel in URLs; a ?q= is not a supported way to search.
    response = api_as(bob).get("/clients?q=nobody")
    assert [c["family_name"] for c in response.json()] == ["Quastenbrook"]


def test_a_supervisor_cannot_register_clients(carol: Person, api_as: Callable[[Person], Api]) -> None:
    body = assert_problem(api_as(carol).post("/clients", NEW_CLIENT), 422)
    assert "Supervisors" in body["detail"]
    assert not Client.objects.exists()


def test_someone_from_another_practice_gets_404(charlie: Person, client_record: Client,
                                                api_as: Callable[[Person], Api]) -> None:
    api = api_as(charlie)
    assert_problem(api.get(f"/clients/{client_record.public_id}"), 404)
    assert api.get("/clients").json() == []
    assert api.post("/clients/search", {"query": "Quastenbrook"}).json() == []


def test_a_clinician_off_the_team_gets_404(erin: Person, client_record: Client,
                                           api_as: Callable[[Person], Api]) -> None:
    assert_problem(api_as(erin).get(f"/clients/{client_record.public_id}"), 404)


def test_an_unknown_client_and_a_forbidden_one_look_the_same(erin: Person, client_record: Client,
                                                             api_as: Callable[[Person], Api]) -> None:
    api = api_as(erin)
    forbidden = api.get(f"/clients/{client_record.public_id}")
    unknown = api.get("/clients/00000000-0000-4000-8000-000000000000")
    assert forbidden.status_code == unknown.status_code == 404
    assert forbidden.content == unknown.content


def test_the_front_desk_sees_demographics(dana: Person, client_record: Client,
                                          api_as: Callable[[Person], Api]) -> None:
    response = api_as(dana).get(f"/clients/{client_record.public_id}")
    assert response.status_code == 200 and response.json()["family_name"] == "Quastenbrook"
