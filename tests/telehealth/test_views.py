"""The video session pages and their signalling endpoint over HTTP; and no other page may use the camera."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client as HttpClient

from confide.audit.models import LogEntry
from confide.portal.models import ClientAccount
from confide.telehealth import services
from confide.telehealth.models import PrivacyCheck, Side, VideoSession
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of
from tests.security import matrix
from tests.security.test_authorization_matrix import fill, web_patterns
from tests.security.world import World, build_world
from tests.telehealth.conftest import CLIENT_ANSWERS, CLINICIAN_ANSWERS

pytestmark = pytest.mark.django_db
CLINICIAN_FORM = {"private_space": "yes", "headphones": "yes", "alone": "yes"}
CLIENT_FORM = {"private_space": "yes", "headphones": "no", "alone": "no", "others_note": "a sleeping toddler",
               "location": "US-NJ", "emergency_contact": "Ines Varga, +1 555 0199"}


def staff_room(video: VideoSession) -> str:
    return f"/clients/{video.client.public_id}/sessions/{video.appointment.public_id}/video/"


def portal_room(video: VideoSession) -> str:
    return f"/portal/sessions/{video.appointment.public_id}/"


def signed_in(person_email: str, password: str) -> HttpClient:
    http = HttpClient()
    assert sign_in(http, person_email, password).status_code == 302
    return http


def room_config(response: Any) -> dict[str, Any]:
    found = re.search(r'<script id="room-config" type="application/json">(.*?)</script>', response.content.decode())
    assert found, response.content[:400]
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def post(http: HttpClient, url: str, body: object) -> Any:
    return http.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def bob_http(bob: Person, relaxed: object) -> HttpClient:
    return signed_in(bob.email, bob.password)


@pytest.fixture
def client_http(client_account: ClientAccount) -> HttpClient:
    return signed_in(client_account.user.email, CLIENT_PASSWORD)


def test_the_clinician_answers_the_privacy_check_then_gets_the_room_which_alone_may_use_the_camera(
        bob: Person, bob_http: HttpClient, video: VideoSession) -> None:
    url = staff_room(video)
    before = LogEntry.objects.count()
    form = bob_http.get(url)
    assert form.status_code == 200 and b"privacy check" in form.content
    assert "camera=()" in form["Permissions-Policy"] and "microphone=()" in form["Permissions-Policy"]
    assert LogEntry.objects.filter(position__gte=before, tag="telehealth:room:opened",
                                   client_id=str(video.client.public_id)).exists()
    refused = bob_http.post(url, {"private_space": "yes", "headphones": "yes", "alone": "no"})
    assert refused.status_code == 400 and b"who else is in the room" in refused.content
    assert not PrivacyCheck.objects.exists()
    assert bob_http.post(url, {"private_space": "maybe"}).status_code == 400
    assert bob_http.post(url, CLINICIAN_FORM).status_code == 302
    room = bob_http.get(url)
    assert room.status_code == 200
    policy = room["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=(self)" in policy and "geolocation=()" in policy
    assert room["Cache-Control"] == "no-store"
    config = room_config(room)
    assert config["side"] == "clinician" and config["signalUrl"].endswith("/video/signal") and config["token"]
    assert config["token"] not in room["Content-Security-Policy"]
    # Asking again shows the form, with the camera denied again.
    again = bob_http.get(url + "?check=again")
    assert b"privacy check" in again.content and "camera=()" in again["Permissions-Policy"]


def test_the_client_gives_a_location_from_the_packs_and_an_emergency_contact(
        client_http: HttpClient, video: VideoSession) -> None:
    url = portal_room(video)
    form = client_http.get(url)
    assert form.status_code == 200 and b'value="US-NJ"' in form.content and b'value="US"' not in form.content
    assert client_http.post(url, {**CLIENT_FORM, "location": "Atlantis"}).status_code == 400
    assert client_http.post(url, {**CLIENT_FORM, "emergency_contact": ""}).status_code == 400
    assert client_http.post(url, {**CLIENT_FORM, "emergency_contact": "x" * 300}).status_code == 400
    assert not PrivacyCheck.objects.exists()
    assert client_http.post(url, CLIENT_FORM).status_code == 302
    room = client_http.get(url)
    assert "camera=(self)" in room["Permissions-Policy"]
    assert room_config(room)["side"] == "client"
    listed = client_http.get("/portal/sessions/")
    assert url.encode() in listed.content and "camera=()" in listed["Permissions-Policy"]


def test_the_signalling_endpoint_needs_the_signed_in_person_and_their_token(
        bob: Person, bob_http: HttpClient, client_http: HttpClient, client_account: ClientAccount,
        video: VideoSession) -> None:
    services.record_privacy_check(vault_of(bob), video, Side.CLINICIAN, CLINICIAN_ANSWERS)
    services.record_privacy_check(client_vault_of(client_account), video, Side.CLIENT, CLIENT_ANSWERS,
                                  account=client_account)
    clinician = room_config(bob_http.get(staff_room(video)))
    client = room_config(client_http.get(portal_room(video)))
    url = clinician["signalUrl"]
    assert post(bob_http, url, {"action": "join"}).status_code == 403  # no token
    assert post(bob_http, url, {"action": "join", "token": client["token"]}).status_code == 403  # the client's
    assert post(bob_http, url, {"action": "join", "token": "x" + clinician["token"]}).status_code == 403
    assert bob_http.post(url, data=b"{not json", content_type="application/json").status_code == 400
    assert post(bob_http, url, ["join"]).status_code == 400
    assert post(bob_http, url, {"action": "record", "token": clinician["token"]}).status_code == 400
    huge = {"action": "send", "token": clinician["token"], "data": {"sdp": "v=0" + "a" * 30_000}}
    assert post(bob_http, url, huge).status_code == 400
    # The same token from another browser session (the same person, signed in elsewhere) is refused.
    elsewhere = signed_in(bob.email, bob.password)
    assert post(elsewhere, url, {"action": "join", "token": clinician["token"]}).status_code == 403
    # The client may not admit, end or read the privacy check.
    for action in ("admit", "end", "check"):
        assert post(client_http, client["signalUrl"], {"action": action, "token": client["token"]}).status_code == 400

    joined = post(bob_http, url, {"action": "join", "token": clinician["token"]})
    assert joined.status_code == 200
    token = joined.json()["token"]
    entered = post(client_http, client["signalUrl"], {"action": "join", "token": client["token"]}).json()
    assert entered["state"]["admitted"] is False
    polled = post(bob_http, url, {"action": "poll", "after": 0, "token": token}).json()
    assert polled["state"]["client_waiting"] and polled["state"]["client_checked"]
    check = post(bob_http, url, {"action": "check", "token": polled["token"]}).json()
    assert check["clientCheck"]["answers"]["emergency_contact"] == "Ines Varga, +1 555 0199"
    assert check["clientCheck"]["resources"]["emergency"] == "911"
    admitted = post(bob_http, url, {"action": "admit", "token": check["token"]}).json()
    assert admitted["state"]["in_call"]
    stale = post(bob_http, url, {"action": "send", "kind": "offer", "generation": admitted["state"]["generation"] - 1,
                                 "data": {"type": "offer", "sdp": "v=0\r\n"}, "token": admitted["token"]})
    assert stale.status_code == 409 and stale.json()["state"]["generation"] == admitted["state"]["generation"]
    assert post(bob_http, url, {"action": "poll", "after": -1, "token": admitted["token"]}).status_code == 400
    assert post(bob_http, url, {"action": "poll", "after": "0", "token": admitted["token"]}).status_code == 400


def test_someone_else_signed_in_gets_nothing(carol: Person, dana: Person, relaxed: object,
                                             video: VideoSession) -> None:
    for person in (carol, dana):
        http = signed_in(person.email, person.password)
        assert http.get(staff_room(video)).status_code == 404
        assert post(http, staff_room(video) + "signal", {"action": "poll"}).status_code == 404
    anonymous = HttpClient()
    assert anonymous.get(portal_room(video)).status_code == 302


# ----------------------------------------------------------------------------- no other page uses the camera


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def test_no_page_but_the_session_room_may_use_the_camera_or_microphone(world: World) -> None:
    """Every page of the authorization matrix, as every persona, with both privacy checks answered
    so that the rooms render: camera and microphone are denied everywhere but the two room pages
    shown to the session's two people."""
    session = VideoSession.objects.get(appointment__public_id=world.ours.ids["appointment_id"])
    bob, client = world.people["clinician_on_team"], world.people["client"]
    account = ClientAccount.objects.get(user=client.user)
    services.record_privacy_check(vault_of(bob), session, Side.CLINICIAN, CLINICIAN_ANSWERS)
    services.record_privacy_check(client_vault_of_world(account, client), session, Side.CLIENT, CLIENT_ANSWERS,
                                  account=account)
    rooms = {"clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/": "clinician_on_team",
             "portal/sessions/<uuid:appointment_id>/": "client"}
    allowed_seen: list[str] = []
    problems: list[str] = []
    for persona in matrix.personas():
        http = world.browser(persona)
        for pattern in web_patterns():
            route = matrix.web_route(pattern)
            if route is None or route.method != "GET" or route.ends_session:
                continue
            response = http.get(fill("/" + pattern, world.ours.ids_for(pattern)))
            policy = response.get("Permissions-Policy", "")
            if rooms.get(pattern) == persona and response.status_code == 200:
                if "camera=(self)" in policy and "microphone=(self)" in policy:
                    allowed_seen.append(pattern)
                else:
                    problems.append(f"{pattern} as {persona}: the room does not allow the camera: {policy}")
            elif "camera=()" not in policy or "microphone=()" not in policy:
                problems.append(f"{pattern} as {persona}: {policy!r}")
    assert not problems, "\n".join(problems)
    assert sorted(allowed_seen) == sorted(rooms)


def client_vault_of_world(account: ClientAccount, person: Person) -> Any:
    from confide.portal import services as portal

    return portal.client_vault(account, person.password)
