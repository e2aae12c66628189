"""Alerts triaged: serious before notices, open before reviewed, filters, and the owner's home page."""

from __future__ import annotations

import datetime as dt

import pytest

from confide.oversight import alerts
from confide.oversight.models import Alert
from tests.conftest import Person
from tests.web.test_records_pages import browser_of

pytestmark = pytest.mark.django_db


def _raise(alice: Person, bob: Person, kind: str, minutes_ago: int) -> Alert:
    alert = alerts.raise_alert(alice.user.membership.practice_id, kind, bob.user.pk)
    Alert.objects.filter(pk=alert.pk).update(raised_at=alert.raised_at - dt.timedelta(minutes=minutes_ago))
    return alert


def test_serious_alerts_come_before_newer_notices(alice: Person, bob: Person) -> None:
    practice_id = alice.user.membership.practice_id
    old_serious = _raise(alice, bob, Alert.Kind.BREAK_GLASS, 60)
    new_notices = [_raise(alice, bob, Alert.Kind.NEW_DEVICE, m) for m in (1, 2, 3)]
    reviewed = _raise(alice, bob, Alert.Kind.BULK_EXPORT, 0)
    alerts.acknowledge(alice.user, reviewed.pk)
    listed = [a.pk for a in alerts.list_alerts(practice_id)]
    assert listed == [old_serious.pk, *[a.pk for a in new_notices], reviewed.pk]
    assert [a.pk for a in alerts.list_alerts(practice_id, status="open", severity="serious")] == [old_serious.pk]
    assert [a.pk for a in alerts.list_alerts(practice_id, status="reviewed")] == [reviewed.pk]
    assert {a.pk for a in alerts.list_alerts(practice_id, kind=Alert.Kind.NEW_DEVICE)} == {a.pk for a in new_notices}
    # An unknown filter value filters nothing away.
    assert len(alerts.list_alerts(practice_id, kind="nonsense", severity="nonsense")) == 5


def test_the_page_filters_and_the_home_page_shows_open_serious_alerts(alice: Person, bob: Person) -> None:
    serious = _raise(alice, bob, Alert.Kind.BREAK_GLASS, 5)
    notice = _raise(alice, bob, Alert.Kind.NEW_DEVICE, 1)
    owner = browser_of(alice)
    page = owner.get("/alerts/").content.decode()
    assert page.index(f"/alerts/{serious.pk}/") < page.index(f"/alerts/{notice.pk}/")
    assert "Mark as reviewed" in page and "Serious" in page
    notices_only = owner.get("/alerts/?severity=notice").content.decode()
    assert f"/alerts/{notice.pk}/" in notices_only and f"/alerts/{serious.pk}/" not in notices_only
    assert owner.get("/alerts/?status=bogus&kind=%00").status_code == 200
    home = owner.get("/").content.decode()
    assert "Serious alerts to review" in home and f"/alerts/{serious.pk}/" in home
    assert f"/alerts/{notice.pk}/" not in home, "a notice is not on the home page"
    owner.post(f"/alerts/{serious.pk}/acknowledge")
    assert "Serious alerts to review" not in owner.get("/").content.decode()
    assert "Serious alerts" not in browser_of(bob).get("/").content.decode(), "only the owner sees alerts"
