"""The duty-to-warn workflow in a real browser, end to end.

The owner (also a clinician) registers a fictional client, walks every step of the guided
workflow, including the refusal of an incomplete step, records the disclosure and finds it in
the client's accounting of disclosures. Chromium talks to a real `confide serve`; the browser
reports any console error or Content-Security-Policy violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_staff_onboarding import enrol_totp, shoot, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]


def test_a_clinician_records_a_duty_to_warn_disclosure(confide: Confide, new_context: NewContext,
                                                      problems: BrowserProblems) -> None:
    page = new_context().new_page()
    sign_in_with_password(page, confide, "alice@example.test", OWNER_PASSWORD)
    page.wait_for_url("**/account/security/")
    enrol_totp(page, OWNER_PASSWORD)

    page.goto(confide.at("/clients/new"))
    page.get_by_label("Given name").fill("Bartholomew")
    page.get_by_label("Family name").fill("Underhill")
    page.get_by_role("button", name="Register client").click()
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = page.url

    page.get_by_role("link", name="Authorizations, disclosures and the accounting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Disclosures")
    page.get_by_role("link", name="Duty to warn, mandatory report or emergency").click()
    page.get_by_label("Duty to warn or protect").check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/disclosures/emergency/[0-9a-f-]{36}/$"))
    workflow_url = page.url
    assert "Underhill" not in workflow_url and "Bartholomew" not in workflow_url

    # Step 1: the risk. Leaving out the means is refused, with the message next to the field.
    expect(page.get_by_role("heading", level=2)).to_have_text("Step 1: Risk")
    page.get_by_label("The threat").fill("Said he would burn down his former employer's warehouse tonight")
    page.get_by_label("Who is at risk").fill("The night watchman at the warehouse")
    page.get_by_label("How imminent").select_option("imminent")
    problems.expect_error_page(workflow_url)  # the refused step answers 400
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#id_means_error")).to_have_text("Means is required.")
    page.get_by_label("Means").fill("Has bought petrol")
    page.get_by_label("History").fill("No prior violence known")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: the law where the practice is, and the consultation.
    expect(page.get_by_role("heading", level=2)).to_have_text("Step 2: Law and consultation")
    expect(page.locator("main")).to_contain_text("decision support, not legal advice")
    expect(page.locator("main")).to_contain_text("Cal. Civ. Code 43.92")
    expect(page.locator("main")).to_contain_text("Confirmed against the text")
    expect(page.locator("main")).to_contain_text("has not yet reviewed and confirmed these rules")
    page.get_by_label("I have read the rule above").check()
    page.get_by_label("I consulted someone").check()
    page.get_by_label("Who you consulted").fill("Dr. Quill, clinical supervisor")
    page.get_by_label(re.compile(r"^When you consulted")).fill("2026-11-20T20:30")
    page.get_by_label("Their advice").fill("Call the police now and warn the employer")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: minimum necessary, to whom and how.
    expect(page.get_by_role("heading", level=2)).to_have_text("Step 3: What, to whom and how")
    page.get_by_label("Disclosed to").select_option("police")
    page.get_by_label("Name of the recipient").fill("Harbour City Police, Sergeant Okafor")
    page.get_by_label("By phone").check()
    page.get_by_label("When it was disclosed").fill("2026-11-20T20:45")
    page.get_by_label("The client's name and identifying details", exact=True).check()
    page.get_by_label("The nature of the threat", exact=True).check()
    page.get_by_label("What was said").fill("His name, the threat and the place")
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: telling the client.
    expect(page.get_by_role("heading", level=2)).to_have_text("Step 4: Telling the client")
    page.get_by_label("Not yet: the client will be told").check()
    page.get_by_label("If not: why not").fill("Telling him tonight would raise the risk; at the next session")
    page.get_by_role("button", name="Save and continue").click()

    # Step 5: review what will be recorded, then record it.
    expect(page.get_by_role("heading", level=2)).to_have_text("Step 5: Review and record")
    review = page.locator("main")
    expect(review).to_contain_text("Has bought petrol")
    expect(review).to_contain_text("Dr. Quill, clinical supervisor")
    expect(review).to_contain_text("Harbour City Police, Sergeant Okafor")
    expect(review).to_contain_text("Cal. Civ. Code 43.92")
    page.get_by_label("This record is accurate and complete").check()
    page.get_by_role("button", name="Record the disclosure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Duty to warn or protect: recorded")
    expect(page.get_by_role("status")).to_contain_text("The disclosure is recorded.")
    shoot(page, "emergency-disclosure-recorded")

    # The disclosure is in the internal record and in the client's accounting.
    page.goto(workflow_url.split("/emergency/")[0] + "/")
    expect(page.locator("main")).to_contain_text("Harbour City Police, Sergeant Okafor")
    page.get_by_role("link", name="Accounting of disclosures").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounting of disclosures")
    expect(page.locator("table")).to_contain_text("Harbour City Police, Sergeant Okafor")
    expect(page.locator("table")).to_contain_text("Duty to warn or protect")
    assert page.title() == "Accounting of disclosures · Confide"
    page.goto(chart_url)
    problems.assert_none()
