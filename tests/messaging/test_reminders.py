"""Reminders: opt-in, sealed under the operations key, time (and the chosen format) only, sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from confide.messaging import reminders
from confide.messaging.models import ReminderChoice
from confide.notifications.sms import RecordingSmsProvider
from confide.portal.models import ClientAccount
from confide.records import care
from tests.conftest import Person
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db


def _book(bob: Person, account: ClientAccount, hours: float, modality: str = "video") -> None:
    care.create_appointment(vault_of(bob), account.client.public_id,
                            starts_at=timezone.now() + dt.timedelta(hours=hours), duration_minutes=50,
                            modality=modality)


def test_nothing_is_sent_to_a_client_who_did_not_opt_in(client_account: ClientAccount, bob: Person) -> None:
    _book(bob, client_account, 3)
    mail.outbox.clear()
    assert reminders.send_due_reminders() == 0 and mail.outbox == []


def test_a_reminder_says_the_time_and_the_chosen_format_only_and_goes_once(client_account: ClientAccount,
                                                                          bob: Person) -> None:
    reminders.choose(client_account, channel="email", contact="Remind.Me@example.test", include_format=True)
    stored = ReminderChoice.objects.get()
    assert b"remind.me" not in bytes(stored.contact)
    _book(bob, client_account, 3, "video")
    _book(bob, client_account, 100)  # not due yet
    mail.outbox.clear()
    assert reminders.send_due_reminders() == 1
    [sent] = mail.outbox
    assert sent.to == ["remind.me@example.test"] and "(video)" in sent.body
    for secret in ("Wilhelmina", "Quastenbrook", "Quiet Harbour", "bob", "therapy", "minutes"):
        assert secret not in sent.subject + sent.body + sent.from_email
    assert reminders.send_due_reminders() == 0 and len(mail.outbox) == 1


def test_without_the_format_choice_the_format_is_neither_kept_nor_said(client_account: ClientAccount,
                                                                       bob: Person) -> None:
    reminders.choose(client_account, channel="email", contact="r@example.test", include_format=False)
    _book(bob, client_account, 2, "in_person")
    assert ReminderChoice.objects.get().formats is None
    mail.outbox.clear()
    reminders.send_due_reminders()
    assert "in person" not in mail.outbox[0].body


@override_settings(CONFIDE_SMS_PROVIDER="test", CONFIDE_SMS_TEST_FILE="")
def test_sms_reminders_go_through_the_provider_interface(client_account: ClientAccount, bob: Person) -> None:
    RecordingSmsProvider.sent.clear()
    reminders.choose(client_account, channel="sms", contact="+1 (555) 010-0199", include_format=False)
    _book(bob, client_account, 2)
    reminders.send_due_reminders()
    [text] = RecordingSmsProvider.sent
    assert text["to"] == "+15550100199" and "appointment" in text["text"]


def test_bad_choices_are_refused(client_account: ClientAccount) -> None:
    for kwargs in ({"channel": "email", "contact": "not an address"}, {"channel": "sms", "contact": "+15550100"},
                   {"channel": "pigeon", "contact": "x"}):
        with pytest.raises(reminders.ReminderError):
            reminders.choose(client_account, include_format=False, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(reminders.ReminderError):
        reminders.choose(client_account, channel="email", contact="a@example.test", include_format=False,
                         hours_before=0)
    assert not ReminderChoice.objects.exists()


def test_stopping_deletes_the_contact(client_account: ClientAccount) -> None:
    reminders.choose(client_account, channel="email", contact="a@example.test", include_format=False)
    reminders.stop(client_account)
    assert not ReminderChoice.objects.exists()
