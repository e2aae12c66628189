"""Break-glass emergency access: holders, their emergency wraps, and time-limited sessions.

The owner designates emergency-access holders. Every admin and clinical scope key of every
client is also wrapped to each holder, in `EmergencyWrap` rows bound to the recipient label
`emergency:<user id>`. The vault (`confide.keys.vault`) opens those wraps only for a client the
holder has a live `BreakGlassSession` for; opening one needs a stated reason, is logged, alerts
the owner at once and shows in the client's access history. See docs/adr/0006-break-glass-and-alerts.md.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for, subject_detail
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys import vault as keys
from confide.keys.models import KeyWrap, ScopeKeyVersion, UserKeyPair
from confide.keys.vault import NoKeyError, Vault
from confide.oversight import alerts
from confide.oversight.models import Alert, BreakGlassSession, EmergencyAccessHolder, EmergencyWrap
from confide.practice.models import Membership, Role
from confide.records import services as records
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.records.models import CareTeamMember, Client

Scope = ScopeKeyVersion.Scope
EMERGENCY_SCOPES = (Scope.ADMIN, Scope.CLINICAL)
MAX_REASON_CHARS = 500
MIN_SEARCH_CHARS = 2
# Roles that may hold emergency access: front-desk staff never get clinical keys.
HOLDER_ROLES = (Role.OWNER, Role.CLINICIAN, Role.SUPERVISOR)


class OversightError(Exception):
    """A refused oversight action; the message is safe to show (it holds no client data)."""


class NotAHolderError(OversightError):
    """The person is not a designated emergency-access holder (a 403, logged as denied)."""


# ----------------------------------------------------------------------------- emergency wraps


def _emergency_context(version: ScopeKeyVersion, practice_id: int, user_id: int) -> crypto.WrapContext:
    return crypto.WrapContext(practice_id=str(practice_id), client_id=str(version.client.public_id),
                              scope=crypto.Scope(version.scope), recipient_id=keys.emergency_recipient_id(user_id))


def _wrap_to(version: ScopeKeyVersion, key: crypto.ScopeKey, user_id: int, practice_id: int) -> EmergencyWrap:
    blob = crypto.wrap_key_to(keys.public_key_of(user_id), key, _emergency_context(version, practice_id, user_id))
    return EmergencyWrap(key_version=version, holder_id=user_id, blob=blob)


def _active_holder_ids(practice_id: int) -> list[int]:
    return list(EmergencyAccessHolder.objects.filter(practice_id=practice_id, user__is_active=True)
                .values_list("user_id", flat=True))


class EmergencyWraps:
    """The `keys.vault.EmergencyAccess` provider: break-glass sessions and emergency wraps."""

    def active_clients(self, user_id: int) -> frozenset[int]:
        return frozenset(BreakGlassSession.objects.filter(user_id=user_id, ended_at__isnull=True,
                                                          expires_at__gt=timezone.now(),
                                                          user__emergency_holder__isnull=False)
                         .values_list("client_id", flat=True))

    def emergency_wrap(self, user_id: int, key_id: str) -> tuple[bytes, ScopeKeyVersion] | None:
        wrap = (EmergencyWrap.objects.select_related("key_version__client")
                .filter(holder_id=user_id, key_version__key_id=key_id).first())
        return None if wrap is None else (bytes(wrap.blob), wrap.key_version)

    def key_created(self, version: ScopeKeyVersion, key: crypto.ScopeKey) -> None:
        practice_id = version.client.practice_id
        EmergencyWrap.objects.bulk_create([_wrap_to(version, key, user_id, practice_id)
                                           for user_id in _active_holder_ids(practice_id)])

    def key_opened(self, version: ScopeKeyVersion, key: crypto.ScopeKey) -> None:
        # Catch-up: a holder designated by an owner who could not open this key gets it the first
        # time someone who can (the care team, the recovery kit) opens it.
        practice_id = version.client.practice_id
        # Most practices have few holders and most keys are already wrapped to them: look up the
        # holders first (once per page inside `keys.remembering_checks()`), and look for missing
        # wraps only when there is someone to wrap to.
        memo = keys.remembered_checks()
        holders = memo.get(("emergency-holders", practice_id)) if memo is not None else None
        if holders is None:
            holders = _active_holder_ids(practice_id)
            if memo is not None:
                memo[("emergency-holders", practice_id)] = holders
        if not holders:
            return
        missing = (EmergencyAccessHolder.objects.filter(practice_id=practice_id, user_id__in=holders)
                   .exclude(user__emergency_wraps__key_version=version).values_list("user_id", flat=True))
        wraps = [_wrap_to(version, key, user_id, practice_id) for user_id in missing]
        if wraps:
            EmergencyWrap.objects.bulk_create(wraps, ignore_conflicts=True)


# ----------------------------------------------------------------------------- holders


@dataclass(frozen=True)
class HolderStatus:
    """A holder, and how many of the practice's keys are wrapped to them so far."""

    holder: EmergencyAccessHolder
    wrapped: int
    total: int
    # Client records the holder could not open in an emergency yet: a current admin or clinical
    # key of theirs is not wrapped to the holder.
    uncovered_records: int = 0

    @property
    def complete(self) -> bool:
        return self.wrapped >= self.total and self.uncovered_records == 0


def _practice_versions(practice_id: int) -> list[ScopeKeyVersion]:
    return list(ScopeKeyVersion.objects.filter(client__practice_id=practice_id, scope__in=EMERGENCY_SCOPES)
                .select_related("client"))


def list_holders(practice_id: int) -> list[HolderStatus]:
    """The practice's emergency-access holders with how complete their emergency wraps are."""
    total = ScopeKeyVersion.objects.filter(client__practice_id=practice_id, scope__in=EMERGENCY_SCOPES).count()
    result = []
    for holder in (EmergencyAccessHolder.objects.filter(practice_id=practice_id)
                   .select_related("user", "designated_by").order_by("designated_at")):
        wrapped = EmergencyWrap.objects.filter(holder_id=holder.user_id,
                                               key_version__client__practice_id=practice_id).count()
        result.append(HolderStatus(holder=holder, wrapped=wrapped, total=total,
                                   uncovered_records=uncovered_records(practice_id, holder.user_id)))
    return result


def uncovered_records(practice_id: int, user_id: int) -> int:
    """How many of the practice's clients a holder cannot open in an emergency yet.

    A record is covered when the current version of each of its admin and clinical keys is
    wrapped to the holder (new keys are wrapped at creation and rotation; older records are
    covered by `confide emergency-access complete` with the recovery kit, or when their care
    team next opens them).
    """
    current = ScopeKeyVersion.objects.filter(client__practice_id=practice_id, scope__in=EMERGENCY_SCOPES,
                                             retired_at__isnull=True)
    missing = current.exclude(emergency_wraps__holder_id=user_id)
    return missing.values("client_id").distinct().count()


def is_holder(user_id: int) -> bool:
    """True for an active designated emergency-access holder."""
    return EmergencyAccessHolder.objects.filter(user_id=user_id, user__is_active=True).exists()


def _owner(vault: Vault) -> Membership:
    membership = Membership.objects.select_related("user").filter(user_id=vault.person_id).first()
    if membership is None or membership.role != Role.OWNER or not membership.user.is_active:
        raise OversightError("Only the practice owner can designate emergency-access holders.")
    return membership


@transaction.atomic
def designate_holder(vault: Vault, *, user_id: int, fingerprint: str) -> HolderStatus:
    """Designate an emergency-access holder and wrap to them every key the owner's vault opens.

    `fingerprint` is the key fingerprint the owner compared with the person; if their key changed
    in the meantime nothing is designated. Keys the owner cannot open (the clinical keys of
    clients outside the owner's own care teams) are wrapped the next time someone who holds them
    opens them, or with `confide emergency-access complete` and the recovery kit.
    """
    owner = _owner(vault)
    target = Membership.objects.select_related("user").filter(practice_id=owner.practice_id, user_id=user_id,
                                                              user__is_active=True).first()
    if target is None:
        raise OversightError("That person is not an active member of this practice.")
    if target.role not in HOLDER_ROLES:
        raise OversightError("Front-desk staff cannot hold emergency access: it opens clinical records.")
    pair = UserKeyPair.objects.filter(user_id=user_id).first()
    if pair is None:
        raise OversightError("That person has no key pair yet; they must sign in once first.")
    if pair.fingerprint != fingerprint:
        raise OversightError("Their key changed while you were comparing. Compare the new fingerprint.")
    if EmergencyAccessHolder.objects.filter(user_id=user_id).exists():
        raise OversightError("That person already holds emergency access.")
    holder = EmergencyAccessHolder.objects.create(practice_id=owner.practice_id, user_id=user_id,
                                                  fingerprint=fingerprint, designated_by_id=owner.user_id)
    opened = set(KeyWrap.objects.filter(recipient_id=owner.user_id, key_version__scope__in=EMERGENCY_SCOPES,
                                        key_version__client__practice_id=owner.practice_id)
                 .values_list("key_version_id", flat=True))
    wraps = []
    for version in _practice_versions(owner.practice_id):
        if version.pk in opened:
            wraps.append(_wrap_to(version, vault.key_by_id(version.key_id), user_id, owner.practice_id))
    EmergencyWrap.objects.bulk_create(wraps, ignore_conflicts=True)
    record_event(Tag.EMERGENCY_HOLDER_DESIGNATED, actor_id=actor_id_for(owner.user), purpose=PurposeOfUse.OPERATIONS,
                 outcome=Outcome.SUCCESS, sealed_detail=subject_detail(target.user))
    return next(s for s in list_holders(owner.practice_id) if s.holder.pk == holder.pk)


def complete_with_recovery(recovery_vault: Vault) -> int:
    """Wrap every key still missing for the holders, opening it with the practice recovery key."""
    count = 0
    for version in _practice_versions(recovery_vault.practice_id):
        before = EmergencyWrap.objects.filter(key_version=version).count()
        with transaction.atomic():
            EmergencyWraps().key_opened(version, recovery_vault.key_by_id(version.key_id))
        count += EmergencyWrap.objects.filter(key_version=version).count() - before
    return count


@transaction.atomic
def revoke_holder(actor: User, *, user_id: int) -> int:
    """Withdraw emergency access: end their sessions, delete their wraps, rotate the keys they held.

    Returns how many scope keys were rotated. New writes use the rotated keys, which the former
    holder never receives (as when someone leaves a care team).
    """
    owner = Membership.objects.filter(user=actor, role=Role.OWNER, user__is_active=True).first()
    if owner is None:
        raise OversightError("Only the practice owner can withdraw emergency access.")
    holder = EmergencyAccessHolder.objects.filter(practice_id=owner.practice_id, user_id=user_id).select_related(
        "user").first()
    if holder is None:
        raise OversightError("That person does not hold emergency access.")
    holder.delete()
    BreakGlassSession.objects.filter(user_id=user_id, ended_at__isnull=True).update(ended_at=timezone.now())
    wraps = EmergencyWrap.objects.filter(holder_id=user_id)
    held = set(wraps.filter(key_version__retired_at__isnull=True).values_list("key_version__client_id",
                                                                              "key_version__scope"))
    wraps.delete()
    rotated = 0
    for client_pk, scope in sorted(held):
        current = keys.current_version(client_pk, scope)
        if current is None:
            continue
        recipients = list(KeyWrap.objects.filter(key_version=current, recipient__isnull=False)
                          .values_list("recipient_id", flat=True))
        keys.create_scope_key(current.client, scope, recipients)
        rotated += 1
    record_event(Tag.EMERGENCY_HOLDER_REVOKED, actor_id=actor_id_for(actor), purpose=PurposeOfUse.OPERATIONS,
                 outcome=Outcome.SUCCESS, sealed_detail=subject_detail(holder.user))
    return rotated


# ----------------------------------------------------------------------------- break-glass sessions


def _reason_context(client: Client, session: BreakGlassSession) -> crypto.SealContext:
    return crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                              record_type="breakglass", record_id=str(session.public_id), field="reason", version=1,
                              scope=crypto.Scope(Scope.ADMIN))


def clean_reason(reason: object) -> str:
    """The stated reason, checked: required, at most MAX_REASON_CHARS, no control characters."""
    if not isinstance(reason, str) or not reason.strip():
        raise OversightError("State the reason for the emergency access.")
    text = reason.strip()
    if len(text) > MAX_REASON_CHARS:
        raise OversightError(f"The reason is longer than {MAX_REASON_CHARS} characters.")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise OversightError("The reason contains control characters.")
    return text


def _practice_client(vault: Vault, client_id: uuid.UUID | str) -> Client:
    try:
        public_id = uuid.UUID(str(client_id))
    except ValueError:
        raise NotFoundError from None
    client = Client.objects.filter(public_id=public_id, practice_id=vault.practice_id).first()
    if client is None:
        raise NotFoundError
    return client


def _deny(vault: Vault, client: Client) -> None:
    """Log a refused break-glass attempt in its own transaction (it must stay on the record)."""
    with transaction.atomic():
        record_event(Tag.BREAKGLASS_DENIED, actor_id=f"user:{vault.person_id}",
                     purpose=PurposeOfUse.EMERGENCY_TREATMENT, outcome=Outcome.FAILURE,
                     client_id=str(client.public_id))


def open_break_glass(vault: Vault, client_id: uuid.UUID | str, reason: object) -> BreakGlassSession:
    """Open a time-limited emergency access to a client's record, with a stated reason.

    Raises `NotAHolderError` (logged as denied) for anyone who is not a holder, `NotFoundError`
    for an unknown client, and `OversightError` for a missing or bad reason (nothing is opened).
    The owners are alerted at once; the client sees the access in their access history.
    """
    client = _practice_client(vault, client_id)
    if not is_holder(vault.person_id):
        _deny(vault, client)
        raise NotAHolderError("Only emergency-access holders designated by the practice owner can do this.")
    text = clean_reason(reason)
    if CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists():
        raise OversightError("You are on this client's care team: open their chart directly.")
    provider = EmergencyWraps()
    for scope in EMERGENCY_SCOPES:
        current = keys.current_version(client.pk, scope)
        if current is None or (provider.emergency_wrap(vault.person_id, current.key_id) is None
                               and not current.wraps.filter(recipient_id=vault.person_id).exists()):
            raise OversightError("Your emergency keys for this client are not in place yet. The practice owner "
                                 "can put them in place now with the recovery kit (confide emergency-access "
                                 "complete); a member of their care team opening the chart does it too.")
    now = timezone.now()
    with transaction.atomic():
        session = BreakGlassSession.objects.create(
            practice_id=vault.practice_id, user_id=vault.person_id, client=client, reason=b"", opened_at=now,
            expires_at=now + dt.timedelta(minutes=settings.CONFIDE_BREAKGLASS_MINUTES))
        vault._emergency_clients = None  # the new session counts from here on
        key = vault.current_key(client.pk, Scope.ADMIN)
        session.reason = crypto.seal_field(key, json.dumps(text).encode("utf-8"), _reason_context(client, session))
        session.save(update_fields=["reason"])
        audit(vault, Tag.BREAKGLASS_OPENED, client)
        alerts.raise_alert(vault.practice_id, Alert.Kind.BREAK_GLASS, vault.person_id,
                           window_minutes=settings.CONFIDE_BREAKGLASS_MINUTES, session=session)
    return session


def live_sessions(user_id: int) -> list[BreakGlassSession]:
    """This person's break-glass sessions that have not ended or expired, newest first."""
    return list(BreakGlassSession.objects.filter(user_id=user_id, ended_at__isnull=True,
                                                 expires_at__gt=timezone.now()).select_related("client")
                .order_by("-opened_at"))


@transaction.atomic
def end_break_glass(vault: Vault, session_id: uuid.UUID | str) -> None:
    """End one's own break-glass session before it expires (logged)."""
    try:
        public_id = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFoundError from None
    session = (BreakGlassSession.objects.select_for_update().select_related("client")
               .filter(public_id=public_id, user_id=vault.person_id).first())
    if session is None:
        raise NotFoundError
    if session.is_live:
        session.ended_at = timezone.now()
        session.save(update_fields=["ended_at"])
        audit(vault, Tag.BREAKGLASS_ENDED, session.client)


def read_reason(vault: Vault, session: BreakGlassSession) -> str:
    """Open the stated reason of a session for the owner's review (logged as a read)."""
    client = session.client
    if client.practice_id != vault.practice_id:
        raise NotFoundError
    try:
        key = vault.key_for_blob(bytes(session.reason))
        text = json.loads(crypto.open_field(key, bytes(session.reason), _reason_context(client, session)))
    except NoKeyError:
        raise NotFoundError from None
    except (crypto.WrongKeyError, crypto.IntegrityError):
        raise RecordIntegrityError("This reason failed its integrity check and was not opened.") from None
    with transaction.atomic():
        record_event(Tag.BREAKGLASS_REVIEWED, actor_id=f"user:{vault.person_id}", purpose=PurposeOfUse.OPERATIONS,
                     outcome=Outcome.SUCCESS, client_id=str(client.public_id))
    return str(text)


# ----------------------------------------------------------------------------- finding a client


@dataclass(frozen=True)
class Candidate:
    """A client a holder may open in an emergency (not on their care team)."""

    client: Client
    display_name: str
    date_of_birth: str


def _open_name(vault: Vault, client: Client) -> records.Demographics | None:
    """The demographics through the vault, or through the holder's emergency admin wrap (names only)."""
    try:
        return records.open_demographics(vault, client)
    except NotFoundError:
        pass
    blob = bytes(client.demographics)
    found = EmergencyWraps().emergency_wrap(vault.person_id, crypto.sealed_key_id(blob).hex())
    if found is None:
        return None
    key = crypto.unwrap_key(vault.private_key, found[0], _emergency_context(found[1], vault.practice_id,
                                                                             vault.person_id))
    context = records.demographics_context(client, client.demographics_version)
    return records.Demographics(**json.loads(crypto.open_field(key, blob, context)))


def search_for_emergency(vault: Vault, query: str, *, limit: int = 20) -> list[Candidate]:
    """Clients outside this holder's care teams whose name matches `query` (at least two characters).

    Names are decrypted here for the holder to find the right person; the search itself is logged
    (`access:breakglass:searched`, with the number of matches, never the query).
    """
    if not is_holder(vault.person_id):
        raise NotAHolderError("Only emergency-access holders designated by the practice owner can do this.")
    needle = query.strip().casefold()
    if len(needle) < MIN_SEARCH_CHARS:
        raise OversightError(f"Type at least {MIN_SEARCH_CHARS} letters of the client's name.")
    treated = set(CareTeamMember.objects.filter(user_id=vault.person_id, clinical_access=True)
                  .values_list("client_id", flat=True))
    found: list[Candidate] = []
    for client in Client.objects.filter(practice_id=vault.practice_id).exclude(pk__in=treated):
        try:
            demographics = _open_name(vault, client)
        except (crypto.CryptoError, RecordError):
            continue
        if demographics is None:
            continue
        haystack = " ".join((demographics.given_name, demographics.family_name, demographics.preferred_name))
        if needle in haystack.casefold():
            found.append(Candidate(client=client, display_name=demographics.display_name,
                                   date_of_birth=demographics.date_of_birth))
    found.sort(key=lambda c: c.display_name.casefold())
    with transaction.atomic():
        record_event(Tag.BREAKGLASS_SEARCHED, actor_id=f"user:{vault.person_id}",
                     purpose=PurposeOfUse.EMERGENCY_TREATMENT, outcome=Outcome.SUCCESS,
                     sealed_detail=f"shown={min(len(found), limit)}".encode("ascii"))
    return found[:limit]
