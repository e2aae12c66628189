"""A solo practice's week in a real browser (issue 15, "Done means"), against `confide init --owner-is-clinician`
and `confide serve`: the owner registers a client (and is their clinician), sends intake with a PHQ-9 and a GAD-7,
the client completes it in the portal, the therapist books two sessions (a third, overlapping one is warned),
writes and signs a note and sees the trend chart, which the client then sees too once it is shared; then the
client asks for a copy of their record, the therapist delivers it, and the client downloads it as a PDF and as
a FHIR Bundle (validated, with the measures as Observations and without the psychotherapy note).
"""

from __future__ import annotations

import datetime as dt
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
from tests.browser.test_staff_onboarding import enrol_totp, shoot, sign_in_with_password
from tests.processes import OWNER_PASSWORD

pytestmark = pytest.mark.browser

NewContext = Callable[[], BrowserContext]
CLIENT_EMAIL = "oriel.portal@example.test"
CLIENT_PASSWORD = "lantern orchard copper meadow"
GIVEN, FAMILY = "Oriel", "Fenwick-Marsh"  # fictional
PSYCHOTHERAPY_CANARY = "PSYNOTE-solo-7f2e the dream of the empty station"  # fictional
HISTORY = "Moved here for work in the spring; sleeping badly since."


def answer(page: Page, answers: list[int]) -> None:
    """Tick one answer per item of a PHQ-9 or GAD-7 page (0 not at all ... 3 nearly every day)."""
    labels = ("Not at all", "Several days", "More than half the days", "Nearly every day")
    for number, value in enumerate(answers, 1):
        group = page.get_by_role("group", name=re.compile(rf"^{number}\. "))
        group.get_by_label(labels[value], exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.wait_for_url("**/portal/forms/")


def book(page: Page, chart: str, starts: dt.datetime) -> None:
    page.goto(chart + "sessions/new")
    page.get_by_label("Date and time").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Duration").fill("50")
    page.get_by_role("button", name="Book session").click()


def test_a_solo_therapists_week(confide: Confide, new_context: NewContext, problems: BrowserProblems,
                                tmp_path: Path) -> None:
    alex = new_context().new_page()
    sign_in_with_password(alex, confide, "alice@example.test", OWNER_PASSWORD)
    alex.wait_for_url("**/account/security/")
    enrol_totp(alex, OWNER_PASSWORD)

    # The owner treats clients: the form names her as primary clinician already.
    alex.goto(confide.at("/clients/new"))
    expect(alex.get_by_label("Primary clinician")).to_have_value(re.compile(r"^\d+$"))
    alex.get_by_label("Given name").fill(GIVEN)
    alex.get_by_label("Family name").fill(FAMILY)
    alex.get_by_role("button", name="Register client").click()
    alex.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/$"))
    chart = alex.url
    alex.goto(chart + "team/")
    expect(alex.locator("main")).to_contain_text("Primary")

    # An intake packet with both measures.
    alex.goto(confide.at("/practice/packets/"))
    alex.get_by_label("Name", exact=True).fill("New client intake")
    alex.get_by_label("Consent text the client acknowledges").fill(
        "Please read our practice policies before your first session.")
    alex.get_by_label("History questions, one a line").fill("What brings you to therapy now?")
    alex.get_by_label("Include the PHQ-9 (depression)").check()
    alex.get_by_label("Include the GAD-7 (anxiety)").check()
    alex.get_by_role("button", name="Save packet").click()
    expect(alex.get_by_role("status")).to_contain_text("Packet saved.")

    # Invite the client, who joins and signs the consent.
    alex.goto(chart)
    alex.get_by_label("Invite the client to the portal (e-mail address)").fill(CLIENT_EMAIL)
    alex.get_by_role("button", name="Send portal invitation").click()
    [link] = re.findall(r"https?://\S+", confide.mailbox.wait_for(CLIENT_EMAIL).get_content())  # type: ignore[attr-defined]
    oriel = new_context().new_page()
    oriel.goto(link)
    oriel.get_by_label("Your e-mail address").fill(CLIENT_EMAIL)
    oriel.get_by_label("Choose a password").fill(CLIENT_PASSWORD)
    oriel.get_by_label("Type the password again").fill(CLIENT_PASSWORD)
    oriel.get_by_role("button", name="Create my account").click()
    sign_consent(oriel, f"{GIVEN} {FAMILY}", problems)

    # The therapist sends the intake packet.
    alex.goto(chart + "measures/")
    alex.get_by_label("What to send").select_option(label="Intake packet: New client intake")
    alex.get_by_role("button", name="Send", exact=True).click()
    expect(alex.get_by_role("status")).to_contain_text("Sent to the client's portal.")
    expect(alex.locator("main")).to_contain_text("PHQ-9")

    # The client completes it in the portal: the intake forms, the PHQ-9 (item 9 positive) and the GAD-7.
    oriel.goto(confide.at("/portal/forms/"))
    oriel.get_by_role("link", name="Intake forms").click()
    oriel.get_by_label("I have read this and understand it").check()
    oriel.get_by_label("Pronouns").fill("he/him")
    oriel.get_by_label("What brings you to therapy now?").fill(HISTORY)
    oriel.get_by_role("button", name="Send my answers").click()
    oriel.wait_for_url("**/portal/forms/")
    oriel.get_by_role("link", name="PHQ-9").click()
    answer(oriel, [2, 2, 1, 2, 1, 1, 1, 0, 1])
    oriel.get_by_role("link", name="GAD-7").click()
    answer(oriel, [2, 2, 2, 1, 1, 1, 1])
    expect(oriel.locator("main")).to_contain_text("Nothing is waiting for you.")

    # Two sessions, yesterday and tomorrow; a third overlapping tomorrow's is warned and not booked.
    now = dt.datetime.now().replace(second=0, microsecond=0)
    yesterday = (now - dt.timedelta(days=1)).replace(hour=10, minute=0)
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=10, minute=0)
    book(alex, chart, yesterday)
    alex.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/#sessions$"))
    book(alex, chart, tomorrow)
    alex.wait_for_url(re.compile(r"/clients/[0-9a-f-]{36}/#sessions$"))
    problems.expect_error_page(chart + "sessions/new")  # the warning answers 409
    book(alex, chart, tomorrow + dt.timedelta(minutes=30))
    expect(alex.get_by_role("alert")).to_contain_text("This overlaps another session of the same clinician")
    expect(alex.get_by_role("alert")).to_contain_text("Nothing is booked yet.")
    alex.goto(confide.at("/calendar/?view=week&date=" + tomorrow.date().isoformat()))
    expect(alex.locator("main")).to_contain_text(f"{GIVEN} {FAMILY}")
    shoot(alex, "solo-calendar-week")

    # The client sees the upcoming session with its time and format only.
    oriel.goto(confide.at("/portal/appointments/"))
    expect(oriel.locator("tbody tr")).to_have_count(1)
    expect(oriel.locator("tbody")).to_contain_text("In person")

    # A note for yesterday's session, written and signed.
    alex.goto(chart + "notes/new")
    alex.get_by_label("Note", exact=True).fill("First session: intake reviewed with the client; risk assessed.")
    alex.once("dialog", lambda dialog: dialog.accept())
    alex.locator("button[value=sign]").click()
    expect(alex.locator("main")).to_contain_text("Signed notes are locked")

    # The chart: the item-9 flag with the risk workflow, the trend charts and their tables, the intake answers.
    alex.goto(chart)
    measures = alex.locator("#measures")
    expect(measures).to_contain_text("PHQ-9 item 9 was answered positively")
    expect(measures.get_by_role("link", name="Duty to warn and emergency disclosures")).to_be_visible()
    expect(measures.locator("svg.trend-chart")).to_have_count(2)
    expect(measures.locator("table")).to_contain_text(["11 / 27", "10 / 21"])
    expect(measures).to_contain_text("moderate")
    measures.get_by_text(re.compile("^Intake forms")).click()
    expect(measures).to_contain_text(HISTORY)
    shoot(alex, "solo-chart-measures")

    # Shared, the client sees their own trend.
    alex.goto(chart + "measures/")
    alex.get_by_role("button", name="Share the trend").click()
    expect(alex.get_by_role("status")).to_contain_text("The client now sees their results.")
    oriel.goto(confide.at("/portal/results/"))
    expect(oriel.locator("svg.trend-chart")).to_have_count(2)
    expect(oriel.locator("main")).to_contain_text("11 / 27")

    # A psychotherapy note of the therapist's own, which no copy of the record may hold.
    alex.goto(chart + "notes/new?kind=psychotherapy")
    alex.locator("textarea[name=body]").fill(PSYCHOTHERAPY_CANARY)
    alex.once("dialog", lambda dialog: dialog.accept())
    alex.locator("button[value=sign]").click()
    expect(alex.locator("main")).to_contain_text("Signed notes are locked")

    # The client asks for a copy of their record; the therapist delivers it; the client downloads both forms.
    oriel.goto(confide.at("/portal/record/"))
    oriel.get_by_role("button", name="Ask for a copy of my record").click()
    expect(oriel.get_by_role("status")).to_contain_text("answers within 30 days")
    alex.goto(confide.at("/practice/access-requests/"))
    row = alex.locator("tbody tr").filter(has_text=f"{GIVEN} {FAMILY}")
    expect(row).to_contain_text("30 days left")
    row.get_by_role("link", name=re.compile("Review")).click()
    alex.get_by_role("button", name="Make the copy and deliver it to the portal").click()
    expect(alex.get_by_role("status")).to_contain_text("The copy is in the client's portal.")
    oriel.goto(confide.at("/portal/record/"))
    with oriel.expect_download() as pdf_download:
        oriel.get_by_role("link", name="Download the PDF").click()
    pdf_path = tmp_path / "copy.pdf"
    pdf_download.value.save_as(pdf_path)
    text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert FAMILY in text and "intake reviewed with the client" in text
    assert "PSYNOTE" not in text
    with oriel.expect_download() as fhir_download:
        oriel.get_by_role("link", name=re.compile("Download the FHIR")).click()
    fhir_path = tmp_path / "copy.json"
    fhir_download.value.save_as(fhir_path)
    raw = fhir_path.read_text(encoding="utf-8")
    bundle = json.loads(raw)
    Bundle.model_validate(bundle)
    assert "PSYNOTE" not in raw
    # The measures travel as Observations with their LOINC codes and totals.
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert {(o["code"]["coding"][0]["code"], o["valueInteger"]) for o in observations} == {("44261-6", 11),
                                                                                          ("70274-6", 10)}
    oriel.goto(confide.at("/portal/access/?own=1"))
    expect(oriel.locator("main")).to_contain_text("asked for a copy of your record")
    expect(oriel.locator("main")).to_contain_text("made a copy of your record and delivered it to your portal")
    problems.assert_none()
