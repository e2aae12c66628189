"""Care teams through the API: granting wraps keys, revoking deletes them, fingerprints are shown."""

from __future__ import annotations

from collections.abc import Callable

from confide.keys.models import KeyWrap
from confide.records.models import CareTeamMember, Client
from tests.api.conftest import Api, assert_problem
from tests.conftest import Person


def _team(api: Api, client: Client) -> dict[str, dict[str, object]]:
    response = api.get(f"/clients/{client.public_id}/care-team")
    assert response.status_code == 200, response.content
    return {m["email"]: m for m in response.json()}


def test_the_care_team_shows_members_with_key_fingerprints(bob: Person, client_record: Client,
                                                           api_as: Callable[[Person], Api]) -> None:
    team = _team(api_as(bob), client_record)
    assert list(team) == [bob.email]
    assert team[bob.email]["role"] == "primary" and team[bob.email]["clinical_access"] is True
    assert team[bob.email]["key_fingerprint"] == bob.user.key_pair.fingerprint


def test_granting_by_email_gives_access_and_revoking_takes_it_away(bob: Person, erin: Person, client_record: Client,
                                                                   api_as: Callable[[Person], Api]) -> None:
    bob_api, erin_api = api_as(bob), api_as(erin)
    path = f"/clients/{client_record.public_id}"
    assert_problem(erin_api.get(path), 404)

    granted = bob_api.post(f"{path}/care-team", {"email": "ERIN@example.test", "role": "clinician"})
    assert granted.status_code == 201, granted.content
    assert granted.json()["user_id"] == erin.user.pk and granted.json()["clinical_access"] is True
    assert granted.json()["key_fingerprint"] == erin.user.key_pair.fingerprint
    assert erin_api.get(path).status_code == 200
    assert erin_api.get(f"{path}/notes").status_code == 200

    assert bob_api.delete(f"{path}/care-team/{erin.user.pk}").status_code == 204
    assert_problem(erin_api.get(path), 404)
    assert not KeyWrap.objects.filter(recipient=erin.user, key_version__client=client_record).exists()
    assert list(_team(bob_api, client_record)) == [bob.email]


def test_revoking_with_a_body_works_too(bob: Person, carol: Person, client_record: Client,
                                        api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    path = f"/clients/{client_record.public_id}/care-team"
    assert api.post(path, {"user_id": carol.user.pk, "role": "supervisor", "clinical": False}).status_code == 201
    assert _team(api, client_record)[carol.email]["clinical_access"] is False
    assert api.delete(path, {"email": carol.email}).status_code == 204
    assert not CareTeamMember.objects.filter(user=carol.user).exists()


def test_front_desk_gets_demographics_only_by_default(bob: Person, dana: Person, client_record: Client,
                                                      api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    path = f"/clients/{client_record.public_id}/care-team"
    granted = api.post(path, {"user_id": dana.user.pk, "role": "front_desk"})
    assert granted.status_code == 201 and granted.json()["clinical_access"] is False
    body = assert_problem(api.post(path, {"user_id": dana.user.pk, "role": "front_desk", "clinical": True}), 422)
    assert "Front-desk" in body["detail"]


def test_unknown_people_are_refused_without_saying_more(bob: Person, client_record: Client,
                                                        api_as: Callable[[Person], Api]) -> None:
    api = api_as(bob)
    path = f"/clients/{client_record.public_id}/care-team"
    body = assert_problem(api.post(path, {"email": "nobody@example.test", "role": "clinician"}), 422)
    assert "nobody" not in body["detail"]
    assert_problem(api.post(path, {"user_id": 987654, "role": "clinician"}), 422)
    assert_problem(api.delete(f"{path}/987654"), 422)


def test_someone_from_another_practice_cannot_be_added(bob: Person, charlie: Person, client_record: Client,
                                                       api_as: Callable[[Person], Api]) -> None:
    path = f"/clients/{client_record.public_id}/care-team"
    assert_problem(api_as(bob).post(path, {"email": charlie.email, "role": "clinician"}), 422)
    assert not CareTeamMember.objects.filter(user=charlie.user).exists()


def test_people_without_access_get_404_on_the_care_team(bob: Person, erin: Person, charlie: Person, carol: Person,
                                                        client_record: Client,
                                                        api_as: Callable[[Person], Api]) -> None:
    path = f"/clients/{client_record.public_id}/care-team"
    for person in (erin, charlie):
        api = api_as(person)
        assert_problem(api.get(path), 404)
        assert_problem(api.post(path, {"user_id": person.user.pk, "role": "clinician"}), 404)
        assert_problem(api.delete(f"{path}/{bob.user.pk}"), 404)
    assert list(_team(api_as(bob), client_record)) == [bob.email]


def test_the_front_desk_cannot_change_a_care_team(bob: Person, dana: Person, erin: Person, client_record: Client,
                                                  api_as: Callable[[Person], Api]) -> None:
    api = api_as(dana)
    path = f"/clients/{client_record.public_id}/care-team"
    assert api.get(path).status_code == 200, "the front desk sees who is on the team"
    assert_problem(api.post(path, {"user_id": erin.user.pk, "role": "clinician"}), 404)
    assert_problem(api.delete(f"{path}/{bob.user.pk}"), 404)
