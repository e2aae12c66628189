"""Notes belong to sessions: a progress note documents an appointment (or says why there was none),
takes its day from it, and is marked as a late entry when signed long after the session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from confide.records import care, note_sessions, services
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Client, Note
from tests.conftest import Person
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db


def _past_appointment(bob: Person, client: Client, days_ago: int = 2) -> str:
    starts = (timezone.localtime() - dt.timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)
    appointment = care.create_appointment(vault_of(bob), client.public_id, starts_at=starts.replace(tzinfo=None)
                                          .isoformat(timespec="minutes"), duration_minutes=50, modality="in_person",
                                          attendance="attended")
    return str(appointment.public_id)


def test_a_note_for_an_appointment_takes_its_day(bob: Person, client_record: Client) -> None:
    appointment_id = _past_appointment(bob, client_record)
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2020-01-01",
                                body="Fictional.", appointment_id=appointment_id)
    assert note.appointment is not None and str(note.appointment.public_id) == appointment_id
    assert note.session_date == timezone.localdate(note.appointment.starts_at)
    grouped = note_sessions.notes_by_appointment(services.list_notes(vault_of(bob), client_record.public_id))
    assert [n.pk for n in grouped[note.appointment.pk]] == [note.pk]


def test_a_note_without_an_appointment_says_why(bob: Person, client_record: Client) -> None:
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                session_date=timezone.localdate(), body="Fictional.", unscheduled_reason="phone")
    assert note.appointment is None and note_sessions.reason_label(note) == "A phone call"
    with pytest.raises(RecordError, match="from the list"):
        services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                             session_date=timezone.localdate(), body="Fictional.", unscheduled_reason="a chat")
    client = Client.objects.get(pk=client_record.pk)
    with pytest.raises(RecordError, match="or say why"):
        note_sessions.resolve(client, appointment_id=None, required=True)


def test_another_clients_or_a_future_appointment_is_refused(bob: Person, client_record: Client) -> None:
    other = services.create_client(vault_of(bob), services.Demographics(given_name="Other", family_name="Person"))
    theirs = _past_appointment(bob, other)
    with pytest.raises(NotFoundError):
        services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                             body="Fictional.", appointment_id=theirs)
    with pytest.raises(NotFoundError):
        services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                             body="Fictional.", appointment_id="not-a-uuid")
    future = care.create_appointment(vault_of(bob), client_record.public_id,
                                     starts_at=(timezone.localtime() + dt.timedelta(days=3)).replace(tzinfo=None)
                                     .isoformat(timespec="minutes"), duration_minutes=50, modality="video")
    with pytest.raises(RecordError, match="has not happened yet"):
        services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                             body="Fictional.", appointment_id=str(future.public_id))
    assert not Note.objects.filter(client=client_record).exists()


def test_a_note_signed_long_after_its_session_is_a_late_entry(bob: Person, client_record: Client) -> None:
    appointment_id = _past_appointment(bob, client_record, days_ago=5)
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                                body="Fictional.", appointment_id=appointment_id, sign=True)
    assert note_sessions.is_late_entry(note, 72)
    assert not note_sessions.is_late_entry(note, 24 * 6)
    draft = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                                 body="Fictional.", appointment_id=appointment_id)
    assert not note_sessions.is_late_entry(draft, 1), "a draft is not an entry yet"
    today = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                 session_date=timezone.localdate(), body="Fictional.", sign=True)
    assert not note_sessions.is_late_entry(today, 72)
    assert client_record.practice.late_entry_hours == 72


def test_a_draft_can_be_tied_to_its_session_later(bob: Person, client_record: Client) -> None:
    vault = vault_of(bob)
    note = services.create_note(vault, client_record.public_id, kind="progress", session_date=timezone.localdate(),
                                body="Fictional.")
    appointment_id = _past_appointment(bob, client_record)
    saved = services.save_draft(vault, client_record.public_id, note.public_id, body="Fictional, more.",
                                expected_version=1, appointment_id=appointment_id)
    assert saved.appointment is not None and saved.session_date == timezone.localdate(saved.appointment.starts_at)


def test_the_chart_the_sessions_list_and_the_note_agree(bob: Person, client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of  # a web helper, for the page check only

    appointment_id = _past_appointment(bob, client_record, days_ago=6)
    late = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                                body="Fictional, written late.", appointment_id=appointment_id, sign=True)
    phone = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                 session_date=timezone.localdate(), body="Fictional call.", unscheduled_reason="phone",
                                 sign=True)
    http = browser_of(bob)
    chart = http.get(f"/clients/{client_record.public_id}/").content.decode()
    assert "for the session of" in chart and "for a phone call" in chart
    assert chart.count("Late entry") == 1, "only the note signed days after its session is a late entry"
    assert "No past sessions" not in chart
    assert f"/notes/{late.public_id}/" in chart.split('id="sessions"')[1], "the session links to its note"
    note_page = http.get(f"/clients/{client_record.public_id}/notes/{late.public_id}/").content.decode()
    assert "Late entry" in note_page and "the session of" in note_page
    assert "Late entry" not in http.get(f"/clients/{client_record.public_id}/notes/{phone.public_id}/").content.decode()
    # The sessions page says the same: the session links to the note that documents it.
    sessions = http.get(f"/clients/{client_record.public_id}/sessions/").content.decode()
    assert f"/notes/{late.public_id}/" in sessions and "Note signed" in sessions
    assert f"/notes/{phone.public_id}/" not in sessions, "a phone call's note belongs to no session"


def test_the_front_desk_sees_the_sessions_but_not_which_notes_exist(bob: Person, dana: Person,
                                                                    client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of

    appointment_id = _past_appointment(bob, client_record, days_ago=3)
    note = services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date=None,
                                body="Fictional.", appointment_id=appointment_id, sign=True)
    page = browser_of(dana).get(f"/clients/{client_record.public_id}/sessions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert appointment_id in text and str(note.public_id) not in text and "Note signed" not in text


def test_the_editor_offers_past_sessions_and_ties_the_note_to_one(bob: Person, client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of  # a web helper, for the page check only

    appointment_id = _past_appointment(bob, client_record, days_ago=1)
    http = browser_of(bob)
    editor = http.get(f"/clients/{client_record.public_id}/notes/new").content.decode()
    assert f'value="{appointment_id}"' in editor and "Session this note documents" in editor
    form = {"kind": "progress", "template": "free", "session_date": "2020-01-01", "body": "Fictional.",
            "appointment": appointment_id, "action": "save"}
    assert http.post(f"/clients/{client_record.public_id}/notes/new", form).status_code == 302
    note = Note.objects.get(client=client_record)
    assert note.appointment is not None and str(note.appointment.public_id) == appointment_id
    assert note.session_date == timezone.localdate(note.appointment.starts_at)
    bogus = form | {"appointment": "00000000-0000-0000-0000-000000000000"}
    assert http.post(f"/clients/{client_record.public_id}/notes/new", bogus).status_code in (400, 404)
    assert Note.objects.filter(client=client_record).count() == 1


def test_a_progress_note_is_signed_only_for_a_session_or_with_a_reason(bob: Person, client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of

    http = browser_of(bob)
    url = f"/clients/{client_record.public_id}/notes/new"
    form = {"kind": "progress", "template": "free", "session_date": "2026-11-20", "body": "Fictional.",
            "action": "sign"}
    refused = http.post(url, form)
    assert refused.status_code == 400
    assert "Choose the session this note documents, or say below why there was none." in refused.content.decode()
    assert not Note.objects.filter(client=client_record).exists(), "nothing is written when signing is refused"
    # A draft may wait for its session; a psychotherapy note belongs to no session; a phone call says so.
    assert http.post(url, form | {"action": "save"}).status_code == 302
    assert http.post(url, form | {"kind": "psychotherapy"}).status_code == 302
    assert http.post(url, form | {"unscheduled_reason": "phone"}).status_code == 302
    assert Note.objects.filter(client=client_record, status="signed").count() == 2


def test_a_draft_is_tied_to_its_session_on_the_note_page_and_then_signed(bob: Person, client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of

    draft = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                 session_date=timezone.localdate(), body="Fictional draft.")
    appointment_id = _past_appointment(bob, client_record, days_ago=1)
    http = browser_of(bob)
    url = f"/clients/{client_record.public_id}/notes/{draft.public_id}/"
    editor = http.get(url).content.decode()
    assert f'value="{appointment_id}"' in editor and "Session this note documents" in editor
    sign = {"session_date": "2026-11-20", "body": "Fictional draft, done.", "version": "1", "action": "sign"}
    refused = http.post(url, sign)
    assert refused.status_code == 400 and "Choose the session this note documents" in refused.content.decode()
    assert Note.objects.get(pk=draft.pk).version == 1, "the refused signature saved nothing"
    bogus = http.post(url, sign | {"appointment": "00000000-0000-0000-0000-000000000000"})
    assert bogus.status_code == 400 and Note.objects.get(pk=draft.pk).status == "draft"
    assert http.post(url, sign | {"appointment": appointment_id}).status_code == 302
    signed = Note.objects.get(pk=draft.pk)
    assert signed.status == "signed" and str(signed.appointment.public_id) == appointment_id  # type: ignore[union-attr]
    assert signed.session_date == timezone.localdate(signed.appointment.starts_at)  # type: ignore[union-attr]


def test_autosave_ties_a_draft_to_its_session(bob: Person, client_record: Client) -> None:
    from tests.web.test_records_pages import browser_of

    draft = services.create_note(vault_of(bob), client_record.public_id, kind="progress",
                                 session_date=timezone.localdate(), body="Fictional draft.")
    appointment_id = _past_appointment(bob, client_record, days_ago=1)
    http = browser_of(bob)
    url = f"/clients/{client_record.public_id}/notes/{draft.public_id}/autosave"
    saved = http.post(url, {"session_date": "2026-11-20", "body": "More.", "version": "1",
                            "appointment": appointment_id})
    assert saved.status_code == 200 and saved["X-Confide-Autosave"] == "saved"
    assert str(Note.objects.get(pk=draft.pk).appointment.public_id) == appointment_id  # type: ignore[union-attr]
    other = services.create_client(vault_of(bob), services.Demographics(given_name="Other", family_name="Person"))
    theirs = _past_appointment(bob, other)
    assert http.post(url, {"session_date": "2026-11-20", "body": "More.", "version": "2",
                           "appointment": theirs}).status_code == 404
