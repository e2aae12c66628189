"""Authorizations and the accounting on the client's side, in a real browser against a real `confide serve`.

The clinician prepares an authorization; the client, on a phone-sized screen, reads it, is told
what is missing, signs it and later revokes it; the clinician sees each step. The client's pages
have no serious or critical axe-core violation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.a11y.test_axe import AXE, axe_violations
from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_client_portal import sign_consent
from tests.browser.test_staff_onboarding import enrol_totp, shoot, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "juniper.portal@example.test"
CLIENT_PASSWORD = "lantern orchard pebble quiet"
RECIPIENT = "Dr. Ottoline Brackenridge"


def test_a_client_signs_and_revokes_an_authorization_prepared_by_the_clinician(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    alice = new_context().new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)
    alice.goto(confide.at("/clients/new"))
    alice.get_by_label("Given name").fill("Juniper")
    alice.get_by_label("Family name").fill("Ashcombe")
    alice.get_by_label("Primary clinician").select_option(index=1)
    alice.get_by_role("button", name="Register client").click()
    alice.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = alice.url
    alice.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alice.get_by_role("button", name="Send portal invitation").click()
    link = re.findall(r"https?://\S+", confide.mailbox.wait_for(CLIENT_EMAIL).get_content())[0]

    client_context = new_context()
    client_context.add_init_script(path=str(AXE))
    client = client_context.new_page()
    client.set_viewport_size({"width": 390, "height": 844})
    client.goto(link)
    client.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    client.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    client.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Create my account").click()
    sign_consent(client, "Juniper Ashcombe", problems)

    # The clinician prepares an authorization for the portal.
    alice.goto(chart_url + "disclosures/")
    alice.get_by_role("link", name="Prepare an authorization to sign in the portal").click()
    alice.get_by_label("Progress notes").check()
    for name, value in (("description", "Progress notes from January to March 2026"),
                        ("discloser", "Quiet Harbour Counselling"), ("recipient_name", RECIPIENT),
                        ("purposes", "Continuity of care at the request of the client"),
                        ("expiry_event", "One year after signing"), ("signer_name", "Juniper Ashcombe")):
        alice.locator(f"[name={name}]").fill(value)
    alice.get_by_role("button", name="Send to the portal for signature").click()
    expect(alice.get_by_role("status")).to_contain_text("waits for the client's signature")
    expect(alice.locator("main")).to_contain_text("Waiting for the client's signature in the portal")

    # The client reads it and signs, after being told what was missing.
    client.goto(confide.at("/portal/"))
    client.get_by_role("link", name=re.compile("1 authorization waiting for your signature")).click()
    violations = axe_violations(client, "portal authorizations")
    client.get_by_role("link", name="Read it and decide").click()
    expect(client.locator("main")).to_contain_text(RECIPIENT)
    expect(client.locator("main")).to_contain_text("You may revoke this authorization at any time")
    violations += axe_violations(client, "portal authorization to sign")
    problems.expect_error_page(client.url)  # the empty submission is answered with a 400
    client.get_by_role("button", name="Sign the authorization").click()
    expect(client.get_by_role("alert").first).to_contain_text("Tick the box")
    client.get_by_label("I have read this authorization and I understand it.").check()
    client.get_by_label("Type your full name to sign").fill("Juniper Ashcombe")
    client.get_by_role("button", name="Sign the authorization").click()
    client.wait_for_url("**/portal/authorizations/")
    expect(client.get_by_role("status")).to_contain_text("The authorization is signed")
    expect(client.locator("main")).to_contain_text("Signed")
    assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shoot(client, "portal-authorizations-mobile")

    alice.goto(chart_url + "disclosures/")
    alice.get_by_role("link", name=re.compile(r"\d")).filter(has_text=re.compile(r"20\d\d")).first.click()
    expect(alice.locator("main")).to_contain_text("In the client portal")

    # The client revokes it; the clinician sees it revoked and is told on the home page.
    # Revoking cannot be undone, so it asks once before it is done.
    client.get_by_text("Revoke this authorization").click()
    expect(client.locator("main")).to_contain_text("a revoked authorization cannot be restored")
    client.get_by_role("button", name="Yes, revoke it").click()
    expect(client.get_by_role("status")).to_contain_text("Nothing more will be disclosed under it")
    expect(client.locator("main")).to_contain_text("by you in this portal")
    alice.reload()
    expect(alice.locator("main")).to_contain_text("by the client in the portal")
    alice.goto(confide.at("/"))
    expect(alice.locator("main")).to_contain_text("A client revoked an authorization in the portal")

    client.goto(confide.at("/portal/disclosures/"))
    expect(client.locator("main")).to_contain_text("Nothing to list")
    violations += axe_violations(client, "portal disclosures")
    with client.expect_download() as download:
        client.get_by_role("link", name="Download this list as a PDF").click()
    assert download.value.suggested_filename == "accounting-of-disclosures.pdf"
    client.goto(confide.at("/portal/access/?own=1"))  # the client's own actions are folded away by default
    expect(client.locator("main")).to_contain_text("signed an authorization to disclose information")

    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
    problems.assert_none()
