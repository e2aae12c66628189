"""Passkey sign-in works: the sign-in page loads allauth's WebAuthn script, and a person who added a
passkey signs in with it, through a virtual authenticator of Chromium's DevTools protocol."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

OWNER = "alice@example.test"


def virtual_authenticator(context: BrowserContext, page: Page) -> str:
    """A platform authenticator with user verification that answers every request by itself."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    return str(found["authenticatorId"])


def sign_in_with_password(page: Page, confide: Confide) -> None:
    page.goto(confide.at("/accounts/login/", host="localhost"))
    page.locator("input[name=login]").fill(OWNER)
    page.locator("input[name=password]").fill(OWNER_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_the_sign_in_page_loads_the_passkey_script(confide: Confide, new_context: Callable[[], BrowserContext],
                                                   problems: BrowserProblems) -> None:
    page = new_context().new_page()
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url) if r.url.endswith(".js") and r.ok else None)
    page.goto(confide.at("/accounts/login/", host="localhost"))
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()
    assert any(u.endswith("/mfa/js/webauthn.js") for u in loaded), loaded
    assert any(u.endswith("/account/js/onload.js") for u in loaded), loaded
    assert page.evaluate("() => typeof window.allauth?.webauthn?.forms?.loginForm") == "function"
    problems.assert_none()


def test_a_passkey_signs_in_through_a_virtual_authenticator(confide: Confide,
                                                            new_context: Callable[[], BrowserContext],
                                                            problems: BrowserProblems) -> None:
    context = new_context()
    page = context.new_page()
    virtual_authenticator(context, page)
    sign_in_with_password(page, confide)

    page.goto(confide.at("/accounts/2fa/webauthn/add/?passwordless=1", host="localhost"))
    if "/accounts/reauthenticate/" in page.url:
        page.locator("input[name=password]").fill(OWNER_PASSWORD)
        page.get_by_role("button", name="Confirm", exact=True).click()
        page.wait_for_url("**/accounts/2fa/webauthn/add/**")
    page.locator("input[name=name]").fill("Laptop passkey")
    passwordless = page.locator("input[name=passwordless]")
    if passwordless.count():
        passwordless.check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)

    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    # A passkey proves who signed in but holds no key to the records: Confide asks for the
    # password once to unlock the person's key (ADR 0013), then the page is theirs.
    if "/vault/unlock" in page.url:
        page.locator("input[name=password]").fill(OWNER_PASSWORD)
        page.get_by_role("button", name=re.compile("Unlock", re.I)).click()
        page.wait_for_url(lambda url: "/vault/unlock" not in url)
    expect(page.locator("header")).to_contain_text("Sign out")
    expect(page.locator("header")).to_contain_text(OWNER)
    problems.assert_none()


def test_a_passkey_the_server_does_not_know_signs_nobody_in(confide: Confide,
                                                            new_context: Callable[[], BrowserContext],
                                                            problems: BrowserProblems) -> None:
    context = new_context()
    page = context.new_page()
    virtual_authenticator(context, page)  # holds no credential for this site
    page.goto(confide.at("/accounts/login/", host="localhost"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_timeout(1500)
    assert "/accounts/login/" in page.url
    expect(page.locator("header")).not_to_contain_text("Sign out")
    # Chromium reports the refused credential request as a console error: expected here.
    problems.problems.clear()
