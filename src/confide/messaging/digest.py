"""Notifications that carry nothing: "something is waiting", from the practice's neutral sender.

Clients get one e-mail per new message from their care team. Staff get a digest: at most one
e-mail per `CONFIDE_DIGEST_MINUTES`, never in their quiet hours, saying only that messages wait.
No name, no text, no appointment type and no clinic name is ever in a notification.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from confide.notifications import outbox, push
from confide.notifications.models import StaffNotificationPreference
from confide.notifications.preferences import practice_settings
from confide.portal.models import ClientAccount
from confide.portal.services import client_address

CLIENT_SUBJECT = "Something is waiting for you in your secure portal"
STAFF_SUBJECT = "New messages are waiting"


def notify_client(account: ClientAccount, practice_id: int) -> None:
    """Tell a client that something waits in the portal, by e-mail and (if subscribed) push.

    The address is opened from its sealed copy: the account's own e-mail field holds only a keyed
    alias (ADR 0013).
    """
    sender = practice_settings(practice_id).sender_name
    outbox.queue_mail(to=[client_address(account)], subject=CLIENT_SUBJECT, kind="client-waiting", sender_name=sender,
                      body=render_to_string("notifications/email/client_waiting.txt",
                                            {"link": f"{settings.SITE_URL}/portal/"}))
    push.queue_push([account.user_id])


def notify_staff(user_ids: list[int]) -> None:
    """Note that these staff members have something waiting; the digest job tells them."""
    now = timezone.now()
    for user_id in user_ids:
        start, end = settings.CONFIDE_DEFAULT_QUIET_HOURS
        preference, _ = StaffNotificationPreference.objects.get_or_create(
            user_id=user_id, defaults={"quiet_start": start, "quiet_end": end})
        if preference.pending_since is None:
            preference.pending_since = now
            preference.save(update_fields=["pending_since"])
    push.queue_push(user_ids)


def in_quiet_hours(preference: StaffNotificationPreference, at: dt.datetime) -> bool:
    """Whether `at` (in the practice's time zone) falls in the person's quiet hours."""
    hour = timezone.localtime(at).hour
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def set_quiet_hours(user_id: int, *, start: int, end: int) -> StaffNotificationPreference:
    """Change a staff member's quiet hours (0-23 each; equal hours mean none)."""
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise ValueError("Quiet hours run from 0 to 23.")
    preference, _ = StaffNotificationPreference.objects.get_or_create(user_id=user_id)
    preference.quiet_start, preference.quiet_end = start, end
    preference.save(update_fields=["quiet_start", "quiet_end"])
    return preference


def send_due_digests(now: dt.datetime | None = None) -> int:
    """Queue a digest to every staff member with something waiting, outside their quiet hours."""
    now = now or timezone.now()
    every = dt.timedelta(minutes=settings.CONFIDE_DIGEST_MINUTES)
    sent = 0
    due = StaffNotificationPreference.objects.filter(pending_since__isnull=False).select_related("user")
    for preference in due:
        if in_quiet_hours(preference, now):
            continue
        if preference.last_digest_at is not None and now - preference.last_digest_at < every:
            continue
        user = preference.user
        if not user.is_active:
            continue
        practice_id = getattr(getattr(user, "membership", None), "practice_id", None)
        sender = practice_settings(practice_id).sender_name if practice_id else None
        with transaction.atomic():
            outbox.queue_mail(to=[user.email], subject=STAFF_SUBJECT, kind="staff-digest", sender_name=sender,
                              body=render_to_string("notifications/email/staff_digest.txt",
                                                    {"link": f"{settings.SITE_URL}/"}))
            StaffNotificationPreference.objects.filter(pk=preference.pk).update(pending_since=None,
                                                                                last_digest_at=now)
        sent += 1
    return sent
