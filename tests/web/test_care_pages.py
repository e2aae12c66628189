"""The pages of episodes of care, sessions and the treatment plan: access, bad input, happy paths."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as Browser
from django.utils import timezone

from confide.records import care, services
from confide.records.models import Appointment, Client, Episode, TreatmentPlan
from tests.conftest import Person
from tests.records.conftest import client_record, vault_of
from tests.web.test_records_pages import NAME, UNKNOWN, browser_of, erin

__all__ = ["client_record", "erin"]  # fixtures shared with the other record tests

PAST = "2026-11-20T10:00"


def soon(days: int = 3) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat() + "T09:30"


@pytest.fixture
def appointment(bob: Person, client_record: Client) -> Appointment:
    return care.create_appointment(vault_of(bob), client_record.public_id, starts_at=PAST, duration_minutes=50,
                                   modality="video", attendance="attended")


@pytest.fixture
def open_episode(bob: Person, client_record: Client) -> Episode:
    return care.open_episode(vault_of(bob), client_record.public_id, opened_on="2026-01-05")


@pytest.fixture
def treatment_plan(bob: Person, client_record: Client) -> TreatmentPlan:
    return care.save_treatment_plan(vault_of(bob), client_record.public_id, care.PlanContent(
        problems="Worry about work.", goals="GAD-7 below 10 by March.", interventions="CBT, weekly.",
        review_on="2027-02-26", diagnoses=(care.Diagnosis("F41.1", "Generalized anxiety disorder"),)),
        expected_version=0)


def paths(client: Client, appointment: Appointment | None = None) -> dict[str, str]:
    base = f"/clients/{client.public_id}/"
    appointment_id = appointment.public_id if appointment else UNKNOWN
    return {
        "episodes": base + "episodes/", "episode_close": base + "episodes/close", "sessions": base + "sessions/",
        "session_new": base + "sessions/new", "session": f"{base}sessions/{appointment_id}/",
        "plan": base + "plan/", "plan_edit": base + "plan/edit",
    }


ROUTES = [("get", "episodes"), ("post", "episodes"), ("post", "episode_close"), ("get", "sessions"),
          ("get", "session_new"), ("post", "session_new"), ("get", "session"), ("post", "session"),
          ("get", "plan"), ("get", "plan_edit"), ("post", "plan_edit")]

# Plausible input, so that the answer comes from the access check rather than from validation.
PLAUSIBLE = {"opened_on": "2026-11-20", "closed_on": "2026-11-21", "episode": "1", "version": "1",
             "starts_at": PAST, "duration": "50", "modality": "video", "attendance": "scheduled",
             "goals": "Mine.", "summary": "Done."}


def nothing_written() -> bool:
    return not (Episode.objects.exists() or TreatmentPlan.objects.exists() or Appointment.objects.exists())


def title_of(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- who may see what


@pytest.mark.parametrize(("method", "page"), ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client: Browser, db: None, method: str, page: str) -> None:
    path = paths(Client(public_id=UNKNOWN))[page]
    response = getattr(client, method)(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("method", "page"), ROUTES)
def test_unknown_clients_are_not_found(alice: Person, method: str, page: str) -> None:
    path = paths(Client(public_id=UNKNOWN))[page]
    browser = browser_of(alice)
    response = browser.get(path) if method == "get" else browser.post(path, PLAUSIBLE)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "page"), ROUTES)
def test_people_without_access_get_404_and_change_nothing(erin: Person, charlie: Person, client_record: Client,
                                                          method: str, page: str) -> None:
    path = paths(client_record)[page]
    for person in (erin, charlie):
        browser = browser_of(person)
        response = browser.get(path) if method == "get" else browser.post(path, PLAUSIBLE)
        assert response.status_code == 404, person.email
    assert nothing_written()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_session_is_not_found(bob: Person, client_record: Client, method: str) -> None:
    browser = browser_of(bob)
    path = paths(client_record)["session"]
    response = browser.get(path) if method == "get" else browser.post(path, PLAUSIBLE)
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "page"), [("get", "episodes"), ("post", "episodes"), ("post", "episode_close"),
                                              ("get", "plan"), ("get", "plan_edit"), ("post", "plan_edit")])
def test_the_front_desk_gets_404_on_episodes_and_the_plan(dana: Person, client_record: Client,
                                                          method: str, page: str) -> None:
    browser = browser_of(dana)
    path = paths(client_record)[page]
    response = browser.get(path) if method == "get" else browser.post(path, PLAUSIBLE | {"version": "0"})
    assert response.status_code == 404
    assert nothing_written()


def test_the_front_desk_books_and_sees_sessions_but_not_the_plan(bob: Person, dana: Person, client_record: Client,
                                                                 open_episode: Episode,
                                                                 treatment_plan: TreatmentPlan) -> None:
    browser = browser_of(dana)
    urls = paths(client_record)
    assert browser.get(urls["session_new"]).status_code == 200
    response = browser.post(urls["session_new"], {"starts_at": soon(), "duration": "50", "modality": "phone",
                                                  "attendance": "scheduled"})
    assert response.status_code == 302 and response["Location"].endswith("#sessions")
    booked = Appointment.objects.get()
    assert booked.clinician_id == bob.user.pk
    html = browser.get(f"/clients/{client_record.public_id}/").content.decode()
    assert f"/sessions/{booked.public_id}/" in html and "Phone" in html
    assert 'id="episodes"' in html and "Open" in html, "the front desk sees that an episode is open"
    assert "GAD-7" not in html and "F41.1" not in html and 'id="plan"' not in html
    assert browser.get(paths(client_record, booked)["session"]).status_code == 200


# ----------------------------------------------------------------------------- episodes


def test_a_clinician_opens_and_closes_an_episode(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    urls = paths(client_record)
    page = browser.get(urls["episodes"]).content.decode()
    assert "Open an episode" in page and NAME not in title_of(page)
    response = browser.post(urls["episodes"], {"opened_on": "2026-01-05"}, follow=True)
    assert response.redirect_chain[-1][0] == urls["episodes"]
    assert "Episode of care opened." in response.content.decode()
    episode = Episode.objects.get()
    assert f'name="episode" value="{episode.pk}"' in response.content.decode()
    closed = browser.post(urls["episode_close"], {"closed_on": "2026-11-20", "summary": "Goals met.",
                                                  "episode": str(episode.pk), "version": "1"}, follow=True)
    assert "Episode of care closed." in closed.content.decode() and "Goals met." in closed.content.decode()
    assert care.list_episodes(vault_of(bob), client_record.public_id)[0].summary == "Goals met."
    chart = browser.get(f"/clients/{client_record.public_id}/").content.decode()
    assert "5 Jan 2026" in chart and "20 Nov 2026" in chart and "Goals met." not in chart


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"opened_on": ""}, "opened_on", "required"),
    ({"opened_on": "5 January"}, "opened_on", "valid date"),
    ({"opened_on": "2999-01-01"}, "opened_on", "cannot be in the future"),
])
def test_a_bad_opening_gets_an_error_next_to_the_field(bob: Person, client_record: Client, data: dict[str, str],
                                                       field: str, message: str) -> None:
    response = browser_of(bob).post(paths(client_record)["episodes"], data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Episode.objects.exists()


def test_a_second_open_episode_is_refused(bob: Person, client_record: Client, open_episode: Episode) -> None:
    response = browser_of(bob).post(paths(client_record)["episodes"], {"opened_on": "2026-02-01"})
    assert response.status_code == 400 and "already open" in response.content.decode()
    assert Episode.objects.count() == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"closed_on": "2025-12-31"}, "closed_on", "cannot be before the opening date"),
    ({"closed_on": ""}, "closed_on", "required"),
    ({"summary": "bad\x00byte"}, "summary", "Null characters are not allowed"),
])
def test_a_bad_closing_gets_an_error_and_closes_nothing(bob: Person, client_record: Client, open_episode: Episode,
                                                        data: dict[str, str], field: str, message: str) -> None:
    form = {"closed_on": "2026-11-20", "summary": "Fine.", "episode": str(open_episode.pk), "version": "1"} | data
    response = browser_of(bob).post(paths(client_record)["episode_close"], form)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert Episode.objects.get().closed_on is None


def test_a_stale_closing_is_refused_with_409(bob: Person, client_record: Client, open_episode: Episode) -> None:
    response = browser_of(bob).post(paths(client_record)["episode_close"], {
        "closed_on": "2026-11-20", "summary": "Fine.", "episode": str(open_episode.pk), "version": "3"})
    assert response.status_code == 409 and "Someone else changed this episode" in response.content.decode()
    assert Episode.objects.get().closed_on is None


def test_a_supervisor_reads_episodes_but_sees_no_forms(bob: Person, carol: Person, client_record: Client,
                                                       open_episode: Episode) -> None:
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    browser = browser_of(carol)
    page = browser.get(paths(client_record)["episodes"]).content.decode()
    assert "Only the clinicians of the care team open and close episodes." in page
    assert "Close episode" not in page
    response = browser.post(paths(client_record)["episode_close"], {
        "closed_on": "2026-11-20", "episode": str(open_episode.pk), "version": "1"})
    assert response.status_code == 400 and Episode.objects.get().closed_on is None


# ----------------------------------------------------------------------------- sessions


def test_a_clinician_books_a_session_and_the_chart_shows_it_as_upcoming(bob: Person, client_record: Client,
                                                                        appointment: Appointment) -> None:
    browser = browser_of(bob)
    response = browser.post(paths(client_record)["session_new"], {
        "starts_at": soon(), "duration": "90", "modality": "in_person", "attendance": "scheduled",
        "clinician": str(bob.user.pk)}, follow=True)
    html = response.content.decode()
    assert "Session booked." in html
    booked = Appointment.objects.exclude(pk=appointment.pk).get()
    upcoming = html.split('id="sessions-title"')[1].split("Past")[0]
    assert f"/sessions/{booked.public_id}/" in upcoming and "90 min" in upcoming and "In person" in upcoming
    past = html.split('id="sessions-title"')[1].split("Past")[1]
    assert f"/sessions/{appointment.public_id}/" in past and "Attended" in past
    listing = browser.get(paths(client_record)["sessions"]).content.decode()
    assert f"/sessions/{booked.public_id}/" in listing and f"/sessions/{appointment.public_id}/" in listing


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"starts_at": "tomorrow"}, "starts_at", "valid date/time"),
    ({"starts_at": "1999-12-31T10:00"}, "starts_at", "after 2000"),
    ({"duration": "10"}, "duration", "between 15 and 240"),
    ({"duration": "300"}, "duration", "between 15 and 240"),
    ({"duration": "fifty"}, "duration", "whole number"),
    ({"modality": "pigeon"}, "modality", "Select a valid choice"),
    ({"attendance": "perhaps"}, "attendance", "Select a valid choice"),
    ({"starts_at": soon(), "attendance": "attended"}, "attendance", "once the session has begun"),
    ({"clinician": "999999"}, "clinician", "Select a valid choice"),
])
def test_bad_sessions_get_an_error_next_to_the_field_and_save_nothing(
        bob: Person, client_record: Client, data: dict[str, str], field: str, message: str) -> None:
    form = {"starts_at": PAST, "duration": "50", "modality": "video", "attendance": "scheduled"} | data
    response = browser_of(bob).post(paths(client_record)["session_new"], form)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Appointment.objects.exists()


def test_a_session_is_edited_with_a_version_check(bob: Person, dana: Person, client_record: Client,
                                                  appointment: Appointment) -> None:
    url = paths(client_record, appointment)["session"]
    browser = browser_of(dana)
    form = browser.get(url).content.decode()
    assert 'name="version" value="1"' in form and 'value="video" selected' in form.replace("\n", "")
    data = {"starts_at": PAST, "duration": "50", "modality": "video", "attendance": "late_cancelled",
            "version": "1"}
    assert browser.post(url, data).status_code == 302
    assert care.open_appointment(vault_of(bob), client_record.public_id,
                                 appointment.public_id).attendance == "late_cancelled"
    stale = browser_of(bob).post(url, data | {"attendance": "attended"})
    assert stale.status_code == 409 and "Someone else changed this appointment" in stale.content.decode()
    assert Appointment.objects.get().version == 2


@pytest.mark.parametrize("data", [
    {"duration": "5", "version": "1"},
    {"duration": "50", "version": "zero"},
    {"duration": "50"},
])
def test_bad_session_edits_are_refused(bob: Person, client_record: Client, appointment: Appointment,
                                       data: dict[str, str]) -> None:
    form = {"starts_at": PAST, "modality": "video", "attendance": "attended"} | data
    response = browser_of(bob).post(paths(client_record, appointment)["session"], form)
    assert response.status_code == 400
    assert Appointment.objects.get().version == 1


# ----------------------------------------------------------------------------- treatment plan


def test_a_clinician_writes_the_plan_and_the_chart_summarises_it(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    urls = paths(client_record)
    assert "No treatment plan yet." in browser.get(urls["plan"]).content.decode()
    form = browser.get(urls["plan_edit"]).content.decode()
    assert 'name="version" value="0"' in form
    response = browser.post(urls["plan_edit"], {
        "problems": "Worry about work.", "goals": "GAD-7 below 10 by March.", "interventions": "CBT, weekly.",
        "review_on": "2027-02-26", "version": "0",
        "diagnoses": "F41.1 Generalized anxiety disorder\nProvisional: insomnia\n\n"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == urls["plan"] and "Treatment plan saved." in html
    assert "<code>F41.1</code> Generalized anxiety disorder" in html and "Provisional: insomnia" in html
    opened = care.get_treatment_plan(vault_of(bob), client_record.public_id)
    assert opened.content.diagnoses == (care.Diagnosis("F41.1", "Generalized anxiety disorder"),
                                        care.Diagnosis("", "Provisional: insomnia"))
    chart = browser.get(f"/clients/{client_record.public_id}/").content.decode()
    assert "GAD-7 below 10 by March." in chart and "26 Feb 2027" in chart and "F41.1" in chart
    again = browser.get(urls["plan_edit"]).content.decode()
    assert 'name="version" value="1"' in again and "F41.1 Generalized anxiety disorder\nProvisional: insomnia" in again


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"review_on": "soon"}, "review_on", "valid date"),
    ({"review_on": "2099-01-01"}, "review_on", "within the next ten years"),
    ({"diagnoses": "F41.1"}, "diagnoses", "needs a description"),
    ({"diagnoses": "F41.1! Anxiety"}, "diagnoses", "letters, digits, dots and hyphens"),
    ({"goals": "x" * (care.MAX_PLAN_SECTION_CHARS + 1)}, "goals", "at most"),
    ({"problems": "bell\x07"}, "problems", "control characters"),
])
def test_a_bad_plan_gets_an_error_next_to_the_field_and_saves_nothing(
        bob: Person, client_record: Client, data: dict[str, str], field: str, message: str) -> None:
    form = {"problems": "Worry.", "goals": "Sleep.", "interventions": "CBT.", "version": "0"} | data
    response = browser_of(bob).post(paths(client_record)["plan_edit"], form)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not TreatmentPlan.objects.exists()


def test_a_stale_plan_keeps_the_text_and_changes_nothing(bob: Person, client_record: Client,
                                                         treatment_plan: TreatmentPlan) -> None:
    response = browser_of(bob).post(paths(client_record)["plan_edit"], {
        "problems": "Another tab.", "goals": "Mine.", "version": "0"})
    html = response.content.decode()
    assert response.status_code == 409 and "Someone else changed this treatment plan" in html
    assert "Another tab." in html and "Reload the saved plan" in html
    assert TreatmentPlan.objects.get().version == 1


def test_a_supervisor_reads_the_plan_but_cannot_edit_it(bob: Person, carol: Person, client_record: Client,
                                                        treatment_plan: TreatmentPlan) -> None:
    browser = browser_of(carol)
    assert browser.get(paths(client_record)["plan"]).status_code == 404
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    page = browser.get(paths(client_record)["plan"]).content.decode()
    assert "GAD-7 below 10" in page and "Edit the plan" not in page
    assert browser.get(paths(client_record)["plan_edit"]).status_code == 403
    assert browser.post(paths(client_record)["plan_edit"], {"goals": "Mine.", "version": "1"}).status_code == 403
    assert TreatmentPlan.objects.get().version == 1


# ----------------------------------------------------------------------------- privacy of the pages


def test_page_titles_and_flash_messages_never_hold_client_data(bob: Person, client_record: Client,
                                                               appointment: Appointment, open_episode: Episode,
                                                               treatment_plan: TreatmentPlan) -> None:
    browser = browser_of(bob)
    for url in [*paths(client_record, appointment).values(), f"/clients/{client_record.public_id}/"]:
        if url.endswith("/close"):
            continue
        response = browser.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        title = title_of(html)
        assert NAME not in title and "Wilhelmina" not in title and "F41.1" not in title, url
        assert "style=" not in html, f"{url} has an inline style"
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), f"{url} has an inline script"
    page = browser.post(paths(client_record)["plan_edit"], {"goals": "Zebedee's goal.", "version": "1"},
                        follow=True).content.decode()
    messages = re.search(r'<ul class="messages".*?</ul>', page, re.S).group(0)  # type: ignore[union-attr]
    assert "Treatment plan saved." in messages and "Zebedee" not in messages and NAME not in messages


def test_a_session_records_where_the_client_is_sealed_and_a_bad_place_is_refused(
        bob: Person, client_record: Client, appointment: Appointment) -> None:
    url = paths(client_record, appointment)["session"]
    browser = browser_of(bob)
    form = browser.get(url).content.decode()
    assert 'name="client_location"' in form and "Same as the practice" in form and 'value="US-NY"' in form
    data = {"starts_at": PAST, "duration": "50", "modality": "video", "attendance": "attended", "version": "1",
            "client_location": "US-NY"}
    assert browser.post(url, data).status_code == 302
    opened = care.open_appointment(vault_of(bob), client_record.public_id, appointment.public_id)
    assert opened.client_location == "US-NY"
    assert b"US-NY" not in bytes(Appointment.objects.get().details)  # sealed with the other details
    refused = browser.post(url, data | {"version": "2", "client_location": "Narnia"})
    assert refused.status_code == 400 and Appointment.objects.get().version == 2
