"""Disclosures on the client's side: portal copies, authorizations signed and revoked in the portal, the accounting."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from confide.audit.models import LogEntry
from confide.disclosures import authorizations, client_side, packets, records
from confide.disclosures.authorizations import AuthorizationInput, DisclosureError, IncompleteAuthorizationError
from confide.disclosures.models import Authorization, AuthorizationRequest, Disclosure, PortalCopy, ReleaseLink
from confide.disclosures.packets import PacketSelection
from confide.portal import services as portal
from confide.portal.models import ClientAccount, ClinicianNotice, DisclosureMark
from confide.records import services
from confide.records.errors import NotFoundError, RecordIntegrityError
from confide.records.models import Client
from tests.conftest import Person
from tests.disclosures.conftest import pdf_text
from tests.disclosures.test_required import _walk
from tests.portal.conftest import CLIENT_PASSWORD, client_account, client_vault_of, consent
from tests.records.conftest import vault_of
from tests.web.test_records_pages import browser_of

__all__ = ["client_account", "consent"]  # fixtures

RECIPIENT = "Dr. Imogen Farthingale"


@pytest.fixture
def prepared_input() -> AuthorizationInput:
    """An authorization for the portal: every element but the signature (fictional content)."""
    return AuthorizationInput(
        categories=("progress_notes",), description="Progress notes from January to March 2026",
        discloser="Quiet Harbour Counselling", recipient_name=RECIPIENT, recipient_address="12 Lantern Row",
        purposes="Continuity of care at the request of the client",
        expires_on=timezone.localdate() + dt.timedelta(days=90), signer_name="Wilhelmina Quastenbrook")


@pytest.fixture
def prepared(bob: Person, client_account: ClientAccount, prepared_input: AuthorizationInput) -> AuthorizationRequest:
    return client_side.prepare_authorization(vault_of(bob), client_account.client.public_id, prepared_input)


def _sign(account: ClientAccount, request: AuthorizationRequest, **changes: object) -> Authorization:
    values: dict[str, object] = {"document_hash": request.document_hash, "understood": True,
                                 "typed_name": "Wilhelmina Quastenbrook"} | changes
    return client_side.sign_request(client_vault_of(account), account, request.public_id,
                                    **values)  # type: ignore[arg-type]


def _other_account(bob: Person) -> ClientAccount:
    other = services.create_client(vault_of(bob), services.Demographics(given_name="Otto", family_name="Lind"))
    issued = portal.invite_client(vault_of(bob), other.public_id, email="otto@example.test")
    return portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                           email="otto@example.test", password=CLIENT_PASSWORD)


# ----------------------------------------------------------------------------- preparing and signing


def test_a_prepared_authorization_is_sealed_for_the_client_and_for_the_care_team(
        prepared: AuthorizationRequest) -> None:
    assert RECIPIENT.encode() not in bytes(prepared.portal_text)
    assert RECIPIENT.encode() not in bytes(prepared.clinical_content)
    assert prepared.status == "pending" and len(prepared.document_hash) == 64
    assert LogEntry.objects.filter(tag="disclosure:authorization:prepared").count() == 1


def test_the_client_reads_signs_and_the_authorization_takes_effect_at_once(
        bob: Person, client_account: ClientAccount, prepared: AuthorizationRequest) -> None:
    opened = client_side.open_request(client_vault_of(client_account), client_account, prepared.public_id)
    assert opened.text["recipient_name"] == RECIPIENT
    assert any("revoke" in s for s in opened.text["statements"])
    authorization = _sign(client_account, prepared)
    assert authorization.public_id == prepared.authorization_public_id
    assert authorization.signature_method == Authorization.SignatureMethod.PORTAL
    assert authorization.signed_on == timezone.localdate() and authorization.created_by_id == client_account.user_id
    authorizations.require_active(authorization)
    staff_view = authorizations.open_authorization(vault_of(bob), client_account.client.public_id,
                                                   authorization.public_id)
    assert staff_view.recipient_name == RECIPIENT and staff_view.signer_name == "Wilhelmina Quastenbrook"
    prepared.refresh_from_db()
    assert prepared.status == "signed" and b"Quastenbrook" not in bytes(prepared.signed_name or b"")
    assert ClinicianNotice.objects.filter(recipient=bob.user, kind="authorization_signed").count() == 1
    event = LogEntry.objects.get(tag="portal:authorization:signed")
    assert event.actor_id == f"user:{client_account.user_id}"
    assert event.client_id == str(client_account.client.public_id)
    # A disclosure can be made under it right away.
    services.create_note(vault_of(bob), client_account.client.public_id, kind="progress",
                         session_date=timezone.localdate(), body="Session.", sign=True, consent_reason="Crisis")
    packet = packets.create_packet(vault_of(bob), client_account.client.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",)), delivery="download")
    assert packet.item_count == 1
    waiting, given = client_side.own_authorizations(client_vault_of(client_account), client_account)
    assert waiting == [] and given[0].details is not None and given[0].details["recipient_name"] == RECIPIENT
    assert given[0].signed_in_portal


@pytest.mark.parametrize(("changes", "message"), [
    ({"understood": False}, "Tick the box"),
    ({"typed_name": "   "}, "Type your full name"),
    ({"typed_name": "x" * 201}, "at most 200"),
    ({"typed_name": "Wil\x00helmina"}, "ordinary text"),
    ({"document_hash": "0" * 64}, "changed while you were reading"),
])
def test_a_bad_signature_is_refused_and_creates_nothing(client_account: ClientAccount, prepared: AuthorizationRequest,
                                                        changes: dict[str, object], message: str) -> None:
    with pytest.raises(DisclosureError, match=message):
        _sign(client_account, prepared, **changes)
    assert not Authorization.objects.exists()
    prepared.refresh_from_db()
    assert prepared.status == "pending"


def test_a_request_is_signed_once_and_a_withdrawn_or_lapsed_one_not_at_all(
        bob: Person, client_account: ClientAccount, prepared: AuthorizationRequest,
        prepared_input: AuthorizationInput) -> None:
    _sign(client_account, prepared)
    with pytest.raises(DisclosureError, match="no longer waiting"):
        _sign(client_account, prepared)
    with pytest.raises(NotFoundError):
        client_side.open_request(client_vault_of(client_account), client_account, prepared.public_id)
    second = client_side.prepare_authorization(vault_of(bob), client_account.client.public_id, prepared_input)
    client_side.withdraw_request(vault_of(bob), client_account.client.public_id, second.public_id)
    with pytest.raises(DisclosureError, match="no longer waiting"):
        _sign(client_account, second)
    with pytest.raises(DisclosureError, match="Only an authorization waiting"):
        client_side.withdraw_request(vault_of(bob), client_account.client.public_id, second.public_id)
    third = client_side.prepare_authorization(vault_of(bob), client_account.client.public_id, replace(
        prepared_input, expires_on=timezone.localdate() + dt.timedelta(days=1)))
    AuthorizationRequest.objects.filter(pk=third.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(DisclosureError, match="already have expired"):
        _sign(client_account, AuthorizationRequest.objects.get(pk=third.pk))
    assert Authorization.objects.count() == 1


def test_preparing_checks_every_element_and_needs_a_portal_account(
        bob: Person, carol: Person, dana: Person, client_record: Client, client_account: ClientAccount,
        prepared_input: AuthorizationInput) -> None:
    with pytest.raises(IncompleteAuthorizationError) as caught:
        client_side.prepare_authorization(vault_of(bob), client_account.client.public_id,
                                          replace(prepared_input, recipient_name="", purposes=""))
    assert set(caught.value.errors) == {"recipient_name", "purposes"}
    without_portal = services.create_client(vault_of(bob), services.Demographics(given_name="Ina", family_name="Ro"))
    with pytest.raises(DisclosureError, match="no portal account"):
        client_side.prepare_authorization(vault_of(bob), without_portal.public_id, prepared_input)
    for outsider in (carol, dana):
        with pytest.raises(NotFoundError):
            client_side.prepare_authorization(vault_of(outsider), client_account.client.public_id, prepared_input)
    assert not AuthorizationRequest.objects.exists()


# ----------------------------------------------------------------------------- revoking


def test_the_client_revokes_a_paper_authorization_and_its_links_close_at_once(
        bob: Person, client_account: ClientAccount, authorization: Authorization) -> None:
    services.create_note(vault_of(bob), client_account.client.public_id, kind="progress",
                         session_date=timezone.localdate(), body="Session.", sign=True, consent_reason="Crisis")
    packet = packets.create_packet(vault_of(bob), client_account.client.public_id, authorization.public_id,
                                   PacketSelection(categories=("progress_notes",)), delivery="link")
    issued = packets.create_release_link(vault_of(bob), packet, days=7)
    _, given = client_side.own_authorizations(client_vault_of(client_account), client_account)
    assert given[0].details is not None and given[0].details["recipient_name"] == "Dr. Imogen Farthingale"
    client_side.revoke_own_authorization(client_account, authorization.public_id)
    authorization.refresh_from_db()
    with pytest.raises(authorizations.InactiveAuthorizationError, match="revoked"):
        authorizations.require_active(authorization)
    assert authorization.revoked_by_id == client_account.user_id
    assert ReleaseLink.objects.get().revoked_at is not None
    with pytest.raises(packets.LinkUnavailableError):
        packets.open_release_link(issued.token, issued.passcode)
    with pytest.raises(authorizations.InactiveAuthorizationError):
        packets.create_packet(vault_of(bob), client_account.client.public_id, authorization.public_id,
                              PacketSelection(categories=("progress_notes",)), delivery="download")
    with pytest.raises(DisclosureError, match="already revoked"):
        client_side.revoke_own_authorization(client_account, authorization.public_id)
    assert ClinicianNotice.objects.filter(recipient=bob.user, kind="authorization_revoked").count() == 1
    event = LogEntry.objects.get(tag="portal:authorization:revoked")
    assert event.actor_id == f"user:{client_account.user_id}"
    assert authorizations.open_authorization(vault_of(bob), client_account.client.public_id,
                                             authorization.public_id).state == "revoked"


def test_another_client_can_neither_see_sign_nor_revoke(bob: Person, client_account: ClientAccount,
                                                        prepared: AuthorizationRequest,
                                                        authorization: Authorization) -> None:
    other = _other_account(bob)
    vault = client_vault_of(other)
    with pytest.raises(NotFoundError):
        client_side.open_request(vault, other, prepared.public_id)
    with pytest.raises(NotFoundError):
        client_side.sign_request(vault, other, prepared.public_id, document_hash=prepared.document_hash,
                                 understood=True, typed_name="Otto Lind")
    with pytest.raises(NotFoundError):
        client_side.revoke_own_authorization(other, authorization.public_id)
    for bad in ("not-a-uuid", ""):
        with pytest.raises(NotFoundError):
            client_side.revoke_own_authorization(other, bad)
    assert client_side.own_authorizations(vault, other) == ([], [])
    authorization.refresh_from_db()
    assert authorization.revoked_at is None and not Authorization.objects.filter(client=other.client).exists()
    # Even with the rows in hand, the other client's key opens nothing of this client.
    copy = PortalCopy.objects.get(record_id=authorization.public_id)
    with pytest.raises(NotFoundError):
        client_side._open(vault, bytes(copy.content), client_side._copy_context(client_account.client, copy))


# ----------------------------------------------------------------------------- the accounting


def test_the_client_reads_their_accounting_exempt_and_old_disclosures_left_out(
        bob: Person, client_account: ClientAccount) -> None:
    client = client_account.client
    records.record_disclosure(vault_of(bob), client.public_id, basis="treatment", recipient_name="Dr. Exempt",
                              description="Summary", purpose="Care")
    _walk(bob, client)
    old = _walk(bob, client, basis="emergency")
    Disclosure.objects.filter(pk=old.pk).update(disclosed_at=timezone.now() - dt.timedelta(days=365 * 6 + 3))
    assert DisclosureMark.objects.filter(client=client).exists()  # a disclosure makes a consent revisit due
    copies = PortalCopy.objects.filter(kind=PortalCopy.Kind.DISCLOSURE)
    assert copies.count() == 2 and all(b"Springfield" not in bytes(c.content) for c in copies)
    lines = client_side.own_accounting(client_vault_of(client_account), client_account)
    assert [(line.disclosure.basis, line.copied) for line in lines] == [("duty_to_warn", True)]
    assert "Springfield Police" in lines[0].recipient and lines[0].purpose
    staff = records.accounting(vault_of(bob), client.public_id)
    assert [(e.recipient, e.description, e.purpose) for e in staff] == [
        (lines[0].recipient, lines[0].description, lines[0].purpose)]
    text = pdf_text(client_side.own_accounting_pdf(client_vault_of(client_account), client_account))
    assert "Springfield Police" in text and "Dr. Exempt" not in text
    actor = f"user:{client_account.user_id}"
    assert LogEntry.objects.filter(tag="portal:accounting:read", actor_id=actor).count() == 1
    assert LogEntry.objects.filter(tag="portal:accounting:downloaded", actor_id=actor).count() == 1


def test_disclosures_made_before_the_client_joined_are_copied_when_the_care_team_next_looks(
        bob: Person, client_record: Client, consent: object) -> None:
    _walk(bob, client_record)
    issued = portal.invite_client(vault_of(bob), client_record.public_id, email="late@example.test")
    account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                              email="late@example.test", password=CLIENT_PASSWORD)
    [line] = client_side.own_accounting(client_vault_of(account), account)
    assert not line.copied and line.recipient == ""
    assert "ask the practice" in pdf_text(client_side.own_accounting_pdf(client_vault_of(account), account))
    records.accounting(vault_of(bob), client_record.public_id)  # the care team opens the accounting
    [line] = client_side.own_accounting(client_vault_of(account), account)
    assert line.copied and "Springfield Police" in line.recipient
    assert client_side.seal_portal_copies(vault_of(bob), client_record) == 0  # nothing left to copy


def test_a_copy_moved_to_another_record_fails_its_integrity_check(bob: Person, client_account: ClientAccount) -> None:
    first, second = _walk(bob, client_account.client), _walk(bob, client_account.client, basis="emergency")
    a = PortalCopy.objects.get(record_id=first.public_id)
    b = PortalCopy.objects.get(record_id=second.public_id)
    PortalCopy.objects.filter(pk=a.pk).update(content=bytes(b.content))
    with pytest.raises(RecordIntegrityError):
        client_side.own_accounting(client_vault_of(client_account), client_account)


def test_a_disclosure_failing_its_check_is_skipped_and_the_rest_is_copied(
        bob: Person, client_record: Client, consent: object, relaxed: object) -> None:
    first, second = _walk(bob, client_record), _walk(bob, client_record, basis="emergency")
    Disclosure.objects.filter(pk=first.pk).update(content=bytes(second.content))  # moved: fails its check
    issued = portal.invite_client(vault_of(bob), client_record.public_id, email="late@example.test")
    account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                              email="late@example.test", password=CLIENT_PASSWORD)
    assert client_side.seal_portal_copies(vault_of(bob), client_record) == 1
    assert list(PortalCopy.objects.values_list("record_id", flat=True)) == [second.public_id]
    assert LogEntry.objects.filter(tag="record:integrity:failed").exists()
    lines = client_side.own_accounting(client_vault_of(account), account)
    assert {line.disclosure.public_id: line.copied for line in lines} == {first.public_id: False,
                                                                          second.public_id: True}


def test_staff_see_a_pending_authorizations_recipient(bob: Person, prepared: AuthorizationRequest) -> None:
    client_id = prepared.client.public_id
    [pending] = client_side.pending_requests_with_recipients(vault_of(bob), client_id)
    assert pending.request.pk == prepared.pk and pending.recipient_name == RECIPIENT
    page = browser_of(bob).get(f"/clients/{client_id}/disclosures/").content.decode()
    assert f"to {RECIPIENT}" in page
