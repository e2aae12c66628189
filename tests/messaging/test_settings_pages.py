"""The owner's messaging settings and each staff member's quiet hours, over HTTP and in the services."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client as Browser
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.messaging import digest, practice_settings
from confide.notifications.models import StaffNotificationPreference
from confide.notifications.preferences import practice_settings as settings_of
from tests.accounts.test_signin import sign_in
from tests.conftest import Person


def _signed_in(person: Person) -> Browser:
    http = Browser()
    sign_in(http, person.email, person.password)
    return http


def test_the_owner_sets_a_neutral_sender_and_the_messaging_period(alice: Person, relaxed: object) -> None:
    http = _signed_in(alice)
    page = http.get("/practice/messaging/")
    assert page.status_code == 200 and "can itself disclose" in page.content.decode()
    before = LogEntry.objects.filter(tag="practice:settings:changed").count()
    saved = http.post("/practice/messaging/", {"sender_name": "  Harbour   notices ", "messaging_period_days": "90"})
    assert saved.status_code == 302
    found = settings_of(alice.user.membership.practice_id)
    assert (found.sender_name, found.messaging_period_days) == ("Harbour notices", 90)
    assert LogEntry.objects.filter(tag="practice:settings:changed").count() == before + 1


@pytest.mark.parametrize(("sender", "days", "message"), [
    ("", "90", "This field is required"),
    ("Clinic <desk@clinic.example>", "90", "without an e-mail address"),
    ("Line one\r\nBcc: someone@example.test", "90", "without an e-mail address"),
    ("x" * 61, "90", "at most 60"),
    ("Secure portal", "5", "greater than or equal to 30"),
    ("Secure portal", "99999", "less than or equal to 3650"),
    ("Secure portal", "ninety", "Enter a whole number"),
])
def test_bad_settings_are_refused_beside_the_field_and_nothing_changes(
        alice: Person, relaxed: object, sender: str, days: str, message: str) -> None:
    http = _signed_in(alice)
    refused = http.post("/practice/messaging/", {"sender_name": sender, "messaging_period_days": days})
    assert refused.status_code == 400
    assert message in refused.content.decode()
    found = settings_of(alice.user.membership.practice_id)
    assert (found.sender_name, found.messaging_period_days) == ("Secure portal", 365)


def test_other_staff_read_the_settings_but_cannot_change_them(alice: Person, bob: Person, dana: Person,
                                                              relaxed: object) -> None:
    for person in (bob, dana):
        http = _signed_in(person)
        page = http.get("/practice/messaging/")
        assert page.status_code == 200 and "Only the practice owner can change these." in page.content.decode()
        refused = http.post("/practice/messaging/", {"sender_name": "Mine now", "messaging_period_days": "40"})
        assert refused.status_code == 403
    assert settings_of(alice.user.membership.practice_id).sender_name == "Secure portal"
    with pytest.raises(practice_settings.SettingsError, match="owner"):
        practice_settings.update_messaging_settings(actor=bob.user, sender_name="Mine", messaging_period_days=40)


def test_a_clinician_sets_their_own_quiet_hours_and_the_digest_honours_them(bob: Person, relaxed: object) -> None:
    http = _signed_in(bob)
    page = http.get("/account/notifications/")
    assert page.status_code == 200 and "quiet from 20:00 until 08:00" in page.content.decode()
    assert http.post("/account/notifications/", {"start": "22", "end": "6"}).status_code == 302
    preference = StaffNotificationPreference.objects.get(user=bob.user)
    assert (preference.quiet_start, preference.quiet_end) == (22, 6)
    assert "quiet from 22:00 until 06:00" in http.get("/account/notifications/").content.decode()
    # Equal hours mean no quiet hours at all.
    assert http.post("/account/notifications/", {"start": "9", "end": "9"}).status_code == 302
    assert digest.in_quiet_hours(StaffNotificationPreference.objects.get(user=bob.user), timezone.now()) is False


@pytest.mark.parametrize("form", [{"start": "24", "end": "6"}, {"start": "-1", "end": "6"}, {"start": "x"}, {}])
def test_bad_quiet_hours_are_refused(bob: Person, relaxed: object, form: dict[str, str]) -> None:
    http = _signed_in(bob)
    assert http.post("/account/notifications/", form).status_code == 400
    assert not StaffNotificationPreference.objects.filter(user=bob.user).exists()
    with pytest.raises(practice_settings.SettingsError):
        practice_settings.set_own_quiet_hours(bob.user, start=25, end=3)


def test_strangers_are_sent_to_sign_in(db: None) -> None:
    for path in ("/practice/messaging/", "/account/notifications/"):
        response = Browser().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_sender_name_the_owner_sets_is_the_from_of_every_notification(alice: Person, bob: Person,
                                                                          relaxed: object) -> None:
    practice_settings.update_messaging_settings(actor=alice.user, sender_name="Harbour notices",
                                                messaging_period_days=365)
    practice_settings.set_own_quiet_hours(bob.user, start=0, end=0)
    mail.outbox.clear()
    digest.notify_staff([bob.user.pk])
    assert digest.send_due_digests() == 1
    [sent] = mail.outbox
    assert sent.from_email.startswith("Harbour notices <")
