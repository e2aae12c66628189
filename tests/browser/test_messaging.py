"""Messaging in a real browser: the client writes, the therapist is notified with no content,
replies and files the message; the client's history shows both reads. Real `confide serve`,
real `confide worker`, real SMTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_client_portal import mail_text, sign_consent
from tests.browser.test_staff_onboarding import enrol_totp, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "oriel.messages@example.test"
CLIENT_PASSWORD = "copper lantern meadow violin"
GIVEN, FAMILY = "Orielle", "Brackenfold"
CANARY = "Zqx7browsercanary"


def test_a_client_writes_the_therapist_replies_and_files_it(confide: Confide, new_context: NewContext,
                                                            problems: BrowserProblems) -> None:
    alice = new_context().new_page()
    sign_in_with_password(alice, confide, "alice@example.test", OWNER_PASSWORD)
    alice.wait_for_url("**/account/security/")
    enrol_totp(alice, OWNER_PASSWORD)
    alice.goto(confide.at("/clients/new"))
    alice.get_by_label("Given name").fill(GIVEN)
    alice.get_by_label("Family name").fill(FAMILY)
    alice.get_by_label("Primary clinician").select_option(index=1)
    alice.get_by_role("button", name="Register client").click()
    alice.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart_url = alice.url
    alice.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alice.get_by_role("button", name="Send portal invitation").click()
    link = re.findall(r"https?://\S+", mail_text(confide.mailbox.wait_for(CLIENT_EMAIL)))[0]

    client = new_context().new_page()
    client.goto(link)
    client.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    client.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    client.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Create my account").click()
    sign_consent(client, f"{GIVEN} {FAMILY}", problems)

    # The client writes; the composer says plainly that messages are not for emergencies.
    client.goto(confide.at("/portal/messages/"))
    expect(client.locator("#not-for-emergencies")).to_contain_text("not for emergencies")
    expect(client.locator("#not-for-emergencies")).to_contain_text("988")
    client.get_by_label("Your message").fill(f"I would like to talk about {CANARY}.")
    client.get_by_role("button", name="Send").click()
    expect(client.get_by_role("status")).to_contain_text("Your message was sent")

    # The therapist's digest says only that something waits.
    digest = confide.mailbox.wait_for_subject("alice@example.test", "New messages are waiting", timeout=60)
    text = mail_text(digest) + str(digest["From"])
    for secret in (CANARY, GIVEN, FAMILY, "Quiet Harbour", "Counselling"):
        assert secret not in text, secret

    # The therapist reads, replies and files the client's message into the record.
    alice.goto(chart_url)
    alice.get_by_role("link", name="Messages with the client").click()
    expect(alice.locator("main")).to_contain_text(CANARY)
    alice.get_by_label("Your message").fill("Thank you for writing. Let us talk on Tuesday.")
    alice.get_by_role("button", name="Send").click()
    expect(alice.get_by_role("status")).to_contain_text("Reply sent")
    alice.get_by_role("button", name="File into the record").first.click()
    expect(alice.get_by_role("status")).to_contain_text("Filed into the clinical record")
    alice.goto(chart_url)
    expect(alice.locator("#documents")).to_contain_text("message-")

    # The client is told only that something waits, reads the reply, and sees both reads.
    notice = confide.mailbox.wait_for_subject(CLIENT_EMAIL, "Something is waiting for you in your secure portal")
    for secret in (CANARY, GIVEN, FAMILY, "Tuesday", "Quiet Harbour", "alice"):
        assert secret not in mail_text(notice) + str(notice["From"]), secret
    client.goto(confide.at("/portal/messages/"))
    expect(client.locator("main")).to_contain_text("Let us talk on Tuesday")
    client.goto(confide.at("/portal/access/?own=1"))  # the client's own actions are folded away by default
    history = client.locator("main")
    expect(history).to_contain_text("read your messages")
    expect(history).to_contain_text("filed a message into your clinical record")
    rows = client.locator("li.visit", has_text="read your messages")
    expect(rows.filter(has_text="You").first).to_be_visible()  # the client's own read
    expect(rows.filter(has_text="alice@example.test").first).to_be_visible()  # the therapist's read
