"""The few template filters every face shares: one way to write dates, and what a form field needs.

They are template builtins (settings.TEMPLATES), so staff pages, the portal, disclosures and the
allauth pages we override all write dates the same way and mark fields the same way.
"""

from __future__ import annotations

import datetime as dt

from django import forms, template
from django.utils import timezone
from django.utils.formats import date_format

from confide.records import note_sessions
from confide.records.models import Note

register = template.Library()

# One date format for every page: "3 Dec 2026", and "3 Dec 2026, 14:05" with the time.
DAY = "j M Y"
MOMENT = "j M Y, H:i"
WEEKDAY = "D j M Y"


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def day(value: dt.date | dt.datetime | None) -> str:
    """The day of a date or a moment, as every page writes it ("3 Dec 2026")."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return date_format(value, DAY)


@register.filter
def weekday(value: dt.date | dt.datetime | None) -> str:
    """The day with its weekday, for appointments ("Thu 3 Dec 2026")."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value)
    return date_format(value, WEEKDAY)


@register.filter
def when(value: dt.date | dt.datetime | None) -> str:
    """A moment with its time ("3 Dec 2026, 14:05"); a plain date is written as a day."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        return date_format(_local(value), MOMENT)
    return date_format(value, DAY)


@register.filter
def requirement(bound: forms.BoundField) -> str:
    """What the field's own form needs of it: "optional", a condition in words, or "" (required).

    A form states a conditional requirement ("an expiry date or an expiry event") in a
    `conditions` mapping of field name to words; such a field is never called optional, since
    the form may refuse it empty.
    """
    conditions: dict[str, str] = getattr(bound.form, "conditions", {})
    if bound.name in conditions:
        return conditions[bound.name]
    return "" if bound.field.required else "optional"


@register.filter
def late_entry(note: Note, hours: int | None = None) -> bool:
    """Whether a signed note is a late entry under the practice's limit (records.note_sessions)."""
    return note_sessions.is_late_entry(note, hours or note_sessions.DEFAULT_LATE_ENTRY_HOURS)


@register.filter
def documented_session(note: Note) -> str:
    """What the note documents, in words: "the session of 3 Dec 2026, 14:05" or why there was none."""
    if note.appointment_id is not None:
        starts = note_sessions.session_starts_at(note)
        return f"the session of {when(starts)}" if starts else "a session"
    return note_sessions.reason_label(note)


@register.filter
def notes_among(appointment: object, notes: list[Note] | None) -> list[Note]:
    """The notes of `notes` (those the viewer already sees) that document this appointment."""
    pk = getattr(appointment, "pk", None)
    return [n for n in (notes or []) if pk is not None and n.appointment_id == pk]
