"""Business rules of the client portal. Views, the CLI and the record services call these.

Client-written data (the typed name of a consent signature, check-in answers) is sealed under the
client's `portal` scope key, which is wrapped to the client, to every care-team member with
clinical access and to the practice recovery key. A reason for signing a note without consent is
clinical and sealed under the clinical scope, with the note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from confide import crypto
from confide.accounts import addresses
from confide.accounts.models import User
from confide.audit.services import older_than, read_entries, record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.jurisdictions import practice_pack
from confide.jurisdictions.plain import plain_summary, plain_title
from confide.keys import services as key_services
from confide.keys import vault as keys
from confide.keys.vault import Vault
from confide.notifications.outbox import queue_mail
from confide.notifications.preferences import practice_settings
from confide.portal.copies import portal_copies
from confide.portal.documents import ConsentUnavailableError, StoredConsentText, current_document, render_pdf
from confide.portal.models import (
    CheckIn,
    ClientAccount,
    ClientInvitation,
    ClinicianNotice,
    ConsentSignature,
    ConsentVersion,
    DisclosureMark,
    PortalSettings,
)
from confide.practice.jurisdictions import JURISDICTIONS
from confide.practice.models import Practice
from confide.records import access_history as access_records
from confide.records import documents, sealing
from confide.records import services as records
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import CareTeamMember, Client, Episode

logger = logging.getLogger(__name__)
PORTAL = crypto.Scope.PORTAL
MAX_TYPED_NAME = 200
MAX_CHECKIN_TEXT = 2000
MAX_CONSENT_REASON = 1000
CHECKIN_ITEMS = ("comfort", "informed", "trust")

__all__ = ["ConsentRequiredError", "ConsentUnavailableError", "PortalError"]


class PortalError(Exception):
    """A request the portal rules refuse; the message is safe to show and holds no client data."""


class ConsentRequiredError(RecordError):
    """Signing a progress note needs a reason: the client has not signed the current consent (ADR 0008)."""


class InvalidClientInvitationError(PortalError):
    """The portal invitation link is unknown, used, withdrawn or expired."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _client_actor(account: ClientAccount) -> str:
    return f"user:{account.user_id}"


def _audit_client(account: ClientAccount, tag: Tag) -> None:
    """An event done by the client themself, in the caller's transaction (purpose: the client's request)."""
    record_event(tag, actor_id=_client_actor(account), purpose=PurposeOfUse.PATIENT_REQUEST, outcome=Outcome.SUCCESS,
                 client_id=str(account.client.public_id))


def settings_for(practice: Practice | int) -> PortalSettings:
    """The practice's consent-process settings (created with defaults on first use)."""
    practice_id = practice if isinstance(practice, int) else practice.pk
    found, _ = PortalSettings.objects.get_or_create(practice_id=practice_id)
    return found


@transaction.atomic
def update_settings(*, practice: Practice, revisit_after_intake: bool, revisit_after_disclosure: bool,
                    revisit_every_months: int, checkin_every_days: int) -> PortalSettings:
    """Change when clients are asked to revisit confidentiality (owner only; the view checks the role)."""
    if not 0 <= revisit_every_months <= 36:
        raise PortalError("Revisit every 0 (never) to 36 months.")
    if not 7 <= checkin_every_days <= 365:
        raise PortalError("Offer a check-in every 7 to 365 days.")
    found = settings_for(practice)
    found.revisit_after_intake = revisit_after_intake
    found.revisit_after_disclosure = revisit_after_disclosure
    found.revisit_every_months = revisit_every_months
    found.checkin_every_days = checkin_every_days
    found.save()
    return found


# ----------------------------------------------------------------------------- keys


def clinical_team(client: Client) -> list[int]:
    """The active care-team members with clinical access: they hold the portal scope too."""
    return list(CareTeamMember.objects.filter(client=client, clinical_access=True, user__is_active=True)
                .values_list("user_id", flat=True))


def _portal_context(client: Client, record_type: str, record_id: str, field_name: str) -> crypto.SealContext:
    return crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                              record_type=record_type, record_id=record_id, field=field_name, version=1, scope=PORTAL)


def _seal_portal(vault: Vault, client: Client, value: Any, context: crypto.SealContext) -> bytes:
    return sealing.seal_in_scope(vault, client, PORTAL, value, context)


def _open(vault: Vault, blob: bytes, context: crypto.SealContext) -> Any:
    return sealing.open_value(vault, blob, context)


def client_vault(account: ClientAccount, password: str) -> Vault:
    """Open a client's key with their password. Raises `crypto.WrongPasswordError`."""
    return keys.vault_from_password(account.user_id, account.practice_id, password)


# ----------------------------------------------------------------------------- invitations


@dataclass(frozen=True)
class IssuedClientInvitation:
    invitation: ClientInvitation
    link: str


def invite_client(vault: Vault, client_id: uuid.UUID | str, *, email: str) -> IssuedClientInvitation:
    """Invite a client to the portal: a single-use, expiring link by e-mail.

    Only a care-team member with clinical access may invite. The mail names nobody: not the
    client, not the clinician, not even the practice, because a practice's name next to an
    address already says that this person is in therapy. The address is not stored.
    """
    client = sealing.client_in_vault(vault, client_id, records.Scope.CLINICAL)
    if not CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists():
        raise NotFoundError
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PortalError("Enter a valid e-mail address.") from None
    if ClientAccount.objects.filter(client=client).exists():
        raise PortalError("This client already has a portal account.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    hours = settings.CONFIDE_INVITATION_TTL_HOURS
    with transaction.atomic():
        ClientInvitation.objects.filter(client=client, accepted_at=None, revoked_at=None).update(revoked_at=now)
        invitation = ClientInvitation.objects.create(client=client, token_hash=_token_hash(token),
                                                     invited_by_id=vault.person_id,
                                                     expires_at=now + dt.timedelta(hours=hours))
        audit(vault, Tag.PORTAL_INVITED, client)
        link = f"{settings.SITE_URL}/portal/join/{token}/"
        # Queued inside the transaction: the invitation and its e-mail exist together or not at all.
        queue_mail(kind="portal-invitation", subject="Your invitation to a secure portal",
                   body=render_to_string("portal/email/invitation.txt", {"link": link, "hours": hours}),
                   to=[email], sender_name=practice_settings(client.practice_id).sender_name)
    return IssuedClientInvitation(invitation=invitation, link=link)


def find_client_invitation(token: str) -> ClientInvitation:
    """The pending invitation for a token, or `InvalidClientInvitationError`."""
    invitation = (ClientInvitation.objects.filter(token_hash=_token_hash(token))
                  .select_related("client__practice").first())
    if invitation is None or invitation.status != "pending":
        raise InvalidClientInvitationError(
            "This invitation link is no longer valid. Ask your therapist to send you a new one.")
    return invitation


@transaction.atomic
def accept_client_invitation(*, token: str, email: str, password: str) -> ClientAccount:
    """Create the client's account and key pair, and wrap a fresh portal scope key to them.

    The new portal key is wrapped to the client, their clinical care team and the recovery key;
    creating it needs public keys only. The invitation row is locked, so a link works once.
    """
    found = find_client_invitation(token)
    invitation = ClientInvitation.objects.select_for_update().select_related("client").get(pk=found.pk)
    if invitation.status != "pending":
        raise InvalidClientInvitationError(
            "This invitation link is no longer valid. Ask your therapist to send you a new one.")
    client = invitation.client
    if ClientAccount.objects.filter(client=client).exists():
        raise InvalidClientInvitationError("This invitation has already been used.")
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise PortalError("Enter a valid e-mail address.") from None
    alias = addresses.portal_alias(email)
    if User.objects.filter(email__in=(email, alias)).exists():
        raise PortalError("This address already has an account. Use another address, or sign in.")
    validate_password(password, User(email=email))
    # Only the keyed hash of the address is the sign-in name; the address itself is sealed.
    with key_services.password_derivations():  # one Argon2id for the hash and the key wrap (ADR 0022)
        user = User.objects.create_user(email=alias, password=password)
        key_services.provision_user_keys(user.pk, client.practice_id, password)
    account = ClientAccount.objects.create(user=user, client=client, practice_id=client.practice_id,
                                           sealed_email=addresses.seal_address(user.pk, email))
    keys.create_scope_key(client, PORTAL, [*clinical_team(client), user.pk])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    _audit_client(account, Tag.PORTAL_INVITATION_ACCEPTED)
    return account


def client_address(account: ClientAccount) -> str:
    """The e-mail address to write to a portal client at, opened from its sealed copy."""
    if account.sealed_email is None:
        raise PortalError("This portal account has no address to write to.")
    return addresses.open_address(account.user_id, bytes(account.sealed_email))


def account_of(user: Any) -> ClientAccount | None:
    """The signed-in person's client account, or None for staff and strangers."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return ClientAccount.objects.filter(user_id=user.pk).select_related("client", "practice", "user").first()


# ----------------------------------------------------------------------------- consent versions


def current_version(practice: Practice, *, create: bool = True) -> ConsentVersion | None:
    """The consent version matching the practice's document today.

    A new version is stored when the document's fingerprint changed (its policies or pack did);
    clients who signed an earlier version are then asked to re-consent and get a notice e-mail.
    With `create=False` nothing is written and None means "today's text was never issued".
    Raises `ConsentUnavailableError` when the document cannot be built.
    """
    text = current_document(practice)
    existing = ConsentVersion.objects.filter(practice=practice, fingerprint=text.fingerprint).first()
    if existing is not None or not create:
        return existing
    try:
        with transaction.atomic():
            last = ConsentVersion.objects.filter(practice=practice).order_by("-number").first()
            version = ConsentVersion.objects.create(practice=practice, number=1 if last is None else last.number + 1,
                                                    fingerprint=text.fingerprint, title=text.title[:300],
                                                    document=text.to_json())
    except IntegrityError:
        # Another request stored it first.
        return ConsentVersion.objects.get(practice=practice, fingerprint=text.fingerprint)
    if version.number > 1:
        transaction.on_commit(lambda: notify_reconsent(practice.pk, version.number))
    return version


def notify_reconsent(practice_id: int, number: int) -> int:
    """E-mail every portal client who signed an older version: "something is waiting in your portal".

    The message names nobody and says nothing clinical. Returns how many were sent; a failed
    send is logged (without the address) and does not stop the others.
    """
    accounts = (ClientAccount.objects.filter(practice_id=practice_id, user__is_active=True,
                                             client__consent_signatures__isnull=False)
                .exclude(client__consent_signatures__version__number=number)
                .select_related("user").distinct())
    sent = 0
    for account in accounts:
        try:
            queue_mail(kind="reconsent", subject="Something is waiting for you in your secure portal",
                       body=render_to_string("portal/email/reconsent.txt", {"link": f"{settings.SITE_URL}/portal/"}),
                       to=[client_address(account)], sender_name=practice_settings(practice_id).sender_name)
        except Exception:
            logger.exception("A re-consent notice could not be queued (portal account %s)", account.pk)
        else:
            sent += 1
    return sent


def stored_text(version: ConsentVersion) -> StoredConsentText:
    """The text of a version exactly as it was issued."""
    return StoredConsentText.from_json(version.document)


@dataclass(frozen=True)
class ConsentStatus:
    """Where a client stands: `none`, `current` or `outdated` (signed an earlier version)."""

    state: str
    signed_version: int | None
    signed_at: dt.datetime | None
    current_version: int | None
    revisit_reason: str | None

    @property
    def label(self) -> str:
        return {"none": "No consent signed", "current": "Current consent signed",
                "outdated": "Outdated: needs re-consent", "unavailable": "Consent document not ready"}[self.state]


@dataclass(frozen=True)
class _ConsentFacts:
    """What a consent status is decided from, read in one query (`_consent_facts`).

    The `signed_*` fields are of the client's latest signature (None when they never signed);
    `current_version` is the number of today's text (None when it was never issued); the revisit
    settings are None when the practice never saved any (the model's defaults apply then).
    """

    signed_at: dt.datetime | None
    signed_version: int | None
    signed_fingerprint: str | None
    current_version: int | None
    revisit_after_intake: bool | None
    revisit_after_disclosure: bool | None
    revisit_every_months: int | None
    first_episode_on: dt.date | None
    disclosed_at: dt.datetime | None
    has_account: bool
    has_checkins: bool
    copies_due: bool


def _facts_sql(copies_due: str) -> str:
    # Plain SQL (SQLite and PostgreSQL alike): the chart asks it on every open, and compiling the
    # same query with the ORM (a dozen subqueries) cost several milliseconds of CPU each time,
    # more than the rest of the panel together.
    def table(model: Any) -> str:
        return f'"{model._meta.db_table}"'

    return (
        'SELECT s."signed_at", v."number", v."fingerprint",'  # noqa: S608 (no input)
        f' (SELECT t."number" FROM {table(ConsentVersion)} t WHERE t."practice_id" = c."practice_id"'
        ' AND t."fingerprint" = %s),'
        ' p."revisit_after_intake", p."revisit_after_disclosure", p."revisit_every_months",'
        f' (SELECT MIN(e."opened_on") FROM {table(Episode)} e WHERE e."client_id" = c."id"),'
        ' m."disclosed_at",'
        f' EXISTS (SELECT 1 FROM {table(ClientAccount)} a WHERE a."client_id" = c."id"),'
        f' EXISTS (SELECT 1 FROM {table(CheckIn)} k WHERE k."client_id" = c."id"),'
        f' {copies_due}'
        f' FROM {table(Client)} c'
        f' LEFT JOIN {table(ConsentSignature)} s ON s."id" = (SELECT l."id" FROM {table(ConsentSignature)} l'
        '  WHERE l."client_id" = c."id" ORDER BY l."signed_at" DESC, l."id" DESC LIMIT 1)'
        f' LEFT JOIN {table(ConsentVersion)} v ON v."id" = s."version_id"'
        f' LEFT JOIN {table(PortalSettings)} p ON p."practice_id" = c."practice_id"'
        f' LEFT JOIN {table(DisclosureMark)} m ON m."client_id" = c."id"'
        ' WHERE c."id" = %s'
    )


def _as_datetime(value: Any) -> dt.datetime | None:
    """A datetime column of a plain query: SQLite gives it naive (or as text) in UTC, PostgreSQL aware."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValueError("not a stored datetime")
    return parsed.replace(tzinfo=dt.UTC) if timezone.is_naive(parsed) else parsed


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _consent_facts(client: Client, *, fingerprint: str | None,
                   copies_due: tuple[str, list[Any]] | None = None) -> _ConsentFacts:
    """Read the facts of `_ConsentFacts` in one query.

    `fingerprint` is that of the practice's document today (None when it cannot be built).
    `copies_due` is a SQL condition and its parameters from the disclosures module, true when the
    client's portal lacks a copy (ADR 0009): asked in the same query, so the chart learns it for free.
    """
    condition, condition_params = copies_due if copies_due is not None else ("0 = 1", [])
    with connection.cursor() as cursor:
        cursor.execute(_facts_sql(condition), [fingerprint, *condition_params, client.pk])
        row = cursor.fetchone()
    if row is None:
        raise NotFoundError
    (signed_at, signed_version, signed_fingerprint, current_version, after_intake, after_disclosure, every_months,
     first_episode_on, disclosed_at, has_account, has_checkins, due) = row
    return _ConsentFacts(
        signed_at=_as_datetime(signed_at), signed_version=signed_version, signed_fingerprint=signed_fingerprint,
        current_version=current_version,
        revisit_after_intake=None if after_intake is None else bool(after_intake),
        revisit_after_disclosure=None if after_disclosure is None else bool(after_disclosure),
        revisit_every_months=every_months, first_episode_on=_as_date(first_episode_on),
        disclosed_at=_as_datetime(disclosed_at), has_account=bool(has_account), has_checkins=bool(has_checkins),
        copies_due=bool(due))


def _practice_of(client: Client, practice: Practice | None) -> Practice:
    """The client's practice: the one the caller loaded already when it is the client's, else fetched."""
    if practice is not None and practice.pk == client.practice_id:
        return practice
    return client.practice


def _consent(client: Client, practice: Practice, *,
             copies_due: tuple[str, list[Any]] | None = None) -> tuple[ConsentStatus, _ConsentFacts]:
    """The consent status and the facts it was decided from: the document's policy query and one more."""
    try:
        fingerprint: str | None = current_document(practice).fingerprint
    except ConsentUnavailableError:
        fingerprint = None
    facts = _consent_facts(client, fingerprint=fingerprint, copies_due=copies_due)
    if fingerprint is None:
        return ConsentStatus("unavailable", facts.signed_version, facts.signed_at, None, None), facts
    if facts.signed_at is None:
        state = "none"
    elif facts.signed_fingerprint == fingerprint:
        state = "current"
    else:
        state = "outdated"
    return ConsentStatus(state, facts.signed_version, facts.signed_at, facts.current_version,
                         _revisit_reason(facts)), facts


def consent_status(client: Client, *, practice: Practice | None = None) -> ConsentStatus:
    """The client's consent status against the practice's document today (writes nothing).

    Pass the client's `practice` when it is loaded already (the signed-in member's) to save its query.
    """
    return _consent(client, _practice_of(client, practice))[0]


def client_has_current_consent(client: Client) -> bool:
    """True when the client signed the practice's consent document as it reads today."""
    return consent_status(client).state == "current"


def record_disclosure(client: Client, at: dt.datetime | None = None) -> None:
    """Hook for the disclosures module: a disclosure makes a consent revisit due (practice setting)."""
    DisclosureMark.objects.update_or_create(client=client, defaults={"disclosed_at": at or timezone.now()})


def consent_revisit_due(client: Client) -> str | None:
    """Why the client's confidentiality should be revisited now, in plain words, or None.

    Reasons, each a practice setting: the first session after intake (consent signed before the
    first episode opened), a disclosure since the last signature, or the interval passed.
    """
    return _revisit_reason(_consent_facts(client, fingerprint=None))


def _revisit_reason(facts: _ConsentFacts) -> str | None:
    signed_at = facts.signed_at
    if signed_at is None:
        return None  # nothing to revisit: consent itself is missing, which the status shows
    defaults = PortalSettings()  # for a practice that never saved its settings (nothing is written)
    after_intake = defaults.revisit_after_intake if facts.revisit_after_intake is None else facts.revisit_after_intake
    after_disclosure = (defaults.revisit_after_disclosure if facts.revisit_after_disclosure is None
                        else facts.revisit_after_disclosure)
    every_months = defaults.revisit_every_months if facts.revisit_every_months is None else facts.revisit_every_months
    if after_intake:
        today = timezone.localdate()
        first = facts.first_episode_on
        if first is not None and timezone.localdate(signed_at) <= first < today:
            return "Intake is done: revisit confidentiality with the client."
    if after_disclosure and facts.disclosed_at is not None and facts.disclosed_at > signed_at:
        return "Information was disclosed since the client last signed: revisit confidentiality."
    if every_months:
        due = signed_at + dt.timedelta(days=round(30.44 * every_months))
        if timezone.now() >= due:
            return f"It is {every_months} months since the client last signed: revisit confidentiality."
    return None


# ----------------------------------------------------------------------------- signing


def read_consent(account: ClientAccount) -> tuple[ConsentVersion, StoredConsentText]:
    """The document the client is asked to sign (stored as a new version if it changed); audited."""
    with transaction.atomic():
        version = current_version(account.practice)
        assert version is not None  # noqa: S101  (create=True always returns a version)
        _audit_client(account, Tag.CONSENT_READ)
    return version, stored_text(version)


@dataclass(frozen=True)
class ConsentChange:
    """One section of the consent document that differs from the version the client last signed."""

    heading: str
    kind: str  # "new", "changed" or "removed"


def consent_changes(account: ClientAccount, version: ConsentVersion) -> list[ConsentChange]:
    """What changed in `version` since the version the client last signed ([] if none signed or same)."""
    signed = (ConsentSignature.objects.filter(client=account.client).select_related("version")
              .order_by("-signed_at").first())
    if signed is None or signed.version_id == version.pk:
        return []
    old = {s.heading: s for s in stored_text(signed.version).sections}
    new = stored_text(version).sections
    changes = []
    for section in new:
        before = old.pop(section.heading, None)
        if before is None:
            changes.append(ConsentChange(section.heading, "new"))
        elif before.paragraphs != section.paragraphs or [(r.citation, r.status) for r in before.citations] != [
                (r.citation, r.status) for r in section.citations]:
            changes.append(ConsentChange(section.heading, "changed"))
    changes.extend(ConsentChange(heading, "removed") for heading in old)
    return changes


def sign_consent(vault: Vault, account: ClientAccount, *, version_number: int, understood: bool,
                 typed_name: str) -> ConsentSignature:
    """Record the client's signature of the current version: time, version, document hash, typed name.

    Refuses a signature of a version that is no longer current (the client must read the new text).
    """
    if not understood:
        raise PortalError("Tick the box to confirm that you read and understood the document.")
    name = " ".join((typed_name or "").split())
    if not name:
        raise PortalError("Type your full name to sign.")
    if len(name) > MAX_TYPED_NAME or any(ord(ch) < 32 for ch in typed_name.replace("\n", " ")):
        raise PortalError(f"Your name must be at most {MAX_TYPED_NAME} characters of ordinary text.")
    client = account.client
    with transaction.atomic():
        version = current_version(account.practice)
        assert version is not None  # noqa: S101
        if version.number != version_number:
            raise PortalError("The consent document changed while you were reading it. Please read the new version.")
        signature = ConsentSignature(public_id=uuid.uuid4(), client=client, version=version,
                                     document_hash=version.fingerprint, signed_by_id=account.user_id)
        signature.signed_name = _seal_portal(vault, client, name, _portal_context(
            client, "consent_signature", str(signature.public_id), "signed_name"))
        signature.save()
        for user_id in clinical_team(client):
            ClinicianNotice.objects.create(recipient_id=user_id, client=client,
                                           kind=ClinicianNotice.Kind.CONSENT_SIGNED)
        _audit_client(account, Tag.CONSENT_SIGNED)
    return signature


@dataclass(frozen=True)
class OpenedSignature:
    signature: ConsentSignature
    signed_name: str


def list_signatures(vault: Vault, account: ClientAccount) -> list[OpenedSignature]:
    """The client's signed consents, newest first (audited before they are shown)."""
    client = account.client
    found = list(ConsentSignature.objects.filter(client=client).select_related("version"))
    with transaction.atomic():
        _audit_client(account, Tag.CONSENT_SIGNATURES_LISTED)
    return [OpenedSignature(s, _open(vault, bytes(s.signed_name), _portal_context(
        client, "consent_signature", str(s.public_id), "signed_name"))) for s in found]


def signed_copy(vault: Vault, account: ClientAccount, signature_id: uuid.UUID | str) -> tuple[ConsentSignature, bytes]:
    """A PDF of the signed version with the signature block and its hash; audited before it is returned."""
    try:
        public_id = uuid.UUID(str(signature_id))
    except ValueError:
        raise NotFoundError from None
    signature = (ConsentSignature.objects.filter(public_id=public_id, client=account.client)
                 .select_related("version").first())
    if signature is None:
        raise NotFoundError
    name = _open(vault, bytes(signature.signed_name), _portal_context(
        account.client, "consent_signature", str(signature.public_id), "signed_name"))
    pdf = render_pdf(stored_text(signature.version), signed_name=name, signed_at=signature.signed_at,
                     version=signature.version.number)
    with transaction.atomic():
        _audit_client(account, Tag.CONSENT_COPY_DOWNLOADED)
    return signature, pdf


# ----------------------------------------------------------------------------- check-ins


@dataclass(frozen=True)
class Answers:
    """One check-in: three 1-5 scores (5 is best) and a free-text comment."""

    comfort: int
    informed: int
    trust: int
    comment: str = ""

    @property
    def mean(self) -> float:
        return (self.comfort + self.informed + self.trust) / 3

    def scores(self) -> tuple[int, int, int]:
        return (self.comfort, self.informed, self.trust)


def clean_answers(values: dict[str, Any]) -> Answers:
    """Parse and check answers; `PortalError` names the question that is wrong."""
    labels = {"comfort": "How comfortable you feel sharing", "informed": "How informed you feel",
              "trust": "How much you trust that your record is private"}
    scores = {}
    for item in CHECKIN_ITEMS:
        raw = values.get(item)
        try:
            score = int(str(raw))
        except (TypeError, ValueError):
            raise PortalError(f"{labels[item]}: choose a number from 1 to 5.") from None
        if not 1 <= score <= 5:
            raise PortalError(f"{labels[item]}: choose a number from 1 to 5.")
        scores[item] = score
    comment = str(values.get("comment") or "").strip()
    if len(comment) > MAX_CHECKIN_TEXT:
        raise PortalError(f"The comment is longer than {MAX_CHECKIN_TEXT} characters.")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in comment):
        raise PortalError("The comment contains control characters.")
    return Answers(comment=comment, **scores)


ALERT_MEAN_DROP = 1.0
ALERT_LOW_SCORE = 2


def is_drop(previous: Answers | None, current: Answers) -> bool:
    """A drop worth a clinician's attention: any answer at 2 or below, or the mean down by 1 or more."""
    if min(current.scores()) <= ALERT_LOW_SCORE:
        return True
    return previous is not None and previous.mean - current.mean >= ALERT_MEAN_DROP


def _checkin_context(client: Client, checkin: CheckIn) -> crypto.SealContext:
    return _portal_context(client, "privacy_checkin", str(checkin.public_id), "answers")


def _open_checkin(vault: Vault, client: Client, checkin: CheckIn) -> Answers:
    data = _open(vault, bytes(checkin.answers), _checkin_context(client, checkin))
    return Answers(comfort=int(data["comfort"]), informed=int(data["informed"]), trust=int(data["trust"]),
                   comment=str(data.get("comment", "")))


@dataclass(frozen=True)
class OpenedCheckIn:
    checkin: CheckIn
    answers: Answers
    dropped: bool


def submit_checkin(vault: Vault, account: ClientAccount, values: dict[str, Any]) -> OpenedCheckIn:
    """Store a check-in sealed under the portal scope; a drop puts a notice on each clinician's home page."""
    answers = clean_answers(values)
    client = account.client
    with transaction.atomic():
        previous_row = CheckIn.objects.filter(client=client).first()
        previous = None if previous_row is None else _open_checkin(vault, client, previous_row)
        checkin = CheckIn(public_id=uuid.uuid4(), client=client)
        checkin.answers = _seal_portal(vault, client, {"comfort": answers.comfort, "informed": answers.informed,
                                                       "trust": answers.trust, "comment": answers.comment},
                                       _checkin_context(client, checkin))
        checkin.save()
        dropped = is_drop(previous, answers)
        if dropped:
            for user_id in clinical_team(client):
                ClinicianNotice.objects.create(recipient_id=user_id, client=client,
                                               kind=ClinicianNotice.Kind.CHECKIN_DROP)
        _audit_client(account, Tag.CHECKIN_SUBMITTED)
    return OpenedCheckIn(checkin, answers, dropped)


def _trend(vault: Vault, client: Client, limit: int) -> list[OpenedCheckIn]:
    rows = list(CheckIn.objects.filter(client=client)[:limit])
    opened = [_open_checkin(vault, client, row) for row in rows]
    result = []
    for index, (row, answers) in enumerate(zip(rows, opened, strict=True)):
        previous = opened[index + 1] if index + 1 < len(opened) else None
        result.append(OpenedCheckIn(row, answers, is_drop(previous, answers)))
    return result


def checkin_trend(vault: Vault, client_id: uuid.UUID | str, *, limit: int = 12) -> list[OpenedCheckIn]:
    """A client's check-ins, newest first, each marked when it was a drop (staff with the portal key).

    Audited (`portal:checkins:read`), inside the chart's batch when there is one.
    """
    client = sealing.client_in_vault(vault, client_id, records.Scope.CLINICAL)
    return _staff_trend(vault, client, limit=limit, any_checkins=True)


def _staff_trend(vault: Vault, client: Client, *, limit: int, any_checkins: bool) -> list[OpenedCheckIn]:
    if not vault.holds(client.pk, PORTAL):
        return []
    audit(vault, Tag.CHECKINS_READ, client)
    return _trend(vault, client, limit) if any_checkins else []


@dataclass(frozen=True)
class ChartPanel:
    """The chart's "Consent and privacy" panel (ADR 0008)."""

    status: ConsentStatus
    trend: list[OpenedCheckIn]
    has_account: bool
    may_invite: bool


def chart_panel(vault: Vault, client_id: uuid.UUID | str, *, practice: Practice | None = None) -> ChartPanel:
    """The consent status, check-in trend and invitation state of a client, for their clinical care team.

    Backfills the client's portal copies of disclosures and authorizations when one is missing
    (ADR 0009). `practice` (the signed-in member's) saves its query when the caller loaded it already;
    the care team comes from `records.team_members`, read once per page. In the common cases this is the query of
    the consent document's policy, one query for the facts (consent, account, check-ins, missing
    copies) and, with a portal account, the portal key check and the check-ins themselves.
    """
    client = sealing.client_in_vault(vault, client_id, records.Scope.CLINICAL)
    copies = portal_copies()
    status, facts = _consent(client, _practice_of(client, practice),
                             copies_due=copies.due_sql(client.pk) if copies is not None else None)
    if facts.has_account and facts.copies_due and copies is not None:
        copies.seal(vault, client)
    trend = (_staff_trend(vault, client, limit=12, any_checkins=facts.has_checkins)
             if facts.has_account or facts.has_checkins else [])
    # The care-team rows the chart read already (once per `read_page()`).
    may_invite = any(m.user_id == vault.person_id and m.clinical_access for m in records.team_members(client))
    return ChartPanel(status, trend, facts.has_account, may_invite)


def own_checkins(vault: Vault, account: ClientAccount, *, limit: int = 12) -> list[OpenedCheckIn]:
    """The client's own check-ins (audited as a read by the client)."""
    with transaction.atomic():
        _audit_client(account, Tag.CHECKINS_READ)
    return _trend(vault, account.client, limit)


def checkin_due(account: ClientAccount) -> bool:
    """True when the client has not answered a check-in within the practice's interval."""
    last = CheckIn.objects.filter(client=account.client).first()
    if last is None:
        return True
    days = settings_for(account.practice_id).checkin_every_days
    return timezone.now() - last.submitted_at >= dt.timedelta(days=days)


# ----------------------------------------------------------------------------- notices


def unread_notices(user: Any) -> list[ClinicianNotice]:
    """A clinician's unread portal notices, newest first."""
    return list(ClinicianNotice.objects.filter(recipient_id=user.pk, read_at=None).select_related("client")[:50])


def dismiss_notice(user: Any, notice_id: int) -> None:
    """Mark one of the clinician's notices read."""
    updated = ClinicianNotice.objects.filter(pk=notice_id, recipient_id=user.pk, read_at=None).update(
        read_at=timezone.now())
    if not updated:
        raise PortalError("There is no such notice.")


# ----------------------------------------------------------------------------- access history and privacy


def own_access_history(account: ClientAccount, *, before: int | None = None,
                       limit: int = access_records.DEFAULT_PAGE) -> access_records.AccessHistory:
    """A page of the client's own access history, newest first, checked complete (the read is logged first).

    `before` asks for an older page (`older` of the page before); `ValueError` for a position
    that is not an entry about this client.
    """
    me = _client_actor(account)
    excerpt = read_entries(actor_id=me, purpose=PurposeOfUse.PATIENT_REQUEST,
                           client_id=str(account.client.public_id), limit=limit, before=before)
    actors = {e.event.actor_id for e in excerpt.entries}
    names = {**access_records.staff_names(actors - {me}), me: "You"}
    entries = access_records.describe(excerpt, names, {me})
    return access_records.AccessHistory(head_text=excerpt.head.to_text(), tree_size=excerpt.head.size,
                                        entries=entries, older=older_than(excerpt.entries))


def whole_access_history(account: ClientAccount) -> access_records.AccessHistory:
    """Every entry of the client's access history, for their download, checked complete."""
    me = _client_actor(account)
    return access_records.whole_history_for_client(str(account.client.public_id), me, {me: "You"})


@dataclass(frozen=True)
class PrivacyRule:
    """One legal rule explained to a client, with where it comes from."""

    title: str
    summary: str
    citation: str
    source_url: str | None
    confirmed: bool
    status: str = "unresearched"


def privacy_explained(practice: Practice) -> tuple[str, list[PrivacyRule]]:
    """The practice's jurisdiction and its rules in plain words, each with its source."""
    place = JURISDICTIONS.get(practice.jurisdiction, practice.jurisdiction)
    pack = practice_pack(practice)
    if pack is None:
        return place, []
    # A topic the pack states itself is shown from the pack alone; the parent's rule on it would repeat it.
    own_topics = {r.topic for r in pack.own_rules}
    shown = [*pack.own_rules, *(r for r in pack.rules[len(pack.own_rules):] if r.topic not in own_topics)]
    rules = [PrivacyRule(title=plain_title(r), summary=plain_summary(r), citation=str(r.citation),
                         source_url=None if r.source_url is None else str(r.source_url),
                         confirmed=r.confirmed, status=r.status) for r in shown]
    return str(pack.name), rules


# ----------------------------------------------------------------------------- the client's uploads


def upload_document(vault: Vault, account: ClientAccount, *, filename: str, stream: Any, size: int) -> Any:
    """A document the client uploads for their care team (records.documents' checks; portal scope)."""
    return documents.upload_client_document(
        vault, account.client, filename=filename, stream=stream, size=size,
        record_upload=lambda: _audit_client(account, Tag.PORTAL_DOCUMENT_UPLOADED))


def own_uploads(account: ClientAccount) -> list[Any]:
    """What the client uploaded (sizes and dates only: names are sealed and not reopened here)."""
    return list(account.client.documents.filter(scope=PORTAL, uploaded_by_id=account.user_id)
                .order_by("-created_at"))
