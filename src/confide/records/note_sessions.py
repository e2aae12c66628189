"""Notes belong to sessions: which appointment a progress note documents, and when it is a late entry.

A progress note is written for an appointment of its client, or says why there was none (a
phone call, a crisis contact: one of `UNSCHEDULED_REASONS`, never free text, so nothing
clinical sits outside the sealed body). The note's session date is then the appointment's day,
so the chart, the sessions list and the note cannot disagree.

A note signed more than the practice's `late_entry_hours` (default 72) after its session ended
is a late entry: record-keeping standards expect such an entry to be identified as late, with
both the session's date and the date it was written (see docs/adr/0017-notes-belong-to-sessions.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Appointment, Client, Note

# Why a progress note documents no appointment. Labels are what the chart shows.
UNSCHEDULED_REASONS: dict[str, str] = {
    "phone": "A phone call",
    "crisis": "A crisis contact",
    "collateral": "A contact with someone else about the client",
    "message": "A written message",
    "other": "Another contact without an appointment",
}

DEFAULT_LATE_ENTRY_HOURS = 72


@dataclass(frozen=True)
class SessionLink:
    """What a note documents: an appointment, or the reason there was none."""

    appointment: Appointment | None
    unscheduled_reason: str
    session_date: dt.date


def resolve(client: Client, *, appointment_id: uuid.UUID | str | None, unscheduled_reason: str = "",
            session_date: dt.date | None = None, required: bool = False) -> SessionLink:
    """Check what a note documents. The appointment must be this client's and must have begun.

    With `required`, a note must name an appointment or a reason; otherwise a note without
    either keeps its own `session_date` (notes written before issue 23, and the API's).
    """
    reason = (unscheduled_reason or "").strip()
    if appointment_id not in (None, ""):
        try:
            public_id = uuid.UUID(str(appointment_id))
        except ValueError:
            raise NotFoundError from None
        appointment = Appointment.objects.filter(client=client, public_id=public_id).first()
        if appointment is None:
            raise NotFoundError
        if appointment.starts_at > timezone.now():
            raise RecordError("This session has not happened yet; write its note once it has begun.")
        return SessionLink(appointment=appointment, unscheduled_reason="",
                           session_date=timezone.localdate(appointment.starts_at))
    if reason:
        if reason not in UNSCHEDULED_REASONS:
            raise RecordError("Choose why there was no appointment from the list.")
        if session_date is None:
            raise RecordError("Give the date of the contact.")
        return SessionLink(appointment=None, unscheduled_reason=reason, session_date=session_date)
    if required:
        raise RecordError("Choose the session this note is for, or say why there was no appointment.")
    if session_date is None:
        raise RecordError("Give the date of the session.")
    return SessionLink(appointment=None, unscheduled_reason="", session_date=session_date)


def session_ended_at(note: Note) -> dt.datetime:
    """When the documented session ended: the appointment's end, or the end of the note's session day."""
    # A listed note (services.list_notes) carries its appointment's time without another query.
    raw: object = getattr(note, "appointment_starts_at", None)
    if raw is not None:
        # SQLite hands raw timestamps back as text (UTC), PostgreSQL as aware datetimes.
        starts = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else raw
        assert isinstance(starts, dt.datetime)  # noqa: S101 (the column is a timestamp)
        if timezone.is_naive(starts):
            starts = timezone.make_aware(starts, dt.UTC)
        minutes = int(getattr(note, "appointment_minutes", 0) or 0)
        return starts + dt.timedelta(minutes=minutes)
    if note.appointment_id is not None and note.appointment is not None:
        return note.appointment.starts_at + dt.timedelta(minutes=note.appointment.duration_minutes)
    next_day = dt.datetime.combine(note.session_date + dt.timedelta(days=1), dt.time())
    return timezone.make_aware(next_day)


def is_late_entry(note: Note, late_entry_hours: int = DEFAULT_LATE_ENTRY_HOURS) -> bool:
    """Whether the note was signed more than `late_entry_hours` after its session ended."""
    if note.signed_at is None:
        return False
    return note.signed_at - session_ended_at(note) > dt.timedelta(hours=late_entry_hours)


def reason_label(note: Note) -> str:
    return UNSCHEDULED_REASONS.get(note.unscheduled_reason, "")


def session_starts_at(note: Note) -> dt.datetime | None:
    """When the documented appointment began (None for a note without one)."""
    ended = session_ended_at(note) if note.appointment_id is not None else None
    if ended is None:
        return None
    minutes = getattr(note, "appointment_minutes", None)
    if minutes is None:
        minutes = note.appointment.duration_minutes if note.appointment is not None else 0
    return ended - dt.timedelta(minutes=int(minutes))


def notes_by_appointment(notes: list[Note]) -> dict[int, list[Note]]:
    """The listed notes grouped by the appointment they document (its primary key)."""
    grouped: dict[int, list[Note]] = {}
    for note in notes:
        if note.appointment_id is not None:
            grouped.setdefault(note.appointment_id, []).append(note)
    return grouped


def sessions_to_document(client: Client, *, limit: int = 20) -> list[Appointment]:
    """The client's appointments that have begun, latest first: the sessions a new note may document."""
    return list(Appointment.objects.filter(client=client, starts_at__lte=timezone.now()).order_by("-starts_at")[:limit])
