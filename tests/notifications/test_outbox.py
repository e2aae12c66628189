"""The outbox: every e-mail is queued, sealed, sent by the worker once, and retried on failure."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from confide.notifications import outbox
from confide.notifications.models import OutgoingMail
from confide.notifications.worker import drain, fail_lost_tasks, worker_status

pytestmark = pytest.mark.django_db

SENDS = re.compile(r"(?<!def )\b(send_mail|EmailMessage|send_mass_mail|mail_admins|EmailMultiAlternatives|"
                   r"get_connection)\(")
SRC = Path(__file__).resolve().parents[2] / "src" / "confide"


def test_it_queues_mail_sealed_and_sends_it_from_the_worker() -> None:
    row = outbox.queue_mail(to=["client@example.test"], subject="Hello", body="canary-body-771", kind="test")
    assert mail.outbox == []  # nothing is sent from the request
    stored = OutgoingMail.objects.get(pk=row.pk)
    assert b"canary-body-771" not in bytes(stored.envelope) and b"client@example.test" not in bytes(stored.envelope)
    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [str(row.public_id)], "kwargs": {}}
    assert drain() == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["client@example.test"] and sent.body == "canary-body-771"
    assert sent.extra_headers["Message-ID"] == outbox.message_id(row)
    stored.refresh_from_db()
    assert stored.status == OutgoingMail.Status.SENT and stored.attempts == 1
    assert bytes(stored.envelope) == b""  # a sent message keeps no address, even sealed


def test_a_failed_send_keeps_its_envelope_for_the_retry() -> None:
    row = outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "_send", lambda row, envelope: (_ for _ in ()).throw(OSError("down")))
        assert outbox.deliver(str(row.public_id), holder="w") == "retry"
    stored = OutgoingMail.objects.get(pk=row.pk)
    assert stored.status == OutgoingMail.Status.QUEUED and outbox.open_envelope(stored)["to"] == ["a@example.test"]


def test_it_does_not_send_a_row_twice() -> None:
    row = outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    drain()
    assert outbox.deliver(str(row.public_id), holder="another") == "sent"
    assert len(mail.outbox) == 1


def test_it_sends_again_with_the_same_message_id_when_a_lease_ran_out() -> None:
    row = outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    OutgoingMail.objects.filter(pk=row.pk).update(status=OutgoingMail.Status.SENDING, attempts=1,
                                                  lease_holder="dead-worker",
                                                  lease_until=timezone.now() - dt.timedelta(seconds=1))
    DBTaskResult.objects.all().delete()
    assert outbox.sweep() == 1
    drain()
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.resent_in_doubt and row.attempts == 2
    assert mail.outbox[0].extra_headers["Message-ID"] == outbox.message_id(row)


def test_it_leaves_a_row_alone_while_another_worker_holds_its_lease() -> None:
    row = outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    OutgoingMail.objects.filter(pk=row.pk).update(status=OutgoingMail.Status.SENDING,
                                                  lease_until=timezone.now() + dt.timedelta(minutes=1))
    assert outbox.deliver(str(row.public_id), holder="me") == "held"
    assert outbox.sweep() == 0
    assert mail.outbox == []


@override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}})
def test_it_retries_a_failed_send_later_and_keeps_only_the_error_class(caplog: pytest.LogCaptureFixture) -> None:
    row = outbox.queue_mail(to=["canary-address@example.test"], subject="s", body="b", kind="test")
    drain()
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1
    assert row.last_error and "canary" not in row.last_error
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retry is not None and retry.run_after > timezone.now()
    assert "canary-address" not in caplog.text
    assert all("canary" not in (t.traceback or "") for t in DBTaskResult.objects.all())


@override_settings(CONFIDE_MAIL_MAX_ATTEMPTS=1,
                   MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                        "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1}}})
def test_it_gives_up_after_the_last_attempt() -> None:
    row = outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    drain()
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED
    assert DBTaskResult.objects.ready().count() == 0


def test_it_refuses_a_message_without_recipients() -> None:
    with pytest.raises(outbox.OutboxError):
        outbox.queue_mail(to=[""], subject="s", body="b", kind="test")
    assert OutgoingMail.objects.count() == 0


def test_a_task_left_running_by_a_dead_worker_is_marked_failed() -> None:
    outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    task = DBTaskResult.objects.get()
    task.claim("dead")
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    assert fail_lost_tasks() == 1
    assert DBTaskResult.objects.get(pk=task.pk).status == "FAILED"


def test_the_worker_is_down_until_it_writes_a_heartbeat() -> None:
    from confide.notifications.worker import beat

    outbox.queue_mail(to=["a@example.test"], subject="s", body="b", kind="test")
    status = worker_status()
    assert not status.alive and status.pending == 1
    beat("w1")
    assert worker_status().alive


def test_no_code_sends_mail_except_the_outbox() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "notifications" / "outbox.py":
            continue
        text = path.read_text(encoding="utf-8")
        if SENDS.search(text):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
