"""The outbox: every e-mail (and SMS) Confide sends is queued here and sent by `confide worker`.

`queue_mail` seals the message under the operations key into an `OutgoingMail` row and enqueues a
task naming only that row's id, in the caller's transaction: a rolled-back request sends nothing,
and a committed one always leaves its message queued. `deliver` sends one row:

1. it takes a lease on the row (status `sending`, holder, lease end) and commits;
2. it sends, with a Message-ID made from the row's id;
3. it marks the row `sent` and commits.

A failed send is retried with a growing delay, up to `CONFIDE_MAIL_MAX_ATTEMPTS`; the error kept
is the exception's class name only (SMTP errors quote addresses). A worker killed before step 3
leaves the row `sending`; when its lease ends `sweep` queues it again. If the worker died after
the mail server accepted the message but before step 3 (a window of one local commit), the
message is sent a second time with the same Message-ID, which mail clients show once; the row
records `resent_in_doubt`. docs/adr/0018-talking-outside-the-session.md explains the choice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from confide.notifications import opskey, sms
from confide.notifications.models import OutgoingMail

logger = logging.getLogger(__name__)
Status = OutgoingMail.Status
_RECORD = "outbox"


class OutboxError(Exception):
    """A message that cannot be queued (no recipient, say)."""


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.CONFIDE_WORKER_LEASE_SECONDS)


def worker_id() -> str:
    """This process's name as a worker: host and process id (set by `confide worker`)."""
    return os.environ.get("CONFIDE_WORKER_ID") or f"{socket.gethostname()[:40]}-{os.getpid()}"


@task()
def deliver_mail(outbox_id: str) -> str:
    """The background task: send one outbox row (idempotent; its only argument is the row's id)."""
    return deliver(outbox_id, holder=worker_id())


def _enqueue(row: OutgoingMail, run_after: dt.datetime | None = None) -> None:
    if run_after is not None and not deliver_mail.get_backend().supports_defer:
        return  # a backend that cannot wait (the test suite's immediate one): `sweep` sends it later
    task = deliver_mail if run_after is None else deliver_mail.using(run_after=run_after)
    task.enqueue(str(row.public_id))


def sender_address(sender_name: str | None = None) -> str:
    """The From header: the practice's neutral sender name (or the configured one) and the address."""
    configured_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr((sender_name or configured_name or "Secure portal", address or "no-reply@localhost"))


def queue_mail(*, to: list[str], subject: str, body: str, kind: str, sender_name: str | None = None,
               channel: str = OutgoingMail.Channel.EMAIL) -> OutgoingMail:
    """Queue one message for the worker, in the caller's transaction; returns its outbox row."""
    recipients = [address for address in to if address]
    if not recipients:
        raise OutboxError("A message needs at least one recipient.")
    with transaction.atomic():
        row = OutgoingMail(kind=kind[:32], channel=channel, envelope=b"", kicked_at=timezone.now())
        row.envelope = opskey.seal({"to": recipients, "subject": subject, "body": body,
                                    "from": sender_address(sender_name)},
                                   _RECORD, str(row.public_id), "envelope")
        row.save()
        _enqueue(row)
    return row


def open_envelope(row: OutgoingMail) -> dict[str, Any]:
    """The sealed contents of an outbox row (for the worker and for tests)."""
    value: dict[str, Any] = opskey.open_sealed(bytes(row.envelope), _RECORD, str(row.public_id), "envelope")
    return value


def message_id(row: OutgoingMail) -> str:
    """The Message-ID of a row: the same on every attempt, so a resend is recognisably the same mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{row.public_id}@{domain}>"


def _send(row: OutgoingMail, envelope: dict[str, Any]) -> None:
    if row.channel == OutgoingMail.Channel.SMS:
        for number in envelope["to"]:
            sms.provider().send(to=number, text=envelope["body"], reference=str(row.public_id))
        return
    message = EmailMessage(subject=envelope["subject"], body=envelope["body"], from_email=envelope["from"],
                           to=envelope["to"], headers={"Message-ID": message_id(row)})
    message.send()


def deliver(outbox_id: str, *, holder: str) -> str:
    """Send one queued message at most once per lease; returns what happened (for the task result)."""
    now = timezone.now()
    with transaction.atomic():
        row = OutgoingMail.objects.select_for_update().filter(public_id=outbox_id).first()
        if row is None:
            return "missing"
        if row.status in (Status.SENT, Status.FAILED):
            return str(row.status)
        if row.status == Status.SENDING and row.lease_until is not None and row.lease_until > now:
            return "held"
        if row.status == Status.SENDING:
            row.resent_in_doubt = True
        row.status = Status.SENDING
        row.attempts += 1
        row.lease_holder = holder[:64]
        row.lease_until = now + _lease()
        row.save(update_fields=["status", "attempts", "lease_holder", "lease_until", "resent_in_doubt"])
    try:
        _send(row, open_envelope(row))
    except Exception as exc:
        return _failed(row, holder, type(exc).__name__)
    # A sent message keeps its row (the worker's idempotency) but not its envelope: the addresses
    # and text are not needed again, and a destroyed record must leave no address behind.
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=row.pk, status=Status.SENDING, lease_holder=row.lease_holder).update(
            status=Status.SENT, sent_at=timezone.now(), lease_until=None, last_error="", envelope=b"")
    return "sent"


def _failed(row: OutgoingMail, holder: str, error: str) -> str:
    final = row.attempts >= settings.CONFIDE_MAIL_MAX_ATTEMPTS
    delay = min(3600, settings.CONFIDE_MAIL_RETRY_SECONDS * 2 ** (row.attempts - 1))
    retry_at = timezone.now() + dt.timedelta(seconds=delay)
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=row.pk, lease_holder=holder[:64]).update(
            status=Status.FAILED if final else Status.QUEUED, lease_until=None, last_error=error[:200],
            kicked_at=retry_at)
        if not final:
            _enqueue(row, run_after=retry_at)
    # The row id and the error's class name only: an SMTP error's text quotes the addresses.
    logger.warning("Outgoing message %s (%s) not sent: %s; attempt %d%s", row.public_id, row.kind, error,
                   row.attempts, ", giving up" if final else ", will retry")
    return "failed" if final else "retry"


def sweep() -> int:
    """Queue again what a dead worker left: leases run out, and queued rows whose task was lost."""
    now = timezone.now()
    stale = now - _lease()
    rows = list(OutgoingMail.objects.filter(
        Q(status=Status.SENDING, lease_until__lt=now) | Q(status=Status.QUEUED, kicked_at__lt=stale)))
    for row in rows:
        with transaction.atomic():
            if OutgoingMail.objects.filter(pk=row.pk, kicked_at=row.kicked_at).update(kicked_at=now):
                _enqueue(row)
    return len(rows)


def pending_count() -> int:
    """How many messages wait to be sent."""
    return OutgoingMail.objects.filter(status__in=(Status.QUEUED, Status.SENDING)).count()


