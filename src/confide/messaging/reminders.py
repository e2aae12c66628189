"""Appointment reminders: opt-in per client, prepared with the operations key, saying only the time.

A client chooses reminders in the portal: by e-mail or (when a provider is configured) by text,
how long before, and whether to be told the format (in person, video, phone). The address or
number is sealed under the operations key. The format of an appointment lives under the client's
admin key, which no background job holds; so when staff book or change a session of a client
who chose to hear the format, that one word is copied under the operations key then (an
`APPOINTMENT_OBSERVERS` hook in records.care). The worker's job reads start times (kept clear
for scheduling) and these sealed choices, and never a clinical key. A unique row per appointment
and start time makes each reminder go out once, even if the job runs twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.messaging.models import ReminderChoice, ReminderSent
from confide.notifications import opskey, outbox, sms
from confide.notifications.models import OutgoingMail
from confide.notifications.preferences import practice_settings
from confide.portal.models import ClientAccount
from confide.records.models import Appointment

FORMAT_WORDS = {"in_person": "in person", "video": "video", "phone": "by phone"}
_RECORD = "reminder-choice"


class ReminderError(Exception):
    """A reminder choice that cannot be stored as given."""


def _clean_phone(number: str) -> str:
    cleaned = "".join(ch for ch in number if ch.isdigit() or ch == "+")
    if not (8 <= len(cleaned.lstrip("+")) <= 15) or "+" in cleaned[1:]:
        raise ReminderError("Enter the phone number with its country code, e.g. +1 555 0100.")
    return cleaned


def choose(account: ClientAccount, *, channel: str, contact: str, include_format: bool,
           hours_before: int = 24) -> ReminderChoice:
    """The client opts in (or changes their choice); the contact is sealed under the operations key."""
    if channel == ReminderChoice.Channel.EMAIL:
        contact = contact.strip().lower()
        try:
            validate_email(contact)
        except ValidationError:
            raise ReminderError("Enter a valid e-mail address.") from None
    elif channel == ReminderChoice.Channel.SMS:
        if not sms.available():
            raise ReminderError("Text-message reminders are not available at this practice.")
        contact = _clean_phone(contact)
    else:
        raise ReminderError("Choose e-mail or text message.")
    if not 1 <= hours_before <= 7 * 24:
        raise ReminderError("Remind between 1 hour and 7 days before.")
    client = account.client
    with transaction.atomic():
        choice = ReminderChoice.objects.filter(client=client).first() or ReminderChoice(client=client)
        choice.channel, choice.include_format, choice.hours_before = channel, include_format, hours_before
        choice.contact = opskey.seal(contact, _RECORD, str(client.public_id), "contact")
        if not include_format:
            choice.formats = None  # the format is copied under the operations key only when asked for
        choice.updated_at = timezone.now()
        choice.save()
        _client_event(account)
    return choice


def stop(account: ClientAccount) -> None:
    """The client opts out: the sealed contact and formats are deleted."""
    with transaction.atomic():
        ReminderChoice.objects.filter(client=account.client).delete()
        _client_event(account)


def _client_event(account: ClientAccount) -> None:
    record_event(Tag.REMINDERS_CHOSEN, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))


def _formats(choice: ReminderChoice) -> dict[str, str]:
    if not choice.formats:
        return {}
    value: dict[str, str] = opskey.open_sealed(bytes(choice.formats), _RECORD, str(choice.client.public_id), "formats")
    return value


def note_format(appointment: Appointment, modality: str) -> None:
    """Keep an appointment's format under the operations key, for a client who asked to hear it."""
    choice = ReminderChoice.objects.filter(client_id=appointment.client_id, include_format=True).select_related(
        "client").first()
    if choice is None:
        return
    formats = _formats(choice)
    formats[str(appointment.public_id)] = modality
    choice.formats = opskey.seal(formats, _RECORD, str(choice.client.public_id), "formats")
    choice.save(update_fields=["formats"])


def reminder_text(appointment: Appointment, format_word: str | None) -> str:
    """The whole reminder: the time and, if chosen, the format. Nothing else."""
    when = timezone.localtime(appointment.starts_at).strftime("%A %d %B %Y at %H:%M")
    return render_to_string("notifications/email/reminder.txt",
                            {"when": when, "format": format_word, "link": f"{settings.SITE_URL}/portal/"})


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Queue every reminder that is due and not yet queued; returns how many (a periodic job)."""
    now = now or timezone.now()
    queued = 0
    for choice in ReminderChoice.objects.select_related("client"):
        upcoming = Appointment.objects.filter(client=choice.client, starts_at__gt=now,
                                              starts_at__lte=now + dt.timedelta(hours=choice.hours_before))
        formats: dict[str, str] | None = None
        for appointment in upcoming:
            if ReminderSent.objects.filter(appointment=appointment, starts_at=appointment.starts_at).exists():
                continue
            if formats is None:
                formats = _formats(choice) if choice.include_format else {}
            contact: Any = opskey.open_sealed(bytes(choice.contact), _RECORD, str(choice.client.public_id), "contact")
            word = FORMAT_WORDS.get(formats.get(str(appointment.public_id), ""))
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(appointment=appointment, starts_at=appointment.starts_at)
                    outbox.queue_mail(to=[str(contact)], subject="Appointment reminder", kind="reminder",
                                      body=reminder_text(appointment, word),
                                      channel=OutgoingMail.Channel.SMS if choice.channel == "sms"
                                      else OutgoingMail.Channel.EMAIL,
                                      sender_name=practice_settings(choice.client.practice_id).sender_name)
            except IntegrityError:
                continue  # another worker queued it first
            queued += 1
    return queued
