"""The messaging period: messages not filed into the record are destroyed when it ends.

Destroying deletes the sealed rows (and their attachments) and writes one audit event per
client, which the client's access history shows. Filed messages live on as documents of the
clinical record and follow its retention.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.messaging.models import Message
from confide.messaging.services import message_cutoff
from confide.notifications.preferences import practice_settings
from confide.practice.models import Practice


def destroy_expired_messages() -> int:
    """Destroy unfiled messages older than each practice's messaging period; returns how many."""
    now = timezone.now()
    destroyed = 0
    for practice_id in Practice.objects.values_list("pk", flat=True):
        cutoff = message_cutoff(practice_settings(practice_id).messaging_period_days, now)
        expired = Message.objects.filter(thread__client__practice_id=practice_id, filed_at__isnull=True,
                                         created_at__lt=cutoff)
        by_client: dict[str, list[int]] = {}
        for pk, client_public_id in expired.values_list("pk", "thread__client__public_id"):
            by_client.setdefault(str(client_public_id), []).append(pk)
        for client_id, pks in by_client.items():
            with transaction.atomic():
                Message.objects.filter(pk__in=pks).delete()
                record_event(Tag.MESSAGES_DESTROYED, actor_id="system:messaging-period",
                             purpose=PurposeOfUse.OPERATIONS, outcome=Outcome.SUCCESS, client_id=client_id,
                             sealed_detail=f"destroyed={len(pks)}".encode("ascii"))
            destroyed += len(pks)
    return destroyed
