"""The pages: designating holders (fingerprint first), opening a record in an emergency, the owner's alerts."""

from __future__ import annotations

import re

import pytest

from confide.audit.models import LogEntry
from confide.auditlog import decode_entry
from confide.oversight import alerts, services
from confide.oversight.models import Alert, BreakGlassSession, EmergencyAccessHolder
from confide.records import services as records
from confide.records.models import Client, Note
from tests.conftest import Person
from tests.oversight.conftest import designate
from tests.records.conftest import vault_of
from tests.web.test_records_pages import NAME, UNKNOWN, browser_of

REASON = "Client rang the crisis line at night; the on-call clinician needs the safety plan."


@pytest.fixture
def note(bob: Person, client_record: Client) -> Note:
    return records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                               body="Discussed the safety plan in detail.", sign=True)


@pytest.fixture
def holder(alice: Person, bob: Person, frank: Person, client_record: Client, note: Note) -> Person:
    designate(alice, frank)
    records.open_note(vault_of(bob), client_record.public_id, note.public_id)
    return frank


def test_the_owner_designates_a_holder_after_comparing_the_fingerprint(alice: Person, frank: Person) -> None:
    browser = browser_of(alice)
    assert browser.get("/practice/emergency-access/").status_code == 200
    step_one = browser.post("/practice/emergency-access/", {"user": frank.user.pk})
    fingerprint = frank.user.key_pair.fingerprint
    assert step_one.status_code == 200 and fingerprint.encode() in step_one.content
    unticked = browser.post("/practice/emergency-access/", {"user": frank.user.pk, "fingerprint": fingerprint})
    assert unticked.status_code == 400 and not EmergencyAccessHolder.objects.exists()
    wrong = browser.post("/practice/emergency-access/", {"user": frank.user.pk, "fingerprint": "0" * 64,
                                                          "fingerprint_confirmed": "on"})
    assert wrong.status_code == 409 and not EmergencyAccessHolder.objects.exists()
    done = browser.post("/practice/emergency-access/", {"user": frank.user.pk, "fingerprint": fingerprint,
                                                         "fingerprint_confirmed": "on"})
    assert done.status_code == 302
    assert EmergencyAccessHolder.objects.get().user == frank.user
    assert frank.email.encode() in browser.get("/practice/emergency-access/").content


def test_bad_designations_get_a_clear_error(alice: Person, dana: Person) -> None:
    browser = browser_of(alice)
    for data in ({}, {"user": "nobody"}, {"user": dana.user.pk}):
        response = browser.post("/practice/emergency-access/", data)
        assert response.status_code == 400, data
    assert not EmergencyAccessHolder.objects.exists()


def test_only_the_owner_sees_the_holders_and_alerts(bob: Person, frank: Person) -> None:
    browser = browser_of(bob)
    for path in ("/practice/emergency-access/", "/alerts/", "/alerts/1/"):
        assert browser.get(path).status_code == 404, path
    assert browser.post("/practice/emergency-access/", {"user": frank.user.pk}).status_code == 404
    assert browser.post("/practice/emergency-access/revoke", {"user_id": frank.user.pk}).status_code == 404
    assert browser.post("/alerts/1/acknowledge").status_code == 404
    assert not EmergencyAccessHolder.objects.exists()


def test_the_owner_withdraws_a_holder(alice: Person, holder: Person) -> None:
    browser = browser_of(alice)
    assert browser.post("/practice/emergency-access/revoke", {"user_id": "x"}).status_code == 400
    assert browser.post("/practice/emergency-access/revoke", {"user_id": alice.user.pk}).status_code == 400
    assert browser.post("/practice/emergency-access/revoke", {"user_id": holder.user.pk}).status_code == 302
    assert not EmergencyAccessHolder.objects.exists()


def test_a_holder_opens_a_record_with_a_reason_and_reads_the_chart(alice: Person, holder: Person,
                                                                   client_record: Client, note: Note) -> None:
    browser = browser_of(holder)
    chart = f"/clients/{client_record.public_id}/"
    assert browser.get(chart).status_code == 404
    assert b"Emergency access" in browser.get("/").content  # in the navigation
    found = browser.post("/emergency/", {"q": "Quasten"})
    assert found.status_code == 200 and NAME.encode() in found.content
    assert f"/clients/{client_record.public_id}/emergency".encode() in found.content
    form = browser.get(f"/clients/{client_record.public_id}/emergency")
    assert form.status_code == 200 and NAME.encode() not in form.content
    opened = browser.post(f"/clients/{client_record.public_id}/emergency", {"reason": REASON})
    assert opened.status_code == 302 and opened["Location"] == chart
    page = browser.get(chart)
    assert page.status_code == 200 and b"Discussed the safety plan" in page.content
    assert b"Emergency access is open until" in page.content
    assert b"Emergency access to this record until" in page.content  # the banner, on every page of the record
    assert b"Emergency access to this record until" in browser.get(chart + "plan/").content
    assert LogEntry.objects.filter(tag="access:breakglass:opened", actor_id=f"user:{holder.user.pk}").exists()
    assert REASON not in opened["Location"] and NAME not in opened["Location"]
    # The web vault knows the person is a holder, so their chart reads are logged as emergency treatment.
    reads = [decode_entry(bytes(entry)) for entry in LogEntry.objects.filter(
        tag="record:client:read", actor_id=f"user:{holder.user.pk}").values_list("entry", flat=True)]
    assert reads and all(event.purpose == "ETREAT" for event in reads)


def test_a_non_holders_chart_open_does_not_look_for_break_glass_sessions(bob: Person, client_record: Client) -> None:
    """The membership row says bob is no holder: his vault skips the break-glass look-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = browser_of(bob)
    chart = f"/clients/{client_record.public_id}/"
    assert browser.get(chart).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(chart).status_code == 200
    assert not [q["sql"] for q in captured.captured_queries
                if 'FROM "oversight_breakglasssession" INNER JOIN "accounts_user"' in q["sql"]]


def test_without_a_reason_nothing_is_opened(holder: Person, client_record: Client) -> None:
    browser = browser_of(holder)
    path = f"/clients/{client_record.public_id}/emergency"
    for data in ({}, {"reason": "   "}, {"reason": "x" * 501}):
        response = browser.post(path, data)
        assert response.status_code == 400 and b"reason" in response.content.lower()
    assert not BreakGlassSession.objects.exists()
    assert browser.get(f"/clients/{client_record.public_id}/").status_code == 404


def test_a_non_holder_is_refused_with_403_and_it_is_logged(carol: Person, client_record: Client) -> None:
    browser = browser_of(carol)
    assert browser.get("/emergency/").status_code == 404
    assert browser.get(f"/clients/{client_record.public_id}/emergency").status_code == 404
    response = browser.post(f"/clients/{client_record.public_id}/emergency", {"reason": REASON})
    assert response.status_code == 403
    assert LogEntry.objects.filter(tag="access:breakglass:denied", actor_id=f"user:{carol.user.pk}",
                                   client_id=str(client_record.public_id)).exists()
    assert not BreakGlassSession.objects.exists()


def test_an_unknown_client_is_404(holder: Person) -> None:
    browser = browser_of(holder)
    assert browser.post(f"/clients/{UNKNOWN}/emergency", {"reason": REASON}).status_code == 404


def test_a_short_search_is_refused_near_the_field(holder: Person) -> None:
    response = browser_of(holder).post("/emergency/", {"q": "Q"})
    assert response.status_code == 400 and b"at least two letters" in response.content


def test_a_holder_ends_the_access_early(holder: Person, client_record: Client) -> None:
    browser = browser_of(holder)
    browser.post(f"/clients/{client_record.public_id}/emergency", {"reason": REASON})
    session = BreakGlassSession.objects.get()
    assert browser.post(f"/emergency/{session.public_id}/end").status_code == 302
    assert browser.get(f"/clients/{client_record.public_id}/").status_code == 404
    assert b"Emergency access to this record" not in browser.get(f"/clients/{client_record.public_id}/").content
    assert browser.post(f"/emergency/{UNKNOWN}/end").status_code == 404


def test_the_owner_reviews_the_reason_and_acknowledges(alice: Person, holder: Person, client_record: Client) -> None:
    services.open_break_glass(vault_of(holder), client_record.public_id, REASON)
    browser = browser_of(alice)
    listing = browser.get("/alerts/")
    assert listing.status_code == 200 and b"Emergency access" in listing.content
    assert NAME.encode() not in listing.content and b"crisis" not in listing.content
    alert = Alert.objects.get(kind=Alert.Kind.BREAK_GLASS)
    detail = browser.get(f"/alerts/{alert.pk}/")
    assert detail.status_code == 200 and b"crisis line" in detail.content
    assert LogEntry.objects.filter(tag="access:breakglass:reviewed", actor_id=f"user:{alice.user.pk}",
                                   client_id=str(client_record.public_id)).exists()
    assert browser.post(f"/alerts/{alert.pk}/acknowledge").status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == alice.user
    assert browser.get("/alerts/999999/").status_code == 404
    assert browser.post("/alerts/999999/acknowledge").status_code == 404
    assert alerts.open_alerts_count(alice.user.membership.practice_id) == 0


def test_the_client_sees_the_emergency_access_in_plain_words(bob: Person, holder: Person,
                                                             client_record: Client) -> None:
    services.open_break_glass(vault_of(holder), client_record.public_id, REASON)
    page = browser_of(bob).get(f"/clients/{client_record.public_id}/access-log/")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.content.decode())
    assert "opened your record in an emergency" in text and "an emergency" in text
    assert "crisis" not in text
