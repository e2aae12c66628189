"""The owner's choices for talking outside the session, and each staff member's quiet hours.

The sender name is the only thing a notification says about the practice, so it is checked as
an e-mail display name (one line, no angle brackets or address) and the owner is warned that a
clinic's own name can itself disclose. The messaging period is how long a message that nobody
filed into the record is kept before `messaging.retention` destroys it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for
from confide.auditlog import Outcome, PurposeOfUse
from confide.messaging import digest
from confide.notifications.models import NotificationSettings, StaffNotificationPreference
from confide.notifications.preferences import practice_settings
from confide.practice.models import Membership, Role
from confide.practice.services import membership_of
from confide.records.errors import RecordError

__all__ = [
    "MAX_PERIOD_DAYS",
    "MIN_PERIOD_DAYS",
    "QuietHours",
    "SettingsError",
    "quiet_hours_of",
    "set_own_quiet_hours",
    "update_messaging_settings",
]

MIN_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 3650
MAX_SENDER = 60
# A display name only: letters, digits, spaces and plain punctuation; no address, no line break.
_SENDER = re.compile(r"^[\w .,'&()\-]+$")


class SettingsError(RecordError):
    """A setting that cannot be saved; the message says why."""


def _owner(actor: User) -> Membership:
    membership = membership_of(actor)
    if membership is None or membership.role != Role.OWNER:
        raise SettingsError("Only the practice owner can change these settings.")
    return membership


@transaction.atomic
def update_messaging_settings(*, actor: User, sender_name: str, messaging_period_days: int) -> NotificationSettings:
    """Change the neutral sender name and the messaging period (owner only; audited)."""
    membership = _owner(actor)
    name = " ".join((sender_name or "").split())
    if not name:
        raise SettingsError("Give a sender name, such as Secure portal.")
    if len(name) > MAX_SENDER or not _SENDER.match(name):
        raise SettingsError(f"The sender name must be at most {MAX_SENDER} letters, digits, spaces and "
                            "simple punctuation, without an e-mail address.")
    if not MIN_PERIOD_DAYS <= messaging_period_days <= MAX_PERIOD_DAYS:
        raise SettingsError(f"The messaging period must be between {MIN_PERIOD_DAYS} and {MAX_PERIOD_DAYS} days.")
    found = practice_settings(membership.practice_id)
    found.sender_name, found.messaging_period_days = name, messaging_period_days
    found.save(update_fields=["sender_name", "messaging_period_days"])
    record_event(Tag.PRACTICE_SETTINGS_CHANGED, actor_id=actor_id_for(actor), purpose=PurposeOfUse.OPERATIONS,
                 outcome=Outcome.SUCCESS)
    return found


@dataclass(frozen=True)
class QuietHours:
    start: int
    end: int

    @property
    def none(self) -> bool:
        return self.start == self.end


def quiet_hours_of(user_id: int) -> QuietHours:
    """A staff member's quiet hours: their own choice, or the installation's default."""
    found = StaffNotificationPreference.objects.filter(user_id=user_id).first()
    if found is None:
        start, end = settings.CONFIDE_DEFAULT_QUIET_HOURS
        return QuietHours(start, end)
    return QuietHours(found.quiet_start, found.quiet_end)


def set_own_quiet_hours(user: User, *, start: int, end: int) -> QuietHours:
    """Set the hours (0-23, practice time zone) in which no digest is sent to this person."""
    try:
        saved = digest.set_quiet_hours(int(user.pk or 0), start=start, end=end)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    return QuietHours(saved.quiet_start, saved.quiet_end)
