"""Video sessions: who may enter, the sealed privacy check, the waiting room and sealed, bounded signalling."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from confide import crypto
from confide.accounts.models import User
from confide.portal.models import ClientAccount
from confide.practice.models import Practice, Role
from confide.records import care
from confide.records import services as records
from confide.records.access_history import access_history
from confide.records.errors import NotFoundError
from confide.telehealth import services, tokens
from confide.telehealth.models import PrivacyCheck, Side, Signal, VideoSession
from tests.conftest import PASSWORD, Person, add_member
from tests.portal.conftest import client_vault_of
from tests.records.conftest import vault_of
from tests.telehealth.conftest import CLIENT_ANSWERS, CLINICIAN_ANSWERS

pytestmark = pytest.mark.django_db
SDP_CANARY = "canary-sdp-7k2q"


def offer_sdp(extra: str = "") -> str:
    return ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            f"a=fingerprint:sha-256 AA:BB:CC\r\na=x-test:{SDP_CANARY}{extra}\r\n")


def both_checked(bob: Person, account: ClientAccount, video: VideoSession) -> None:
    services.record_privacy_check(vault_of(bob), video, Side.CLINICIAN, CLINICIAN_ANSWERS)
    services.record_privacy_check(client_vault_of(account), video, Side.CLIENT, CLIENT_ANSWERS, account=account)


def in_call(bob: Person, account: ClientAccount, video: VideoSession) -> VideoSession:
    both_checked(bob, account, video)
    services.join(vault_of(bob), video, Side.CLINICIAN)
    services.join(client_vault_of(account), video, Side.CLIENT, account=account)
    return services.admit(vault_of(bob), video)


# ----------------------------------------------------------------------------- the room and its two people


def test_a_video_booking_has_a_room_and_changing_the_modality_closes_it(bob: Person, video: VideoSession) -> None:
    appointment = video.appointment
    care.update_appointment(vault_of(bob), video.client.public_id, appointment.public_id,
                            starts_at=appointment.starts_at, duration_minutes=50, modality="in_person",
                            attendance="scheduled", expected_version=appointment.version)
    assert not VideoSession.objects.get(pk=video.pk).open
    with pytest.raises(NotFoundError):
        services.staff_session(vault_of(bob), video.client.public_id, appointment.public_id)


def test_an_in_person_booking_has_no_room(bob: Person, client_account: ClientAccount) -> None:
    appointment = care.create_appointment(vault_of(bob), client_account.client.public_id,
                                          starts_at=timezone.now() + dt.timedelta(hours=1), duration_minutes=50,
                                          modality="in_person")
    assert not VideoSession.objects.filter(appointment=appointment).exists()
    with pytest.raises(NotFoundError):
        services.staff_session(vault_of(bob), client_account.client.public_id, appointment.public_id)


def test_only_the_appointments_clinician_and_client_enter(bob: Person, carol: Person, dana: Person,
                                                          alice: Person, video: VideoSession,
                                                          client_account: ClientAccount, practice: Practice) -> None:
    client_id, appointment_id = video.client.public_id, video.appointment.public_id
    assert services.staff_session(vault_of(bob), client_id, appointment_id) == video
    assert services.client_session(client_account, appointment_id) == video
    # Another clinician of the same care team, the supervisor and the front desk are not the session's people.
    gus = Person(add_member(practice, "gus@example.test", Role.CLINICIAN), PASSWORD)
    records.grant_access(vault_of(bob), client_id, user_id=gus.user.pk, role="clinician")
    records.grant_access(vault_of(bob), client_id, user_id=carol.user.pk, role="supervisor")
    records.grant_access(vault_of(bob), client_id, user_id=dana.user.pk, role="front_desk", clinical=False)
    for person in (gus, carol, dana, alice):
        with pytest.raises(NotFoundError):
            services.staff_session(vault_of(person), client_id, appointment_id)
    with pytest.raises(NotFoundError):
        services.staff_session(vault_of(bob), client_id, "not-a-uuid")


def test_another_client_cannot_enter(bob: Person, video: VideoSession) -> None:
    other = records.create_client(vault_of(bob), records.Demographics(given_name="Other", family_name="Person"))
    account = ClientAccount(client=other, practice=video.client.practice,
                            user=User.objects.create_user(email="other.client@example.test"))
    with pytest.raises(NotFoundError):
        services.client_session(account, video.appointment.public_id)


def test_a_clinician_removed_from_the_team_can_no_longer_enter(bob: Person, client_account: ClientAccount,
                                                               practice: Practice) -> None:
    client_id = client_account.client.public_id
    gus = Person(add_member(practice, "gus@example.test", Role.CLINICIAN), PASSWORD)
    records.grant_access(vault_of(bob), client_id, user_id=gus.user.pk, role="clinician")
    appointment = care.create_appointment(vault_of(bob), client_id, starts_at=timezone.now(), duration_minutes=50,
                                          modality="video", clinician_id=gus.user.pk)
    assert services.staff_session(vault_of(gus), client_id, appointment.public_id)
    records.revoke_access(vault_of(bob), client_id, user_id=gus.user.pk)
    with pytest.raises(NotFoundError):
        services.staff_session(vault_of(gus), client_id, appointment.public_id)


# ----------------------------------------------------------------------------- the privacy check


def test_the_privacy_check_is_sealed_and_the_clinician_sees_the_rules_of_where_the_client_is(
        bob: Person, client_account: ClientAccount, video: VideoSession) -> None:
    services.record_privacy_check(client_vault_of(client_account), video, Side.CLIENT, CLIENT_ANSWERS,
                                  account=client_account)
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM telehealth_privacycheck")
        raw = bytes(cursor.fetchone()[0])
    for secret in (b"Ines Varga", b"toddler", b"US-NJ"):
        assert secret not in raw
    check = services.client_check_for_clinician(vault_of(bob), video)
    assert check is not None
    assert check.answers.emergency_contact == "Ines Varga, +1 555 0199"
    assert check.location_name == "United States, New Jersey"
    assert check.duty_to_warn is not None and check.duty_to_warn["pack"] == "US-NJ"
    assert check.resources is not None and check.resources.emergency == "911"


def test_the_client_must_say_where_they_are_and_give_an_emergency_contact(
        client_account: ClientAccount, video: VideoSession) -> None:
    vault = client_vault_of(client_account)
    for answers, message in (
        (CLIENT_ANSWERS.__class__(True, True, True, emergency_contact="Ines"), "where you are"),
        (CLIENT_ANSWERS.__class__(True, True, True, location="US-NJ"), "emergency contact"),
        (CLIENT_ANSWERS.__class__(True, True, True, location="Atlantis", emergency_contact="Ines"), "rules for"),
        (CLIENT_ANSWERS.__class__(True, True, True, location="US", emergency_contact="Ines"), "rules for"),
        (CLIENT_ANSWERS.__class__(True, True, False, location="US-NJ", emergency_contact="Ines"), "who else"),
        (CLIENT_ANSWERS.__class__(True, True, True, location="US-NJ", emergency_contact="x" * 201), "at most"),
        (CLIENT_ANSWERS.__class__(True, True, True, location="US-NJ", emergency_contact="a\x00b"), "control"),
    ):
        with pytest.raises(services.TelehealthError, match=f"(?i){message}"):
            services.record_privacy_check(vault, video, Side.CLIENT, answers, account=client_account)
    assert not PrivacyCheck.objects.exists()


def test_answering_again_replaces_the_answers(client_account: ClientAccount, bob: Person,
                                             video: VideoSession) -> None:
    vault = client_vault_of(client_account)
    services.record_privacy_check(vault, video, Side.CLIENT, CLIENT_ANSWERS, account=client_account)
    moved = CLIENT_ANSWERS.__class__(True, True, True, location="UK", emergency_contact="Ines")
    services.record_privacy_check(vault, video, Side.CLIENT, moved, account=client_account)
    assert PrivacyCheck.objects.count() == 1
    opened = services.open_privacy_check(vault_of(bob), video, Side.CLIENT)
    assert opened is not None and opened.location == "UK"


def test_admitting_the_client_writes_their_location_into_the_appointment_for_duty_to_warn(
        bob: Person, client_account: ClientAccount, video: VideoSession) -> None:
    in_call(bob, client_account, video)
    location, appointment = care.latest_client_location(vault_of(bob), video.client)
    assert location == "US-NJ" and appointment is not None
    opened = care.open_appointment(vault_of(bob), video.client.public_id, video.appointment.public_id)
    assert opened.client_location == "US-NJ"


# ----------------------------------------------------------------------------- the waiting room


def test_the_client_waits_until_admitted_and_a_rejoin_needs_no_second_admission(
        bob: Person, client_account: ClientAccount, video: VideoSession) -> None:
    both_checked(bob, client_account, video)
    client_vault = client_vault_of(client_account)
    services.join(vault_of(bob), video, Side.CLINICIAN)
    session = services.join(client_vault, video, Side.CLIENT, account=client_account)
    assert services.state(session, Side.CLINICIAN)["client_waiting"]
    assert not services.state(session, Side.CLIENT)["admitted"]
    with pytest.raises(services.TelehealthError, match="not been let in"):
        services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="offer",
                             data={"type": "offer", "sdp": offer_sdp()})
    session = services.admit(vault_of(bob), session)
    assert services.state(session, Side.CLINICIAN)["in_call"]
    session = services.leave(client_vault, session, Side.CLIENT, account=client_account)
    assert not services.state(session, Side.CLINICIAN)["in_call"]
    session = services.join(client_vault, session, Side.CLIENT, account=client_account)
    state = services.state(session, Side.CLIENT)
    assert state["admitted"] and state["in_call"] and not state["client_waiting"]


def test_admission_needs_a_waiting_client_and_both_privacy_checks(bob: Person, client_account: ClientAccount,
                                                                 video: VideoSession) -> None:
    with pytest.raises(services.TelehealthError, match="waiting room"):
        services.admit(vault_of(bob), video)
    with pytest.raises(services.TelehealthError, match="privacy check"):
        services.join(client_vault_of(client_account), video, Side.CLIENT, account=client_account)
    services.record_privacy_check(client_vault_of(client_account), video, Side.CLIENT, CLIENT_ANSWERS,
                                  account=client_account)
    services.join(client_vault_of(client_account), video, Side.CLIENT, account=client_account)
    with pytest.raises(services.TelehealthError, match="your privacy check"):
        services.admit(vault_of(bob), video)


def test_the_room_is_open_only_around_the_appointment(bob: Person, client_account: ClientAccount,
                                                     video: VideoSession) -> None:
    both_checked(bob, client_account, video)
    starts = video.appointment.starts_at
    assert "opens 30 minutes" in services.room_problem(video, starts - dt.timedelta(minutes=31))
    assert services.room_problem(video, starts - dt.timedelta(minutes=29)) == ""
    assert "closed" in services.room_problem(video, starts + dt.timedelta(minutes=50 + 61))
    video.appointment.starts_at = timezone.now() + dt.timedelta(hours=2)
    video.appointment.save()
    with pytest.raises(services.TelehealthError, match="opens 30 minutes"):
        services.join(vault_of(bob), video, Side.CLINICIAN)


def test_ending_the_session_deletes_its_signalling_and_nobody_rejoins(bob: Person, client_account: ClientAccount,
                                                                     video: VideoSession) -> None:
    session = in_call(bob, client_account, video)
    services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="offer",
                         data={"type": "offer", "sdp": offer_sdp()})
    services.end(vault_of(bob), session)
    assert not Signal.objects.exists()
    with pytest.raises(services.TelehealthError, match="ended"):
        services.join(client_vault_of(client_account), session, Side.CLIENT, account=client_account)


def test_the_worker_deletes_the_signalling_of_rooms_that_closed(bob: Person, client_account: ClientAccount,
                                                                video: VideoSession) -> None:
    from confide.notifications.worker import PERIODIC_JOBS

    session = in_call(bob, client_account, video)
    services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="offer",
                         data={"type": "offer", "sdp": offer_sdp()})
    assert services.delete_stale_signals() == 0  # the room is still open
    closes = services.window(session)[1]
    assert services.delete_stale_signals(closes + dt.timedelta(minutes=1)) == 1
    assert not Signal.objects.exists()
    assert services.delete_stale_signals in PERIODIC_JOBS


# ----------------------------------------------------------------------------- signalling


def test_signals_are_sealed_and_reach_only_the_other_side_of_the_current_round(
        bob: Person, client_account: ClientAccount, video: VideoSession) -> None:
    session = in_call(bob, client_account, video)
    client_vault = client_vault_of(client_account)
    services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="offer",
                         data={"type": "offer", "sdp": offer_sdp()})
    services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="candidate",
                         data={"candidate": "candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host",
                               "sdpMid": "0", "sdpMLineIndex": 0})
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM telehealth_signal")
        for (body,) in cursor.fetchall():
            assert SDP_CANARY.encode() not in bytes(body) and b"192.0.2.7" not in bytes(body)
    got = services.signals_for(client_vault, session, Side.CLIENT, 0)
    assert [s["kind"] for s in got] == ["offer", "candidate"]
    assert SDP_CANARY in got[0]["data"]["sdp"]
    assert services.signals_for(vault_of(bob), session, Side.CLINICIAN, 0) == []  # not one's own
    assert services.signals_for(client_vault, session, Side.CLIENT, got[-1]["id"]) == []
    # A new round (the client rejoins) drops the old round's signals.
    services.join(client_vault, session, Side.CLIENT, account=client_account)
    assert not Signal.objects.exists()


@pytest.mark.parametrize(("side", "kind", "data", "message"), [
    (Side.CLIENT, "offer", {"type": "offer", "sdp": "v=0\r\n"}, "Only the clinician"),
    (Side.CLINICIAN, "answer", {"type": "answer", "sdp": "v=0\r\n"}, "Only the client"),
    (Side.CLINICIAN, "media", {}, "offer, an answer or a candidate"),
    (Side.CLINICIAN, "offer", {"type": "offer", "sdp": "not an sdp"}, "session description"),
    (Side.CLINICIAN, "offer", {"type": "answer", "sdp": "v=0\r\n"}, "session description"),
    (Side.CLINICIAN, "offer", {"type": "offer", "sdp": "v=0\r\n" + "a" * (16 * 1024)}, "too long"),
    (Side.CLINICIAN, "offer", "v=0", "must be an object"),
    (Side.CLIENT, "candidate", {"candidate": "x" * 2000}, "one line"),
    (Side.CLIENT, "candidate", {"candidate": "not a candidate"}, "one line"),
    (Side.CLIENT, "candidate", {"candidate": "candidate:1\n2"}, "one line"),
    (Side.CLIENT, "candidate", {"candidate": "candidate:1", "sdpMLineIndex": 99}, "media line"),
    (Side.CLIENT, "candidate", {"candidate": "candidate:1", "sdpMid": 3}, "media line"),
])
def test_a_signal_that_is_not_one_is_refused(bob: Person, client_account: ClientAccount, video: VideoSession,
                                             side: str, kind: str, data: object, message: str) -> None:
    session = in_call(bob, client_account, video)
    vault = vault_of(bob) if side == Side.CLINICIAN else client_vault_of(client_account)
    with pytest.raises(services.TelehealthError, match=message):
        services.send_signal(vault, session, side, generation=session.generation, kind=kind, data=data)
    assert not Signal.objects.exists()


def test_a_signal_of_an_old_round_is_refused_and_a_round_is_bounded(bob: Person, client_account: ClientAccount,
                                                                   video: VideoSession) -> None:
    session = in_call(bob, client_account, video)
    candidate = {"candidate": "candidate:1 1 udp 1 192.0.2.7 5 typ host", "sdpMid": "0", "sdpMLineIndex": 0}
    for stale in (session.generation - 1, str(session.generation), True, None):
        with pytest.raises(services.StaleRoundError):
            services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=stale, kind="candidate",
                                 data=candidate)
    Signal.objects.bulk_create([Signal(session=session, sender=Side.CLINICIAN, generation=session.generation,
                                       kind="candidate", body=b"x", size=1)
                                for _ in range(services.MAX_SIGNALS_PER_ROUND)])
    with pytest.raises(services.TelehealthError, match="Too many"):
        services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation,
                             kind="candidate", data=candidate)


# ----------------------------------------------------------------------------- the client's history


def test_joins_leaves_and_admission_are_in_the_clients_history_without_any_media(
        bob: Person, client_account: ClientAccount, video: VideoSession) -> None:
    session = in_call(bob, client_account, video)
    services.send_signal(vault_of(bob), session, Side.CLINICIAN, generation=session.generation, kind="offer",
                         data={"type": "offer", "sdp": offer_sdp()})
    services.leave(client_vault_of(client_account), session, Side.CLIENT, account=client_account)
    services.leave(vault_of(bob), session, Side.CLINICIAN)
    history = access_history(vault_of(bob), video.client.public_id)
    whats = [entry.what for entry in history.entries]
    for expected in ("joined your video session", "left your video session",
                     "let you in from the waiting room of your video session",
                     "answered the privacy check before your video session"):
        assert expected in whats, expected
    assert whats.count("joined your video session") == 2 and whats.count("left your video session") == 2
    assert not any(SDP_CANARY in what for what in whats)


# ----------------------------------------------------------------------------- tokens and TURN credentials


def test_a_signalling_token_is_for_one_session_side_person_and_browser(bob: Person, video: VideoSession,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    token = tokens.issue_token(video, Side.CLINICIAN, bob.user.pk, "browser-session-1")
    tokens.check_token(token, video, Side.CLINICIAN, bob.user.pk, "browser-session-1")
    other = VideoSession(client=video.client, appointment=video.appointment)
    for args in ((video, Side.CLIENT, bob.user.pk, "browser-session-1"),
                 (other, Side.CLINICIAN, bob.user.pk, "browser-session-1"),
                 (video, Side.CLINICIAN, bob.user.pk + 1, "browser-session-1"),
                 (video, Side.CLINICIAN, bob.user.pk, "browser-session-2")):
        with pytest.raises(tokens.TokenError):
            tokens.check_token(token, *args)
    for bad in (None, "", 7, token[:-2] + "xx", "a" * 600):
        with pytest.raises(tokens.TokenError):
            tokens.check_token(bad, video, Side.CLINICIAN, bob.user.pk, "browser-session-1")
    monkeypatch.setattr(tokens, "TOKEN_SECONDS", -1)
    with pytest.raises(tokens.TokenError, match="expired"):
        tokens.check_token(token, video, Side.CLINICIAN, bob.user.pk, "browser-session-1")


def test_the_turn_password_is_coturns_hmac_sha1() -> None:
    # Known answer, computed with `openssl dgst -sha1 -hmac north-sea-turn-secret -binary | base64`.
    assert crypto.turn_rest_password(b"north-sea-turn-secret", "1700000000:abcdef0123456789") == \
        "+YTqnHB0ofqI4HTcCvjGSejRMRk="
    with pytest.raises(ValueError, match="secret"):
        crypto.turn_rest_password(b"", "1:x")


@override_settings(CONFIDE_TURN_URLS=["turn:127.0.0.1:3478?transport=udp"], CONFIDE_TURN_SECRET="s3cret",
                   CONFIDE_STUN_URLS=["stun:127.0.0.1:3478"], CONFIDE_TURN_TTL_SECONDS=600)
def test_turn_credentials_expire_and_name_nobody(bob: Person) -> None:
    stun, turn = tokens.ice_servers()
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    expiry, ident = turn["username"].split(":")
    assert abs(int(expiry) - (timezone.now().timestamp() + 600)) < 5
    assert len(ident) == 16 and bob.user.email not in turn["username"] and str(bob.user.pk) != ident
    expected = base64.b64encode(hmac.new(b"s3cret", turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    assert tokens.ice_servers()[1]["username"] != turn["username"]  # fresh each time


def test_without_a_turn_secret_no_turn_server_is_offered() -> None:
    with override_settings(CONFIDE_TURN_URLS=["turn:127.0.0.1:3478"], CONFIDE_TURN_SECRET=""):
        assert tokens.ice_servers() == [] and not tokens.relay_available()
    assert json.dumps(tokens.ice_servers()) == "[]"
