"""Anomaly alerts: charts outside the caseload, bulk downloads, new devices; thresholds are settings."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.test import Client as Browser

from confide.audit.models import LogEntry
from confide.oversight import alerts
from confide.oversight.devices import browser_family
from confide.oversight.models import ActivityMark, Alert, KnownDevice
from confide.records import documents
from confide.records import services as records
from confide.records.models import Client
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.records.conftest import vault_of

Capture = Callable[..., AbstractContextManager[Any]]
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")


def supervised_clients(bob: Person, carol: Person, count: int) -> list[Client]:
    """`count` clients of bob's with carol on each care team as supervisor."""
    vault = vault_of(bob)
    result = []
    for number in range(count):
        client = records.create_client(vault, records.Demographics(given_name=f"Test{number}", family_name="Person"))
        records.grant_access(vault, client.public_id, user_id=carol.user.pk, role="supervisor")
        result.append(client)
    return result


def test_many_charts_outside_the_caseload_alert_the_owner(alice: Person, bob: Person, carol: Person, settings: Any,
                                                          django_capture_on_commit_callbacks: Capture) -> None:
    settings.CONFIDE_ALERT_CHARTS_COUNT = 2
    vault = vault_of(carol)
    clients = supervised_clients(bob, carol, 3)
    with django_capture_on_commit_callbacks(execute=True):
        for client in clients[:2]:
            records.get_client(vault, client.public_id)
            records.get_client(vault, client.public_id)  # the same chart twice counts once
        assert not Alert.objects.exists()
        records.get_client(vault, clients[2].public_id)
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.CHARTS_OUTSIDE_CASELOAD and alert.subject_id == carol.user.pk
    assert alert.count == 3 and alert.window_minutes == settings.CONFIDE_ALERT_CHARTS_MINUTES
    assert mail.outbox[-1].to == [alice.email]
    assert "Test" not in mail.outbox[-1].body and str(clients[0].public_id) not in mail.outbox[-1].body
    assert LogEntry.objects.filter(tag="oversight:alert:raised", actor_id=f"user:{carol.user.pk}").exists()
    # One alert per window, not one per further chart.
    records.get_client(vault, clients[0].public_id)
    assert Alert.objects.count() == 1


def test_charts_below_the_threshold_raise_nothing(bob: Person, carol: Person, settings: Any) -> None:
    settings.CONFIDE_ALERT_CHARTS_COUNT = 5
    vault = vault_of(carol)
    for client in supervised_clients(bob, carol, 3):
        records.get_client(vault, client.public_id)
    assert not Alert.objects.exists()
    assert ActivityMark.objects.filter(user=carol.user).count() == 3


def test_the_treating_clinicians_own_charts_never_count(bob: Person, carol: Person, settings: Any) -> None:
    settings.CONFIDE_ALERT_CHARTS_COUNT = 1
    vault = vault_of(bob)
    for client in supervised_clients(bob, carol, 3):
        records.get_client(vault, client.public_id)
    assert not Alert.objects.exists() and not ActivityMark.objects.exists()


def test_old_accesses_fall_out_of_the_window(bob: Person, carol: Person, settings: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    settings.CONFIDE_ALERT_CHARTS_COUNT = 2
    vault = vault_of(carol)
    clients = supervised_clients(bob, carol, 3)
    for client in clients[:2]:
        records.get_client(vault, client.public_id)
    ActivityMark.objects.update(at=timezone.now() - dt.timedelta(minutes=settings.CONFIDE_ALERT_CHARTS_MINUTES + 1))
    records.get_client(vault, clients[2].public_id)
    assert not Alert.objects.exists()


def _upload(bob: Person, client: Client) -> str:
    content = b"%PDF-1.4 fictional test document"
    doc = documents.upload_document(vault_of(bob), client.public_id, filename="letter.pdf",
                                    stream=io.BytesIO(content), size=len(content))
    return str(doc.public_id)


@pytest.mark.parametrize(("limit", "downloads", "alerted"), [(3, 3, False), (3, 4, True), (1, 2, True)])
def test_bulk_downloads_alert_the_owner(alice: Person, bob: Person, client_record: Client, settings: Any,
                                        limit: int, downloads: int, alerted: bool,
                                        django_capture_on_commit_callbacks: Capture) -> None:
    settings.CONFIDE_ALERT_EXPORTS_COUNT = limit
    document_id = _upload(bob, client_record)
    vault = vault_of(bob)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(downloads):
            documents.read_document(vault, client_record.public_id, document_id)
    assert Alert.objects.filter(kind=Alert.Kind.BULK_EXPORT, subject=bob.user).exists() is alerted
    assert bool(mail.outbox) is alerted


def test_the_browser_family_is_coarse() -> None:
    assert browser_family(FIREFOX) == "Firefox on Linux"
    assert browser_family(CHROME) == "Chrome on Windows"
    assert browser_family("") == "Other browser on other system"


def test_a_sign_in_from_a_new_device_alerts_the_owner(alice: Person, bob: Person, relaxed: object,
                                                      django_capture_on_commit_callbacks: Capture) -> None:
    laptop = Browser(HTTP_USER_AGENT=FIREFOX)
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(laptop, bob.email, bob.password)  # the first sign-in ever: no alert
        assert not Alert.objects.exists()
        laptop.post("/accounts/logout/")
        sign_in(laptop, bob.email, bob.password)  # the same browser, its device cookie kept: no alert
        assert not Alert.objects.exists()
        sign_in(Browser(HTTP_USER_AGENT=FIREFOX), bob.email, bob.password)  # no cookie: a new device
    alert = Alert.objects.get()
    assert alert.kind == Alert.Kind.NEW_DEVICE and alert.subject_id == bob.user.pk
    assert alert.detail == "Firefox on Linux"
    assert mail.outbox[-1].to == [alice.email] and "new device" in mail.outbox[-1].subject
    assert KnownDevice.objects.filter(user=bob.user).count() == 2
    cookie = laptop.cookies["confide_device"].value
    assert not KnownDevice.objects.filter(token_hash=cookie).exists(), "only a hash of the cookie is stored"


def test_a_known_cookie_in_another_browser_family_is_a_new_device(bob: Person, relaxed: object) -> None:
    laptop = Browser(HTTP_USER_AGENT=FIREFOX)
    sign_in(laptop, bob.email, bob.password)
    other = Browser(HTTP_USER_AGENT=CHROME)
    other.cookies["confide_device"] = laptop.cookies["confide_device"].value
    sign_in(other, bob.email, bob.password)
    assert Alert.objects.filter(kind=Alert.Kind.NEW_DEVICE, detail="Chrome on Windows").exists()


def test_new_device_alerts_can_be_switched_off(bob: Person, relaxed: object, settings: Any) -> None:
    settings.CONFIDE_ALERT_NEW_DEVICE = False
    sign_in(Browser(), bob.email, bob.password)
    sign_in(Browser(), bob.email, bob.password)
    assert not Alert.objects.exists()
    assert KnownDevice.objects.filter(user=bob.user).count() == 2  # both devices are remembered all the same


def test_the_owner_acknowledges_an_alert_and_others_cannot(alice: Person, bob: Person) -> None:
    alert = alerts.raise_alert(alice.user.membership.practice_id, Alert.Kind.NEW_DEVICE, bob.user.pk)
    with pytest.raises(alerts.AlertError):
        alerts.acknowledge(bob.user, alert.pk)
    with pytest.raises(alerts.AlertError):
        alerts.acknowledge(alice.user, alert.pk + 1000)
    alerts.acknowledge(alice.user, alert.pk)
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.acknowledged_by == alice.user
    assert LogEntry.objects.filter(tag="oversight:alert:acknowledged", actor_id=f"user:{alice.user.pk}").exists()
    assert alerts.open_alerts_count(alice.user.membership.practice_id) == 0


def test_another_practices_owner_cannot_acknowledge(alice: Person, bob: Person, charlie: Person) -> None:
    alert = alerts.raise_alert(alice.user.membership.practice_id, Alert.Kind.NEW_DEVICE, bob.user.pk)
    with pytest.raises(alerts.AlertError):
        alerts.acknowledge(charlie.user, alert.pk)
