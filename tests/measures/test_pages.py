"""Intake and measures over HTTP: the chart's trend (SVG and table), the care team's page, the portal forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client as Browser

from confide.measures import services
from confide.measures.models import Assignment, IntakePacket, Submission
from confide.portal.models import ClientAccount
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of
from tests.web.test_records_pages import browser_of


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    assert sign_in(http, client_account.user.email, CLIENT_PASSWORD).status_code == 302
    return http


def _answer(account: ClientAccount, kind: str, items: list[int]) -> Submission:
    [assignment] = [a for a in services.open_assignments(account) if a.kind == kind]
    return services.submit_measure(client_vault_of(account), account, assignment.public_id, items)


def test_the_chart_shows_the_trend_as_svg_and_as_a_table(bob: Person, client_account: ClientAccount) -> None:
    client_id = client_account.client.public_id
    for items in ([2] * 8 + [0], [1] * 8 + [0]):
        services.send_measure(vault_of(bob), client_id, kind="phq9")
        _answer(client_account, "phq9", items)
    response = browser_of(bob).get(f"/clients/{client_id}/")
    page = response.content.decode()
    assert response.status_code == 200
    svg = re.search(r"<svg class=\"trend-chart\".*?</svg>", page, re.S)
    assert svg is not None and "<script" not in svg.group(0) and "<polyline" in svg.group(0)
    assert "<caption>PHQ-9 totals, oldest first (the same data as the chart)</caption>" in page
    assert "<td>16 / 27</td><td>moderately severe</td>" in page and "<td>8 / 27</td><td>mild</td>" in page
    assert "item 9 was answered positively" not in page


def test_a_positive_item_9_is_flagged_on_the_chart_with_the_risk_workflow(
        bob: Person, client_account: ClientAccount) -> None:
    client_id = client_account.client.public_id
    services.send_measure(vault_of(bob), client_id, kind="phq9")
    submission = _answer(client_account, "phq9", [0] * 8 + [2])
    browser = browser_of(bob)
    page = browser.get(f"/clients/{client_id}/").content.decode()
    assert "PHQ-9 item 9 was answered positively" in page
    assert f'href="/clients/{client_id}/disclosures/"' in page and f'href="/clients/{client_id}/notes/new"' in page
    response = browser.post(f"/clients/{client_id}/measures/submissions/{submission.public_id}/review")
    assert response.status_code == 302
    assert "item 9 was answered positively" not in browser.get(f"/clients/{client_id}/").content.decode()


def test_the_care_team_sends_forms_and_bad_choices_are_a_400(bob: Person, client_account: ClientAccount) -> None:
    client_id = client_account.client.public_id
    browser = browser_of(bob)
    assert browser.get(f"/clients/{client_id}/measures/").status_code == 200
    for data in ({"what": "measure:pcl5"}, {"what": ""}, {"what": "packet:00000000-0000-0000-0000-000000000000"},
                 {"what": "measure:phq9", "repeat_days": "3"}):
        response = browser.post(f"/clients/{client_id}/measures/send", data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert not Assignment.objects.exists()
    response = browser.post(f"/clients/{client_id}/measures/send", {"what": "measure:gad7", "repeat_days": "28"})
    assert response.status_code == 302
    assert Assignment.objects.get().repeat_days == 28
    assert browser.post(f"/clients/{client_id}/measures/share", {"shared": "maybe"}).status_code == 400
    assert browser.post(f"/clients/{client_id}/measures/share", {"shared": "yes"}).status_code == 302
    assert services.trend_shared(client_account.client)


def test_people_outside_the_care_team_get_404(alice: Person, carol: Person, dana: Person, charlie: Person,
                                              bob: Person, client_account: ClientAccount) -> None:
    client_id = client_account.client.public_id
    for person in (dana, charlie):
        browser = browser_of(person)
        assert browser.get(f"/clients/{client_id}/measures/").status_code == 404
        assert browser.post(f"/clients/{client_id}/measures/send", {"what": "measure:phq9"}).status_code == 404
    assert not Assignment.objects.exists()


def test_a_practice_defines_a_packet_and_bad_input_is_a_400(bob: Person, dana: Person) -> None:
    browser = browser_of(bob)
    assert browser.post("/practice/packets/", {"name": "", "include_phq9": "on"}).status_code == 400
    assert browser.post("/practice/packets/", {"name": "Empty"}).status_code == 400  # no part at all
    assert browser.post("/practice/packets/", {"name": "Intake", "history_questions": "q\n" * 31}).status_code == 400
    assert not IntakePacket.objects.exists()
    response = browser.post("/practice/packets/", {
        "name": "Intake", "consent_text": "Read me", "ask_demographics": "on",
        "history_questions": "What brings you here?\nAny past therapy?", "include_phq9": "on", "include_gad7": "on"})
    assert response.status_code == 302
    packet = IntakePacket.objects.get()
    assert packet.measures == ["phq9", "gad7"]
    assert packet.history_questions == ["What brings you here?", "Any past therapy?"]
    assert browser_of(dana).get("/practice/packets/").status_code == 404


def test_the_client_completes_intake_and_measures_in_the_portal(bob: Person, client_account: ClientAccount,
                                                                as_client: Browser) -> None:
    client_id = client_account.client.public_id
    packet = services.create_packet(vault_of(bob), name="Intake", consent_text="Read me",
                                    history_questions=["What brings you here?"], measures=["phq9"])
    intake, phq9 = services.send_intake(vault_of(bob), client_id, packet.public_id)
    page = as_client.get("/portal/forms/").content.decode()
    assert f"/portal/forms/{intake.public_id}/" in page and f"/portal/forms/{phq9.public_id}/" in page
    assert as_client.get("/portal/forms/").headers["Cache-Control"] == "no-store"

    refused = as_client.post(f"/portal/forms/{intake.public_id}/", {"history_1": "Sleep"})
    assert refused.status_code == 400 and "confirm that you have read" in refused.content.decode()
    done = as_client.post(f"/portal/forms/{intake.public_id}/", {"consent": "on", "pronouns": "she/her",
                                                                 "history_1": "Sleep, mostly"})
    assert done.status_code == 302

    missing = as_client.post(f"/portal/forms/{phq9.public_id}/", {f"item_{n}": "1" for n in range(1, 9)})
    assert missing.status_code == 400 and "Choose one answer." in missing.content.decode()
    wrong = as_client.post(f"/portal/forms/{phq9.public_id}/", {f"item_{n}": "7" for n in range(1, 10)})
    assert wrong.status_code == 400
    assert as_client.post(f"/portal/forms/{phq9.public_id}/",
                          {f"item_{n}": "1" for n in range(1, 10)}).status_code == 302
    assert as_client.get(f"/portal/forms/{phq9.public_id}/").status_code == 404  # answered already
    chart = browser_of(bob).get(f"/clients/{client_id}/").content.decode()
    assert "Sleep, mostly" in chart and "<td>9 / 27</td><td>mild</td>" in chart


def test_the_client_sees_their_results_only_when_shared(bob: Person, client_account: ClientAccount,
                                                       as_client: Browser) -> None:
    services.send_measure(vault_of(bob), client_account.client.public_id, kind="gad7")
    _answer(client_account, "gad7", [3] * 7)
    assert "has not shared" in as_client.get("/portal/results/").content.decode()
    services.set_trend_shared(vault_of(bob), client_account.client.public_id, shared=True)
    page = as_client.get("/portal/results/").content.decode()
    assert "<td>21 / 21</td><td>severe</td>" in page and "Item 9" not in page and "<svg" in page


def test_staff_get_403_on_the_portal_forms_and_clients_on_staff_pages(bob: Person, client_account: ClientAccount,
                                                                      as_client: Browser) -> None:
    assert browser_of(bob).get("/portal/forms/").status_code == 403
    response = as_client.get(f"/clients/{client_account.client.public_id}/measures/")
    assert response.status_code in (403, 404)
