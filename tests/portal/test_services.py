"""The portal's rules without HTTP: invitations, keys, consent versions and signatures, check-ins, the note gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from confide import crypto
from confide.audit.models import LogEntry
from confide.keys.models import KeyWrap, ScopeKeyVersion
from confide.portal import consent_gate, services
from confide.portal.models import CheckIn, ClientInvitation, ClinicianNotice, ConsentOverride, ConsentSignature
from confide.records import services as records
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.records.models import Client, Note
from tests.conftest import Person
from tests.portal.conftest import CLIENT_PASSWORD, ChangeableConsent, client_vault_of
from tests.records.conftest import vault_of

pytestmark = pytest.mark.django_db


def tags_since(position: int) -> list[str]:
    return list(LogEntry.objects.filter(position__gte=position).order_by("position").values_list("tag", flat=True))


def next_position() -> int:
    last = LogEntry.objects.order_by("-position").first()
    return 0 if last is None else last.position + 1


# ----------------------------------------------------------------------------- invitations


def test_the_invitation_mail_names_nobody_and_says_nothing_clinical(bob: Person, client_record: Client,
                                                                    consent: ChangeableConsent) -> None:
    start = next_position()
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="WQ.Portal@Example.test")
    [message] = mail.outbox
    assert message.to == ["wq.portal@example.test"]
    text = f"{message.subject}\n{message.body}"
    for secret in ("Wilhelmina", "Quastenbrook", "Quiet Harbour", "bob", "therap", "counsel", "1987", "555"):
        assert secret.lower() not in text.lower(), secret
    assert issued.link in message.body and "/portal/join/" in issued.link
    assert tags_since(start) == ["portal:invitation:sent"]
    # Only the token's hash is kept; the address is not stored anywhere.
    invitation = ClientInvitation.objects.get()
    token = issued.link.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash
    assert "wq.portal" not in str(list(ClientInvitation.objects.values()))


def test_only_the_clinical_care_team_may_invite(alice: Person, dana: Person, carol: Person, client_record: Client,
                                                consent: ChangeableConsent) -> None:
    for person in (alice, dana, carol):
        with pytest.raises(NotFoundError):
            services.invite_client(vault_of(person), client_record.public_id, email="x@example.test")
    assert not mail.outbox and not ClientInvitation.objects.exists()


def test_a_bad_address_is_refused_before_anything_is_written(bob: Person, client_record: Client,
                                                             consent: ChangeableConsent) -> None:
    with pytest.raises(services.PortalError, match="valid e-mail"):
        services.invite_client(vault_of(bob), client_record.public_id, email="not an address")
    assert not ClientInvitation.objects.exists() and not mail.outbox


def test_an_invitation_whose_mail_cannot_be_queued_is_not_kept(bob: Person, client_record: Client,
                                                                consent: ChangeableConsent,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("outbox unavailable")

    monkeypatch.setattr(services, "queue_mail", refuse)
    with pytest.raises(OSError):
        services.invite_client(vault_of(bob), client_record.public_id, email="wq@example.test")
    assert not ClientInvitation.objects.exists()


def test_the_link_works_once_and_a_new_invitation_replaces_the_old(bob: Person, client_record: Client,
                                                                   consent: ChangeableConsent) -> None:
    first = services.invite_client(vault_of(bob), client_record.public_id, email="a@example.test")
    second = services.invite_client(vault_of(bob), client_record.public_id, email="a@example.test")
    old_token = first.link.rstrip("/").rsplit("/", 1)[1]
    token = second.link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(services.InvalidClientInvitationError):
        services.find_client_invitation(old_token)
    services.accept_client_invitation(token=token, email="a@example.test", password=CLIENT_PASSWORD)
    with pytest.raises(services.InvalidClientInvitationError):
        services.accept_client_invitation(token=token, email="b@example.test", password=CLIENT_PASSWORD)


def test_an_expired_link_is_refused(bob: Person, client_record: Client, consent: ChangeableConsent) -> None:
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="a@example.test")
    ClientInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(services.InvalidClientInvitationError):
        services.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1], email="a@example.test",
                                          password=CLIENT_PASSWORD)


def test_a_weak_password_or_a_taken_address_creates_nothing(bob: Person, client_record: Client,
                                                            consent: ChangeableConsent) -> None:
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="a@example.test")
    token = issued.link.rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(ValidationError):
        services.accept_client_invitation(token=token, email="a@example.test", password="short")
    with pytest.raises(services.PortalError, match="already has an account"):
        services.accept_client_invitation(token=token, email=bob.email, password=CLIENT_PASSWORD)
    assert ClientInvitation.objects.get().status == "pending"
    assert not ScopeKeyVersion.objects.filter(scope="portal").exists()


# ----------------------------------------------------------------------------- keys


def test_the_client_holds_the_portal_key_and_no_clinical_or_admin_key(client_account: object, bob: Person,
                                                                      client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    user_id = client_account.user_id
    held = set(KeyWrap.objects.filter(recipient_id=user_id).values_list("key_version__scope", flat=True))
    assert held == {"portal"}
    portal = ScopeKeyVersion.objects.get(client=client_record, scope="portal")
    recipients = set(portal.wraps.values_list("recipient_id", flat=True))
    assert recipients == {user_id, bob.user.pk, None}  # the client, the primary clinician, the recovery key
    vault = client_vault_of(client_account)
    with pytest.raises(NotFoundError):
        records.get_client(vault, client_record.public_id)


def test_a_clinician_added_to_the_team_gets_the_portal_key_and_loses_it_when_removed(
        client_account: object, bob: Person, carol: Person, client_record: Client) -> None:
    records.grant_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk, role="supervisor")
    assert vault_of(carol).holds(client_record.pk, "portal")
    records.revoke_access(vault_of(bob), client_record.public_id, user_id=carol.user.pk)
    assert not vault_of(carol).holds(client_record.pk, "portal")
    assert client_vault_of(client_account).holds(client_record.pk, "portal"), "the rotated key reaches the client"


# ----------------------------------------------------------------------------- consent


def test_signing_records_time_version_and_hash_and_seals_the_typed_name(
        client_account: object, bob: Person, client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    assert services.consent_status(client_record).state == "none"
    version, text = services.read_consent(client_account)
    start = next_position()
    signature = services.sign_consent(client_vault_of(client_account), client_account, version_number=version.number,
                                      understood=True, typed_name="  Wilhelmina   Quastenbrook ")
    assert signature.version == version and signature.document_hash == text.fingerprint
    assert b"Quastenbrook" not in bytes(ConsentSignature.objects.get().signed_name)
    assert tags_since(start) == ["consent:document:signed"]
    assert services.client_has_current_consent(client_record)
    [opened] = services.list_signatures(client_vault_of(client_account), client_account)
    assert opened.signed_name == "Wilhelmina Quastenbrook"
    _, pdf = services.signed_copy(client_vault_of(client_account), client_account, signature.public_id)
    assert text.fingerprint.encode() in pdf and b"Wilhelmina Quastenbrook" in pdf
    assert ClinicianNotice.objects.filter(recipient=bob.user, kind="consent_signed").exists()


@pytest.mark.parametrize(("understood", "name", "message"), [
    (False, "W Q", "Tick the box"),
    (True, "   ", "Type your full name"),
    (True, "x" * 201, "at most 200"),
    (True, "W\x00Q", "ordinary text"),
])
def test_a_signature_needs_understanding_and_a_name(client_account: object, understood: bool, name: str,
                                                    message: str) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    version, _ = services.read_consent(client_account)
    with pytest.raises(services.PortalError, match=message):
        services.sign_consent(client_vault_of(client_account), client_account, version_number=version.number,
                              understood=understood, typed_name=name)
    assert not ConsentSignature.objects.exists()


def test_a_policy_change_makes_consent_outdated_and_mails_a_notice_without_client_data(
        client_account: object, client_record: Client, consent: ChangeableConsent,
        django_capture_on_commit_callbacks: object) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    vault = client_vault_of(client_account)
    version, _ = services.read_consent(client_account)
    services.sign_consent(vault, client_account, version_number=version.number, understood=True, typed_name="W Q")
    consent.paragraphs.append("We now also share billing codes with your insurer when you ask us to.")
    status = services.consent_status(client_record)
    assert status.state == "outdated" and status.signed_version == 1
    assert not services.client_has_current_consent(client_record)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        new_version, _ = services.read_consent(client_account)
    assert new_version.number == 2
    [notice] = mail.outbox
    assert notice.to == ["wq.portal@example.test"]
    for secret in ("Wilhelmina", "Quastenbrook", "Quiet Harbour", "consent", "therap"):
        assert secret.lower() not in f"{notice.subject}\n{notice.body}".lower()
    # Signing the old version now is refused: the client must read the new text.
    with pytest.raises(services.PortalError, match="changed while you were reading"):
        services.sign_consent(vault, client_account, version_number=1, understood=True, typed_name="W Q")
    services.sign_consent(vault, client_account, version_number=2, understood=True, typed_name="W Q")
    assert services.consent_status(client_record).state == "current"


def test_an_unbuildable_document_is_reported_not_crashed(client_account: object, client_record: Client,
                                                         consent: ChangeableConsent) -> None:
    consent.broken = True
    assert services.consent_status(client_record).state == "unavailable"
    with pytest.raises(services.ConsentUnavailableError):
        services.read_consent(client_account)  # type: ignore[arg-type]


def test_revisit_reminders_follow_the_practice_settings(client_account: object, client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    version, _ = services.read_consent(client_account)
    services.sign_consent(client_vault_of(client_account), client_account, version_number=version.number,
                          understood=True, typed_name="W Q")
    assert services.consent_revisit_due(client_record) is None
    services.record_disclosure(client_record)
    assert "disclosed" in (services.consent_revisit_due(client_record) or "")
    prefs = services.settings_for(client_record.practice_id)
    prefs.revisit_after_disclosure = False
    prefs.save()
    assert services.consent_revisit_due(client_record) is None
    ConsentSignature.objects.update(signed_at=timezone.now() - dt.timedelta(days=190))
    assert "6 months" in (services.consent_revisit_due(client_record) or "")
    prefs.revisit_every_months = 0
    prefs.save()
    assert services.consent_revisit_due(client_record) is None
    with pytest.raises(services.PortalError):
        services.update_settings(practice=client_record.practice, revisit_after_intake=True,
                                 revisit_after_disclosure=True, revisit_every_months=99, checkin_every_days=30)


# ----------------------------------------------------------------------------- the note gate


def test_notes_are_not_gated_before_the_practice_issues_consent_in_confide(bob: Person, client_record: Client,
                                                                          consent: ChangeableConsent) -> None:
    note = records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                               body="Session.", sign=True)
    assert note.status == Note.Status.SIGNED and not ConsentOverride.objects.exists()


def test_signing_without_current_consent_needs_a_sealed_audited_reason(client_account: object, bob: Person,
                                                                       client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    services.read_consent(client_account)  # the practice has now issued consent through Confide
    vault = vault_of(bob)
    draft = records.create_note(vault, client_record.public_id, kind="progress", session_date="2026-11-20",
                                body="Crisis session.")
    with pytest.raises(RecordError, match="reason"):
        records.sign_note(vault, client_record.public_id, draft.public_id, expected_version=1)
    assert Note.objects.get(pk=draft.pk).status == Note.Status.DRAFT
    with pytest.raises(RecordError, match="reason"):
        records.create_note(vault, client_record.public_id, kind="progress", session_date="2026-11-20",
                            body="Another.", sign=True)
    assert Note.objects.filter(client=client_record).count() == 1, "nothing half-written"
    start = next_position()
    records.sign_note(vault, client_record.public_id, draft.public_id, expected_version=1,
                      consent_reason="Acute crisis; consent deferred to next session.")
    assert tags_since(start) == ["consent:override:recorded", "record:note:signed"]
    override = ConsentOverride.objects.get(note=draft)
    assert b"crisis" not in bytes(override.reason)
    assert consent_gate.consent_override_reason(vault, Note.objects.get(pk=draft.pk)) == \
        "Acute crisis; consent deferred to next session."
    # Psychotherapy notes are not gated.
    records.create_note(vault, client_record.public_id, kind="psychotherapy", session_date="2026-11-20",
                        body="Mine.", sign=True)


def test_with_current_consent_notes_sign_without_a_reason(client_account: object, bob: Person,
                                                          client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    version, _ = services.read_consent(client_account)
    services.sign_consent(client_vault_of(client_account), client_account, version_number=version.number,
                          understood=True, typed_name="W Q")
    records.create_note(vault_of(bob), client_record.public_id, kind="progress", session_date="2026-11-20",
                        body="Session.", sign=True)
    assert not ConsentOverride.objects.exists()


# ----------------------------------------------------------------------------- check-ins


def answers(comfort: int, informed: int, trust: int, comment: str = "") -> dict[str, object]:
    return {"comfort": comfort, "informed": informed, "trust": trust, "comment": comment}


@pytest.mark.parametrize(("previous", "current", "drop"), [
    (None, (4, 4, 4), False),
    (None, (5, 5, 2), True),          # any item at 2 or below
    ((5, 5, 5), (4, 4, 4), True),     # the mean fell by exactly 1
    ((5, 5, 4), (4, 4, 4), False),    # the mean fell by 2/3
    ((3, 3, 3), (5, 5, 5), False),    # a rise
])
def test_what_counts_as_a_drop(previous: tuple[int, int, int] | None, current: tuple[int, int, int],
                               drop: bool) -> None:
    before = None if previous is None else services.Answers(*previous)
    assert services.is_drop(before, services.Answers(*current)) is drop


@pytest.mark.parametrize(("values", "message"), [
    (answers(0, 3, 3), "How comfortable"),
    ({"comfort": "", "informed": 3, "trust": 3}, "How comfortable"),
    (answers(3, 6, 3), "How informed"),
    ({"comfort": 3, "informed": 3, "trust": "five"}, "How much you trust"),
    (answers(3, 3, 3, "x" * 2001), "longer than 2000"),
])
def test_bad_check_in_answers_are_refused(client_account: object, values: dict[str, object], message: str) -> None:
    with pytest.raises(services.PortalError, match=message):
        services.submit_checkin(client_vault_of(client_account), client_account, values)  # type: ignore[arg-type]
    assert not CheckIn.objects.exists()


def test_check_ins_are_sealed_trended_and_a_drop_alerts_the_clinician(client_account: object, bob: Person,
                                                                      client_record: Client) -> None:
    from confide.portal.models import ClientAccount

    assert isinstance(client_account, ClientAccount)
    vault = client_vault_of(client_account)
    first = services.submit_checkin(vault, client_account, answers(5, 5, 5, "All good so far."))
    assert not first.dropped and not ClinicianNotice.objects.filter(kind="checkin_drop").exists()
    assert b"All good" not in bytes(CheckIn.objects.get().answers)
    second = services.submit_checkin(vault, client_account, answers(5, 4, 5))
    assert not second.dropped and not ClinicianNotice.objects.filter(kind="checkin_drop").exists()
    start = next_position()
    third = services.submit_checkin(vault, client_account, answers(4, 3, 3, "Worried who reads my notes."))
    assert third.dropped
    assert tags_since(start) == ["portal:checkin:submitted"]
    [notice] = services.unread_notices(bob.user)
    assert notice.kind == "checkin_drop" and notice.client == client_record
    start = next_position()
    trend = services.checkin_trend(vault_of(bob), client_record.public_id)
    assert tags_since(start) == ["portal:checkins:read"]
    assert [t.answers.scores() for t in trend] == [(4, 3, 3), (5, 4, 5), (5, 5, 5)]
    assert [t.dropped for t in trend] == [True, False, False]
    assert trend[0].answers.comment == "Worried who reads my notes."
    services.dismiss_notice(bob.user, notice.pk)
    assert services.unread_notices(bob.user) == []
    with pytest.raises(services.PortalError):
        services.dismiss_notice(bob.user, notice.pk)


def test_staff_without_the_portal_key_see_no_trend(client_account: object, dana: Person, alice: Person,
                                                   client_record: Client) -> None:
    services.submit_checkin(client_vault_of(client_account), client_account, answers(1, 1, 1))  # type: ignore[arg-type]
    for person in (dana, alice):
        with pytest.raises(NotFoundError):
            services.checkin_trend(vault_of(person), client_record.public_id)
    assert not ClinicianNotice.objects.filter(recipient__in=[dana.user, alice.user]).exists()


def test_a_moved_ciphertext_fails_its_integrity_check(client_account: object) -> None:
    vault = client_vault_of(client_account)
    services.submit_checkin(vault, client_account, answers(5, 5, 5))  # type: ignore[arg-type]
    services.submit_checkin(vault, client_account, answers(4, 4, 4))  # type: ignore[arg-type]
    newest, oldest = CheckIn.objects.all()
    CheckIn.objects.filter(pk=newest.pk).update(answers=oldest.answers)
    with pytest.raises(RecordIntegrityError):
        services.own_checkins(vault, client_account)  # type: ignore[arg-type]
    assert crypto.Scope.PORTAL == "portal"
