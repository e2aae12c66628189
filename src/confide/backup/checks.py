"""A system check that warns when the newest backup is older than a day (production mode)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone

MAX_BACKUP_AGE = dt.timedelta(days=1)


def backup_age_warnings(now: dt.datetime | None = None) -> list[CheckMessage]:
    """The warning, or nothing, for the newest `confide backup create` run."""
    # (imported here: system checks are registered before the app registry is ready)
    from confide.backup.models import BackupRun
    from confide.practice.models import Practice

    try:
        if not Practice.objects.exists():
            return []
        newest = BackupRun.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    except DatabaseError:
        return []  # not migrated yet: `serve` migrates after the checks
    now = now or timezone.now()
    if newest is not None and now - newest <= MAX_BACKUP_AGE:
        return []
    when = "No backup was ever made" if newest is None else f"The newest backup is from {newest:%Y-%m-%d %H:%M} UTC"
    return [Warning(f"{when}; backups should run at least daily.",
                    hint="Run `confide backup create` from a timer (docs/operators.md, Backups).",
                    id="confide.W020")]


@register(Tags.compatibility, deploy=False)
def check_backup_age(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warn in production mode when the newest backup is older than a day."""
    if not settings.PRODUCTION:
        return []
    return backup_age_warnings()
