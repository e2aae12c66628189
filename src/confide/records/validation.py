"""One set of rules for what a record may hold, shared by the web pages and the API (ADR 0013).

Services call these, so every face (web, API, command line) refuses the same input with the same
words: a signed note that is empty, whitespace or only its template's headings; a name that is
not NFC text or holds control or format characters (bidi overrides, zero-width characters);
a session date outside a plausible range.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils import timezone

from confide.records.errors import RecordError

# The section headings each note template starts from (the note editor offers them). A body that
# is only these headings says nothing and is refused for signing like an empty one.
NOTE_TEMPLATES: dict[str, str] = {
    "free": "",
    "soap": "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n",
    "dap": "Data:\n\nAssessment:\n\nPlan:\n",
    "birp": "Behavior:\n\nIntervention:\n\nResponse:\n\nPlan:\n",
}
_HEADINGS = frozenset(line.strip().casefold() for text in NOTE_TEMPLATES.values() for line in text.splitlines()
                      if line.strip())

# Unicode categories refused in names: controls, format characters (bidi overrides and isolates,
# zero-width spaces and joiners, the BOM), surrogates, private use, unassigned, line separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

EARLIEST_SESSION_DATE = dt.date(1900, 1, 1)


def says_nothing(body: str) -> bool:
    """Whether a note body is empty, whitespace only, or only a template's headings."""
    return all(not line.strip() or line.strip().casefold() in _HEADINGS for line in body.splitlines())


def check_signable(body: str) -> None:
    """Refuse to sign a note that says nothing."""
    if says_nothing(body):
        raise RecordError("Write the note before signing it: it is empty or holds only its template's headings.")


def clean_name(value: str, label: str) -> str:
    """A name (or other short free text shown in lists) in NFC, without control or format characters.

    Raises `RecordError` naming `label`. Empty stays empty; the caller decides whether it is required.
    """
    text = unicodedata.normalize("NFC", value or "").strip()
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            raise RecordError(f"{label} contains control characters or invisible formatting "
                              "(such as a right-to-left override or a zero-width space).")
    if text and not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        raise RecordError(f"{label} must contain letters or digits.")
    return text


def clean_session_date(value: dt.date | str) -> dt.date:
    """A session date: a real date from 1900 to tomorrow."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise RecordError("The session date must be a date such as 2026-11-26.") from None
    if value > timezone.localdate() + dt.timedelta(days=1):
        raise RecordError("The session date cannot be in the future.")
    if value < EARLIEST_SESSION_DATE:
        raise RecordError(f"The session date must be on or after {EARLIEST_SESSION_DATE.isoformat()}.")
    return value
