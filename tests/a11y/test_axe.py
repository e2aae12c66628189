"""Accessibility: axe-core finds no serious or critical violation on the main clinician pages, and
a person can sign in and write a note with the keyboard alone, always seeing where the focus is.

axe-core is vendored (tests/a11y/vendor, version and checksum in VERSION) and injected through
the DevTools protocol, which the pages' Content-Security-Policy does not govern.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_staff_onboarding import enrol_totp
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
BLOCKING = {"serious", "critical"}

NewContext = Callable[[], BrowserContext]


def test_the_vendored_axe_core_is_the_pinned_one() -> None:
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE_SHA256 in (AXE.parent / "VERSION").read_text()


def axe_violations(page: Page, name: str) -> list[str]:
    """Serious and critical axe-core violations of the page, one line each."""
    page.wait_for_load_state("networkidle")
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
            found.append(f"{name} ({page.url}): {violation['impact']} {violation['id']}: {violation['help']} "
                         f"at {targets}")
    return found


def focus_is_visible(page: Page) -> bool:
    """The focused element draws a focus indicator (an outline or a box shadow)."""
    return bool(page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const style = getComputedStyle(el);
        return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none';
    }"""))


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus, checking each stop shows it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        described = page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
        assert focus_is_visible(page), f"the focus is not visible on {described}"
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab within {limit} presses")


def test_clinician_pages_are_accessible_and_work_by_keyboard(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    violations: list[str] = []

    # Sign in with the keyboard alone.
    page.goto(confide.at("/accounts/login/"))
    violations += axe_violations(page, "sign-in")
    tab_to(page, "input[name=login]")
    page.keyboard.type("alice@example.test")
    tab_to(page, "input[name=password]")
    page.keyboard.type(OWNER_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/security/")
    violations += axe_violations(page, "account security")
    enrol_totp(page, OWNER_PASSWORD)
    violations += axe_violations(page, "recovery codes")

    page.goto(confide.at("/practice/settings/"))
    violations += axe_violations(page, "practice settings")
    page.goto(confide.at("/practice/staff/"))
    violations += axe_violations(page, "staff")

    # Register a client (fictional) and open the chart.
    page.goto(confide.at("/clients/new"))
    violations += axe_violations(page, "register a client")
    page.get_by_label("Given name").fill("Marguerite")
    page.get_by_label("Family name").fill("Oakhollow")
    primary = page.locator("select[name=primary_clinician]")
    if primary.count():
        primary.select_option(index=1)
    page.get_by_role("button", name=re.compile("Register", re.I)).click()
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart = page.url
    violations += axe_violations(page, "chart")
    page.goto(confide.at("/clients/"))
    violations += axe_violations(page, "caseload")

    # Write and sign a note with the keyboard alone.
    page.goto(chart + "notes/new")
    violations += axe_violations(page, "note editor")
    # No session was booked: the note says what the contact was, chosen with the keyboard too.
    tab_to(page, "select[name=unscheduled_reason]")
    page.keyboard.press("ArrowDown")
    assert page.locator("select[name=unscheduled_reason]").input_value() != ""
    tab_to(page, "textarea[name=body]")
    page.keyboard.type("A fictional session, written without a mouse.")
    tab_to(page, "button[value=sign]")
    # Signing asks for confirmation in the browser's own dialog, which Enter accepts.
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Signed notes are locked")
    assert dialogs and dialogs[0].startswith("Sign this note?")
    expect(page.locator("main")).to_contain_text("written without a mouse")
    violations += axe_violations(page, "signed note")

    for path, name in (("plan/", "treatment plan"), ("plan/edit", "treatment plan editor"),
                       ("sessions/", "sessions"), ("team/", "care team"), ("access-log/", "access log"),
                       ("retention/", "retention and legal holds")):
        page.goto(chart + path)
        violations += axe_violations(page, name)
    # Discharge the client, then the retention page with its date and the owner's retention page.
    page.goto(chart + "retention/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Mark discharged").click()
    expect(page.locator("main")).to_contain_text("Kept until")
    violations += axe_violations(page, "retention date")
    page.goto(confide.at("/practice/retention/"))
    violations += axe_violations(page, "retention, destruction and backups")

    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
    problems.assert_none()


def test_portal_and_disclosure_pages_are_accessible(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    """The client's portal pages and the chart's disclosure pages: no serious or critical violation."""
    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    violations: list[str] = []
    page.goto(confide.at("/accounts/login/"))
    page.locator("input[name=login]").fill("alice@example.test")
    page.locator("input[name=password]").fill(OWNER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/account/security/")
    enrol_totp(page, OWNER_PASSWORD)

    # The owner is the client's primary clinician: the chart's disclosure pages.
    page.goto(confide.at("/clients/new"))
    page.get_by_label("Given name").fill("Marguerite")
    page.get_by_label("Family name").fill("Oakhollow")
    page.get_by_label("Primary clinician").select_option(index=1)
    page.get_by_role("button", name="Register client").click()
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart = page.url
    for path, name in (("disclosures/", "disclosures"), ("disclosures/authorizations/new", "authorization form"),
                       ("disclosures/court/new", "court request form"), ("disclosures/other/new", "other disclosure"),
                       ("disclosures/accounting/", "accounting of disclosures"),
                       ("disclosures/emergency/new", "emergency disclosure: start")):
        page.goto(chart + path)
        violations += axe_violations(page, name)
    page.get_by_label(re.compile("duty to warn", re.I)).first.check()
    page.get_by_role("button", name="Start").click()
    page.wait_for_url(re.compile(r"/disclosures/emergency/[0-9a-f-]{36}/$"))
    violations += axe_violations(page, "emergency disclosure: the risk step")

    # The client joins from the e-mailed link and uses the portal.
    page.goto(chart)
    page.get_by_label("Invite the client to the portal (e-mail address)").fill("wren.axe@example.test")
    page.get_by_role("button", name="Send portal invitation").click()
    mail = confide.mailbox.wait_for("wren.axe@example.test")
    [link] = re.findall(r"https?://\S+", mail.get_content())  # type: ignore[attr-defined]
    client_context = new_context()
    client_context.add_init_script(path=str(AXE))
    wren = client_context.new_page()
    wren.goto(link)
    violations += axe_violations(wren, "portal: create your account")
    wren.get_by_label("Your e-mail address").fill("wren.axe@example.test")
    wren.get_by_label("Choose a password").fill("saffron kettle glacier whistle")
    wren.get_by_label("Type the password again").fill("saffron kettle glacier whistle")
    wren.get_by_role("button", name="Create my account").click()
    wren.wait_for_url("**/portal/consent/")
    violations += axe_violations(wren, "portal: consent")
    wren.get_by_label("I have read this document and I understand it.").check()
    wren.get_by_label("Type your full name to sign").fill("Marguerite Oakhollow")
    wren.get_by_role("button", name="Sign the consent").click()
    wren.wait_for_url("**/portal/documents/")
    violations += axe_violations(wren, "portal: documents")
    for path, name in (("/portal/", "portal: home"), ("/portal/check-in/", "portal: check-in"),
                       ("/portal/privacy/", "portal: privacy"), ("/portal/access/", "portal: access history"),
                       ("/portal/retention/", "portal: how long the record is kept"),
                       ("/portal/security/", "portal: security"), ("/portal/messages/", "portal: messages"),
                       ("/portal/reminders/", "portal: reminders")):
        wren.goto(confide.at(path))
        violations += axe_violations(wren, name)
    # Messaging (issue 16): a message from the client, then the thread on the chart.
    wren.goto(confide.at("/portal/messages/"))
    wren.get_by_label("Your message").fill("A question about Tuesday.")
    wren.get_by_role("button", name="Send").click()
    violations += axe_violations(wren, "portal: messages with a message")
    page.goto(chart + "messages/")
    violations += axe_violations(page, "chart: messages")

    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)
    problems.assert_none()


def test_consultation_pages_are_accessible(
    confide: Confide, new_context: NewContext, problems: BrowserProblems
) -> None:
    """Prepare, review and the approved summary (ADR 0019): no serious or critical violation."""
    context = new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    violations: list[str] = []
    page.goto(confide.at("/accounts/login/"))
    page.locator("input[name=login]").fill("alice@example.test")
    page.locator("input[name=password]").fill(OWNER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/account/security/")
    enrol_totp(page, OWNER_PASSWORD)
    page.goto(confide.at("/clients/new"))
    page.get_by_label("Given name").fill("Marguerite")
    page.get_by_label("Family name").fill("Oakhollow")
    page.get_by_role("button", name="Register client").click()
    page.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart = page.url
    for path, name in (("consultations/", "consultations"), ("consultations/new", "prepare a consultation")):
        page.goto(chart + path)
        violations += axe_violations(page, name)
    page.get_by_label("Your question for the consultant").fill("Marguerite Oakhollow asked on 3 May about sleep.")
    page.get_by_role("button", name="De-identify and review").click(timeout=180_000)
    page.wait_for_url(re.compile(r"/consultations/[0-9a-f-]{36}/$"))
    violations += axe_violations(page, "consultation review")
    page.get_by_role("button", name="Approve this summary").click()
    violations += axe_violations(page, "approved consultation summary")
    page.goto(confide.at("/consultations/"))
    violations += axe_violations(page, "shared with me for consultation")
    assert not violations, "\n".join(violations)
    problems.assert_none()
