"""Intake packets and measures: sent by the care team, answered in the portal, sealed, scored, flagged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.measures import services
from confide.measures.models import Assignment, IntakePacket, Submission, TrendShare
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.records import care
from confide.records.errors import NotFoundError
from confide.records.models import Client
from tests.conftest import Person
from tests.portal.conftest import client_vault_of
from tests.records.conftest import vault_of

FICTIONAL_HISTORY = "Grew up by the lighthouse at Quastenbrook Point"


def _packet(person: Person, **extra: object) -> IntakePacket:
    values: dict[str, object] = {"name": "New client intake", "consent_text": "We keep what you say private.",
                                 "history_questions": ["What brings you here?", "Any past therapy?"],
                                 "measures": ["phq9", "gad7"]}
    return services.create_packet(vault_of(person), **(values | extra))  # type: ignore[arg-type]


def _answer(account: ClientAccount, kind: str, items: list[int]) -> Submission:
    [assignment] = [a for a in services.open_assignments(account) if a.kind == kind]
    return services.submit_measure(client_vault_of(account), account, assignment.public_id, items)


def test_an_intake_packet_goes_to_the_portal_due_before_the_first_appointment(
        bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    first = timezone.now() + dt.timedelta(days=3)
    care.create_appointment(vault_of(bob), client.public_id, starts_at=first, duration_minutes=50,
                            modality="video")
    made = services.send_intake(vault_of(bob), client.public_id, _packet(bob).public_id)
    assert [a.kind for a in made] == ["intake", "phq9", "gad7"]
    assert {a.due_on for a in made} == {timezone.localtime(first).date()}
    assert [a.kind for a in services.open_assignments(client_account)] == ["intake", "phq9", "gad7"]


def test_the_clients_intake_answers_are_sealed_and_shown_to_the_care_team(
        bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    [intake, *_] = services.send_intake(vault_of(bob), client.public_id, _packet(bob).public_id)
    services.submit_intake(client_vault_of(client_account), client_account, intake.public_id,
                           consent_acknowledged=True,
                           demographics={"pronouns": "she/her", "date_of_birth": "1987-03-14",
                                         "emergency_contact": "Harbour Quastenbrook (sibling)"},
                           history=[FICTIONAL_HISTORY, ""])
    row = Submission.objects.get()
    assert FICTIONAL_HISTORY.encode() not in bytes(row.answers)
    measures = services.client_measures(vault_of(bob), client.public_id)
    assert measures is not None
    [opened] = measures.intakes
    assert opened.answers["history"][0] == {"question": "What brings you here?", "answer": FICTIONAL_HISTORY}
    assert ("Pronouns", "she/her") in opened.demographic_rows
    assert opened.answers["consent_acknowledged"] is True
    assert Assignment.objects.get(pk=intake.pk).completed_at is not None


@pytest.mark.parametrize(("consent", "demographics", "history", "message"), [
    (False, {}, ["", ""], "confirm that you have read"),
    (True, {"date_of_birth": "yesterday"}, ["", ""], "Date of birth"),
    (True, {"date_of_birth": "2999-01-01"}, ["", ""], "Date of birth"),
    (True, {"pronouns": "x" * 101}, ["", ""], "longer than"),
    (True, {"preferred_name": "Bad\u202eName"}, ["", ""], None),
    (True, {}, ["only one"], "history questions"),
    (True, {}, ["x" * 5001, ""], "longer than"),
])
def test_bad_intake_answers_are_refused_and_nothing_is_stored(
        bob: Person, client_account: ClientAccount, consent: bool, demographics: dict[str, str],
        history: list[str], message: str | None) -> None:
    [intake, *_] = services.send_intake(vault_of(bob), client_account.client.public_id, _packet(bob).public_id)
    with pytest.raises(services.RecordError, match=message):
        services.submit_intake(client_vault_of(client_account), client_account, intake.public_id,
                               consent_acknowledged=consent, demographics=demographics, history=history)
    assert not Submission.objects.exists()
    assert Assignment.objects.get(pk=intake.pk).completed_at is None


def test_a_measure_is_scored_sealed_and_its_trend_shown(bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    services.send_measure(vault_of(bob), client.public_id, kind="phq9")
    submission = _answer(client_account, "phq9", [2, 2, 2, 2, 2, 2, 2, 2, 0])
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM measures_submission")
        [(blob,)] = cursor.fetchall()
    assert b"moderately" not in bytes(blob) and b'"total"' not in bytes(blob)
    measures = services.client_measures(vault_of(bob), client.public_id)
    assert measures is not None
    phq9 = next(t for t in measures.trends if t.instrument.code == "phq9")
    assert [(p.total, p.band) for p in phq9.points] == [(16, "moderately severe")]
    assert not measures.flags
    assert phq9.points[0].submission == submission
    assert ClinicianNotice.objects.filter(recipient=bob.user, kind="form_completed").count() == 1


def test_a_positive_item_9_is_flagged_until_reviewed(bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    services.send_measure(vault_of(bob), client.public_id, kind="phq9")
    submission = _answer(client_account, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    measures = services.client_measures(vault_of(bob), client.public_id)
    assert measures is not None and [p.submission for p in measures.flags] == [submission]
    services.review(vault_of(bob), client.public_id, submission.public_id)
    assert Submission.objects.get().reviewed_by == bob.user
    # The flag itself is sealed: a stolen database does not say who had thoughts of self-harm.
    assert b"risk" not in bytes(Submission.objects.get().answers)


def test_a_scheduled_measure_comes_back_after_its_interval(bob: Person, client_account: ClientAccount) -> None:
    services.send_measure(vault_of(bob), client_account.client.public_id, kind="gad7", repeat_days=14)
    _answer(client_account, "gad7", [1] * 7)
    assert services.open_assignments(client_account) == []
    later = timezone.localdate() + dt.timedelta(days=14)
    [again] = services.open_assignments(client_account, today=later)
    assert again.kind == "gad7" and again.repeat_days == 14


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kind": "pcl5"}, "Choose a measure"),
    ({"kind": "phq9", "repeat_days": 3}, "Repeat every"),
    ({"kind": "phq9", "start_on": "2001-01-01"}, "Start today"),
    ({"kind": "phq9", "start_on": "not a date"}, None),
])
def test_bad_measure_requests_are_refused(bob: Person, client_account: ClientAccount, kwargs: dict[str, object],
                                          message: str | None) -> None:
    with pytest.raises(services.RecordError, match=message):
        services.send_measure(vault_of(bob), client_account.client.public_id, **kwargs)  # type: ignore[arg-type]
    assert not Assignment.objects.exists()


def test_the_same_measure_is_not_sent_twice(bob: Person, client_account: ClientAccount) -> None:
    services.send_measure(vault_of(bob), client_account.client.public_id, kind="phq9")
    with pytest.raises(services.MeasureError, match="already waiting"):
        services.send_measure(vault_of(bob), client_account.client.public_id, kind="phq9")


def test_forms_need_a_portal_account(bob: Person, client_record: Client) -> None:
    with pytest.raises(services.MeasureError, match="portal"):
        services.send_measure(vault_of(bob), client_record.public_id, kind="phq9")


def test_only_the_treating_care_team_sends_and_reads(bob: Person, carol: Person, dana: Person, charlie: Person,
                                                    client_account: ClientAccount) -> None:
    client_id = client_account.client.public_id
    for outsider in (carol, dana, charlie):
        with pytest.raises(NotFoundError):
            services.send_measure(vault_of(outsider), client_id, kind="phq9")
    for outsider in (dana, charlie):
        with pytest.raises(NotFoundError):
            services.client_measures(vault_of(outsider), client_id)


def test_a_client_cannot_answer_another_clients_form_or_one_twice(
        bob: Person, client_account: ClientAccount) -> None:
    assignment = services.send_measure(vault_of(bob), client_account.client.public_id, kind="phq9")
    _answer(client_account, "phq9", [0] * 9)
    with pytest.raises(NotFoundError):
        services.submit_measure(client_vault_of(client_account), client_account, assignment.public_id, [0] * 9)
    with pytest.raises(NotFoundError):
        services.submit_measure(client_vault_of(client_account), client_account, "not-a-uuid", [0] * 9)


def test_a_stopped_form_leaves_the_portal(bob: Person, client_account: ClientAccount) -> None:
    assignment = services.send_measure(vault_of(bob), client_account.client.public_id, kind="phq9")
    services.cancel_assignment(vault_of(bob), client_account.client.public_id, assignment.public_id)
    assert services.open_assignments(client_account) == []
    with pytest.raises(NotFoundError):
        services.cancel_assignment(vault_of(bob), client_account.client.public_id, assignment.public_id)


def test_the_client_sees_their_trend_only_when_shared(bob: Person, client_account: ClientAccount) -> None:
    services.send_measure(vault_of(bob), client_account.client.public_id, kind="gad7")
    _answer(client_account, "gad7", [2] * 7)
    assert services.own_trend(client_vault_of(client_account), client_account) is None
    services.set_trend_shared(vault_of(bob), client_account.client.public_id, shared=True)
    shared = services.own_trend(client_vault_of(client_account), client_account)
    assert shared is not None
    assert [p.total for t in shared.trends for p in t.points] == [14]
    services.set_trend_shared(vault_of(bob), client_account.client.public_id, shared=False)
    assert TrendShare.objects.get().shared is False
    assert services.own_trend(client_vault_of(client_account), client_account) is None


def test_every_step_is_in_the_audit_log(bob: Person, client_account: ClientAccount) -> None:
    start = LogEntry.objects.count()
    services.send_measure(vault_of(bob), client_account.client.public_id, kind="gad7")
    _answer(client_account, "gad7", [2] * 7)
    services.client_measures(vault_of(bob), client_account.client.public_id)
    tags = list(LogEntry.objects.order_by("position").values_list("tag", flat=True))[start:]
    assert tags == ["measure:assignment:changed", "measure:measure:submitted", "measure:submissions:read"]


def test_fhir_observations_of_the_totals(bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    for kind, items in (("phq9", [1] * 9), ("gad7", [3] * 7)):
        services.send_measure(vault_of(bob), client.public_id, kind=kind)
        _answer(client_account, kind, items)
    observations = services.fhir_observations(vault_of(bob), client)
    assert [(o["code"]["coding"][0]["code"], o["valueInteger"]) for o in observations] == [
        ("44261-6", 9), ("70274-6", 21)]
    for o in observations:
        assert o["resourceType"] == "Observation" and o["status"] == "final"
        assert o["code"]["coding"][0]["system"] == "http://loinc.org"
        assert o["subject"] == {"reference": f"Patient/{client.public_id}"}
        assert dt.datetime.fromisoformat(o["effectiveDateTime"]).tzinfo is not None
        assert o["category"][0]["coding"][0]["code"] == "survey"
        json.dumps(o)  # plain JSON, ready for a Bundle
    assert services.fhir_observations(vault_of(bob), client) == observations
    try:
        # Imported here: fhir.resources is optional until the export of issue 15 adds it to the locks.
        from fhir.resources.observation import Observation
    except ImportError:
        return
    for o in observations:
        Observation.model_validate(o)


@pytest.mark.parametrize(("values", "message"), [
    ({"name": ""}, "name is required"),
    ({"measures": ["pcl5"]}, "Choose measures"),
    ({"history_questions": ["q"] * 31}, "at most 30"),
    ({"consent_text": "", "ask_demographics": False, "history_questions": [], "measures": []}, "at least one"),
])
def test_bad_packets_are_refused(bob: Person, values: dict[str, object], message: str) -> None:
    with pytest.raises(services.MeasureError, match=message):
        _packet(bob, **values)
    assert not IntakePacket.objects.exists()


def test_supervisors_and_front_desk_define_no_packets(carol: Person, dana: Person) -> None:
    for person in (carol, dana):
        with pytest.raises(NotFoundError):
            _packet(person)
