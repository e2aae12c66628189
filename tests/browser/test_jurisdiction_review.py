"""The owner's setup in a real browser: review and confirm the jurisdiction's rules, set the
consent policies, preview the consent document and download its PDF with the version hash."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pypdf
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_staff_onboarding import enrol_totp, shoot, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]


def test_the_owner_confirms_the_rules_and_previews_the_consent_document(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    alice = new_context().new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)

    alice.goto(confide.at("/"))
    expect(alice.locator("main")).to_contain_text("rules are not confirmed")
    alice.get_by_role("link", name="Review and confirm them").click()
    alice.wait_for_url("**/practice/jurisdiction/")
    expect(alice.locator("main")).to_contain_text("Decision support, not legal advice.")
    expect(alice.locator("main")).to_contain_text("Cal. Civ. Code 43.92")

    # Alaska's duty-to-warn row comes from a secondary table with no citation, and its other rules
    # were never researched: both are flagged.
    alice.get_by_label("Where the practice works").select_option("US-AK")
    alice.get_by_role("button", name="Change jurisdiction").click()
    expect(alice.get_by_role("status").first).to_contain_text("Jurisdiction set to United States, Alaska")
    expect(alice.locator("strong.warning", has_text="Secondary table").first).to_be_visible()
    expect(alice.locator("strong.warning", has_text="Not researched").first).to_be_visible()
    expect(alice.locator("main")).to_contain_text("No citation recorded")

    # Confirming without ticking the box is refused next to the box.
    problems.expect_error_page(confide.at("/practice/jurisdiction/"))  # that refusal is a 400
    alice.get_by_role("button", name="Confirm these rules").click()
    expect(alice.locator("main")).to_contain_text("Tick the box to confirm that you reviewed the rules.")
    alice.get_by_label(re.compile("I have reviewed every rule above")).check()
    alice.get_by_role("button", name="Confirm these rules").click()
    expect(alice.get_by_role("status").first).to_contain_text("You confirmed the practice's jurisdiction rules.")
    expect(alice.locator("main")).to_contain_text("Confirmed by")
    shoot(alice, "jurisdiction-review")

    alice.get_by_role("link", name="Consent policies and the consent document").click()
    alice.wait_for_url("**/practice/consent/")
    alice.get_by_label("We use e-mail or text messages with clients").check()
    alice.get_by_label("Privacy complaints go to").fill("The practice owner, 555-0100")
    alice.get_by_role("button", name="Save policies").click()
    expect(alice.get_by_role("status").first).to_contain_text("Consent policies saved.")

    alice.get_by_role("link", name="Preview the document").click()
    alice.wait_for_url("**/practice/consent/preview")
    expect(alice.locator("article")).to_contain_text("You may reach us by e-mail or text.")
    expect(alice.locator("article")).to_contain_text("555-0100")
    version = alice.locator("main p.help .code").first.inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", version)
    shoot(alice, "consent-preview")

    # WeasyPrint's first PDF in a fresh server process loads its fonts, which takes a while on a busy machine.
    with alice.expect_download(timeout=120_000) as download_info:
        alice.get_by_role("link", name="Download PDF").click(timeout=120_000)
    download = download_info.value
    assert download.suggested_filename == f"consent-{version[:16]}.pdf"
    path = download.path()
    content = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert version in content.replace("\n", "")

    problems.assert_none()
