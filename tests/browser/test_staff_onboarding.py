"""Staff onboarding in a real browser: the owner enrols a second factor and invites a clinician,
who joins from the e-mailed link, enrols her own second factor and signs in again.

Chromium talks to a real `confide serve` (two worker processes) that sends its mail to a real
SMTP server, so these tests see what a person sees: redirects, the Content-Security-Policy,
the JavaScript of allauth's pages and the mail as delivered.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import SHOTS_DIR, BrowserProblems, Confide
from tests.conftest import totp_code
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

ERIN_PASSWORD = "tidal lighthouse juniper marmalade"
TOTP_PERIOD = 30
# A code typed in the last moments of its 30-second window may reach the server in the next
# one, where allauth (no tolerance) refuses it; wait for a fresh window instead.
TOTP_MARGIN_SECONDS = 4

NewContext = Callable[[], BrowserContext]


def current_totp_counter() -> int:
    return int(next(iter(yield_hotp_counters_from_time())))


def fresh_totp(secret: str, not_in_window: int | None = None) -> tuple[str, int]:
    """A TOTP code with time left to be accepted, from a window other than `not_in_window`.

    A code is accepted once only, so a sign-in right after enrolment must wait for the next window.
    Returns the code and its window (counter).
    """
    while True:
        now = time.time()
        if TOTP_PERIOD - now % TOTP_PERIOD >= TOTP_MARGIN_SECONDS and current_totp_counter() != not_in_window:
            return totp_code(secret), current_totp_counter()
        time.sleep(0.25)


def sign_in_with_password(page: Page, confide: Confide, email: str, password: str, host: str = "127.0.0.1") -> None:
    page.goto(confide.at("/accounts/login/", host))
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def enrol_totp(page: Page, password: str) -> tuple[str, int]:
    """From the account security page, set up an authenticator app.

    Returns the secret and the window of the code used to activate it.
    """
    page.get_by_role("link", name="Set up an authenticator app").click()
    # allauth asks for the password again before a second factor changes.
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Confirm", exact=True).click()
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), "the secret is shown for manual entry"
    code, window = fresh_totp(secret)
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="Activate", exact=True).click()
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    expect(page.locator("main")).to_contain_text("Recovery codes")
    return secret, window


def sign_out(page: Page) -> None:
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    expect(page.locator("header")).not_to_contain_text("Sign out")


def shoot(page: Page, name: str) -> Path:
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_owner_invites_a_clinician_who_joins_with_a_second_factor(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    alice = new_context().new_page()

    # The practice requires a second factor, so the owner's first sign-in ends at enrolment.
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    expect(alice.get_by_role("alert")).to_contain_text("Your practice requires a second factor")
    enrol_totp(alice, OWNER_PASSWORD)

    alice.locator("nav").get_by_role("link", name="Staff").click()
    alice.wait_for_url("**/practice/staff/")
    alice.get_by_label("E-mail address").fill("erin@example.test")
    alice.get_by_label("Role").select_option("clinician")
    alice.get_by_role("button", name="Send invitation").click()
    expect(alice.get_by_role("status")).to_contain_text("Invitation sent to erin@example.test.")
    expect(alice.locator("main")).to_contain_text("Pending")

    # The mail names the practice and the role and carries a single-use link; nothing else.
    mail = confide.mailbox.wait_for("erin@example.test")
    assert mail["Subject"] == "You are invited to join Quiet Harbour Counselling on Confide"
    assert not mail.is_multipart(), "plain text only: no HTML, no attachments"
    body = mail.get_content()
    links = re.findall(r"https?://\S+", body)
    assert len(links) == 1, body
    link = links[0]
    assert re.fullmatch(rf"{re.escape(confide.url)}/invite/[A-Za-z0-9_-]{{43}}/", link), "an opaque token, no query"
    assert "Quiet Harbour Counselling" in body and "Clinician" in body
    assert "@" not in body.replace(link, ""), "no e-mail address, not even the inviter's"
    assert "alice" not in body.lower()

    # Erin opens the link in her own browser.
    erin = new_context().new_page()
    erin.goto(link)
    expect(erin.get_by_role("heading", level=1)).to_have_text("Join Quiet Harbour Counselling")
    expect(erin.locator("main")).to_contain_text("erin@example.test")
    erin.get_by_label("Your name as colleagues see it").fill("Erin Example")
    erin.locator("input[name=password1]").fill(ERIN_PASSWORD)
    erin.locator("input[name=password2]").fill(ERIN_PASSWORD)
    erin.get_by_role("button", name="Create my account").click()
    erin.wait_for_url("**/account/security/")
    expect(erin.get_by_role("status")).to_contain_text("Welcome to Confide")
    secret, enrolled_in = enrol_totp(erin, ERIN_PASSWORD)

    erin.goto(confide.at("/account/security/"))
    expect(erin.locator("main")).to_contain_text("enrolled")
    expect(erin.locator("main")).to_contain_text("this device")
    shoot(erin, "account-security")

    # The link worked once.
    stranger = new_context().new_page()
    problems.expect_error_page(link)
    assert stranger.goto(link).status == 404  # type: ignore[union-attr]
    expect(stranger.get_by_role("heading", level=1)).to_have_text("This link does not work any more")

    sign_out(erin)
    sign_in_with_password(erin, confide, "erin@example.test", ERIN_PASSWORD)
    erin.wait_for_url("**/accounts/2fa/authenticate/")
    code, _ = fresh_totp(secret, not_in_window=enrolled_in)
    erin.locator("input[name=code]").fill(code)
    erin.get_by_role("button", name="Sign in", exact=True).click()
    erin.wait_for_url(confide.at("/"))
    expect(erin.get_by_role("heading", level=1)).to_have_text("Quiet Harbour Counselling")
    expect(erin.locator("main")).to_contain_text("You are signed in as clinician.")

    alice.reload()
    erin_row = alice.locator("tr", has_text="erin@example.test")
    expect(erin_row).to_contain_text("Erin Example")
    expect(erin_row).to_contain_text("Clinician")
    expect(erin_row).to_contain_text("Active")
    shoot(alice, "staff")

    problems.assert_none()


def test_the_owner_adds_a_security_key_and_signs_in_with_it(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    # WebAuthn ties a key to a domain name (the relying party id), never to an IP address.
    host = "localhost"
    context = new_context()
    alice = context.new_page()
    devtools = context.new_cdp_session(alice)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})["authenticatorId"]

    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD, host)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)

    alice.goto(confide.at("/account/security/", host))
    alice.get_by_role("link", name="Add a key").click()
    alice.wait_for_url("**/accounts/2fa/webauthn/add/")
    alice.locator("input[name=name]").fill("Desk key")
    alice.get_by_role("button", name="Add", exact=True).click()
    alice.wait_for_url(re.compile(r"/accounts/2fa/$"))
    expect(alice.get_by_role("status")).to_contain_text("Security key added")
    [credential] = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert credential["rpId"] == host and not credential["isResidentCredential"]
    sign_out(alice)
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD, host)
    alice.wait_for_url("**/accounts/2fa/authenticate/")
    alice.get_by_role("button", name="Use a security key").click()
    alice.wait_for_url(confide.at("/", host))
    expect(alice.get_by_role("heading", level=1)).to_have_text("Quiet Harbour Counselling")
    [used] = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used["signCount"] > credential["signCount"], "the key signed the sign-in"

    problems.assert_none()
