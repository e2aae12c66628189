"""A portal client's forgotten password, recovered without any server-held key (ADR 0023).

The client's private key is wrapped only under their password and to the practice recovery key
(the paper kit, never online). A forgotten password therefore cannot be reset by the server
alone: that would be a server that can open the client's portal. Instead:

1. A clinician on the client's care team confirms who the client is (in person, on a video call
   or by calling back the number in the record) and records how (`start_recovery`, audited).
   Confide e-mails the client a single-use link; only its SHA-256 is stored.
2. The client opens the link and chooses a new password (`complete_recovery`). They get a new
   key pair; the old one is gone, its wraps are dropped, the old password stops working and every
   session ends. The new key pair opens nothing: the portal shows that the care team has to
   restore access, and the new key's fingerprint.
3. A clinician compares that fingerprint with the client (they read it out) and restores access
   (`restore_access`): the portal scope key versions the clinician holds are wrapped to the
   client's new public key. A forged recovery row or a substituted public key fails at this
   human comparison.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys import services as key_services
from confide.keys import vault as keys
from confide.keys.models import ScopeKeyVersion, UserKeyPair
from confide.keys.vault import NoKeyError, Vault
from confide.notifications.outbox import queue_mail
from confide.notifications.preferences import practice_settings
from confide.portal import services
from confide.portal.models import ClientAccount, PasswordRecovery
from confide.records import sealing
from confide.records.auditing import audit
from confide.records.errors import NotFoundError
from confide.records.models import CareTeamMember

__all__ = ["RECOVERY_TTL_HOURS", "RecoveryError", "RecoveryState", "awaiting_restore", "complete_recovery",
           "find_recovery", "recovery_state", "restore_access", "start_recovery"]

Scope = ScopeKeyVersion.Scope
RECOVERY_TTL_HOURS = 48
INVALID_LINK = "This link is no longer valid. Ask your therapist's practice to start again."


class RecoveryError(services.PortalError):
    """A recovery step that cannot be done as asked; the message says why in plain words."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _normalised_fingerprint(text: str) -> str:
    """A fingerprint as typed (base32 in groups of four, any case or spacing), reduced to its characters."""
    return "".join(ch for ch in text.upper() if ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def _care_team_clinician(vault: Vault, client_id: uuid.UUID | str) -> tuple[ClientAccount, PasswordRecovery | None]:
    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    if not CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists():
        raise NotFoundError
    account = ClientAccount.objects.filter(client=client).select_related("client", "user").first()
    if account is None:
        raise RecoveryError("This client has no portal account yet: invite them instead.")
    latest = PasswordRecovery.objects.filter(account=account, revoked_at=None).order_by("-created_at").first()
    return account, latest


@dataclass(frozen=True)
class RecoveryState:
    """What the staff page shows: the latest recovery and which step it is at."""

    account: ClientAccount
    recovery: PasswordRecovery | None

    @property
    def step(self) -> str:
        """`none`, `link_sent`, `expired`, `awaiting_restore` or `restored`."""
        r = self.recovery
        if r is None:
            return "none"
        if r.restored_at is not None:
            return "restored"
        if r.accepted_at is not None:
            return "awaiting_restore"
        return "expired" if r.expires_at <= timezone.now() else "link_sent"


def recovery_state(vault: Vault, client_id: uuid.UUID | str) -> RecoveryState:
    """The client's latest password recovery, for a clinician on their care team."""
    account, latest = _care_team_clinician(vault, client_id)
    return RecoveryState(account=account, recovery=latest)


@transaction.atomic
def start_recovery(vault: Vault, client_id: uuid.UUID | str, *, identity_check: str,
                   identity_confirmed: bool) -> PasswordRecovery:
    """A clinician confirmed the client's identity: e-mail the client a single-use link to a new password."""
    if identity_check not in PasswordRecovery.IdentityCheck.values:
        raise RecoveryError("Choose how you confirmed the client's identity.")
    if not identity_confirmed:
        raise RecoveryError("Confirm that you checked the client's identity yourself.")
    account, _ = _care_team_clinician(vault, client_id)
    now = timezone.now()
    PasswordRecovery.objects.filter(account=account, accepted_at=None, revoked_at=None).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    recovery = PasswordRecovery.objects.create(
        account=account, token_hash=_token_hash(token), invited_by_id=vault.person_id, identity_check=identity_check,
        expires_at=now + dt.timedelta(hours=RECOVERY_TTL_HOURS))
    audit(vault, Tag.PORTAL_RECOVERY_STARTED, account.client)
    link = f"{settings.SITE_URL}/portal/recover/{token}/"
    # Queued in the transaction: the recovery and its e-mail exist together or not at all.
    queue_mail(kind="portal-recovery", subject="Set a new password for your secure portal",
               body=render_to_string("portal/email/recovery.txt", {"link": link, "hours": RECOVERY_TTL_HOURS}),
               to=[services.client_address(account)], sender_name=practice_settings(account.practice_id).sender_name)
    return recovery


def find_recovery(token: str) -> PasswordRecovery:
    """The pending recovery of a link's token, or `RecoveryError`."""
    recovery = (PasswordRecovery.objects.filter(token_hash=_token_hash(token))
                .select_related("account__user", "account__client").first())
    if recovery is None or recovery.status != "pending":
        raise RecoveryError(INVALID_LINK)
    return recovery


@transaction.atomic
def complete_recovery(*, token: str, password: str) -> ClientAccount:
    """The client chooses a new password: a new key pair that opens nothing until the care team restores access.

    Raises `RecoveryError` for a used, revoked or expired link and Django's `ValidationError` for a
    weak password; either way nothing changes.
    """
    found = find_recovery(token)
    recovery = PasswordRecovery.objects.select_for_update().select_related("account__user", "account__client") \
        .get(pk=found.pk)
    if recovery.status != "pending":
        raise RecoveryError(INVALID_LINK)
    account = recovery.account
    user = account.user
    validate_password(password, user)
    pair = key_services.replace_user_keys(user.pk, account.practice_id, password)
    # Their authenticator app and recovery codes were sealed to the old key pair (ADR 0013) and
    # nobody can open them now; passkeys hold no secret of ours and stay.
    Authenticator.objects.filter(user=user, type__in=(Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)) \
        .delete()
    user.set_password(password)
    user.save(update_fields=["password"])
    recovery.accepted_at = timezone.now()
    recovery.new_fingerprint = pair.fingerprint
    recovery.save(update_fields=["accepted_at", "new_fingerprint"])
    for session in UserSession.objects.filter(user=user):
        session.end()
    record_event(Tag.PORTAL_RECOVERY_PASSWORD_SET, actor_id=f"user:{user.pk}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))
    return account


def awaiting_restore(account: ClientAccount) -> PasswordRecovery | None:
    """The recovery whose new key pair still waits for the care team, if any."""
    return PasswordRecovery.objects.filter(account=account, accepted_at__isnull=False, restored_at=None,
                                           revoked_at=None).order_by("-accepted_at").first()


@transaction.atomic
def restore_access(vault: Vault, client_id: uuid.UUID | str, *, fingerprint: str) -> int:
    """Wrap the client's portal key versions to their new public key, once the fingerprints match.

    `fingerprint` is what the client read out from their screen: at least its first 16 characters
    (base32) must match the new key's. Returns how many key versions were wrapped.
    """
    account, _ = _care_team_clinician(vault, client_id)
    recovery = awaiting_restore(account)
    if recovery is None:
        raise RecoveryError("There is no new password waiting for access to be restored.")
    typed = _normalised_fingerprint(fingerprint)
    if len(typed) < 16 or not _normalised_fingerprint(recovery.new_fingerprint).startswith(typed):
        raise RecoveryError("The fingerprint does not match the client's new key. Ask them to read it again; "
                            "if it still differs, do not restore access and tell the practice owner.")
    pair = UserKeyPair.objects.filter(user_id=account.user_id).first()
    if pair is None or pair.fingerprint != recovery.new_fingerprint:
        raise RecoveryError("The client's key changed since they set their password. Start the recovery again.")
    held = []
    for version in ScopeKeyVersion.objects.filter(client=account.client, scope=Scope.PORTAL).select_related("client"):
        try:
            vault.key_by_id(version.key_id)
        except NoKeyError:
            continue  # a version this clinician never held: another team member can add it
        held.append(version)
    wrapped = keys.grant_versions(vault, held, account.user_id)
    if wrapped == 0:
        raise RecoveryError("You hold none of this client's portal keys, so you cannot restore access.")
    recovery.restored_at = timezone.now()
    recovery.restored_by_id = vault.person_id
    recovery.save(update_fields=["restored_at", "restored_by"])
    audit(vault, Tag.PORTAL_RECOVERY_RESTORED, account.client)
    return wrapped

