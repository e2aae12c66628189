"""Messaging between a client and their care team: sealed, audited, notified with nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from confide.messaging import crisis, digest, retention, services
from confide.messaging.models import Message
from confide.notifications.models import NotificationSettings, StaffNotificationPreference
from confide.portal.models import ClientAccount
from confide.records import documents
from confide.records.access_history import access_history
from confide.records.errors import NotFoundError
from tests.conftest import Person
from tests.portal.conftest import client_vault_of
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db
CANARY = "canary-zq81-thread"



def test_a_client_message_is_sealed_and_the_care_team_reads_it(client_account: ClientAccount, bob: Person) -> None:
    services.send_as_client(client_vault_of(client_account), client_account, text=f"hello {CANARY}")
    stored = Message.objects.get()
    assert CANARY.encode() not in bytes(stored.body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message")
        assert CANARY.encode() not in bytes(cursor.fetchone()[0])
    [opened] = services.read_as_staff(vault_of(bob), client_account.client.public_id)
    assert opened.text == f"hello {CANARY}" and opened.author_label == "Client"


def test_the_care_team_is_told_nothing_but_that_something_waits(client_account: ClientAccount, bob: Person) -> None:
    mail.outbox.clear()
    services.send_as_client(client_vault_of(client_account), client_account, text=CANARY)
    assert StaffNotificationPreference.objects.get(user=bob.user).pending_since is not None
    StaffNotificationPreference.objects.filter(user=bob.user).update(quiet_start=0, quiet_end=0)
    assert digest.send_due_digests() == 1
    [sent] = mail.outbox
    assert sent.subject == digest.STAFF_SUBJECT
    text = sent.subject + sent.body + sent.from_email
    for secret in (CANARY, "Wilhelmina", "Quastenbrook", "Quiet Harbour"):
        assert secret not in text
    assert digest.send_due_digests() == 0  # nothing new: no second digest


def test_no_digest_goes_out_in_quiet_hours(client_account: ClientAccount, bob: Person) -> None:
    services.send_as_client(client_vault_of(client_account), client_account, text="x")
    now = timezone.localtime()
    StaffNotificationPreference.objects.filter(user=bob.user).update(quiet_start=now.hour,
                                                                     quiet_end=(now.hour + 1) % 24)
    mail.outbox.clear()
    assert digest.send_due_digests(now) == 0 and mail.outbox == []


def test_a_reply_tells_the_client_only_that_something_waits_from_the_neutral_sender(
        client_account: ClientAccount, bob: Person) -> None:
    NotificationSettings.objects.update_or_create(practice_id=client_account.practice_id,
                                                  defaults={"sender_name": "Appointments desk"})
    mail.outbox.clear()
    services.send_as_staff(vault_of(bob), client_account.client.public_id, text=f"reply {CANARY}")
    [sent] = mail.outbox
    assert sent.to == ["wq.portal@example.test"]  # the sealed address, not the account's keyed alias (ADR 0013)
    assert sent.from_email.startswith("Appointments desk <")
    for secret in (CANARY, "Wilhelmina", "Quiet Harbour", "Bob", "bob@"):
        assert secret not in sent.subject + sent.body + sent.from_email
    [opened] = services.read_as_client(client_vault_of(client_account), client_account)
    assert opened.text == f"reply {CANARY}"


def test_someone_outside_the_care_team_cannot_read_or_write(client_account: ClientAccount, carol: Person,
                                                            dana: Person, charlie: Person) -> None:
    services.send_as_client(client_vault_of(client_account), client_account, text="x")
    for person in (carol, dana, charlie):
        with pytest.raises(NotFoundError):
            services.read_as_staff(vault_of(person), client_account.client.public_id)
        with pytest.raises(NotFoundError):
            services.send_as_staff(vault_of(person), client_account.client.public_id, text="x")


def test_bad_messages_are_refused_and_nothing_is_written(client_account: ClientAccount) -> None:
    vault = client_vault_of(client_account)
    for text in ("", "   ", "x" * (services.MAX_MESSAGE_CHARS + 1)):
        with pytest.raises(services.MessagingError):
            services.send_as_client(vault, client_account, text=text)
    with pytest.raises(services.MessagingError, match="PDF, PNG"):
        services.send_as_client(vault, client_account, text="x", upload=services.Upload("a.exe", b"MZ\x90\x00"))
    with pytest.raises(services.MessagingError, match="empty"):
        services.send_as_client(vault, client_account, text="x", upload=services.Upload("a.pdf", b""))
    assert not Message.objects.exists()


def test_an_attachment_is_sealed_and_opened_by_both_sides(client_account: ClientAccount, bob: Person) -> None:
    pdf = b"%PDF-1.4 " + CANARY.encode()
    message = services.send_as_client(client_vault_of(client_account), client_account, text="see attached",
                                      upload=services.Upload("../../scan.pdf", pdf))
    attachment = message.attachments.get()
    assert CANARY.encode() not in bytes(attachment.content) and b"scan" not in bytes(attachment.meta)
    meta, content = services.staff_attachment(vault_of(bob), client_account.client.public_id, attachment.public_id)
    assert meta.filename == "scan.pdf" and meta.content_type == "application/pdf" and content == pdf


def test_filing_puts_the_message_in_the_clinical_record_once(client_account: ClientAccount, bob: Person) -> None:
    message = services.send_as_client(client_vault_of(client_account), client_account, text=f"file me {CANARY}")
    services.file_message(vault_of(bob), client_account.client.public_id, message.public_id)
    [(_, meta)] = documents.list_documents(vault_of(bob), client_account.client.public_id)
    assert meta.filename.startswith("message-") and meta.content_type == "text/plain"
    with pytest.raises(services.MessagingError, match="already filed"):
        services.file_message(vault_of(bob), client_account.client.public_id, message.public_id)


def test_unfiled_messages_are_destroyed_after_the_messaging_period(client_account: ClientAccount,
                                                                   bob: Person) -> None:
    vault = client_vault_of(client_account)
    old = services.send_as_client(vault, client_account, text="old")
    filed = services.send_as_client(vault, client_account, text="old but filed")
    services.file_message(vault_of(bob), client_account.client.public_id, filed.public_id)
    recent = services.send_as_client(vault, client_account, text="recent")
    Message.objects.filter(pk__in=[old.pk, filed.pk]).update(created_at=timezone.now() - dt.timedelta(days=400))
    assert retention.destroy_expired_messages() == 1
    assert set(Message.objects.values_list("pk", flat=True)) == {filed.pk, recent.pk}


def test_the_clients_history_shows_reads_and_sends_in_plain_words(client_account: ClientAccount,
                                                                  bob: Person) -> None:
    services.send_as_client(client_vault_of(client_account), client_account, text="x")
    services.read_as_staff(vault_of(bob), client_account.client.public_id)
    services.send_as_staff(vault_of(bob), client_account.client.public_id, text="y")
    services.read_as_client(client_vault_of(client_account), client_account)
    history = access_history(vault_of(bob), client_account.client.public_id)
    pairs = [(e.who, e.what) for e in history.entries]
    assert ("The client, in the portal", "read your messages") in pairs
    assert any(what == "read your messages" and "(clinician)" in who for who, what in pairs)
    assert ("The client, in the portal", "sent a message") in pairs


def test_the_crisis_line_comes_from_the_practices_pack() -> None:
    line = crisis.crisis_line("US-CA")
    assert line is not None and line.call == "988"
    assert crisis.crisis_line("UK") is not None
    assert crisis.crisis_line("XX-NOWHERE") is None
