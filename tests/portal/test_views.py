"""Portal pages over HTTP: who may open what, the consent and check-in forms, the chart and the note gate."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client as Browser

from confide.accounts.backends import BACKEND
from confide.audit.models import LogEntry
from confide.portal import consent_gate, services
from confide.portal.models import CheckIn, ClientAccount, ConsentSignature
from confide.records import services as records
from confide.records.models import Client, Note
from tests.accounts.test_signin import sign_in
from tests.audit.test_record_access_events import PORTAL_CLIENT_ROUTES
from tests.conftest import Person
from tests.disclosures.helpers import prepare_for_portal
from tests.portal.conftest import CLIENT_PASSWORD, ChangeableConsent, client_vault_of
from tests.records.conftest import vault_of

CLIENT_PAGES = ["/portal/", "/portal/consent/", "/portal/documents/", "/portal/privacy/", "/portal/access/",
                "/portal/check-in/", "/portal/security/"]
STAFF_PAGES = ["/clients/", "/practice/settings/", "/practice/staff/", "/account/security/",
               "/practice/consent-process/", "/practice/consent/"]


@pytest.fixture
def as_client(client_account: ClientAccount, relaxed: object) -> Browser:
    http = Browser()
    response = sign_in(http, client_account.user.email, CLIENT_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/portal/"
    return http


@pytest.fixture
def as_bob(bob: Person, relaxed: object) -> Browser:
    http = Browser()
    sign_in(http, bob.email, bob.password)
    return http


def sign(http: Browser) -> None:
    page = http.get("/portal/consent/")
    version = re.search(r'name="version" value="(\d+)"', page.content.decode()).group(1)  # type: ignore[union-attr]
    response = http.post("/portal/consent/", {"version": version, "understood": "on",
                                              "typed_name": "Wilhelmina Quastenbrook"})
    assert response.status_code == 302, response.content.decode()


def test_a_client_is_forbidden_every_staff_page_and_home_leads_to_the_portal(as_client: Browser) -> None:
    for path in STAFF_PAGES:
        assert as_client.get(path).status_code == 403, path
    response = as_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def test_staff_are_forbidden_the_client_pages(as_bob: Browser, client_account: ClientAccount) -> None:
    for path in CLIENT_PAGES:
        assert as_bob.get(path).status_code == 403, path


def test_signed_out_visitors_are_sent_to_sign_in(db: None) -> None:
    for path in CLIENT_PAGES:
        response = Browser().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


def test_a_client_is_not_forced_to_enrol_a_second_factor_but_is_encouraged(client_account: ClientAccount) -> None:
    # alice's practice requires MFA of its staff; its clients are asked, not forced.
    http = Browser()
    sign_in(http, client_account.user.email, CLIENT_PASSWORD)
    sign(http)
    page = http.get("/portal/")
    assert page.status_code == 200
    assert "Set up a second step" in page.content.decode()
    assert "/accounts/2fa/totp/activate/" in http.get("/portal/security/").content.decode()


def test_home_sends_a_client_without_consent_to_sign_first(as_client: Browser) -> None:
    response = as_client.get("/portal/")
    assert response.status_code == 302 and response["Location"] == "/portal/consent/"


def test_the_consent_form_shows_errors_next_to_the_fields(as_client: Browser) -> None:
    response = as_client.post("/portal/consent/", {"version": "1", "typed_name": "W Q"})
    assert response.status_code == 400
    assert "Tick the box" in response.content.decode()
    response = as_client.post("/portal/consent/", {"version": "1", "understood": "on", "typed_name": ""})
    assert response.status_code == 400 and "Type your full name" in response.content.decode()
    response = as_client.post("/portal/consent/", {"version": "x", "understood": "on", "typed_name": "W Q"})
    assert response.status_code == 400
    assert not ConsentSignature.objects.exists()


def test_signing_downloading_and_every_client_read_is_audited(as_client: Browser, bob: Person,
                                                              client_account: ClientAccount) -> None:
    sign(as_client)
    signature = ConsentSignature.objects.get()
    actor = f"user:{client_account.user_id}"
    client_id = str(client_account.client.public_id)
    prepared = prepare_for_portal(vault_of(bob), client_account)
    for pattern, tag in PORTAL_CLIENT_ROUTES.items():
        path = "/" + pattern.replace("<uuid:signature_id>", str(signature.public_id)).replace(
            "<uuid:prepared_id>", str(prepared.public_id))
        before = LogEntry.objects.count()
        response = as_client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert LogEntry.objects.filter(position__gte=before, tag=tag, actor_id=actor, client_id=client_id).exists(), \
            path
    pdf = as_client.get(f"/portal/documents/{signature.public_id}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="consent-version-1.pdf"'
    assert signature.document_hash.encode() in pdf.content
    documents = as_client.get("/portal/documents/").content.decode()
    assert "Wilhelmina Quastenbrook" in documents
    assert "You" in as_client.get("/portal/access/").content.decode()


def test_the_clinicians_access_log_shows_the_clients_own_actions_without_their_address(
        as_client: Browser, as_bob: Browser, client_account: ClientAccount) -> None:
    sign(as_client)
    folded = as_bob.get(f"/clients/{client_account.client.public_id}/access-log/").content.decode()
    assert "signed the consent document" not in folded and "own actions on this page folded away" in folded
    page = as_bob.get(f"/clients/{client_account.client.public_id}/access-log/?own=1").content.decode()
    assert "The client, in the portal" in page and "signed the consent document" in page
    assert client_account.user.email not in page


def test_another_clients_signature_is_not_found(as_client: Browser, bob: Person, client_account: ClientAccount,
                                                consent: ChangeableConsent) -> None:
    sign(as_client)
    other = records.create_client(vault_of(bob), records.Demographics(given_name="Otto", family_name="Lind"))
    issued = services.invite_client(vault_of(bob), other.public_id, email="otto@example.test")
    account = services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                                email="otto@example.test", password=CLIENT_PASSWORD)
    http = Browser()
    sign_in(http, account.user.email, CLIENT_PASSWORD)
    assert http.get(f"/portal/documents/{ConsentSignature.objects.get().public_id}.pdf").status_code == 404


def test_a_policy_change_asks_the_client_to_re_consent(as_client: Browser, consent: ChangeableConsent) -> None:
    sign(as_client)
    assert as_client.get("/portal/").status_code == 200
    consent.paragraphs.append("A new rule about text messages.")
    response = as_client.get("/portal/", follow=True)
    assert response.redirect_chain[-1][0] == "/portal/consent/"
    assert "updated its consent document" in response.content.decode()
    sign(as_client)
    assert list(ConsentSignature.objects.values_list("version__number", flat=True)) == [2, 1]


def test_check_in_errors_and_the_clinicians_view(as_client: Browser, as_bob: Browser, client_record: Client,
                                                 client_account: ClientAccount) -> None:
    sign(as_client)
    response = as_client.post("/portal/check-in/", {"comfort": "3", "informed": "9", "trust": "3"})
    assert response.status_code == 400 and not CheckIn.objects.exists()
    response = as_client.post("/portal/check-in/", {"comfort": "", "informed": "3", "trust": "3"})
    assert response.status_code == 400 and "How comfortable" in response.content.decode()
    assert as_client.post("/portal/check-in/", {"comfort": "5", "informed": "5", "trust": "5"}).status_code == 302
    assert as_bob.get("/").content.decode().count("privacy check-in dropped") == 0
    assert as_client.post("/portal/check-in/", {"comfort": "2", "informed": "4", "trust": "4",
                                                "comment": "Unsure who reads this."}).status_code == 302
    home = as_bob.get("/").content.decode()
    assert "A client&#x27;s privacy check-in dropped" in home or "A client's privacy check-in dropped" in home
    assert "Quastenbrook" not in home, "the notice names nobody"
    chart = as_bob.get(f"/clients/{client_record.public_id}/").content.decode()
    assert 'data-consent-state="current"' in chart
    assert "Unsure who reads this." in chart and "Drop" in chart


def test_the_chart_shows_outdated_consent(as_client: Browser, as_bob: Browser, client_record: Client,
                                          consent: ChangeableConsent) -> None:
    chart = as_bob.get(f"/clients/{client_record.public_id}/").content.decode()
    assert 'data-consent-state="none"' in chart
    sign(as_client)
    consent.paragraphs.append("Changed.")
    chart = as_bob.get(f"/clients/{client_record.public_id}/").content.decode()
    assert 'data-consent-state="outdated"' in chart and "needs re-consent" in chart


def test_inviting_from_the_chart(as_bob: Browser, bob: Person, dana: Person, client_record: Client,
                                 consent: ChangeableConsent) -> None:
    chart = as_bob.get(f"/clients/{client_record.public_id}/").content.decode()
    assert "Send portal invitation" in chart
    response = as_bob.post(f"/clients/{client_record.public_id}/portal/invite", {"email": "wq.new@example.test"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert "Quastenbrook" not in message.body and "Wilhelmina" not in message.body
    response = as_bob.post(f"/clients/{client_record.public_id}/portal/invite", {"email": "nope"}, follow=True)
    assert "valid e-mail" in response.content.decode() and len(mail.outbox) == 1
    http = Browser()
    sign_in(http, dana.email, dana.password)
    assert http.post(f"/clients/{client_record.public_id}/portal/invite",
                     {"email": "x@example.test"}).status_code == 404
    assert len(mail.outbox) == 1


def test_the_join_page_refuses_bad_input_and_a_used_link(bob: Person, client_record: Client, relaxed: object,
                                                         consent: ChangeableConsent) -> None:
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="wq@example.test")
    path = issued.link.removeprefix("http://127.0.0.1:8000")
    http = Browser()
    page = http.get(path)
    assert page.status_code == 200 and "Quiet Harbour Counselling" in page.content.decode()
    response = http.post(path, {"email": "wq@example.test", "password1": "short", "password2": "short"})
    assert response.status_code == 400 and not ClientAccount.objects.exists()
    response = http.post(path, {"email": "wq@example.test", "password1": CLIENT_PASSWORD, "password2": "other words"})
    assert response.status_code == 400 and "not the same" in response.content.decode()
    response = http.post(path, {"email": bob.email, "password1": CLIENT_PASSWORD, "password2": CLIENT_PASSWORD})
    assert response.status_code == 400 and "already has an account" in response.content.decode()
    response = http.post(path, {"email": "wq@example.test", "password1": CLIENT_PASSWORD,
                                "password2": CLIENT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert http.get("/portal/consent/").status_code == 200, "the key is unlocked right away"
    assert Browser().get(path).status_code == 404


def test_the_note_editor_asks_for_a_reason_without_current_consent(as_bob: Browser, client_record: Client,
                                                                  client_account: ClientAccount, bob: Person) -> None:
    services.read_consent(client_account)  # the practice issued consent through Confide
    draft = records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Crisis.")
    path = f"/clients/{client_record.public_id}/notes/{draft.public_id}/"
    assert "Reason to sign without current consent" in as_bob.get(path).content.decode()
    response = as_bob.post(path, {"session_date": "2026-11-20", "body": "Crisis.", "version": "1", "action": "sign",
                                  "unscheduled_reason": "crisis"})
    assert response.status_code == 400
    assert re.search(r'field-invalid">\s*<label for="id_consent_reason"', response.content.decode())
    assert Note.objects.get(pk=draft.pk).version == 1, "the refused signature saved nothing"
    response = as_bob.post(path, {"session_date": "2026-11-20", "body": "Crisis.", "version": "1", "action": "sign",
                                  "unscheduled_reason": "crisis", "consent_reason": "Client in acute crisis."})
    assert response.status_code == 302
    assert Note.objects.get(pk=draft.pk).status == Note.Status.SIGNED
    reason = consent_gate.consent_override_reason(vault_of(bob), Note.objects.get(pk=draft.pk))
    assert reason == "Client in acute crisis."


def test_the_owner_sets_the_revisit_schedule_and_others_may_only_read_it(alice: Person, bob: Person,
                                                                         relaxed: object,
                                                                         consent: ChangeableConsent) -> None:
    http = Browser()
    sign_in(http, alice.email, alice.password)
    response = http.post("/practice/consent-process/", {"revisit_every_months": "99", "checkin_every_days": "30"})
    assert response.status_code == 400
    response = http.post("/practice/consent-process/", {"revisit_after_intake": "on", "revisit_every_months": "12",
                                                "checkin_every_days": "14"})
    assert response.status_code == 302
    prefs = services.settings_for(alice.user.membership.practice)
    assert (prefs.revisit_after_intake, prefs.revisit_after_disclosure, prefs.revisit_every_months) == (True, False, 12)
    other = Browser()
    sign_in(other, bob.email, bob.password)
    assert other.get("/practice/consent-process/").status_code == 200
    refused = other.post("/practice/consent-process/", {"revisit_every_months": "1", "checkin_every_days": "7"})
    assert refused.status_code == 403


def test_a_locked_key_asks_for_the_password(client_account: ClientAccount, relaxed: object) -> None:
    http = Browser()
    http.force_login(client_account.user, backend=BACKEND)
    response = http.get("/portal/documents/")
    assert response.status_code == 302 and response["Location"].startswith("/portal/unlock?")
    assert http.post("/portal/unlock?next=/portal/documents/", {"password": "wrong"}).status_code == 400
    response = http.post("/portal/unlock?next=https://evil.example/", {"password": CLIENT_PASSWORD})
    assert response["Location"] == "/portal/"
    assert client_vault_of(client_account).holds(client_account.client_id, "portal")
