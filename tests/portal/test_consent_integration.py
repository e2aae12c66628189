"""The portal with the real consent document and jurisdiction packs (no stand-in)."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core import mail
from django.test import Client as Browser

from confide.consent.services import update_consent_policy
from confide.portal import services
from confide.portal.models import ClientAccount, ConsentSignature, ConsentVersion
from confide.records.models import Client
from tests.accounts.test_signin import sign_in
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_account(bob: Person, client_record: Client) -> ClientAccount:
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="wq.real@example.test")
    return services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                             email="wq.real@example.test", password=CLIENT_PASSWORD)


def test_the_signed_pdf_carries_the_version_hash_and_the_signature(real_account: ClientAccount) -> None:
    version, text = services.read_consent(real_account)
    assert text.title == "Privacy and consent: Quiet Harbour Counselling" and text.pack_code == "US-CA"
    vault = client_vault_of(real_account)
    signature = services.sign_consent(vault, real_account, version_number=version.number, understood=True,
                                      typed_name="Wilhelmina Quastenbrook")
    _, pdf = services.signed_copy(vault, real_account, signature.public_id)
    content = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    flat = content.replace("\n", "")
    assert version.fingerprint in flat and signature.document_hash == version.fingerprint
    assert "Wilhelmina Quastenbrook" in content and "Consent version: 1" in content


def test_a_consent_policy_change_asks_for_re_consent(real_account: ClientAccount, alice: Person,
                                                     client_record: Client, relaxed: object,
                                                     django_capture_on_commit_callbacks: object) -> None:
    version, _ = services.read_consent(real_account)
    services.sign_consent(client_vault_of(real_account), real_account, version_number=version.number,
                          understood=True, typed_name="W Q")
    assert services.client_has_current_consent(client_record)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        update_consent_policy(actor=alice.user, sees_minors=False, family_no_secrets=True, uses_messaging=True,
                              bills_insurance=True, uses_supervision=True, destruction_method="crypto_shred",
                              complaint_contact="")
    assert services.consent_status(client_record).state == "outdated"
    # The new version is issued and the client told at once, before they visit; the mail says nothing.
    assert ConsentVersion.objects.filter(practice=client_record.practice).count() == 2
    [notice] = mail.outbox
    assert notice.to == ["wq.real@example.test"]
    for secret in ("Wilhelmina", "Quastenbrook", "Quiet Harbour", "insurance", "consent"):
        assert secret.lower() not in f"{notice.subject}\n{notice.body}".lower()
    new_version, text = services.read_consent(real_account)
    assert new_version.number == 2 and "If you use health insurance" in text.as_plain_text()
    # Re-consent shows what changed: the two sections the new policies touch, nothing else.
    changes = {(c.heading, c.kind) for c in services.consent_changes(real_account, new_version)}
    assert changes == {("Payment and insurance", "changed"), ("E-mail and text messages", "changed")}
    http = Browser()
    sign_in(http, real_account.user.email, CLIENT_PASSWORD)
    page = http.get("/portal/consent/").content.decode()
    assert "What changed since you signed version 1" in page and "Payment and insurance: changed" in page
    # The first version's text is kept word for word.
    assert "If you use health insurance" not in services.stored_text(version).as_plain_text()
    services.sign_consent(client_vault_of(real_account), real_account, version_number=2, understood=True,
                          typed_name="W Q")
    assert ConsentSignature.objects.count() == 2 and services.client_has_current_consent(client_record)


def test_your_privacy_explained_shows_every_rule_with_its_source(real_account: ClientAccount,
                                                                 relaxed: object) -> None:
    place, rules = services.privacy_explained(real_account.practice)
    assert "California" in place and rules
    assert all(rule.citation and rule.summary for rule in rules)
    http = Browser()
    sign_in(http, real_account.user.email, CLIENT_PASSWORD)
    page = http.get("/portal/privacy/").content.decode()
    for rule in rules:
        assert "Source: " in page
        assert rule.citation.replace("&", "&amp;").replace("'", "&#x27;").replace('"', "&quot;") in page
    assert "not legal advice" in page
    # Plain words, never a rule stated as settled law when it is not confirmed.
    assert "We checked it against the text of the law." in page
    assert "APA guideline" not in page  # the owner's label; the client reads "a guideline for therapists"


def test_a_practice_that_has_not_started_consent_gets_no_versions_from_a_policy_change(
        alice: Person, django_capture_on_commit_callbacks: object) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # type: ignore[operator]
            update_consent_policy(actor=alice.user, sees_minors=True, family_no_secrets=True, uses_messaging=False,
                              bills_insurance=False, uses_supervision=True, destruction_method="crypto_shred",
                              complaint_contact="")
    assert callbacks, "the refresh ran"
    assert not ConsentVersion.objects.exists() and not mail.outbox
