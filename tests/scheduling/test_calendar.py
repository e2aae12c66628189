"""The calendar (issue 15): day and week views, availability, the overlap warning, the client's upcoming sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.portal.models import ClientAccount
from confide.records import care
from confide.records import services as records
from confide.records.models import Appointment, Client
from confide.scheduling import services
from confide.scheduling.models import Availability
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of
from tests.web.test_records_pages import browser_of


def _next_monday_at(hour: int, minute: int = 0) -> dt.datetime:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday())
    return dt.datetime.combine(monday, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _form(starts: dt.datetime, **extra: str) -> dict[str, str]:
    return {"starts_at": timezone.localtime(starts).strftime("%Y-%m-%dT%H:%M"), "duration": "50",
            "modality": "video", "attendance": "scheduled", **extra}


def test_a_third_overlapping_session_is_warned_and_not_booked_until_confirmed(bob: Person,
                                                                             client_record: Client) -> None:
    browser = browser_of(bob)
    url = f"/clients/{client_record.public_id}/sessions/new"
    assert browser.post(url, _form(_next_monday_at(9))).status_code == 302
    assert browser.post(url, _form(_next_monday_at(10))).status_code == 302
    warned = browser.post(url, _form(_next_monday_at(10, 30)))
    page = warned.content.decode()
    assert warned.status_code == 409 and "This overlaps another session of the same clinician" in page
    assert "10:00 to 10:50" in page and 'name="book_anyway"' in page
    assert Appointment.objects.count() == 2
    assert browser.post(url, _form(_next_monday_at(10, 30), book_anyway="yes")).status_code == 302
    assert Appointment.objects.count() == 3


def test_back_to_back_sessions_do_not_overlap(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    care.create_appointment(vault, client_record.public_id, starts_at=_next_monday_at(9), duration_minutes=50,
                            modality="video")
    assert care.overlapping(bob.user.pk, _next_monday_at(9, 50), 50, practice_id=client_record.practice_id) == []
    [hit] = care.overlapping(bob.user.pk, _next_monday_at(9, 49), 50, practice_id=client_record.practice_id)
    assert hit.starts_at == _next_monday_at(9)


def test_an_overlap_with_a_client_the_booker_cannot_read_is_still_warned_by_time_only(
        bob: Person, alice: Person, dana: Person, client_record: Client) -> None:
    other = records.create_client(vault_of(alice), records.Demographics(given_name="Otto", family_name="Lind"),
                                  primary_clinician_id=bob.user.pk)
    care.create_appointment(vault_of(bob), other.public_id, starts_at=_next_monday_at(14), duration_minutes=50,
                            modality="phone")
    response = browser_of(dana).post(f"/clients/{client_record.public_id}/sessions/new",
                                     _form(_next_monday_at(14, 15), clinician=str(bob.user.pk)))
    page = response.content.decode()
    assert response.status_code == 409 and "Otto" not in page and "Lind" not in page


def test_the_week_view_shows_sessions_to_the_clinician_and_the_front_desk(bob: Person, dana: Person, carol: Person,
                                                                         client_record: Client) -> None:
    care.create_appointment(vault_of(bob), client_record.public_id, starts_at=_next_monday_at(9),
                            duration_minutes=50, modality="video")
    monday = _next_monday_at(9).date().isoformat()
    for person in (bob, dana):
        response = browser_of(person).get(f"/calendar/?view=week&date={monday}&clinician={bob.user.pk}")
        page = response.content.decode()
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
        assert "Quastenbrook" in page and "Video" in page and page.count('class="card calendar-day"') == 7
    day = browser_of(bob).get(f"/calendar/?view=day&date={monday}").content.decode()
    assert day.count('class="card calendar-day"') == 1 and "Quastenbrook" in day
    # The supervisor holds no key of this client: the calendar shows nothing of them.
    assert "Quastenbrook" not in browser_of(carol).get(f"/calendar/?view=week&date={monday}").content.decode()


def test_a_calendar_read_is_audited_per_client_shown(bob: Person, client_record: Client) -> None:
    care.create_appointment(vault_of(bob), client_record.public_id, starts_at=_next_monday_at(9),
                            duration_minutes=50, modality="video")
    start = LogEntry.objects.count()
    services.calendar(vault_of(bob), _next_monday_at(9).date(), 7)
    assert list(LogEntry.objects.order_by("position").values_list("tag", flat=True))[start:] == ["record:calendar:read"]


@pytest.mark.parametrize("query", ["view=month", "date=yesterday", "clinician=abc", "clinician=999999"])
def test_bad_calendar_queries_are_a_400(bob: Person, query: str) -> None:
    assert browser_of(bob).get(f"/calendar/?{query}").status_code == 400


def test_availability_is_saved_and_a_booking_outside_it_is_warned(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    assert browser.post("/calendar/availability/", {"starts_0": "09:00"}).status_code == 400
    assert browser.post("/calendar/availability/", {"starts_0": "17:00", "ends_0": "09:00"}).status_code == 400
    assert not Availability.objects.exists()
    assert browser.post("/calendar/availability/", {"starts_0": "09:00", "ends_0": "13:00"}).status_code == 302
    assert [(a.weekday, a.starts, a.ends) for a in Availability.objects.all()] == [(0, dt.time(9), dt.time(13))]
    response = browser.post(f"/clients/{client_record.public_id}/sessions/new", _form(_next_monday_at(15)))
    assert response.status_code == 409
    assert "outside the weekly availability of the clinician" in response.content.decode()
    assert browser.post(f"/clients/{client_record.public_id}/sessions/new",
                        _form(_next_monday_at(10))).status_code == 302


def test_front_desk_has_no_availability_page(dana: Person) -> None:
    assert browser_of(dana).get("/calendar/availability/").status_code == 404


def test_the_client_sees_their_upcoming_sessions_with_time_and_format_only(
        bob: Person, client_account: ClientAccount, relaxed: object) -> None:
    client = client_account.client
    care.create_appointment(vault_of(bob), client.public_id, starts_at=_next_monday_at(9), duration_minutes=50,
                            modality="video", client_location="")
    care.create_appointment(vault_of(bob), client.public_id, starts_at=timezone.now() - dt.timedelta(days=3),
                            duration_minutes=50, modality="phone", attendance="attended")
    [upcoming] = services.upcoming_for_client(client_vault_of(client_account), client_account)
    assert (upcoming.format, upcoming.duration_minutes) == ("Video", 50)
    http = Browser()
    assert sign_in(http, client_account.user.email, CLIENT_PASSWORD).status_code == 302
    response = http.get("/portal/appointments/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Video" in page and "Phone" not in page and "bob@example.test" not in page
