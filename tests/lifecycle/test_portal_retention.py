"""The client reads in the portal how long their record is kept, with the rule, its source and status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as Browser
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.lifecycle import services as lifecycle
from confide.portal.models import ClientAccount
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal import conftest as portal_conftest
from tests.portal.conftest import CLIENT_PASSWORD
from tests.records.conftest import vault_of

# The portal tests' fixtures: a client of bob's with a portal account.
client_record, consent, client_account = (portal_conftest.client_record, portal_conftest.consent,
                                          portal_conftest.client_account)
LAST_CONTACT = timezone.localdate() - dt.timedelta(days=400)


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    sign_in(http, client_account.user.email, CLIENT_PASSWORD)
    return http


def _events(tag: str) -> int:
    return LogEntry.objects.filter(tag=tag).count()


def test_in_care_the_page_says_the_date_comes_when_therapy_ends(as_client: Browser) -> None:
    before = _events("portal:retention:read")
    page = as_client.get("/portal/retention/")
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    text = page.content.decode()
    assert "You are in care, so your record is kept." in text
    assert "Kept until" not in text
    # The rule of the practice's pack (California), with its citation and how far it was checked.
    assert "Cal. Bus. &amp; Prof. Code 2919" in text and "7 years after the last contact" in text
    assert _events("portal:retention:read") == before + 1


def test_after_discharge_the_client_sees_the_date_and_the_minors_rule(
        bob: Person, client_account: ClientAccount, as_client: Browser) -> None:
    lifecycle.discharge(vault_of(bob), client_account.client.public_id, last_contact=LAST_CONTACT)
    text = as_client.get("/portal/retention/").content.decode()
    until = LAST_CONTACT.replace(year=LAST_CONTACT.year + 7)
    assert f'<time datetime="{until.isoformat()}">' in text
    assert "Kept until" in text
    assert "at least until your 25th birthday" in text
    assert "legal hold" not in text


def test_an_override_and_a_hold_are_shown_without_their_reasons(
        alice: Person, bob: Person, client_account: ClientAccount, as_client: Browser) -> None:
    client = client_account.client
    lifecycle.discharge(vault_of(bob), client.public_id, last_contact=LAST_CONTACT)
    later = LAST_CONTACT.replace(year=LAST_CONTACT.year + 10)
    lifecycle.set_override(vault_of(alice), client.public_id, until=later, reason="Ongoing complaint to the board")
    lifecycle.place_hold(vault_of(alice), client.public_id, kind="litigation",
                         reason="Subpoena from Quarrendon County court")
    text = as_client.get("/portal/retention/").content.decode()
    assert f'<time datetime="{later.isoformat()}">' in text and "a date the practice set" in text
    assert "A legal hold is on your record." in text
    assert "Quarrendon" not in text and "complaint" not in text
    # The override replaces the formula, so the minors' sentence is not offered beside it.
    assert "birthday, which may be later" not in text


def test_staff_and_strangers_cannot_open_the_clients_page(bob: Person, relaxed: object) -> None:
    anonymous = Browser().get("/portal/retention/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    staff = Browser()
    sign_in(staff, bob.email, bob.password)
    assert staff.get("/portal/retention/").status_code == 403


def test_only_get_is_answered(as_client: Browser) -> None:
    assert as_client.post("/portal/retention/").status_code == 405


def test_the_home_and_privacy_pages_link_to_it(as_client: Browser) -> None:
    for path in ("/portal/privacy/",):
        assert 'href="/portal/retention/"' in as_client.get(path).content.decode()
