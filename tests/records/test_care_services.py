"""Episodes of care, appointments and the treatment plan through their services."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.practice.models import Practice, Role
from confide.records import care, services
from confide.records.models import Appointment, Client, Episode, TreatmentPlan
from tests.conftest import PASSWORD, Person, add_member
from tests.records.conftest import vault_of
from tests.records.test_vastaamo import copy_database, encodings

PAST = "2026-11-20T10:00"


@pytest.fixture
def erin(practice: Practice) -> Person:
    """A clinician of alice's practice who is not on the client's care team."""
    return Person(add_member(practice, "erin@example.test", Role.CLINICIAN), PASSWORD)


@pytest.fixture
def supervised(bob: Person, carol: Person, client_record: Client) -> Client:
    """The client, with carol granted clinical access as supervisor."""
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    return client_record


def tags_of(client: Client) -> list[str]:
    return list(LogEntry.objects.filter(client_id=str(client.public_id)).values_list("tag", flat=True))


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def plan(**changes: object) -> care.PlanContent:
    values: dict[str, object] = {
        "problems": "Worry about work most days; poor sleep.",
        "goals": "GAD-7 below 10 by March.\nSleeps six hours on five nights a week.",
        "interventions": "CBT for worry, weekly; sleep hygiene.",
        "review_on": "2027-02-26",
        "diagnoses": (care.Diagnosis("F41.1", "Generalized anxiety disorder"),),
    }
    return care.PlanContent(**(values | changes))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- episodes of care


def test_a_clinician_opens_and_closes_an_episode_with_a_sealed_summary(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    episode = care.open_episode(vault, client_record.public_id, opened_on="2026-01-05")
    assert episode.closed_on is None and episode.summary is None
    closed = care.close_episode(vault, client_record.public_id, episode.pk, closed_on="2026-11-20",
                                summary="Goals met; discharged to GP.", expected_version=1)
    assert closed.version == 2 and b"discharged" not in bytes(Episode.objects.get().summary)
    [opened] = care.list_episodes(vault_of(bob), client_record.public_id)
    assert opened.summary == "Goals met; discharged to GP." and not opened.is_open
    assert opened.episode.closed_on == dt.date(2026, 11, 20)
    tags = tags_of(client_record)
    assert "record:episode:opened" in tags and "record:episode:closed" in tags
    assert "record:episodes:listed" in tags


def test_only_one_episode_is_open_at_a_time(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    care.open_episode(vault, client_record.public_id, opened_on="2026-01-05")
    with pytest.raises(services.RecordError, match="already open"):
        care.open_episode(vault, client_record.public_id, opened_on="2026-02-01")
    assert Episode.objects.count() == 1


def test_a_new_episode_starts_after_the_last_one_closed(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    first = care.open_episode(vault, client_record.public_id, opened_on="2025-01-05")
    care.close_episode(vault, client_record.public_id, first.pk, closed_on="2025-06-30", expected_version=1)
    with pytest.raises(services.RecordError, match="opening date"):
        care.open_episode(vault, client_record.public_id, opened_on="2025-06-01")
    second = care.open_episode(vault, client_record.public_id, opened_on="2025-06-30")
    assert [e.episode.pk for e in care.list_episodes(vault, client_record.public_id)] == [second.pk, first.pk]


@pytest.mark.parametrize(("opened_on", "message"), [
    ("05/01/2026", "opening date must be a date"),
    ("", "opening date must be a date"),
    ("1850-01-01", "real date"),
    (in_days(5), "opening date cannot be in the future"),
])
def test_a_bad_opening_date_is_refused_and_nothing_is_written(bob: Person, client_record: Client, opened_on: str,
                                                              message: str) -> None:
    with pytest.raises(services.RecordError, match=message):
        care.open_episode(vault_of(bob), client_record.public_id, opened_on=opened_on)
    assert not Episode.objects.exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"closed_on": "2025-12-31"}, "closing date cannot be before the opening date"),
    ({"closed_on": in_days(5)}, "closing date cannot be in the future"),
    ({"closed_on": "last tuesday"}, "closing date must be a date"),
    ({"summary": "x" * (care.MAX_SUMMARY_CHARS + 1)}, "summary is longer"),
    ({"summary": "bad\x00byte"}, "summary contains control characters"),
    ({"expected_version": 7}, "Someone else changed this episode"),
])
def test_a_bad_closing_is_refused_and_nothing_is_written(bob: Person, client_record: Client,
                                                         changes: dict[str, object], message: str) -> None:
    vault = vault_of(bob)
    episode = care.open_episode(vault, client_record.public_id, opened_on="2026-01-05")
    arguments: dict[str, object] = {"closed_on": "2026-11-20", "summary": "Fine.", "expected_version": 1} | changes
    with pytest.raises(services.RecordError, match=message):
        care.close_episode(vault, client_record.public_id, episode.pk, **arguments)  # type: ignore[arg-type]
    unchanged = Episode.objects.get()
    assert unchanged.closed_on is None and unchanged.summary is None and unchanged.version == 1


def test_a_stale_close_raises_stale_version(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    episode = care.open_episode(vault, client_record.public_id, opened_on="2026-01-05")
    with pytest.raises(services.StaleVersionError):
        care.close_episode(vault, client_record.public_id, episode.pk, closed_on="2026-11-20", expected_version=2)


def test_a_closed_episode_cannot_be_closed_again(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    episode = care.open_episode(vault, client_record.public_id, opened_on="2026-01-05")
    care.close_episode(vault, client_record.public_id, episode.pk, closed_on="2026-11-20", summary="First.",
                       expected_version=1)
    with pytest.raises(services.RecordError, match="already closed"):
        care.close_episode(vault, client_record.public_id, episode.pk, closed_on="2026-11-21", summary="Second.",
                           expected_version=2)
    assert care.list_episodes(vault, client_record.public_id)[0].summary == "First."


@pytest.mark.parametrize("episode_id", ["abc", "999999", ""])
def test_closing_an_unknown_episode_is_not_found(bob: Person, client_record: Client, episode_id: str) -> None:
    with pytest.raises(services.NotFoundError):
        care.close_episode(vault_of(bob), client_record.public_id, episode_id, closed_on="2026-11-20",
                           expected_version=1)


def test_the_front_desk_sees_episode_dates_but_not_summaries(bob: Person, dana: Person,
                                                             client_record: Client) -> None:
    episode = care.open_episode(vault_of(bob), client_record.public_id, opened_on="2026-01-05")
    care.close_episode(vault_of(bob), client_record.public_id, episode.pk, closed_on="2026-11-20",
                       summary="Clinical words.", expected_version=1)
    [seen] = care.list_episodes(vault_of(dana), client_record.public_id)
    assert seen.summary is None and seen.episode.closed_on == dt.date(2026, 11, 20)
    with pytest.raises(services.NotFoundError):
        care.open_episode(vault_of(dana), client_record.public_id, opened_on="2026-11-21")


def test_a_supervisor_reads_episodes_but_does_not_open_or_close_them(bob: Person, carol: Person,
                                                                     supervised: Client) -> None:
    episode = care.open_episode(vault_of(bob), supervised.public_id, opened_on="2026-01-05")
    assert care.list_episodes(vault_of(carol), supervised.public_id)[0].episode.pk == episode.pk
    with pytest.raises(services.RecordError, match="Only the clinicians"):
        care.close_episode(vault_of(carol), supervised.public_id, episode.pk, closed_on="2026-11-20",
                           expected_version=1)
    assert Episode.objects.get().closed_on is None


def test_people_without_access_get_not_found_for_episodes(bob: Person, erin: Person, charlie: Person,
                                                          client_record: Client) -> None:
    episode = care.open_episode(vault_of(bob), client_record.public_id, opened_on="2026-01-05")
    for person in (erin, charlie):
        vault = vault_of(person)
        with pytest.raises(services.NotFoundError):
            care.list_episodes(vault, client_record.public_id)
        with pytest.raises(services.NotFoundError):
            care.open_episode(vault, client_record.public_id, opened_on="2026-11-20")
        with pytest.raises(services.NotFoundError):
            care.close_episode(vault, client_record.public_id, episode.pk, closed_on="2026-11-20",
                               expected_version=1)
    assert Episode.objects.get().closed_on is None


# ----------------------------------------------------------------------------- appointments


def test_the_front_desk_books_a_session_for_the_primary_clinician(bob: Person, dana: Person,
                                                                  client_record: Client) -> None:
    appointment = care.create_appointment(vault_of(dana), client_record.public_id, starts_at=in_days(3) + "T09:30",
                                          duration_minutes=50, modality="video")
    assert appointment.clinician_id == bob.user.pk and appointment.duration_minutes == 50
    details = bytes(Appointment.objects.get().details)
    assert b"video" not in details and b"scheduled" not in details
    for person in (dana, bob):
        [opened] = care.list_appointments(vault_of(person), client_record.public_id)
        assert (opened.modality, opened.attendance) == ("video", "scheduled")
        assert opened.modality_label == "Video" and opened.attendance_label == "Scheduled"
    tags = tags_of(client_record)
    assert "record:appointment:created" in tags and "record:appointments:listed" in tags


def test_a_clinician_records_attendance_with_a_version_check(bob: Person, dana: Person,
                                                             client_record: Client) -> None:
    appointment = care.create_appointment(vault_of(dana), client_record.public_id, starts_at=PAST,
                                          duration_minutes=50, modality="in_person")
    updated = care.update_appointment(vault_of(bob), client_record.public_id, appointment.public_id,
                                      starts_at=PAST, duration_minutes=55, modality="in_person",
                                      attendance="attended", expected_version=1)
    assert updated.version == 2
    with pytest.raises(services.StaleVersionError):
        care.update_appointment(vault_of(dana), client_record.public_id, appointment.public_id, starts_at=PAST,
                                duration_minutes=50, modality="phone", attendance="no_show", expected_version=1)
    opened = care.open_appointment(vault_of(dana), client_record.public_id, appointment.public_id)
    assert (opened.attendance, opened.modality, opened.appointment.duration_minutes) == ("attended", "in_person", 55)
    assert "record:appointment:updated" in tags_of(client_record)
    assert "record:appointment:read" in tags_of(client_record)


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_at": "next monday"}, "date and time must look like"),
    ({"starts_at": "1999-12-31T10:00"}, "date and time must be after 2000"),
    ({"starts_at": in_days(800) + "T10:00"}, "at most two years ahead"),
    ({"duration_minutes": 14}, "between 15 and 240"),
    ({"duration_minutes": 241}, "between 15 and 240"),
    ({"duration_minutes": "fifty"}, "whole number of minutes"),
    ({"duration_minutes": True}, "whole number of minutes"),
    ({"modality": "carrier pigeon"}, "modality must be"),
    ({"attendance": "maybe"}, "attendance must be"),
    ({"starts_at": in_days(3) + "T10:00", "attendance": "attended"}, "once the session has begun"),
    ({"starts_at": in_days(3) + "T10:00", "attendance": "no_show"}, "once the session has begun"),
    ({"clinician_id": 999999}, "clinician must be"),
])
def test_bad_appointments_are_refused_and_nothing_is_written(bob: Person, client_record: Client,
                                                             changes: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"starts_at": PAST, "duration_minutes": 50, "modality": "video",
                                    "attendance": "scheduled"} | changes
    with pytest.raises(services.RecordError, match=message):
        care.create_appointment(vault_of(bob), client_record.public_id, **arguments)  # type: ignore[arg-type]
    assert not Appointment.objects.exists()


def test_a_bad_update_changes_nothing(bob: Person, client_record: Client) -> None:
    appointment = care.create_appointment(vault_of(bob), client_record.public_id, starts_at=PAST,
                                          duration_minutes=50, modality="video")
    with pytest.raises(services.RecordError, match="between 15 and 240"):
        care.update_appointment(vault_of(bob), client_record.public_id, appointment.public_id, starts_at=PAST,
                                duration_minutes=500, modality="video", attendance="attended", expected_version=1)
    row = Appointment.objects.get()
    assert row.version == 1 and row.duration_minutes == 50


def test_only_a_treating_clinician_may_be_booked(bob: Person, carol: Person, dana: Person,
                                                 supervised: Client) -> None:
    with pytest.raises(services.RecordError, match="clinician must be"):
        care.create_appointment(vault_of(dana), supervised.public_id, starts_at=PAST, duration_minutes=50,
                                modality="video", clinician_id=carol.user.pk)
    booked = care.create_appointment(vault_of(dana), supervised.public_id, starts_at=PAST, duration_minutes=50,
                                     modality="video", clinician_id=bob.user.pk)
    assert booked.clinician_id == bob.user.pk


def test_people_without_access_get_not_found_for_appointments(bob: Person, erin: Person, charlie: Person,
                                                              client_record: Client) -> None:
    appointment = care.create_appointment(vault_of(bob), client_record.public_id, starts_at=PAST,
                                          duration_minutes=50, modality="video")
    for person in (erin, charlie):
        vault = vault_of(person)
        with pytest.raises(services.NotFoundError):
            care.list_appointments(vault, client_record.public_id)
        with pytest.raises(services.NotFoundError):
            care.open_appointment(vault, client_record.public_id, appointment.public_id)
        with pytest.raises(services.NotFoundError):
            care.create_appointment(vault, client_record.public_id, starts_at=PAST, duration_minutes=50,
                                    modality="video")
        with pytest.raises(services.NotFoundError):
            care.update_appointment(vault, client_record.public_id, appointment.public_id, starts_at=PAST,
                                    duration_minutes=60, modality="phone", attendance="attended",
                                    expected_version=1)
    assert Appointment.objects.count() == 1 and Appointment.objects.get().version == 1


@pytest.mark.parametrize("appointment_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_appointment_is_not_found(bob: Person, client_record: Client, appointment_id: str) -> None:
    with pytest.raises(services.NotFoundError):
        care.open_appointment(vault_of(bob), client_record.public_id, appointment_id)


def test_an_appointment_of_another_client_is_not_found(bob: Person, client_record: Client) -> None:
    other = services.create_client(vault_of(bob), services.Demographics(given_name="Ada", family_name="Brook"))
    appointment = care.create_appointment(vault_of(bob), other.public_id, starts_at=PAST, duration_minutes=50,
                                          modality="video")
    with pytest.raises(services.NotFoundError):
        care.open_appointment(vault_of(bob), client_record.public_id, appointment.public_id)


def test_details_moved_to_another_appointment_fail_their_integrity_check(bob: Person,
                                                                          client_record: Client) -> None:
    vault = vault_of(bob)
    first = care.create_appointment(vault, client_record.public_id, starts_at=PAST, duration_minutes=50,
                                    modality="video", attendance="attended")
    second = care.create_appointment(vault, client_record.public_id, starts_at=PAST, duration_minutes=50,
                                     modality="phone")
    Appointment.objects.filter(pk=second.pk).update(details=bytes(first.details))
    with pytest.raises(services.RecordIntegrityError):
        care.open_appointment(vault_of(bob), client_record.public_id, second.public_id)


# ----------------------------------------------------------------------------- treatment plan


def test_a_clinician_writes_the_treatment_plan_and_reads_it_back(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    empty = care.get_treatment_plan(vault, client_record.public_id)
    assert empty.plan is None and empty.version == 0 and empty.content.is_empty
    saved = care.save_treatment_plan(vault, client_record.public_id, plan(), expected_version=0)
    assert saved.version == 1 and saved.updated_by_id == bob.user.pk
    opened = care.get_treatment_plan(vault_of(bob), client_record.public_id)
    assert opened.content == plan() and opened.content.review_date == dt.date(2027, 2, 26)
    assert str(opened.content.diagnoses[0]) == "F41.1 Generalized anxiety disorder"
    sealed = bytes(TreatmentPlan.objects.get().content)
    for text in (b"F41.1", b"anxiety", b"GAD-7", b"CBT", b"2027-02-26"):
        assert text not in sealed
    tags = tags_of(client_record)
    assert "record:plan:updated" in tags and "record:plan:read" in tags


def test_the_plan_is_versioned_and_a_stale_save_changes_nothing(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    care.save_treatment_plan(vault, client_record.public_id, plan(), expected_version=0)
    care.save_treatment_plan(vault, client_record.public_id, plan(goals="Return to work."), expected_version=1)
    with pytest.raises(services.StaleVersionError):
        care.save_treatment_plan(vault, client_record.public_id, plan(goals="Other tab."), expected_version=1)
    with pytest.raises(services.StaleVersionError):
        care.save_treatment_plan(vault, client_record.public_id, plan(goals="Another new plan."), expected_version=0)
    opened = care.get_treatment_plan(vault, client_record.public_id)
    assert opened.version == 2 and opened.content.goals == "Return to work."


def test_a_code_is_optional_and_no_code_list_is_imposed(bob: Person, client_record: Client) -> None:
    diagnoses = (care.Diagnosis("6B00", "Generalised anxiety disorder"), care.Diagnosis("300.02", "GAD (DSM)"),
                 care.Diagnosis("", "Provisional: adjustment difficulties"))
    care.save_treatment_plan(vault_of(bob), client_record.public_id, plan(diagnoses=diagnoses, review_on=""),
                             expected_version=0)
    opened = care.get_treatment_plan(vault_of(bob), client_record.public_id).content
    assert opened.diagnoses == diagnoses and opened.review_date is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"problems": "x" * (care.MAX_PLAN_SECTION_CHARS + 1)}, "Problems is longer"),
    ({"goals": "bad\x07bell"}, "Goals contains control characters"),
    ({"interventions": "y" * (care.MAX_PLAN_SECTION_CHARS + 1)}, "Interventions is longer"),
    ({"review_on": "soon"}, "review date must be a date"),
    ({"review_on": "2099-01-01"}, "review date must be within"),
    ({"diagnoses": (care.Diagnosis("F41.1", ""),)}, "Diagnoses: line 1 needs a description"),
    ({"diagnoses": (care.Diagnosis("F41 1!", "Anxiety"),)}, "Diagnoses: the code on line 1"),
    ({"diagnoses": (care.Diagnosis("F" * 21, "Anxiety"),)}, "Diagnoses: the code on line 1"),
    ({"diagnoses": (care.Diagnosis("F41.1", "z" * 201),)}, "Diagnoses: the description on line 1"),
    ({"diagnoses": (care.Diagnosis("F41.1", "a\nb"),)}, "Diagnoses: the description on line 1"),
    ({"diagnoses": tuple(care.Diagnosis("F41.1", "GAD") for _ in range(21))}, "at most 20"),
])
def test_a_bad_plan_is_refused_and_nothing_is_written(bob: Person, client_record: Client,
                                                      changes: dict[str, object], message: str) -> None:
    with pytest.raises(services.RecordError, match=message):
        care.save_treatment_plan(vault_of(bob), client_record.public_id, plan(**changes), expected_version=0)
    assert not TreatmentPlan.objects.exists()
    assert "record:plan:updated" not in tags_of(client_record)


def test_the_front_desk_never_sees_the_plan(bob: Person, dana: Person, client_record: Client) -> None:
    care.save_treatment_plan(vault_of(bob), client_record.public_id, plan(), expected_version=0)
    with pytest.raises(services.NotFoundError):
        care.get_treatment_plan(vault_of(dana), client_record.public_id)
    with pytest.raises(services.NotFoundError):
        care.save_treatment_plan(vault_of(dana), client_record.public_id, plan(goals="Front desk."),
                                 expected_version=1)
    assert TreatmentPlan.objects.get().version == 1


def test_a_supervisor_reads_the_plan_only_when_granted_and_never_writes_it(bob: Person, carol: Person,
                                                                           client_record: Client) -> None:
    care.save_treatment_plan(vault_of(bob), client_record.public_id, plan(), expected_version=0)
    with pytest.raises(services.NotFoundError):
        care.get_treatment_plan(vault_of(carol), client_record.public_id)
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    assert care.get_treatment_plan(vault_of(carol), client_record.public_id).content.goals == plan().goals
    with pytest.raises(services.RecordError, match="Only the clinicians"):
        care.save_treatment_plan(vault_of(carol), client_record.public_id, plan(goals="Mine."), expected_version=1)
    assert TreatmentPlan.objects.get().version == 1


def test_people_without_access_get_not_found_for_the_plan(bob: Person, erin: Person, charlie: Person,
                                                          client_record: Client) -> None:
    care.save_treatment_plan(vault_of(bob), client_record.public_id, plan(), expected_version=0)
    for person in (erin, charlie):
        with pytest.raises(services.NotFoundError):
            care.get_treatment_plan(vault_of(person), client_record.public_id)
        with pytest.raises(services.NotFoundError):
            care.save_treatment_plan(vault_of(person), client_record.public_id, plan(), expected_version=1)
    assert TreatmentPlan.objects.get().version == 1


def test_a_plan_moved_to_another_client_fails_its_integrity_check(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    other = services.create_client(vault, services.Demographics(given_name="Ada", family_name="Brook"))
    care.save_treatment_plan(vault, client_record.public_id, plan(), expected_version=0)
    care.save_treatment_plan(vault, other.public_id, plan(goals="Ada's goals."), expected_version=0)
    TreatmentPlan.objects.filter(client=other).update(
        content=bytes(TreatmentPlan.objects.get(client=client_record).content))
    with pytest.raises(services.RecordIntegrityError):
        care.get_treatment_plan(vault_of(bob), other.public_id)


# ----------------------------------------------------------------------------- the Vastaamo test, extended

CARE_CANARIES = {
    "summary": "CANARY-DISCHARGE-lighthouse-keeper-retires",
    "problems": "CANARY-PROBLEM-fear-of-the-ferry",
    "goals": "CANARY-GOAL-crosses-the-bridge-by-spring",
    "interventions": "CANARY-INTERVENTION-graded-harbour-walks",
    "diagnosis": "CANARY-DIAGNOSIS-harbour-phobia",
    "code": "ZQ99.7",
}


def assert_no_care_canary(blob: bytes, where: str) -> None:
    for name, canary in CARE_CANARIES.items():
        for form in encodings(canary):
            assert form not in blob, f"{name} canary found in {where}"


@pytest.mark.django_db(transaction=True)
def test_a_stolen_database_reveals_no_plan_summary_or_session_details(alice: Person, bob: Person,
                                                                      tmp_path: Path) -> None:
    vault = vault_of(bob)
    client = services.create_client(vault, services.Demographics(given_name="Ada", family_name="Brook"))
    episode = care.open_episode(vault, client.public_id, opened_on="2026-01-05")
    care.close_episode(vault, client.public_id, episode.pk, closed_on="2026-11-20",
                       summary=CARE_CANARIES["summary"], expected_version=1)
    care.save_treatment_plan(vault, client.public_id, care.PlanContent(
        problems=CARE_CANARIES["problems"], goals=CARE_CANARIES["goals"],
        interventions=CARE_CANARIES["interventions"], review_on="2027-01-01",
        diagnoses=(care.Diagnosis(CARE_CANARIES["code"], CARE_CANARIES["diagnosis"]),)), expected_version=0)
    appointment = care.create_appointment(vault, client.public_id, starts_at=PAST, duration_minutes=50,
                                          modality="video", attendance="late_cancelled")

    stolen = tmp_path / "stolen"
    stolen.mkdir()
    for path in copy_database(stolen):
        data = path.read_bytes()
        assert_no_care_canary(data, path.name)
        assert b"late_cancelled" not in data, "attendance is sealed"

    fresh = vault_of(bob)
    assert care.list_episodes(fresh, client.public_id)[0].summary == CARE_CANARIES["summary"]
    opened = care.get_treatment_plan(fresh, client.public_id).content
    assert opened.goals == CARE_CANARIES["goals"] and opened.diagnoses[0].code == CARE_CANARIES["code"]
    assert care.open_appointment(fresh, client.public_id, appointment.public_id).attendance == "late_cancelled"


def test_the_care_canary_detector_finds_what_it_looks_for() -> None:
    for name, canary in CARE_CANARIES.items():
        with pytest.raises(AssertionError):
            assert_no_care_canary(b"prefix" + canary.encode("utf-16-le") + b"suffix", name)
