"""The practice's notification settings, read by every context that sends (the neutral sender name)."""

from __future__ import annotations

from confide.notifications.models import NotificationSettings


def practice_settings(practice_id: int) -> NotificationSettings:
    """The practice's notification settings (created with defaults on first use)."""
    found, _ = NotificationSettings.objects.get_or_create(practice_id=practice_id)
    return found
