"""The clinician pages of the client record: access, bad input, autosave, care team and documents."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client as Browser

from confide.keys.models import KeyWrap
from confide.practice.models import Role
from confide.records import documents, services
from confide.records.models import CareTeamMember, Client, Document, Note
from tests.accounts.test_signin import sign_in
from tests.conftest import PASSWORD, Person, add_member
from tests.records.conftest import client_record, vault_of

__all__ = ["client_record"]  # the fixture, shared with the record service tests

NAME = "Quastenbrook"  # the family name of `client_record`: it must never reach a URL, title or header
UNKNOWN = "00000000-0000-0000-0000-000000000000"
HTMX = {"HTTP_HX_REQUEST": "true"}


def browser_of(person: Person) -> Browser:
    """A signed-in browser for `person` (their practice made MFA-optional for the test)."""
    practice = person.user.membership.practice
    practice.mfa_required = False
    practice.save(update_fields=["mfa_required"])
    browser = Browser()
    assert sign_in(browser, person.email, person.password).status_code == 302
    return browser


@pytest.fixture
def erin(practice) -> Person:  # type: ignore[no-untyped-def]
    """A clinician of alice's practice who is not on the client's care team."""
    return Person(add_member(practice, "erin@example.test", Role.CLINICIAN), PASSWORD)


@pytest.fixture
def note_record(bob: Person, client_record: Client) -> Note:
    return services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Subjective:\nSleeping better.\n", template="soap", sign=True)


@pytest.fixture
def draft(bob: Person, client_record: Client) -> Note:
    return services.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-21",
                                body="Half a thought")


@pytest.fixture
def process_note(bob: Person, client_record: Client) -> Note:
    return services.create_note(vault_of(bob), client_record.public_id, kind="psychotherapy",
                                session_date="2026-11-20", body="My countertransference today.", sign=True)


@pytest.fixture
def document(bob: Person, client_record: Client) -> Document:
    import io

    data = b"Intake form of W. Q.\n"
    return documents.upload_document(vault_of(bob), client_record.public_id, filename="wilhelmina-intake.txt",
                                     stream=io.BytesIO(data), size=len(data))


def paths(client: Client, note: Note | None = None, doc: Document | None = None) -> dict[str, str]:
    base = f"/clients/{client.public_id}/"
    note_id = note.public_id if note else UNKNOWN
    doc_id = doc.public_id if doc else UNKNOWN
    return {
        "chart": base, "details": base + "details", "note_new": base + "notes/new",
        "autosave_new": base + "notes/autosave", "note": f"{base}notes/{note_id}/",
        "autosave": f"{base}notes/{note_id}/autosave", "addendum": f"{base}notes/{note_id}/addenda",
        "psychotherapy": base + "psychotherapy-notes/", "team": base + "team/", "revoke": base + "team/revoke",
        "upload": base + "documents/", "document": f"{base}documents/{doc_id}",
    }


ALL_ROUTES = [
    ("get", "/clients/"), ("post", "/clients/"), ("get", "/clients/new"), ("post", "/clients/new"),
    ("get", "/clients/summary"),
    *[(method, f"/clients/{UNKNOWN}/{tail}") for method, tail in [
        ("get", ""), ("get", "details"), ("post", "details"), ("get", "notes/new"), ("post", "notes/new"),
        ("post", "notes/autosave"), ("get", f"notes/{UNKNOWN}/"), ("post", f"notes/{UNKNOWN}/"),
        ("post", f"notes/{UNKNOWN}/autosave"), ("post", f"notes/{UNKNOWN}/addenda"),
        ("get", "psychotherapy-notes/"), ("get", "team/"), ("post", "team/"), ("post", "team/revoke"),
        ("post", "documents/"), ("get", f"documents/{UNKNOWN}")]],
]


# ----------------------------------------------------------------------------- who may see what


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
def test_signed_out_visitors_are_sent_to_sign_in(client: Browser, db: None, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# Plausible input, so that the answer comes from the access check rather than from validation.
PLAUSIBLE = {"version": "1", "body": "x", "kind": "progress", "template": "free", "session_date": "2026-11-20",
             "given_name": "A", "family_name": "B", "user_id": "1", "user": "1", "role": "clinician"}


@pytest.mark.parametrize(("method", "path"), [r for r in ALL_ROUTES if UNKNOWN in r[1]])
def test_unknown_records_are_not_found(alice: Person, method: str, path: str) -> None:
    browser = browser_of(alice)
    response = browser.get(path) if method == "get" else browser.post(path, PLAUSIBLE)
    assert response.status_code == 404


CLIENT_PAGES = ["chart", "details", "note_new", "note", "psychotherapy", "team", "document"]
CLINICAL_PAGES = ["note_new", "note", "psychotherapy", "document"]
CLINICAL_POSTS = ["note_new", "autosave_new", "note", "autosave", "addendum", "upload"]


@pytest.mark.parametrize("page", CLIENT_PAGES)
def test_someone_from_another_practice_gets_404(charlie: Person, client_record: Client, note_record: Note,
                                                document: Document, page: str) -> None:
    assert browser_of(charlie).get(paths(client_record, note_record, document)[page]).status_code == 404


@pytest.mark.parametrize("page", CLIENT_PAGES)
def test_a_clinician_off_the_care_team_gets_404(erin: Person, client_record: Client, note_record: Note,
                                                document: Document, page: str) -> None:
    assert browser_of(erin).get(paths(client_record, note_record, document)[page]).status_code == 404


@pytest.mark.parametrize("page", ["details", "team", "revoke", *CLINICAL_POSTS])
def test_people_without_access_cannot_post_either(erin: Person, charlie: Person, client_record: Client,
                                                  draft: Note, page: str) -> None:
    for person in (erin, charlie):
        response = browser_of(person).post(paths(client_record, draft)[page],
                                           PLAUSIBLE | {"user_id": str(person.user.pk)})
        assert response.status_code == 404, person.email
    assert Note.objects.get(pk=draft.pk).version == 1


@pytest.mark.parametrize("page", CLINICAL_PAGES)
def test_the_front_desk_gets_404_on_clinical_pages(dana: Person, client_record: Client, note_record: Note,
                                                   document: Document, page: str) -> None:
    assert browser_of(dana).get(paths(client_record, note_record, document)[page]).status_code == 404


@pytest.mark.parametrize("page", CLINICAL_POSTS)
def test_the_front_desk_cannot_write_clinical_content(dana: Person, client_record: Client, draft: Note,
                                                      page: str) -> None:
    before = Note.objects.count()
    response = browser_of(dana).post(paths(client_record, draft)[page], {
        "version": "1", "body": "x", "kind": "progress", "template": "free", "session_date": "2026-11-20"})
    assert response.status_code == 404
    assert Note.objects.count() == before and not Document.objects.exists()


def test_the_front_desk_sees_demographics_but_no_clinical_section(dana: Person, client_record: Client,
                                                                  note_record: Note) -> None:
    page = browser_of(dana).get(paths(client_record)["chart"])
    assert page.status_code == 200
    html = page.content.decode()
    assert NAME in html and "+1 555 0100" in html
    assert "Sleeping better" not in html and "Write a progress note" not in html and 'id="documents"' not in html
    assert "Front-desk staff see demographics" in html


def test_an_owner_off_the_care_team_sees_demographics_only(alice: Person, client_record: Client,
                                                           note_record: Note) -> None:
    html = browser_of(alice).get(paths(client_record)["chart"]).content.decode()
    assert NAME in html and "Sleeping better" not in html and "not on this client's care team" in html


# ----------------------------------------------------------------------------- caseload


def test_the_caseload_lists_the_clinicians_clients(bob: Person, client_record: Client) -> None:
    page = browser_of(bob).get("/clients/")
    assert page.status_code == 200
    assert "Wilhelmina Quastenbrook" in page.content.decode()
    assert f"/clients/{client_record.public_id}/" in page.content.decode()


def test_the_caseload_search_is_a_post_so_names_stay_out_of_urls(bob: Person, client_record: Client) -> None:
    html = browser_of(bob).get("/clients/").content.decode()
    form = re.search(r"<form[^>]*class=\"search\"[^>]*>", html, re.S)
    assert form and 'method="post"' in form.group(0) and "hx-post=" in form.group(0)
    assert 'hx-push-url="false"' in form.group(0) and "hx-get" not in form.group(0)


def test_the_caseload_search_decrypts_then_matches(bob: Person, client_record: Client) -> None:
    services.create_client(vault_of(bob), services.Demographics(given_name="Ottilie", family_name="Brandvold"))
    browser = browser_of(bob)
    found = browser.post("/clients/", {"q": "quasten"}, **HTMX)
    assert found.status_code == 200 and NAME in found.content.decode() and "Brandvold" not in found.content.decode()
    assert "<html" not in found.content.decode(), "htmx gets only the results"
    nothing = browser.post("/clients/", {"q": "nobody-by-that-name"}, **HTMX)
    assert NAME not in nothing.content.decode() and "No client's name matches" in nothing.content.decode()
    full = browser.post("/clients/", {"q": "brand"})
    assert "<html" in full.content.decode() and "Brandvold" in full.content.decode()


def test_a_query_string_search_is_ignored(bob: Person, client_record: Client) -> None:
    services.create_client(vault_of(bob), services.Demographics(given_name="Ottilie", family_name="Brandvold"))
    html = browser_of(bob).get("/clients/?q=brand").content.decode()
    assert NAME in html and "Brandvold" in html


def test_a_too_long_search_is_refused(bob: Person, client_record: Client) -> None:
    response = browser_of(bob).post("/clients/", {"q": "x" * 500})
    assert response.status_code == 400 and 'class="error"' in response.content.decode()


def test_the_home_page_summary_lists_unsigned_drafts(bob: Person, client_record: Client, draft: Note) -> None:
    browser = browser_of(bob)
    assert 'hx-get="/clients/summary"' in browser.get("/").content.decode()
    html = browser.get("/clients/summary").content.decode()
    assert "1 client in your caseload" in html and "waiting for your signature" in html
    assert f"/notes/{draft.public_id}/" in html


def test_the_summary_asks_to_unlock_a_locked_vault(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    session = browser.session
    session.pop("confide_vault")
    session.save()
    assert "Unlock them" in browser.get("/clients/summary").content.decode()


# ----------------------------------------------------------------------------- registering and editing


def test_a_clinician_registers_a_client_and_becomes_their_primary(bob: Person) -> None:
    response = browser_of(bob).post("/clients/new", {
        "given_name": "Ada", "family_name": "Brook", "pronouns": "she/her", "date_of_birth": "1990-04-23",
        "email": "ada@example.test", "phone": "+1 555 0101", "emergency_contact": "Ben Brook, +1 555 0102"})
    client = Client.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clients/{client.public_id}/"
    _, demographics = services.get_client(vault_of(bob), client.public_id)
    assert demographics.pronouns == "she/her" and demographics.emergency_contact.startswith("Ben")
    assert CareTeamMember.objects.get(client=client).user == bob.user


def test_the_front_desk_registers_a_client_for_a_clinician(dana: Person, bob: Person) -> None:
    browser = browser_of(dana)
    form = browser.get("/clients/new").content.decode()
    assert "Primary clinician" in form and bob.email in form
    response = browser.post("/clients/new", {"given_name": "Ada", "family_name": "Brook",
                                              "primary_clinician": str(bob.user.pk)})
    assert response.status_code == 302
    assert CareTeamMember.objects.get().user == bob.user


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"given_name": "", "family_name": "Brook"}, "given_name", "This field is required"),
    ({"given_name": "Ada", "family_name": " "}, "family_name", "required"),
    ({"given_name": "Ada", "family_name": "Brook", "date_of_birth": "23/04/1990"}, "date_of_birth", "Date of birth"),
    ({"given_name": "Ada", "family_name": "Brook", "date_of_birth": "2999-01-01"}, "date_of_birth", "in the past"),
    ({"given_name": "Ada", "family_name": "Brook", "email": "not-an-address"}, "email", "E-mail address"),
    ({"given_name": "Ada", "family_name": "Brook", "phone": "call me"}, "phone", "Phone number"),
    ({"given_name": "A" * 101, "family_name": "Brook"}, "given_name", "at most 100"),
    ({"given_name": "A\x01", "family_name": "Brook"}, "given_name", "control characters"),
])
def test_bad_client_details_get_an_error_next_to_the_field_and_save_nothing(
        bob: Person, data: dict[str, str], field: str, message: str) -> None:
    response = browser_of(bob).post("/clients/new", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Client.objects.exists()


@pytest.mark.parametrize("primary", ["", "999999", "not-a-number"])
def test_the_owner_must_name_a_real_clinician(alice: Person, dana: Person, primary: str) -> None:
    response = browser_of(alice).post("/clients/new", {"given_name": "Ada", "family_name": "Brook",
                                                        "primary_clinician": primary})
    assert response.status_code == 400 and 'id="id_primary_clinician_error"' in response.content.decode()
    assert not Client.objects.exists()


def test_a_supervisor_cannot_register_clients(carol: Person) -> None:
    response = browser_of(carol).post("/clients/new", {"given_name": "Ada", "family_name": "Brook"})
    assert response.status_code == 400 and "Supervisors cannot register" in response.content.decode()
    assert not Client.objects.exists()


def test_the_flash_message_after_registering_names_nobody(bob: Person) -> None:
    browser = browser_of(bob)
    page = browser.post("/clients/new", {"given_name": "Ada", "family_name": "Zebedee"}, follow=True)
    assert "Client registered." in page.content.decode()
    assert "Zebedee" not in re.search(r'<ul class="messages".*?</ul>', page.content.decode(), re.S).group(0)  # type: ignore[union-attr]


def test_details_are_edited_with_a_version_check(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    url = paths(client_record)["details"]
    form = browser.get(url).content.decode()
    assert 'name="version" value="1"' in form and 'value="Wilhelmina"' in form
    data = {"given_name": "Wilhelmina", "family_name": NAME, "preferred_name": "Mina", "version": "1"}
    assert browser.post(url, data).status_code == 302
    assert services.get_client(vault_of(bob), client_record.public_id)[1].preferred_name == "Mina"
    stale = browser.post(url, data | {"preferred_name": "Billie"})
    assert stale.status_code == 409 and "Someone else changed these details" in stale.content.decode()
    assert services.get_client(vault_of(bob), client_record.public_id)[1].preferred_name == "Mina"


@pytest.mark.parametrize("data", [
    {"given_name": "", "family_name": NAME, "version": "1"},
    {"given_name": "W", "family_name": NAME, "email": "nope", "version": "1"},
    {"given_name": "W", "family_name": NAME, "version": "zero"},
    {"given_name": "W", "family_name": NAME},
])
def test_bad_detail_edits_are_refused(bob: Person, client_record: Client, data: dict[str, str]) -> None:
    response = browser_of(bob).post(paths(client_record)["details"], data)
    assert response.status_code == 400 and ('class="error"' in response.content.decode()
                                            or "form-errors" in response.content.decode())
    assert Client.objects.get().demographics_version == 1


# ----------------------------------------------------------------------------- chart


def test_the_chart_shows_summary_timeline_documents_and_team(bob: Person, client_record: Client,
                                                            note_record: Note, draft: Note,
                                                            document: Document) -> None:
    html = browser_of(bob).get(paths(client_record)["chart"]).content.decode()
    assert "<h1>Wilhelmina Quastenbrook</h1>" in html and "years" in html
    assert f"/notes/{note_record.public_id}/" in html and f"/notes/{draft.public_id}/" in html
    assert "Sleeping better" in html, "the last signed note is shown for a quick re-read"
    assert "wilhelmina-intake.txt" in html and f"/documents/{document.public_id}" in html
    assert "Primary clinician" in html


def test_psychotherapy_notes_stay_out_of_the_chart_timeline(bob: Person, client_record: Client,
                                                            process_note: Note) -> None:
    html = browser_of(bob).get(paths(client_record)["chart"]).content.decode()
    assert f"/notes/{process_note.public_id}/" not in html and "Psychotherapy notes (1)" in html


def test_page_titles_never_hold_the_clients_name(bob: Person, client_record: Client, note_record: Note,
                                                 draft: Note, process_note: Note, document: Document) -> None:
    browser = browser_of(bob)
    urls = paths(client_record, note_record)
    pages = [urls[p] for p in ("chart", "details", "note_new", "note", "psychotherapy", "team")]
    pages += ["/clients/", paths(client_record, draft)["note"], paths(client_record, process_note)["note"]]
    for url in pages:
        response = browser.get(url)
        assert response.status_code == 200, url
        title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)  # type: ignore[union-attr]
        assert NAME not in title and "Wilhelmina" not in title, url
        assert "style=" not in response.content.decode(), f"{url} has an inline style"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.content.decode()), f"{url} has an inline script"


# ----------------------------------------------------------------------------- notes


def test_a_new_note_starts_from_the_chosen_template(bob: Person, client_record: Client) -> None:
    html = browser_of(bob).get(paths(client_record)["note_new"] + "?template=soap").content.decode()
    assert "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n" in html
    assert 'data-headings="Data:' in html and 'data-headings="Behavior:' in html


def test_a_note_is_saved_as_a_draft_then_signed(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    response = browser.post(paths(client_record)["note_new"], {
        "kind": "progress", "template": "dap", "session_date": "2026-11-20", "body": "Data:\nSlept well.\n",
        "action": "save"})
    note = Note.objects.get()
    url = paths(client_record, note)["note"]
    assert response.status_code == 302 and response["Location"] == url
    assert note.status == "draft" and note.template == "dap"
    editor = browser.get(url).content.decode()
    assert "Slept well." in editor and 'id="note-version" value="1"' in editor
    signed = browser.post(url, {"session_date": "2026-11-20", "body": "Data:\nSlept well, mostly.\n",
                                "version": "1", "unscheduled_reason": "phone", "action": "sign"})
    assert signed.status_code == 302
    opened = services.open_note(vault_of(bob), client_record.public_id, note.public_id)
    assert opened.note.status == "signed" and opened.body == "Data:\nSlept well, mostly.\n"
    page = browser.get(url).content.decode()
    assert "Signed notes are locked" in page and "<textarea" in page and "Add an addendum" in page
    assert 'id="note-body"' not in page


def test_a_note_can_be_signed_straight_away(bob: Person, client_record: Client) -> None:
    browser_of(bob).post(paths(client_record)["note_new"], {
        "kind": "progress", "template": "free", "session_date": "2026-11-20", "body": "Done.",
        "unscheduled_reason": "phone", "action": "sign"})
    assert Note.objects.get().status == "signed"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"kind": "diary"}, "kind", "Select a valid choice"),
    ({"template": "haiku"}, "template", "Select a valid choice"),
    ({"session_date": "yesterday"}, "session_date", "Enter a valid date"),
    ({"session_date": "2999-01-01"}, "session_date", "cannot be in the future"),
    ({"body": "x" * 100_001}, "body", "at most 100000"),
    ({"body": "   ", "action": "sign"}, "body", "Write the note before signing it"),
])
def test_bad_notes_get_an_error_next_to_the_field_and_save_nothing(
        bob: Person, client_record: Client, data: dict[str, str], field: str, message: str) -> None:
    form = {"kind": "progress", "template": "free", "session_date": "2026-11-20", "body": "Fine.",
            "action": "save"} | data
    response = browser_of(bob).post(paths(client_record)["note_new"], form)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert re.search(rf'class="field[^"]*field-invalid"(?:(?!class="field).)*name="{field}"', html, re.S), field
    assert not Note.objects.exists()


def test_saving_a_stale_draft_keeps_the_text_and_changes_nothing(bob: Person, client_record: Client,
                                                                 draft: Note) -> None:
    services.save_draft(vault_of(bob), client_record.public_id, draft.public_id, body="From the other window",
                        expected_version=1)
    response = browser_of(bob).post(paths(client_record, draft)["note"], {
        "session_date": "2026-11-21", "body": "From this window", "version": "1", "unscheduled_reason": "phone",
        "action": "sign"})
    assert response.status_code == 409
    assert "From this window" in response.content.decode() and "reload the saved draft" in response.content.decode()
    opened = services.open_note(vault_of(bob), client_record.public_id, draft.public_id)
    assert opened.body == "From the other window" and opened.note.status == "draft"


def test_a_signed_note_cannot_be_edited(bob: Person, client_record: Client, note_record: Note) -> None:
    response = browser_of(bob).post(paths(client_record, note_record)["note"], {
        "session_date": "2026-11-20", "body": "Rewritten", "version": "1", "action": "save"})
    assert response.status_code == 400 and "addendum" in response.content.decode()
    assert services.open_note(vault_of(bob), client_record.public_id, note_record.public_id).body.startswith("Subj")


def test_an_addendum_is_added_to_a_signed_note(bob: Person, client_record: Client, note_record: Note) -> None:
    browser = browser_of(bob)
    url = paths(client_record, note_record)
    assert browser.post(url["addendum"], {"body": "Correction: slept 6 hours."}).status_code == 302
    page = browser.get(url["note"]).content.decode()
    assert "Correction: slept 6 hours." in page and "Subjective:\nSleeping better." in page


@pytest.mark.parametrize("body", ["", "   \n"])
def test_an_empty_addendum_is_refused(bob: Person, client_record: Client, note_record: Note, body: str) -> None:
    response = browser_of(bob).post(paths(client_record, note_record)["addendum"], {"body": body})
    assert response.status_code == 400 and "Write the addendum before adding it." in response.content.decode()
    assert not Note.objects.filter(parent=note_record).exists()


def test_a_draft_takes_no_addendum(bob: Person, client_record: Client, draft: Note) -> None:
    response = browser_of(bob).post(paths(client_record, draft)["addendum"], {"body": "Later thought"})
    assert response.status_code == 400 and "Only signed notes take addenda" in response.content.decode()


def test_a_colleague_cannot_open_someone_elses_draft(bob: Person, carol: Person, client_record: Client,
                                                     draft: Note) -> None:
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    browser = browser_of(carol)
    assert browser.get(paths(client_record, draft)["note"]).status_code == 404
    assert browser.post(paths(client_record, draft)["autosave"], {
        "session_date": "2026-11-21", "body": "x", "version": "1"}).status_code == 404


# ----------------------------------------------------------------------------- autosave


def test_the_first_autosave_creates_the_draft_and_says_where_it_lives(bob: Person, client_record: Client) -> None:
    response = browser_of(bob).post(paths(client_record)["autosave_new"], {
        "kind": "progress", "template": "soap", "session_date": "2026-11-20", "body": "Subjective:\nTired."}, **HTMX)
    note = Note.objects.get()
    assert response.status_code == 200 and response["X-Confide-Autosave"] == "saved"
    assert response["X-Confide-Note-Url"] == paths(client_record, note)["note"]
    assert response["X-Confide-Autosave-Url"] == paths(client_record, note)["autosave"]
    html = response.content.decode()
    assert re.search(r"Draft saved at \d\d:\d\d\.", html)
    assert 'id="note-version" value="1" hx-swap-oob="true"' in html
    assert note.status == "draft" and NAME not in str(dict(response.items()))


def test_autosave_saves_with_the_version_and_returns_the_next(bob: Person, client_record: Client,
                                                              draft: Note) -> None:
    browser = browser_of(bob)
    url = paths(client_record, draft)["autosave"]
    first = browser.post(url, {"session_date": "2026-11-21", "body": "Second thought", "version": "1"}, **HTMX)
    assert first.status_code == 200 and 'value="2" hx-swap-oob="true"' in first.content.decode()
    second = browser.post(url, {"session_date": "2026-11-22", "body": "Third thought", "version": "2"}, **HTMX)
    assert second.status_code == 200 and 'value="3"' in second.content.decode()
    opened = services.open_note(vault_of(bob), client_record.public_id, draft.public_id)
    assert opened.body == "Third thought" and str(opened.note.session_date) == "2026-11-22"


def test_autosave_on_a_stale_version_is_refused_with_a_reload_hint(bob: Person, client_record: Client,
                                                                   draft: Note) -> None:
    browser = browser_of(bob)
    url = paths(client_record, draft)["autosave"]
    browser.post(url, {"session_date": "2026-11-21", "body": "Window one", "version": "1"}, **HTMX)
    stale = browser.post(url, {"session_date": "2026-11-21", "body": "Window two", "version": "1"}, **HTMX)
    assert stale.status_code == 409 and stale["X-Confide-Autosave"] == "stopped"
    html = stale.content.decode()
    assert "This draft was changed in another window" in html and "reload" in html and "hx-swap-oob" not in html
    assert services.open_note(vault_of(bob), client_record.public_id, draft.public_id).body == "Window one"


@pytest.mark.parametrize("data", [
    {"session_date": "2026-11-21", "body": "x"},
    {"session_date": "not a date", "body": "x", "version": "1"},
    {"session_date": "2026-11-21", "body": "x" * 100_001, "version": "1"},
])
def test_bad_autosaves_say_why_and_save_nothing(bob: Person, client_record: Client, draft: Note,
                                                data: dict[str, str]) -> None:
    response = browser_of(bob).post(paths(client_record, draft)["autosave"], data, **HTMX)
    assert response.status_code == 400 and "Not saved" in response.content.decode()
    assert Note.objects.get(pk=draft.pk).version == 1


def test_autosave_of_a_signed_note_stops(bob: Person, client_record: Client, note_record: Note) -> None:
    response = browser_of(bob).post(paths(client_record, note_record)["autosave"], {
        "session_date": "2026-11-20", "body": "x", "version": "1"}, **HTMX)
    assert response.status_code == 400 and response["X-Confide-Autosave"] == "stopped"
    assert "locked" in response.content.decode()


def test_the_editor_wires_autosave_without_inline_script(bob: Person, client_record: Client, draft: Note) -> None:
    html = browser_of(bob).get(paths(client_record, draft)["note"]).content.decode()
    assert f'hx-post="{paths(client_record, draft)["autosave"]}"' in html
    assert 'hx-trigger="input changed delay:2s"' in html and "records.js" in html
    assert 'data-confirm="Sign this note?' in html


# ----------------------------------------------------------------------------- psychotherapy notes


def test_the_psychotherapy_area_lists_only_the_authors_notes(bob: Person, carol: Person, client_record: Client,
                                                             process_note: Note) -> None:
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    own = browser_of(bob).get(paths(client_record)["psychotherapy"]).content.decode()
    assert f"/notes/{process_note.public_id}/" in own
    assert "Progress notes and psychotherapy notes" in own and "only you can open them" in own
    carol_browser = browser_of(carol)
    theirs = carol_browser.get(paths(client_record)["psychotherapy"])
    assert theirs.status_code == 200 and f"/notes/{process_note.public_id}/" not in theirs.content.decode()
    assert carol_browser.get(paths(client_record, process_note)["note"]).status_code == 404


def test_a_psychotherapy_note_is_written_from_the_area(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    form = browser.get(paths(client_record)["note_new"] + "?kind=psychotherapy").content.decode()
    assert re.search(r'value="psychotherapy"[^>]*checked', form)
    browser.post(paths(client_record)["note_new"], {"kind": "psychotherapy", "template": "free",
                                                   "session_date": "2026-11-20", "body": "Impression.",
                                                   "action": "sign"})
    assert Note.objects.get().kind == "psychotherapy"


# ----------------------------------------------------------------------------- care team


def test_the_care_team_page_shows_fingerprints(bob: Person, client_record: Client) -> None:
    html = browser_of(bob).get(paths(client_record)["team"]).content.decode()
    assert bob.user.key_pair.fingerprint in html and "Primary clinician" in html


def test_account_security_shows_the_persons_own_fingerprint(bob: Person) -> None:
    html = browser_of(bob).get("/account/security/").content.decode()
    assert bob.user.key_pair.fingerprint in html


def test_granting_access_asks_to_compare_the_fingerprint_first(bob: Person, carol: Person,
                                                               client_record: Client) -> None:
    browser = browser_of(bob)
    url = paths(client_record)["team"]
    choice = {"user": str(carol.user.pk), "role": "supervisor", "clinical": "on"}
    step = browser.post(url, choice)
    fingerprint = carol.user.key_pair.fingerprint
    assert step.status_code == 200 and fingerprint in step.content.decode()
    assert "compare this with the fingerprint on their account security page" in step.content.decode().lower()
    assert not CareTeamMember.objects.filter(user=carol.user).exists()
    unconfirmed = browser.post(url, choice | {"fingerprint": fingerprint})
    assert unconfirmed.status_code == 400 and "Compare the fingerprints" in unconfirmed.content.decode()
    assert not CareTeamMember.objects.filter(user=carol.user).exists()
    done = browser.post(url, choice | {"fingerprint": fingerprint, "fingerprint_confirmed": "on"})
    assert done.status_code == 302
    member = CareTeamMember.objects.get(user=carol.user)
    assert member.role == "supervisor" and member.clinical_access
    assert services.list_notes(vault_of(carol), client_record.public_id) == []


def test_a_changed_fingerprint_stops_the_grant(bob: Person, carol: Person, client_record: Client) -> None:
    response = browser_of(bob).post(paths(client_record)["team"], {
        "user": str(carol.user.pk), "role": "supervisor", "clinical": "on",
        "fingerprint": "AAAA BBBB CCCC DDDD EEEE FFFF GGGG HHHH", "fingerprint_confirmed": "on"})
    assert response.status_code == 409 and "Their key changed" in response.content.decode()
    assert carol.user.key_pair.fingerprint in response.content.decode()
    assert not CareTeamMember.objects.filter(user=carol.user).exists()


@pytest.mark.parametrize("data", [
    {"user": "", "role": "clinician"},
    {"user": "999999", "role": "clinician"},
    {"user": "carol", "role": "primary"},
    {"user": "carol", "role": "owner"},
    {"user": "dana", "role": "front_desk", "clinical": "on"},
    {"user": "dana", "role": "clinician"},
])
def test_bad_grants_are_refused_with_a_clear_error(bob: Person, carol: Person, dana: Person,
                                                   client_record: Client, data: dict[str, str]) -> None:
    people = {"carol": carol, "dana": dana}
    if data["user"] in people:
        person = people[data["user"]]
        data = data | {"user": str(person.user.pk), "fingerprint": person.user.key_pair.fingerprint,
                       "fingerprint_confirmed": "on"}
    response = browser_of(bob).post(paths(client_record)["team"], data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error"' in html or "form-errors" in html
    assert CareTeamMember.objects.filter(client=client_record).count() == 1


def test_an_owner_off_the_team_may_grant_demographics_but_not_clinical_access(alice: Person, carol: Person,
                                                                              client_record: Client) -> None:
    browser = browser_of(alice)
    base = {"user": str(carol.user.pk), "role": "supervisor", "fingerprint": carol.user.key_pair.fingerprint,
            "fingerprint_confirmed": "on"}
    refused = browser.post(paths(client_record)["team"], base | {"clinical": "on"})
    assert refused.status_code == 400 and "Only a member of the care team" in refused.content.decode()
    assert browser.post(paths(client_record)["team"], base).status_code == 302
    assert not CareTeamMember.objects.get(user=carol.user).clinical_access


def test_the_front_desk_sees_the_team_but_cannot_change_it(dana: Person, carol: Person,
                                                           client_record: Client) -> None:
    browser = browser_of(dana)
    page = browser.get(paths(client_record)["team"]).content.decode()
    assert "Give someone access" not in page and "Remove" not in page
    assert browser.post(paths(client_record)["team"], {"user": str(carol.user.pk), "role": "supervisor"}
                        ).status_code == 404


def test_revoking_removes_the_member_and_their_keys(bob: Person, carol: Person, client_record: Client) -> None:
    services.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    response = browser_of(bob).post(paths(client_record)["revoke"], {"user_id": str(carol.user.pk)})
    assert response.status_code == 302
    assert not CareTeamMember.objects.filter(user=carol.user).exists()
    assert not KeyWrap.objects.filter(recipient=carol.user, key_version__client=client_record,
                                      key_version__retired_at__isnull=True).exists()


@pytest.mark.parametrize("user_id", ["", "abc", "999999", "self"])
def test_bad_revocations_are_refused(bob: Person, client_record: Client, user_id: str) -> None:
    value = str(bob.user.pk) if user_id == "self" else user_id
    response = browser_of(bob).post(paths(client_record)["revoke"], {"user_id": value})
    assert response.status_code == 400 and "form-errors" in response.content.decode()
    assert CareTeamMember.objects.filter(user=bob.user).exists()


# ----------------------------------------------------------------------------- documents


def _upload(browser: Browser, client: Client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return browser.post(paths(client)["upload"], {"file": SimpleUploadedFile(name, data)})


def test_a_document_is_uploaded_and_downloaded_under_a_generic_name(bob: Person, client_record: Client) -> None:
    browser = browser_of(bob)
    pdf = b"%PDF-1.7\n" + b"Quastenbrook discharge letter " * 100_000  # several chunks
    response = _upload(browser, client_record, "Quastenbrook-discharge.pdf", pdf)
    assert response.status_code == 302 and response["Location"].endswith("#documents")
    document = Document.objects.get()
    chart = browser.get(paths(client_record)["chart"]).content.decode()
    assert "Quastenbrook-discharge.pdf" in chart
    download = browser.get(paths(client_record, doc=document)["document"])
    assert download.status_code == 200 and download.streaming
    assert b"".join(download.streaming_content) == pdf  # type: ignore[arg-type]
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="document.pdf"'
    for header, value in download.items():
        assert NAME not in value and "discharge" not in value, header


@pytest.mark.parametrize(("name", "data", "message"), [
    ("script.html", b"<script>alert(1)</script>", "Upload a PDF, PNG, JPEG or plain-text file"),
    ("empty.pdf", b"", "empty"),
    ("fake.pdf", b"MZ\x90\x00 not a pdf", "Upload a PDF"),
])
def test_bad_uploads_get_a_clear_error_and_store_nothing(bob: Person, client_record: Client, name: str,
                                                         data: bytes, message: str, settings) -> None:  # type: ignore[no-untyped-def]
    store = settings.FILE_STORE_DIR
    before = set(store.iterdir()) if store.exists() else set()
    response = _upload(browser_of(bob), client_record, name, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert 'id="id_file_error"' in response.content.decode() or "form-errors" in response.content.decode()
    assert not Document.objects.exists()
    assert (set(store.iterdir()) if store.exists() else set()) == before


def test_an_upload_without_a_file_is_refused(bob: Person, client_record: Client) -> None:
    response = browser_of(bob).post(paths(client_record)["upload"], {})
    assert response.status_code == 400 and "Choose a file to upload." in response.content.decode()


def test_an_oversized_upload_is_refused(bob: Person, client_record: Client,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from confide.web import documents_views

    monkeypatch.setattr(documents_views, "MAX_DOCUMENT_BYTES", 1024)
    monkeypatch.setattr(documents_views, "_UPLOAD_OVERHEAD", 0)
    response = _upload(browser_of(bob), client_record, "big.txt", b"a" * 4096)
    assert response.status_code == 400 and "Files may be at most" in response.content.decode()
    assert not Document.objects.exists()


def test_uploads_never_touch_a_temporary_file(bob: Person, client_record: Client,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.files import uploadedfile

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a client's document was spooled to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    big = b"%PDF-1.7\n" + b"x" * (3 * 1024 * 1024)  # over Django's 2.5 MB in-memory limit
    assert _upload(browser_of(bob), client_record, "big.pdf", big).status_code == 302


# ----------------------------------------------------------------------------- integrity


def test_a_tampered_record_shows_the_integrity_page_not_garbage(bob: Person, client_record: Client) -> None:
    blob = bytearray(bytes(client_record.demographics))
    blob[-5] ^= 0x01
    Client.objects.filter(pk=client_record.pk).update(demographics=bytes(blob))
    response = browser_of(bob).get(paths(client_record)["chart"])
    assert response.status_code == 500 and "failed its integrity check" in response.content.decode()
    assert NAME not in response.content.decode()


def test_a_document_missing_from_the_store_shows_the_integrity_page(bob: Person, client_record: Client,
                                                                    document: Document, settings) -> None:  # type: ignore[no-untyped-def]
    (settings.FILE_STORE_DIR / document.storage_name).unlink()
    response = browser_of(bob).get(paths(client_record, doc=document)["document"])
    assert response.status_code == 500 and "failed its integrity check" in response.content.decode()


def test_urls_on_client_pages_carry_only_ids(bob: Person, client_record: Client, note_record: Note,
                                             document: Document) -> None:
    html = browser_of(bob).get(paths(client_record)["chart"]).content.decode()
    for url in re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', html):
        assert NAME not in url and "Wilhelmina" not in url and "intake" not in url, url
        assert "?" not in url or url.startswith("/vault/"), url


def test_an_upload_without_a_csrf_token_is_refused(bob: Person, client_record: Client) -> None:
    """The upload view sets its upload handler before Django reads the body, then checks CSRF itself."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    practice = bob.user.membership.practice
    practice.mfa_required = False
    practice.save(update_fields=["mfa_required"])
    browser = Browser(enforce_csrf_checks=True)
    sign_in_page = browser.get("/accounts/login/")
    token = sign_in_page.cookies.get(settings.CSRF_COOKIE_NAME) or browser.cookies[settings.CSRF_COOKIE_NAME]
    browser.post("/accounts/login/", {"login": bob.email, "password": bob.password,
                                      "csrfmiddlewaretoken": token.value})
    response = browser.post(paths(client_record)["upload"], {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert response.status_code == 403
    assert not Document.objects.exists()
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(paths(client_record)["upload"], {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"),
                                                             "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302 and Document.objects.count() == 1
