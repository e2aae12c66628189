"""After therapy ends: the retention date, legal holds, and destruction by deleting keys.

Destruction is cryptographic erase (NIST SP 800-88 Rev. 1, section 2.6 and table A-8): every
wrap of every scope key of the client is deleted (care team, emergency holders, portal,
recovery), so no one, not even the recovery kit, can open what remains anywhere; then the
ciphertexts, the file store's documents, the portal account and anything pending are deleted as
well. A tombstone (opaque id, dates, rule) and a certificate stay. See docs/adr/0016.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from confide.audit import services as audit_services
from confide.audit.models import LogEntry
from confide.audit.tags import Tag, actor_id_for
from confide.auditlog import Outcome, PurposeOfUse, decode_entry
from confide.disclosures.models import Authorization, AuthorizationRequest, CourtRequest, Disclosure
from confide.jurisdictions.loader import Rule
from confide.jurisdictions.retention import add_years, retention_rule, retention_until
from confide.jurisdictions.services import practice_pack
from confide.keys.models import KeyWrap, ScopeKeyVersion
from confide.keys.vault import Vault
from confide.lifecycle.models import DestructionRequest, Discharge, LegalHold, LifecyclePolicy, Tombstone
from confide.portal.models import ClientAccount
from confide.practice.models import Membership, Practice, Role
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Appointment, Client, Document, Episode, Note
from confide.records.sealing import Scope, client_in_vault, field_context, open_value, seal_in_scope, staff_membership
from confide.records.services import open_demographics

__all__ = [
    "CERTIFICATE_METHOD",
    "ClientRetention",
    "LifecycleError",
    "QueueEntry",
    "RetentionView",
    "after_episode_closed",
    "approve_destruction",
    "cancel_destruction",
    "chart_retention",
    "client_retention",
    "confirm_destruction",
    "destruction_queue",
    "discharge",
    "journal_path",
    "lift_hold",
    "place_hold",
    "policy_for",
    "read_journal",
    "redestroy_from_journal",
    "retention_for",
    "set_override",
    "set_policy",
    "verify_certificate",
]

logger = logging.getLogger(__name__)
MAX_REASON = 1000
MIN_OVERRIDE_REASON = 10
CERTIFICATE_METHOD = (
    "Cryptographic Erase (NIST SP 800-88 Rev. 1, Guidelines for Media Sanitization, section 2.6): "
    "every wrap of every key that encrypts this record was deleted, including the practice recovery "
    "wrap, so the remaining ciphertext cannot be decrypted; the ciphertext itself was then deleted."
)
JOURNAL_NAME = "destruction-journal.jsonl"


class LifecycleError(RecordError):
    """A retention, hold or destruction action that is not allowed; the message says why."""


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    """An id from a URL or a form; anything malformed is a record that does not exist."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError from None


# ----------------------------------------------------------------------------- policy and dates


def policy_for(practice_id: int) -> LifecyclePolicy:
    """The practice's lifecycle policy, created with defaults the first time."""
    return LifecyclePolicy.objects.get_or_create(practice_id=practice_id)[0]


def _require_owner(vault: Vault) -> Membership:
    actor = staff_membership(vault)
    if actor.role != Role.OWNER:
        raise NotFoundError
    return actor


@transaction.atomic
def set_policy(vault: Vault, *, extra_years: int, solo_wait_days: int) -> LifecyclePolicy:
    """The owner keeps records longer than the rule (extra years) and sets the solo waiting period."""
    actor = _require_owner(vault)
    if not 0 <= extra_years <= 50:
        raise LifecycleError("Extra years must be between 0 and 50.")
    if not 1 <= solo_wait_days <= 365:
        raise LifecycleError("The waiting period must be between 1 and 365 days.")
    policy = policy_for(actor.practice_id)
    policy.extra_years, policy.solo_wait_days, policy.updated_at = extra_years, solo_wait_days, timezone.now()
    policy.save()
    audit(vault, Tag.RETENTION_POLICY_CHANGED)
    return policy


@dataclass(frozen=True)
class RetentionView:
    """What the chart and the portal show about how long the record is kept."""

    discharged: bool
    last_contact: dt.date | None
    rule: Rule | None
    rule_until: dt.date | None
    practice_until: dt.date | None
    override_until: dt.date | None
    kept_until: dt.date | None
    holds: list[LegalHold]

    active_hold: bool = False

    @property
    def held(self) -> bool:
        return self.active_hold or any(hold.lifted_at is None for hold in self.holds)


def _birth_date(vault: Vault, client: Client) -> dt.date | None:
    text = open_demographics(vault, client).date_of_birth
    return dt.date.fromisoformat(text) if text else None


def _last_contact(client: Client) -> dt.date | None:
    dates = [
        Episode.objects.filter(client=client).aggregate(d=Max("closed_on"))["d"],
        Note.objects.filter(client=client).aggregate(d=Max("session_date"))["d"],
    ]
    past = Appointment.objects.filter(client=client, starts_at__lte=timezone.now()).aggregate(d=Max("starts_at"))["d"]
    if past is not None:
        dates.append(timezone.localtime(past).date())
    found = [day for day in dates if day is not None]
    return max(found) if found else None


def _dates(client: Client, discharge_row: Discharge | None, birth: dt.date | None
           ) -> tuple[Rule | None, dt.date | None, dt.date | None, dt.date | None]:
    """(rule, rule date, practice date, kept-until) for a discharged client (all None before discharge)."""
    if discharge_row is None:
        return None, None, None, None
    pack = practice_pack(client.practice)
    rule = retention_rule(pack) if pack is not None else None
    if discharge_row is None or pack is None:
        return rule, None, None, None
    rule_until = retention_until(pack, discharge_row.last_contact, birth)
    extra = policy_for(client.practice_id).extra_years
    practice_until = add_years(rule_until, extra) if rule_until is not None else None
    kept = discharge_row.override_until or practice_until
    return rule, rule_until, practice_until, kept


def retention_for(vault: Vault, client: Client) -> RetentionView:
    """The retention date of a client's record, with its rule, for anyone holding the admin key."""
    row = Discharge.objects.filter(client=client).first()
    birth = _birth_date(vault, client) if row is not None else None
    rule, rule_until, practice_until, kept = _dates(client, row, birth)
    return RetentionView(discharged=row is not None, last_contact=row.last_contact if row else None, rule=rule,
                         rule_until=rule_until, practice_until=practice_until,
                         override_until=row.override_until if row else None, kept_until=kept,
                         holds=list(LegalHold.objects.filter(client=client)))


def chart_retention(vault: Vault, client: Client) -> RetentionView:
    """The chart's retention line: like `retention_for` without the list of holds, in one query."""
    found = (Client.objects.filter(pk=client.pk)
             .annotate(held=Exists(LegalHold.objects.filter(client=OuterRef("pk"), lifted_at__isnull=True)))
             .values_list("held", "discharge__pk", "discharge__last_contact", "discharge__override_until").first())
    held, discharge_pk, last_contact, override_until = found or (False, None, None, None)
    row = None
    if discharge_pk is not None and last_contact is not None:
        row = Discharge(pk=discharge_pk, client=client, last_contact=last_contact, override_until=override_until)
    birth = _birth_date(vault, client) if row is not None else None
    rule, rule_until, practice_until, kept = _dates(client, row, birth)
    return RetentionView(discharged=row is not None, last_contact=last_contact, rule=rule, rule_until=rule_until,
                         practice_until=practice_until, override_until=override_until, kept_until=kept, holds=[],
                         active_hold=bool(held))


@dataclass(frozen=True)
class ClientRetention:
    """How long the record is kept, as the client reads it in the portal.

    The portal holds no key to the demographics, so the birth date is not known here: the date
    shown is the adult period's (or the practice's override), and a pack's minors' rule is said in
    words beside it, since for someone who was young at the last contact it can only be later.
    """

    discharged: bool
    last_contact: dt.date | None
    rule: Rule | None
    adult_years: int | None
    minor_until_age: int | None
    extra_years: int
    kept_until: dt.date | None
    overridden: bool
    held: bool


def client_retention(account: ClientAccount) -> ClientRetention:
    """The retention line of the client's own record (logged as the client's read)."""
    client = account.client
    row = Discharge.objects.filter(client=client).first()
    pack = practice_pack(client.practice)
    rule = retention_rule(pack) if pack is not None else None
    extra = policy_for(client.practice_id).extra_years
    kept: dt.date | None = None
    if row is not None and row.override_until is not None:
        kept = row.override_until
    elif row is not None and pack is not None:
        adult = retention_until(pack, row.last_contact, None)
        kept = add_years(adult, extra) if adult is not None else None
    audit_services.record_event(Tag.PORTAL_RETENTION_READ, actor_id=f"user:{account.user_id}",
                                purpose=PurposeOfUse.PATIENT_REQUEST, outcome=Outcome.SUCCESS,
                                client_id=str(client.public_id))
    details = rule.details if rule is not None else {}
    minor = details.get("minor_until_age")
    return ClientRetention(
        discharged=row is not None, last_contact=row.last_contact if row else None, rule=rule,
        adult_years=int(details["adult_years"]) if details.get("adult_years") is not None else None,
        minor_until_age=int(minor) if minor is not None else None, extra_years=extra, kept_until=kept,
        overridden=row is not None and row.override_until is not None,
        held=LegalHold.objects.filter(client=client, lifted_at__isnull=True).exists())


@transaction.atomic
def discharge(vault: Vault, client_id: uuid.UUID | str, *, last_contact: dt.date | None = None) -> Discharge:
    """Mark a client discharged: no open episode may remain; the last contact fixes the date."""
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    actor = staff_membership(vault)
    if actor.role not in (Role.OWNER, Role.CLINICIAN):
        raise NotFoundError
    if Episode.objects.filter(client=client, closed_on__isnull=True).exists():
        raise LifecycleError("Close the open episode of care first; its closing date is the last contact.")
    contact = last_contact or _last_contact(client) or timezone.localdate()
    if contact > timezone.localdate():
        raise LifecycleError("The last contact cannot be in the future.")
    row, created = Discharge.objects.get_or_create(client=client, defaults={
        "last_contact": contact, "discharged_by_id": actor.user_id})
    if not created:
        row.last_contact, row.version = max(row.last_contact, contact), row.version + 1
        row.save(update_fields=["last_contact", "version"])
    if client.status != Client.Status.CLOSED:
        client.status = Client.Status.CLOSED
        client.save(update_fields=["status"])
    audit(vault, Tag.CLIENT_DISCHARGED, client)
    return row


def after_episode_closed(vault: Vault, client_id: uuid.UUID | str) -> Discharge | None:
    """Closing the last open episode discharges the client (the faces call this after closing)."""
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    if Episode.objects.filter(client=client, closed_on__isnull=True).exists():
        return None
    return discharge(vault, client_id)


def _clean_reason(text: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and len(text) < MIN_OVERRIDE_REASON:
        raise LifecycleError(f"Give a reason of at least {MIN_OVERRIDE_REASON} characters.")
    if len(text) > MAX_REASON:
        raise LifecycleError(f"The reason is longer than {MAX_REASON} characters.")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise LifecycleError("The reason contains control characters.")
    return text


@transaction.atomic
def set_override(vault: Vault, client_id: uuid.UUID | str, *, until: dt.date | None, reason: str) -> Discharge:
    """The owner sets another date. Later than the rule: any reason. Earlier: a reason is required."""
    _require_owner(vault)
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    row = Discharge.objects.select_for_update().filter(client=client).first()
    if row is None:
        raise LifecycleError("The client is not discharged yet.")
    _, _, practice_until, _ = _dates(client, row, _birth_date(vault, client))
    shorter = until is not None and (practice_until is None or until < practice_until)
    text = _clean_reason(reason, required=shorter)
    if until is not None and until < row.last_contact:
        raise LifecycleError("The date cannot be before the last contact.")
    row.version += 1
    row.override_until = until
    row.override_by_id = vault.user_id
    context = field_context(client, "discharge", str(row.pk), "override_reason", row.version, Scope.ADMIN)
    row.override_reason = seal_in_scope(vault, client, Scope.ADMIN, {"text": text}, context) if text else None
    row.save()
    audit(vault, Tag.RETENTION_OVERRIDDEN, client, detail=b"shorter" if shorter else b"longer")
    return row


def override_reason(vault: Vault, client: Client, row: Discharge) -> str:
    """The owner's reason for the override (admin scope), or an empty string."""
    if not row.override_reason:
        return ""
    context = field_context(client, "discharge", str(row.pk), "override_reason", row.version, Scope.ADMIN)
    return str(open_value(vault, bytes(row.override_reason), context)["text"])


# ----------------------------------------------------------------------------- legal holds


def _hold_context(client: Client, hold: LegalHold) -> Any:
    return field_context(client, "legal_hold", str(hold.public_id), "reason", 1, Scope.ADMIN)


@transaction.atomic
def place_hold(vault: Vault, client_id: uuid.UUID | str, *, kind: str, reason: str) -> LegalHold:
    """The owner places a legal hold: destruction stops until it is lifted."""
    _require_owner(vault)
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    if kind not in LegalHold.Kind.values:
        raise LifecycleError("Choose the kind of legal hold.")
    text = _clean_reason(reason, required=True)
    hold = LegalHold(client=client, kind=kind, reason=b"", placed_by_id=vault.user_id)
    hold.reason = seal_in_scope(vault, client, Scope.ADMIN, {"text": text}, _hold_context(client, hold))
    hold.save()
    DestructionRequest.objects.filter(client=client).delete()
    audit(vault, Tag.LEGAL_HOLD_PLACED, client, detail=f"kind={kind}".encode("ascii"))
    return hold


@transaction.atomic
def lift_hold(vault: Vault, client_id: uuid.UUID | str, hold_id: uuid.UUID | str) -> LegalHold:
    """The owner lifts a legal hold."""
    _require_owner(vault)
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    try:
        hold = LegalHold.objects.select_for_update().get(client=client, public_id=_uuid(hold_id),
                                                        lifted_at__isnull=True)
    except (LegalHold.DoesNotExist, ValueError, TypeError):
        raise NotFoundError from None
    hold.lifted_at, hold.lifted_by_id = timezone.now(), vault.user_id
    hold.save(update_fields=["lifted_at", "lifted_by"])
    audit(vault, Tag.LEGAL_HOLD_LIFTED, client, detail=f"kind={hold.kind}".encode("ascii"))
    return hold


def hold_reason(vault: Vault, client: Client, hold: LegalHold) -> str:
    """The reason a hold was placed (admin scope)."""
    return str(open_value(vault, bytes(hold.reason), _hold_context(client, hold))["text"])


# ----------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueEntry:
    """A discharged record and where it stands. Opaque id and dates only: the queue shows no name."""

    client: Client
    last_contact: dt.date
    kept_until: dt.date | None
    held: bool
    request: DestructionRequest | None

    @property
    def due(self) -> bool:
        return self.kept_until is not None and self.kept_until <= timezone.localdate() and not self.held


def _entry(vault: Vault, client: Client, row: Discharge) -> QueueEntry:
    _, _, _, kept = _dates(client, row, _birth_date(vault, client))
    held = LegalHold.objects.filter(client=client, lifted_at__isnull=True).exists()
    return QueueEntry(client=client, last_contact=row.last_contact, kept_until=kept, held=held,
                      request=DestructionRequest.objects.filter(client=client).first())


def destruction_queue(vault: Vault) -> list[QueueEntry]:
    """Every discharged client of the practice, oldest date first; the owner's page marks the due ones."""
    actor = _require_owner(vault)
    rows = Discharge.objects.filter(client__practice_id=actor.practice_id).select_related("client", "client__practice")
    entries = [_entry(vault, row.client, row) for row in rows]
    audit(vault, Tag.DESTRUCTION_QUEUE_READ)
    return sorted(entries, key=lambda e: (e.kept_until is None, e.kept_until or dt.date.max))


def pending_confirmations(vault: Vault) -> list[DestructionRequest]:
    """Destruction requests a second person (another owner or clinician) may confirm."""
    actor = staff_membership(vault)
    if actor.role not in (Role.OWNER, Role.CLINICIAN):
        return []
    return list(DestructionRequest.objects.filter(client__practice_id=actor.practice_id)
                .exclude(approved_by_id=actor.user_id).select_related("client"))


def _second_people(practice_id: int, approver_id: int) -> bool:
    return Membership.objects.filter(practice_id=practice_id, role__in=(Role.OWNER, Role.CLINICIAN),
                                     user__is_active=True).exclude(user_id=approver_id).exists()


@transaction.atomic
def approve_destruction(vault: Vault, client_id: uuid.UUID | str) -> DestructionRequest:
    """The owner approves destroying a record that is past its date and not held."""
    actor = _require_owner(vault)
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    row = Discharge.objects.filter(client=client).first()
    if row is None:
        raise LifecycleError("Only a discharged client's record can be destroyed.")
    entry = _entry(vault, client, row)
    if entry.held:
        raise LifecycleError("A legal hold stops the destruction of this record.")
    if entry.kept_until is None:
        raise LifecycleError("The jurisdiction gives no retention period; decide with counsel and set a date first.")
    if not entry.due:
        raise LifecycleError(f"The record is kept until {entry.kept_until.isoformat()}.")
    if entry.request is not None:
        raise LifecycleError("Destruction is already approved and waits for confirmation.")
    now = timezone.now()
    wait = None
    if not _second_people(actor.practice_id, actor.user_id):
        wait = now + dt.timedelta(days=policy_for(actor.practice_id).solo_wait_days)
    request = DestructionRequest.objects.create(client=client, approved_by_id=actor.user_id, approved_at=now,
                                                confirm_after=wait)
    audit(vault, Tag.DESTRUCTION_APPROVED, client)
    return request


@transaction.atomic
def cancel_destruction(vault: Vault, client_id: uuid.UUID | str) -> None:
    """The owner withdraws an approval that was not confirmed yet."""
    _require_owner(vault)
    client = client_in_vault(vault, client_id, Scope.ADMIN)
    if not DestructionRequest.objects.filter(client=client).delete()[0]:
        raise NotFoundError
    audit(vault, Tag.DESTRUCTION_CANCELLED, client)


def confirm_destruction(vault: Vault, request_id: uuid.UUID | str, *, now: dt.datetime | None = None) -> Tombstone:
    """Confirm an approved destruction and carry it out.

    With another owner or clinician in the practice, they must confirm (not the approver). A solo
    practitioner confirms again, after the waiting period. A hold placed since stops it.
    """
    actor = staff_membership(vault)
    now = now or timezone.now()
    try:
        request = DestructionRequest.objects.select_related("client").get(
            public_id=_uuid(request_id), client__practice_id=actor.practice_id)
    except (DestructionRequest.DoesNotExist, ValueError, TypeError):
        raise NotFoundError from None
    if actor.role not in (Role.OWNER, Role.CLINICIAN):
        raise NotFoundError
    if request.confirm_after is None:
        if actor.user_id == request.approved_by_id:
            raise LifecycleError("A second person (another owner or a clinician) must confirm this destruction.")
    else:
        if actor.user_id != request.approved_by_id:
            raise NotFoundError
        if now < request.confirm_after:
            raise LifecycleError(f"Confirm again after {timezone.localtime(request.confirm_after):%Y-%m-%d %H:%M}.")
    client = request.client
    row = Discharge.objects.get(client=client)
    _, _, _, kept = _dates(client, row, _birth_date(vault, client))
    pack = practice_pack(client.practice)
    rule = retention_rule(pack) if pack is not None else None
    approver = Membership.objects.get(user_id=request.approved_by_id)
    return destroy_record(
        client,
        reason="retention period ended",
        rule=rule,
        last_contact=row.last_contact,
        kept_until=kept,
        people={
            "approved_by": {"actor": f"user:{approver.user_id}", "role": approver.role,
                            "at": request.approved_at.isoformat()},
            "confirmed_by": {"actor": f"user:{actor.user_id}", "role": actor.role, "at": now.isoformat(),
                             "solo_wait_days": (None if request.confirm_after is None else
                                                (request.confirm_after - request.approved_at).days)},
        },
        actor_id=f"user:{actor.user_id}",
    )


# ----------------------------------------------------------------------------- destruction


def _canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def journal_path() -> Path:
    """Where destructions are journaled for restores: CONFIDE_DESTRUCTION_JOURNAL_FILE, else beside
    the published checkpoints (CONFIDE_AUDIT_HEAD_DIR), else in the data directory."""
    configured = os.environ.get("CONFIDE_DESTRUCTION_JOURNAL_FILE", "")
    if configured:
        return Path(configured).expanduser()
    if settings.CONFIDE_AUDIT_HEAD_DIR:
        return Path(settings.CONFIDE_AUDIT_HEAD_DIR) / JOURNAL_NAME
    return Path(settings.DATA_DIR) / JOURNAL_NAME


def _append_journal(entry: dict[str, Any]) -> None:
    path = journal_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as handle:
            handle.write(_canonical(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError:
        # The tombstone in the database is the record of truth; the journal only helps restores.
        logger.exception("Could not append to the destruction journal")


def read_journal(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """The entries of one or more destruction journals; a malformed line raises LifecycleError."""
    entries: list[dict[str, Any]] = []
    for path in paths:
        try:
            lines = path.read_text(encoding="ascii").splitlines()
        except (OSError, UnicodeDecodeError):
            raise LifecycleError(f"Cannot read the destruction journal {path}.") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                uuid.UUID(entry["client"])
            except (ValueError, KeyError, TypeError):
                raise LifecycleError(f"Line {number} of {path} is not a destruction journal entry.") from None
            entries.append(entry)
    return entries


def _delete_client_rows(client: Client) -> dict[str, int]:
    """Delete every row of the client: wraps first, then keys, then ciphertexts (children before parents)."""
    counts = {
        "key_wraps": KeyWrap.objects.filter(key_version__client=client).delete()[0],
        "scope_keys": 0,
    }
    counts["scope_keys"] = ScopeKeyVersion.objects.filter(client=client).delete()[0]
    counts["notes"] = Note.objects.filter(client=client).count()
    while Note.objects.filter(client=client, addenda__isnull=True, parent__isnull=False).exists():
        Note.objects.filter(client=client, addenda__isnull=True, parent__isnull=False).delete()
    Note.objects.filter(client=client).delete()
    counts["disclosures"] = Disclosure.objects.filter(client=client).count()
    AuthorizationRequest.objects.filter(client=client).delete()
    Disclosure.objects.filter(client=client).delete()
    CourtRequest.objects.filter(client=client).delete()
    Authorization.objects.filter(client=client).delete()
    counts["documents"] = Document.objects.filter(client=client).delete()[0]
    counts["rows_total"] = client.delete()[0] + sum(counts.values())
    return counts


def destroy_record(client: Client, *, reason: str, rule: Rule | None, last_contact: dt.date | None,
                   kept_until: dt.date | None, people: dict[str, Any], actor_id: str,
                   journal: bool = True) -> Tombstone:
    """Crypto-shred one client's record, leave a tombstone and a certificate, and audit it.

    Callers check the authorization (`confide_destruction`) or replay a journal; this function
    only refuses a record under a legal hold.
    """
    user_model = get_user_model()
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if LegalHold.objects.filter(client=locked, lifted_at__isnull=True).exists():
            raise LifecycleError("A legal hold stops the destruction of this record.")
        storage_names = list(Document.objects.filter(client=locked).values_list("storage_name", flat=True))
        portal_user_ids = list(ClientAccount.objects.filter(client=locked).values_list("user_id", flat=True))
        public_id, practice_id, registered = locked.public_id, locked.practice_id, locked.created_at.date()
        counts = _delete_client_rows(locked)
        counts["file_store_documents"] = len(storage_names)
        counts["portal_accounts"] = len(portal_user_ids)
        _delete_users(user_model, portal_user_ids)
        destroyed_at = timezone.now()
        certificate = {
            "type": "confide/destruction-certificate/v1",
            "practice": str(practice_id),
            "client": str(public_id),
            "registered_on": registered.isoformat(),
            "last_contact": last_contact.isoformat() if last_contact else None,
            "kept_until": kept_until.isoformat() if kept_until else None,
            "reason": reason,
            "rule": None if rule is None else {"citation": rule.citation, "status": str(rule.status),
                                               "title": rule.title, "pack": rule.pack_code,
                                               "source_url": rule.source_url},
            "method": CERTIFICATE_METHOD,
            "destroyed": counts,
            "destroyed_at": destroyed_at.isoformat(),
            **people,
        }
        text = _canonical(certificate)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        tombstone = Tombstone.objects.create(
            client_public_id=public_id, practice_id=practice_id, registered_on=registered,
            last_contact=last_contact, kept_until=kept_until, rule_citation=rule.citation if rule else "",
            destroyed_at=destroyed_at, certificate=text, certificate_sha256=digest)
        audit_services.record_event(Tag.RECORD_DESTROYED, actor_id=actor_id, purpose=PurposeOfUse.OPERATIONS,
                                    outcome="success", client_id=str(public_id),
                                    sealed_detail=f"certificate=sha256:{digest}".encode("ascii"))
        store = Path(settings.FILE_STORE_DIR)
        transaction.on_commit(lambda: _delete_files(store, storage_names))
        if journal:
            entry = {"client": str(public_id), "destroyed_at": destroyed_at.isoformat(), "certificate": digest}
            transaction.on_commit(lambda: _append_journal(entry))
    audit_services.sequence_pending()
    position = (LogEntry.objects.filter(tag=str(Tag.RECORD_DESTROYED), client_id=str(public_id))
                .order_by("-position").values_list("position", flat=True).first())
    Tombstone.objects.filter(pk=tombstone.pk).update(audit_position=position)
    tombstone.audit_position = position
    return tombstone


def _delete_users(user_model: Any, user_ids: list[int]) -> None:
    if not user_ids:
        return
    keys = list(UserSession.objects.filter(user_id__in=user_ids).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    user_model.objects.filter(pk__in=user_ids).delete()


def _delete_files(store: Path, names: list[str]) -> None:
    for name in names:
        (store / name).unlink(missing_ok=True)


def redestroy_from_journal(entries: Iterable[dict[str, Any]]) -> list[str]:
    """After a restore: destroy again every journaled record the restored database still holds.

    Each gets a new tombstone and certificate (reason "destroyed after this backup was taken")
    and an audit event; returns the opaque ids destroyed again.
    """
    done: list[str] = []
    for entry in entries:
        client = Client.objects.filter(public_id=entry["client"]).first()
        if client is None:
            continue
        LegalHold.objects.filter(client=client, lifted_at__isnull=True).update(lifted_at=timezone.now())
        row = Discharge.objects.filter(client=client).first()
        destroy_record(
            client, reason="destroyed again on restore: it was destroyed after this backup was taken",
            rule=None, last_contact=row.last_contact if row else None, kept_until=None,
            people={"journal": {"destroyed_at": entry.get("destroyed_at"), "certificate": entry.get("certificate")}},
            actor_id="system:restore", journal=False)
        done.append(str(entry["client"]))
    return done


def verify_certificate(tombstone: Tombstone) -> int:
    """Check a certificate against the verified audit log; return its audit position.

    Raises `LifecycleError` when the log does not hold a destruction event for this client with
    the certificate's digest, or when the certificate text was changed.
    """
    if hashlib.sha256(tombstone.certificate.encode("ascii")).hexdigest() != tombstone.certificate_sha256:
        raise LifecycleError("The certificate was changed after it was written.")
    if tombstone.audit_position is None:
        raise LifecycleError("The certificate has no audit position yet.")
    verified = audit_services.verify_stored_log()
    if tombstone.audit_position >= verified.size:
        raise LifecycleError("The certificate's audit position is beyond the verified log.")
    row = LogEntry.objects.filter(position=tombstone.audit_position).first()
    if row is None:
        raise LifecycleError("The certificate's audit entry is missing.")
    event = decode_entry(bytes(row.entry))
    expected = f"certificate=sha256:{tombstone.certificate_sha256}".encode("ascii")
    if (event.tag != Tag.RECORD_DESTROYED or event.client_id != str(tombstone.client_public_id)
            or event.sealed_detail != expected):
        raise LifecycleError("The audit entry at the certificate's position does not match it.")
    return tombstone.audit_position


def tombstones(practice: Practice) -> list[Tombstone]:
    """The practice's destroyed records, newest first."""
    return list(Tombstone.objects.filter(practice=practice))


def actor_label(user: Any) -> str:
    """An opaque id for a person, as certificates name them."""
    return actor_id_for(user)
