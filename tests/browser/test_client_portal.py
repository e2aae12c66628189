"""The client's path through the portal in a real browser, against a real `confide serve` and SMTP server.

The owner (also the client's clinician here) registers a client and invites her; the client opens
the link from the mail as delivered, creates her account, signs the consent; the clinician sees it
signed on the chart; the practice's policy changes; the client is asked to re-consent, and does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_staff_onboarding import enrol_totp, shoot, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "wren.portal@example.test"
CLIENT_PASSWORD = "saffron kettle glacier whistle"
# Fictional client data that must never appear in a mail.
GIVEN, FAMILY = "Wrenna", "Thistlewood"


def mail_text(message: object) -> str:
    return f"{message['Subject']}\n{message.get_content()}"  # type: ignore[index, attr-defined]


def sign_consent(page: Page, name: str, problems: BrowserProblems) -> None:
    page.wait_for_url("**/portal/consent/")
    problems.expect_error_page(page.url)  # the first, empty submission is answered with a 400
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("article.consent-text")).to_contain_text("Document fingerprint")
    page.get_by_role("button", name="Sign the consent").click()
    expect(page.get_by_role("alert").first).to_contain_text("Tick the box")
    page.get_by_label("I have read this document and I understand it.").check()
    page.get_by_label("Type your full name to sign").fill(name)
    page.get_by_role("button", name="Sign the consent").click()
    page.wait_for_url("**/portal/documents/")
    expect(page.get_by_role("status")).to_contain_text("Your signed copy is under Your documents")


def test_a_client_joins_signs_consent_and_re_consents_after_a_policy_change(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    alice = new_context().new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)

    # The owner registers a client with herself as primary clinician.
    alice.goto(confide.at("/clients/new"))
    alice.get_by_label("Given name").fill(GIVEN)
    alice.get_by_label("Family name").fill(FAMILY)
    alice.get_by_label("Primary clinician").select_option(index=1)
    alice.get_by_role("button", name="Register client").click()
    alice.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = alice.url
    consent_panel = alice.locator("#consent")
    expect(consent_panel).to_contain_text("No consent signed")

    alice.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alice.get_by_role("button", name="Send portal invitation").click()
    expect(alice.get_by_role("status")).to_contain_text("Portal invitation sent.")

    mail = confide.mailbox.wait_for(CLIENT_EMAIL)
    text = mail_text(mail)
    assert mail["Subject"] == "Your invitation to a secure portal"
    assert not mail.is_multipart()
    for secret in (GIVEN, FAMILY, "Quiet Harbour", "alice", "Counselling", "therap"):
        assert secret.lower() not in text.lower(), secret
    links = re.findall(r"https?://\S+", text)
    assert len(links) == 1
    link = links[0]
    assert re.fullmatch(rf"{re.escape(confide.url)}/portal/join/[A-Za-z0-9_-]{{43}}/", link)

    # The client, on a phone-sized screen, opens the link and creates her account.
    client_context = new_context()
    wren = client_context.new_page()
    wren.set_viewport_size({"width": 390, "height": 844})
    wren.goto(link)
    expect(wren.get_by_role("heading", level=1)).to_have_text("Create your account")
    wren.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    wren.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    wren.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    wren.get_by_role("button", name="Create my account").click()
    # A client without consent is sent to read and sign it first.
    sign_consent(wren, f"{GIVEN} {FAMILY}", problems)
    expect(wren.locator("main")).to_contain_text(f"{GIVEN} {FAMILY}")
    with wren.expect_download() as download:
        wren.get_by_role("link", name=re.compile("Download PDF")).first.click()
    assert download.value.suggested_filename == "consent-version-1.pdf"
    shoot(wren, "portal-documents-mobile")

    # The portal pages work on a small screen without horizontal scrolling of the page itself.
    for path in ("/portal/", "/portal/privacy/", "/portal/access/", "/portal/check-in/"):
        wren.goto(confide.at(path))
        assert wren.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
    expect(wren.locator("main")).to_contain_text("Only you and your care team can read your answers")
    wren.goto(confide.at("/portal/access/?own=1"))  # the client's own actions are folded away by default
    expect(wren.locator("main")).to_contain_text("signed the consent document")
    # Staff pages are forbidden to a client.
    assert wren.request.get(confide.at("/clients/")).status == 403

    # The clinician sees it signed.
    alice.goto(chart_url)
    expect(alice.locator("#consent")).to_contain_text("Current consent signed")
    expect(alice.locator("#consent")).to_contain_text("version 1")
    shoot(alice, "chart-consent")

    # The practice's policy changes (its name is part of the consent text), so the text changes.
    alice.goto(confide.at("/practice/settings/"))
    alice.get_by_label("Practice name").fill("Quiet Harbour Counselling and Family Therapy")
    alice.get_by_role("button", name="Save settings").click()
    expect(alice.get_by_role("status")).to_contain_text("Practice settings saved.")
    alice.goto(chart_url)
    expect(alice.locator("#consent")).to_contain_text("Outdated: needs re-consent")
    # The new version is issued at once and the client gets a notice that names nobody.
    deadline = time.monotonic() + 30
    while not (notices := [m for m in confide.mailbox._messages if "waiting for you" in str(m["Subject"])]):
        assert time.monotonic() < deadline, "no re-consent notice arrived"
        time.sleep(0.2)
    assert len(notices) == 1 and CLIENT_EMAIL in str(notices[0]["To"])
    for secret in (GIVEN, FAMILY, "Quiet Harbour", "consent"):
        assert secret.lower() not in mail_text(notices[0]).lower()

    # On her next visit the client is asked to re-consent, and she does.
    wren.goto(confide.at("/portal/"))
    wren.wait_for_url("**/portal/consent/")
    expect(wren.get_by_role("status")).to_contain_text("updated its consent document")
    expect(wren.locator("main")).to_contain_text("Version 2")
    sign_consent(wren, f"{GIVEN} {FAMILY}", problems)
    expect(wren.locator("tbody tr")).to_have_count(2)

    assert len([m for m in confide.mailbox._messages if "waiting for you" in str(m["Subject"])]) == 1

    alice.goto(chart_url)
    expect(alice.locator("#consent")).to_contain_text("Current consent signed")
    expect(alice.locator("#consent")).to_contain_text("version 2")

    problems.assert_none()
