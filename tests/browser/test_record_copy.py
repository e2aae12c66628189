"""The client asks for a copy of their record in the portal, the clinician reviews and delivers it,
and the client downloads it as PDF and as a FHIR Bundle: a real browser against `confide serve`.

The copy must hold the signed progress note and never the psychotherapy note (its canary is
searched in the PDF's text and in the JSON, decoded attachments included).
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import BrowserContext, Page, expect
from pypdf import PdfReader

from tests.browser.conftest import BrowserProblems, Confide
from tests.browser.test_client_portal import sign_consent
from tests.browser.test_staff_onboarding import enrol_totp, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "ottilie.portal@example.test"
CLIENT_PASSWORD = "lantern meadow copper ferry"
GIVEN, FAMILY = "Ottilie", "Brackenridge"  # fictional
PROGRESS = "We practised grounding with five senses (fictional progress note)."
CANARY = "PSYNOTE-CANARY-b41c the recurring dream of the flooded house"


def write_note(page: Page, chart: str, body: str, *, kind: str) -> None:
    page.goto(chart + f"notes/new?kind={kind}")
    page.locator("textarea[name=body]").fill(body)
    if kind == "progress":  # no session was booked: a progress note says what the contact was
        page.locator("select[name=unscheduled_reason]").select_option("phone")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button[value=sign]").click()
    expect(page.locator("main")).to_contain_text("Signed notes are locked")


def test_a_client_requests_and_downloads_their_record_as_pdf_and_fhir(
        confide: Confide, new_context: NewContext, problems: BrowserProblems, tmp_path: Path) -> None:
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
    chart = alice.url
    alice.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alice.get_by_role("button", name="Send portal invitation").click()
    expect(alice.get_by_role("status")).to_contain_text("Portal invitation sent.")
    [link] = re.findall(r"https?://\S+", confide.mailbox.wait_for(CLIENT_EMAIL).get_content())

    client = new_context().new_page()
    client.goto(link)
    client.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    client.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    client.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    client.get_by_role("button", name="Create my account").click()
    sign_consent(client, f"{GIVEN} {FAMILY}", problems)

    write_note(alice, chart, PROGRESS, kind="progress")
    write_note(alice, chart, CANARY, kind="psychotherapy")

    # The client asks for a copy.
    client.goto(confide.at("/portal/"))
    client.get_by_role("link", name="A copy of your record").click()
    expect(client.locator("main")).to_contain_text("164.524(a)(1)(i)")
    client.get_by_role("button", name="Ask for a copy of my record").click()
    expect(client.get_by_role("status")).to_contain_text("answers within 30 days")
    expect(client.locator("main")).to_contain_text("Due by")

    # The practice sees it with its due date, and the clinician delivers it.
    alice.goto(confide.at("/practice/access-requests/"))
    row = alice.locator("tbody tr").filter(has_text=f"{GIVEN} {FAMILY}")
    expect(row).to_contain_text("30 days left")
    row.get_by_role("link", name=re.compile("Review")).click()
    expect(alice.locator("main")).to_contain_text("164.524(a)(3)(i)")
    alice.get_by_role("button", name="Make the copy and deliver it to the portal").click()
    expect(alice.get_by_role("status")).to_contain_text("The copy is in the client's portal.")

    # The client downloads both.
    client.goto(confide.at("/portal/record/"))
    with client.expect_download() as pdf_download:
        client.get_by_role("link", name="Download the PDF").click()
    assert pdf_download.value.suggested_filename == "record-copy.pdf"
    pdf_path = tmp_path / "copy.pdf"
    pdf_download.value.save_as(pdf_path)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert FAMILY in text and "grounding with five senses" in text
    assert "PSYNOTE-CANARY" not in text and "flooded house" not in text

    with client.expect_download() as fhir_download:
        client.get_by_role("link", name=re.compile("Download the FHIR")).click()
    assert fhir_download.value.suggested_filename == "record-copy.fhir.json"
    fhir_path = tmp_path / "copy.json"
    fhir_download.value.save_as(fhir_path)
    raw = fhir_path.read_text(encoding="utf-8")
    bundle = json.loads(raw)
    Bundle.model_validate(bundle)
    assert "PSYNOTE-CANARY" not in raw
    decoded = [base64.b64decode(c["attachment"]["data"]).decode("utf-8", "replace")
               for e in bundle["entry"] for c in e["resource"].get("content", []) if c["attachment"].get("data")]
    assert any("grounding with five senses" in d for d in decoded)
    assert not any("PSYNOTE-CANARY" in d for d in decoded)

    # Both the request and the delivery are in the client's access history.
    client.goto(confide.at("/portal/access/?own=1"))  # the client's own steps too
    expect(client.locator("main")).to_contain_text("asked for a copy of your record")
    expect(client.locator("main")).to_contain_text("made a copy of your record and delivered it to your portal")
    expect(client.locator("main")).to_contain_text("downloaded a copy of your record")
    problems.assert_none()
