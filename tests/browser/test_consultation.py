"""A consultation in a real browser: prepare, review (undo one, add one), approve, share.

The consultant, a supervisor of the same practice on no care team, reads only the de-identified
text and gets 404 on the chart. Chromium talks to a real `confide serve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_staff_onboarding import enrol_totp, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
ERIN_PASSWORD = "tidewater quarry lantern fernhollow"
QUESTION = ("Rosalind Underhill told me on March 3 that her husband Bartholomew works nights at the "
            "Quillfeather Lantern Club. How would you pace exposure work?")


def test_a_clinician_shares_a_reviewed_summary_with_a_consultant_who_cannot_open_the_chart(
        confide: Confide, new_context: NewContext, problems: BrowserProblems) -> None:
    alice = new_context().new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)

    # Erin, a supervisor on no care team, joins the practice.
    alice.goto(confide.at("/practice/staff/"))
    alice.get_by_label("E-mail address").fill("erin@example.test")
    alice.get_by_label("Role").select_option("supervisor")
    alice.get_by_role("button", name="Send invitation").click()
    link = re.findall(r"https?://\S+", confide.mailbox.wait_for("erin@example.test").get_content())[0]
    erin = new_context().new_page()
    erin.goto(link)
    erin.get_by_label("Your name as colleagues see it").fill("Erin Example")
    erin.locator("input[name=password1]").fill(ERIN_PASSWORD)
    erin.locator("input[name=password2]").fill(ERIN_PASSWORD)
    erin.get_by_role("button", name="Create my account").click()
    erin.wait_for_url("**/account/security/")
    enrol_totp(erin, ERIN_PASSWORD)

    alice.goto(confide.at("/clients/new"))
    alice.get_by_label("Given name").fill("Rosalind")
    alice.get_by_label("Family name").fill("Underhill")
    alice.get_by_role("button", name="Register client").click()
    alice.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = alice.url

    # Prepare.
    alice.get_by_role("link", name="Consult a colleague on a de-identified summary").click()
    alice.get_by_role("link", name="Prepare a consultation").click()
    alice.get_by_label("Your question for the consultant").fill(QUESTION)
    alice.get_by_label(re.compile("Other people and places")).fill("PARTNER: Bartholomew")
    # The first de-identification in a server process loads the language model (tens of seconds).
    alice.get_by_role("button", name="De-identify and review").click(timeout=180_000)
    alice.wait_for_url(re.compile(r"/consultations/[0-9a-f-]{36}/$"))
    assert "Underhill" not in alice.url
    output = alice.locator(".deid-output").first
    expect(output).to_contain_text("[CLIENT]")
    expect(output).not_to_contain_text("Bartholomew")

    # Review: keep the date as written (undo one replacement), and replace the club's name.
    alice.get_by_text("Replacements in this part, with reasons").first.click()
    alice.get_by_role("button", name=re.compile("Keep “March 3”")).click()
    expect(alice.locator(".deid-output").first).to_contain_text("March 3")
    alice.get_by_label("Words to replace wherever they occur").fill("Quillfeather Lantern Club")
    alice.get_by_role("button", name="Replace these words").click()
    expect(alice.locator(".deid-output").first).not_to_contain_text("Quillfeather")

    # Approve, then share with Erin.
    alice.get_by_role("button", name="Approve this summary").click()
    expect(alice.locator("#approved-summary")).to_contain_text("pace exposure work")
    alice.get_by_label("A consultant in the practice").select_option(label="erin@example.test (Supervisor)")
    alice.get_by_role("button", name="Share the summary").click()
    expect(alice.get_by_role("status")).to_contain_text("Shared")

    # Erin sees the de-identified text only, and the chart is a 404 for her.
    erin.goto(confide.at("/consultations/"))
    erin.get_by_role("link", name=re.compile("Summary approved")).click()
    summary = erin.locator("#shared-summary")
    expect(summary).to_contain_text("pace exposure work")
    expect(summary).to_contain_text("March 3")
    for original in ("Rosalind", "Underhill", "Bartholomew", "Quillfeather"):
        expect(summary).not_to_contain_text(original)
        expect(erin.locator("body")).not_to_contain_text(original)
    problems.expect_error_page(chart_url)
    assert erin.goto(chart_url).status == 404  # type: ignore[union-attr]

    problems.assert_none()
