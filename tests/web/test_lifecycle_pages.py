"""The retention pages: the date and rule on the chart, holds, approval, confirmation and the certificate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from confide.lifecycle import services as lifecycle
from confide.lifecycle.models import DestructionRequest, LegalHold, Tombstone
from confide.practice.models import Practice
from confide.records import services as records
from confide.records.models import Client
from tests.accounts.test_signin import sign_in
from tests.conftest import PASSWORD, Person
from tests.records.conftest import vault_of

LONG_AGO = timezone.localdate() - dt.timedelta(days=365 * 12)


@pytest.fixture
def discharged(relaxed: Practice, alice: Person, bob: Person) -> Client:
    client = records.create_client(vault_of(bob), records.Demographics(given_name="Ivo", family_name="Pennywhistle",
                                                                       date_of_birth="1970-02-02"))
    lifecycle.discharge(vault_of(bob), client.public_id, last_contact=LONG_AGO)
    return client


def _browser(person: Person) -> HttpClient:
    http = HttpClient()
    sign_in(http, person.email, PASSWORD)
    return http


def test_the_chart_and_the_retention_page_show_the_date_and_the_rule(discharged: Client, bob: Person) -> None:
    http = _browser(bob)
    chart = http.get(f"/clients/{discharged.public_id}/").content.decode()
    until = LONG_AGO.replace(year=LONG_AGO.year + 7)
    assert "Kept until" in chart and "Cal. Bus. &amp; Prof. Code 2919" in chart and "verified" in chart
    page = http.get(f"/clients/{discharged.public_id}/retention/")
    assert page.status_code == 200
    assert until.strftime("%Y-%m-%d") in page.content.decode()
    assert "Place a legal hold" not in page.content.decode()  # the owner's form only


def test_the_owner_places_a_hold_that_the_care_team_sees_and_bad_input_is_refused(
        discharged: Client, alice: Person, bob: Person) -> None:
    http = _browser(alice)
    url = f"/clients/{discharged.public_id}/retention/"
    assert http.post(url, {"action": "hold", "kind": "litigation", "reason": "short"}).status_code == 400
    assert http.post(url, {"action": "hold", "kind": "nonsense", "reason": "A long enough reason"}).status_code == 400
    assert http.post(url, {"action": "nothing"}).status_code == 400
    assert not LegalHold.objects.exists()
    assert http.post(url, {"action": "hold", "kind": "subpoena", "reason": "Subpoena 77 of 2026"}).status_code == 302
    assert "Subpoena 77 of 2026" in _browser(bob).get(url).content.decode()
    lift = {"action": "lift", "hold": str(LegalHold.objects.get().public_id)}
    assert _browser(bob).post(url, lift).status_code == 404
    assert http.post(f"/practice/retention/{discharged.public_id}/approve").status_code == 400


def test_approval_confirmation_and_certificate_through_the_pages(discharged: Client, alice: Person,
                                                                 bob: Person) -> None:
    owner = _browser(alice)
    assert "past its date" in owner.get("/practice/retention/").content.decode()
    assert _browser(bob).post(f"/practice/retention/{discharged.public_id}/approve").status_code == 404
    assert owner.post(f"/practice/retention/{discharged.public_id}/approve").status_code == 302
    request = DestructionRequest.objects.get()
    confirm = f"/practice/retention/requests/{request.public_id}/confirm"
    assert owner.post(confirm, {"confirm_text": "DESTROY"}).status_code == 400  # the approver cannot confirm
    clinician = _browser(bob)
    assert clinician.post(confirm, {"confirm_text": "yes"}).status_code == 400
    assert Client.objects.filter(pk=discharged.pk).exists()
    assert clinician.post(confirm, {"confirm_text": "DESTROY"}).status_code == 302
    assert not Client.objects.filter(pk=discharged.pk).exists()
    tombstone = Tombstone.objects.get()
    pdf = owner.get(f"/practice/retention/certificates/{tombstone.client_public_id}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert b"Pennywhistle" not in pdf.content
    assert clinician.get(f"/practice/retention/certificates/{tombstone.client_public_id}.pdf").status_code == 404


def test_the_policy_form_validates(relaxed: Practice, alice: Person) -> None:
    http = _browser(alice)
    assert http.post("/practice/retention/", {"extra_years": "-1", "solo_wait_days": "14"}).status_code == 400
    assert http.post("/practice/retention/", {"extra_years": "2", "solo_wait_days": "30"}).status_code == 302
    policy = lifecycle.policy_for(relaxed.pk)
    assert (policy.extra_years, policy.solo_wait_days) == (2, 30)
