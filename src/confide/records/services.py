"""Services of the client record. Every read and write goes through a `Vault`.

Access is checked twice: by the care-team rules here, and by key possession: without a wrap
of the scope key, `Vault` cannot open the data even when a rule is wrong. Anyone without access
gets `NotFoundError`, which faces turn into 404s that reveal nothing about what exists.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from confide import crypto
from confide.audit.tags import Tag
from confide.keys import vault as keys
from confide.keys.models import KeyWrap, ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Membership, Role
from confide.records import denials, note_sessions, validation
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import CareTeamMember, Client, Note
from confide.records.sealing import (
    client_in_vault,
    field_context,
    open_value,
    seal_value,
    staff_membership,
)
from confide.records.signing_checks import run_signing_checks

Scope = ScopeKeyVersion.Scope
logger = logging.getLogger(__name__)

MAX_NAME = 100
MAX_NOTE_CHARS = 100_000


# ----------------------------------------------------------------------------- clients


@dataclass(frozen=True)
class Demographics:
    """What the admin scope holds about a client."""

    given_name: str
    family_name: str
    preferred_name: str = ""
    pronouns: str = ""
    date_of_birth: str = ""  # ISO date or empty
    email: str = ""
    phone: str = ""
    emergency_contact: str = ""

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.given_name
        return f"{first} {self.family_name}".strip()

    def clean(self) -> Demographics:
        """Return a normalised copy, or raise `RecordError` naming the bad field."""
        values = {k: (v or "").strip() for k, v in asdict(self).items()}
        for name, value in values.items():
            limit = 300 if name == "emergency_contact" else MAX_NAME
            if len(value) > limit:
                raise RecordError(f"{name.replace('_', ' ').capitalize()} is longer than {limit} characters.")
            # NFC, no control or format characters (bidi overrides, zero-width): records.validation.
            values[name] = validation.clean_name(value, name.replace("_", " ").capitalize())
        for name in ("given_name", "family_name"):
            if not values[name]:
                raise RecordError(f"{name.replace('_', ' ').capitalize()} is required.")
        if values["date_of_birth"]:
            try:
                born = dt.date.fromisoformat(values["date_of_birth"])
            except ValueError:
                raise RecordError("Date of birth must be a date such as 1990-04-23.") from None
            if born > timezone.localdate() or born.year < 1900:
                raise RecordError("Date of birth must be a real date in the past.")
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                raise RecordError("E-mail address is not valid.") from None
        if values["phone"] and not re.fullmatch(r"[+()0-9 .\-]{4,32}", values["phone"]):
            raise RecordError("Phone number may hold digits, spaces, + ( ) . and - only.")
        return Demographics(**values)


def _admin_holders(practice_id: int) -> list[int]:
    """Owners and front desk hold every client's admin key (scheduling, billing, care-team management)."""
    return list(Membership.objects.filter(practice_id=practice_id, role__in=(Role.OWNER, Role.FRONT_DESK),
                                          user__is_active=True).values_list("user_id", flat=True))


@transaction.atomic
def create_client(vault: Vault, demographics: Demographics, *, primary_clinician_id: int | None = None) -> Client:
    """Register a client: seal the demographics and create the admin and clinical scope keys.

    Every client has a primary clinician from the start: a clinician (or an owner who is also a
    clinician) who registers a client becomes it unless another is named; front desk and an owner
    who does not treat clients must name one. A named person who is unknown, not a treating
    clinician, inactive or in another practice is refused with `RecordError` before anything is
    written, so no client is ever created with an empty care team.
    """
    actor = staff_membership(vault)
    if actor.role == Role.SUPERVISOR:
        raise RecordError("Supervisors cannot register clients.")
    clean = demographics.clean()
    primary_id = primary_clinician_id
    if primary_id is None:
        if not actor.treats_clients:
            raise RecordError("Name the client's primary clinician: every client needs one on their care team.")
        primary_id = actor.user_id
    primary = Membership.objects.filter(practice_id=actor.practice_id, user_id=primary_id,
                                        user__is_active=True).first()
    if primary is None or not primary.treats_clients:
        raise RecordError("The primary clinician must be an active clinician of this practice.")
    client = Client.objects.create(practice_id=actor.practice_id, demographics=b"", created_by_id=actor.user_id)
    admin_holders = {*_admin_holders(actor.practice_id), actor.user_id, primary_id}
    clinical_holders = {primary_id}
    CareTeamMember.objects.create(client=client, user_id=primary_id, role=CareTeamMember.Role.PRIMARY,
                                  clinical_access=True, added_by_id=actor.user_id)
    _, admin_key = keys.create_scope_key(client, Scope.ADMIN, admin_holders)
    keys.create_scope_key(client, Scope.CLINICAL, clinical_holders)
    client.demographics = seal_value(admin_key, asdict(clean), demographics_context(client, 1))
    client.save(update_fields=["demographics"])
    audit(vault, Tag.CLIENT_CREATED, client)
    return client


def demographics_context(client: Client, version: int) -> crypto.SealContext:
    return field_context(client, "client", str(client.public_id), "demographics", version, Scope.ADMIN)


def open_demographics(vault: Vault, client: Client) -> Demographics:
    """Open a client's demographics (admin scope)."""
    return Demographics(**open_value(vault, bytes(client.demographics), demographics_context(client,
                                                                                          client.demographics_version)))


def get_client(vault: Vault, client_id: uuid.UUID | str) -> tuple[Client, Demographics]:
    """A client and their demographics, for anyone holding the admin key."""
    client = client_in_vault(vault, client_id)
    demographics = open_demographics(vault, client)
    audit(vault, Tag.CLIENT_READ, client)
    return client, demographics


@transaction.atomic
def update_demographics(vault: Vault, client_id: uuid.UUID | str, demographics: Demographics,
                        expected_version: int) -> Client:
    """Replace the demographics if nobody saved in between (`StaleVersionError` otherwise)."""
    client = client_in_vault(vault, client_id)
    clean = demographics.clean()
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.demographics_version != expected_version:
        raise StaleVersionError("Someone else changed these details; reload to see their version.")
    key = vault.current_key(locked.pk, Scope.ADMIN)
    locked.demographics_version += 1
    locked.demographics = seal_value(key, asdict(clean), demographics_context(locked, locked.demographics_version))
    locked.save(update_fields=["demographics", "demographics_version"])
    audit(vault, Tag.CLIENT_UPDATED, locked)
    return locked


@dataclass(frozen=True)
class CaseloadEntry:
    client: Client
    demographics: Demographics
    clinical_access: bool


def caseload(vault: Vault, query: str = "", *, limit: int = 500) -> list[CaseloadEntry]:
    """The clients this person may see, searched by name after decryption (no blind index).

    Clinicians and supervisors see their care teams; owners and front desk see every client
    whose admin key they hold.
    """
    staff_membership(vault)
    # Two queries: this person's wraps of every current admin key, then the clients they open.
    rows = list(KeyWrap.objects.filter(recipient_id=vault.person_id, key_version__scope=Scope.ADMIN,
                                       key_version__retired_at__isnull=True,
                                       key_version__client__practice_id=vault.practice_id)
                .values_list("pk", "key_version__key_id", "blob", "keyring_blob", "key_version__client_id"))
    clients = Client.objects.in_bulk([row[4] for row in rows])
    vault.adopt_rows(((pk, key_id, blob, ring, clients[client_pk]) for pk, key_id, blob, ring, client_pk in rows),
                     Scope.ADMIN)
    clinical = set(CareTeamMember.objects.filter(user_id=vault.person_id, clinical_access=True)
                   .values_list("client_id", flat=True))
    needle = query.strip().casefold()
    entries = []
    for client in clients.values():
        try:
            demographics = open_demographics(vault, client)
        except RecordIntegrityError:
            continue
        if needle:
            haystack = " ".join((demographics.given_name, demographics.family_name,
                                 demographics.preferred_name)).casefold()
            if needle not in haystack:
                continue
        entries.append(CaseloadEntry(client=client, demographics=demographics,
                                     clinical_access=client.pk in clinical))
    entries.sort(key=lambda e: (e.demographics.family_name.casefold(), e.demographics.given_name.casefold()))
    # One event for the list (names only), not one per client: the per-client access history
    # records charts and notes opened, which is what a client asks about.
    audit(vault, Tag.CASELOAD_LISTED, detail=f"shown={min(len(entries), limit)}".encode("ascii"))
    return entries[:limit]


# ----------------------------------------------------------------------------- notes


@dataclass(frozen=True)
class OpenedNote:
    note: Note
    body: str
    addenda: list[tuple[Note, str]] = field(default_factory=list)


def _note_scope(kind: str) -> str:
    return Scope.PRIVATE if kind == Note.Kind.PSYCHOTHERAPY else Scope.CLINICAL


def _note_context(note: Note, version: int) -> crypto.SealContext:
    return field_context(note.client, f"note:{note.kind}", str(note.public_id), "body", version, _note_scope(note.kind))


def _clean_body(body: str) -> str:
    if not isinstance(body, str):
        raise RecordError("The note must be text.")
    if len(body) > MAX_NOTE_CHARS:
        raise RecordError(f"The note is longer than {MAX_NOTE_CHARS:,} characters.")
    return body


def _note_key(vault: Vault, client: Client, kind: str) -> crypto.ScopeKey:
    if kind == Note.Kind.PSYCHOTHERAPY:
        if keys.current_version(client.pk, Scope.PRIVATE, vault.user_id) is None:
            # The first psychotherapy note of this author for this client creates their private key.
            _, key = keys.create_scope_key(client, Scope.PRIVATE, [vault.user_id or 0], author_id=vault.user_id)
            return key
        return vault.current_key(client.pk, Scope.PRIVATE, vault.user_id)
    return vault.current_key(client.pk, Scope.CLINICAL)


@transaction.atomic
def create_note(vault: Vault, client_id: uuid.UUID | str, *, kind: str, session_date: dt.date | str | None,
                body: str, template: str = Note.Template.FREE, sign: bool = False, consent_reason: str = "",
                appointment_id: uuid.UUID | str | None = None, unscheduled_reason: str = "") -> Note:
    """Write a progress or psychotherapy note (a draft unless `sign`).

    Signing a progress note for a client without current consent needs `consent_reason` (ADR 0008).
    A note for an appointment takes the appointment's day as its session date; one for no
    appointment may say why (`note_sessions.UNSCHEDULED_REASONS`).
    """
    if kind not in Note.Kind.values:
        raise RecordError("The kind must be progress or psychotherapy.")
    if template not in Note.Template.values:
        raise RecordError("Unknown note template.")
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    membership = staff_membership(vault)
    if membership.role == Role.FRONT_DESK:
        denials.note_denied(vault, client)
        raise NotFoundError
    day = validation.clean_session_date(session_date) if session_date not in (None, "") else None
    link = note_sessions.resolve(client, appointment_id=appointment_id, unscheduled_reason=unscheduled_reason,
                                 session_date=day)
    session_date = validation.clean_session_date(link.session_date)
    body = _clean_body(body)
    if sign:
        validation.check_signable(body)
    key = _note_key(vault, client, kind)
    note = Note(client=client, author_id=vault.person_id, kind=kind, template=template, session_date=session_date,
                appointment=link.appointment, unscheduled_reason=link.unscheduled_reason, body=b"")
    note.body = seal_value(key, body, _note_context(note, 1))
    if sign:
        note.status, note.signed_at = Note.Status.SIGNED, timezone.now()
    note.save()
    audit(vault, _note_tag(kind, "created"), client)
    if sign:
        run_signing_checks(vault, note, consent_reason)
        audit(vault, _note_tag(kind, "signed"), client)
    return note


def _note_tag(kind: str, action: str) -> str:
    prefix = "record:psychotherapy_note" if kind == Note.Kind.PSYCHOTHERAPY else "record:note"
    return f"{prefix}:{action}"


def _visible_notes(vault: Vault, client: Client) -> QuerySet[Note]:
    """Progress notes for the care team; psychotherapy notes only for their author."""
    query = Q(kind=Note.Kind.PROGRESS) & (Q(status=Note.Status.SIGNED) | Q(author_id=vault.user_id))
    query |= Q(kind=Note.Kind.PSYCHOTHERAPY, author_id=vault.user_id)
    return Note.objects.filter(query, client=client).select_related("client", "author")


def list_notes(vault: Vault, client_id: uuid.UUID | str, *, kind: str | None = None) -> list[Note]:
    """Notes of a client this person may read (metadata only; bodies stay sealed)."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    result = _listed_notes(vault, client, kind)
    audit(vault, Tag.NOTES_LISTED, client)
    return result


# `_visible_notes(...).filter(parent__isnull=True)` in SQL, for the list every chart open reads:
# through the ORM its joins and conditions cost five times what running it does. The same rule
# as `_visible_notes` (a test compares the two on every kind, status and author).
_LISTED_NOTES_SQL = """
SELECT n.*, u.display_name AS author_display_name, u.email AS author_email,
    EXISTS (SELECT 1 FROM records_note a WHERE a.parent_id = n.id) AS has_addenda,
    ap.starts_at AS appointment_starts_at, ap.duration_minutes AS appointment_minutes
FROM records_note n JOIN accounts_user u ON u.id = n.author_id
LEFT JOIN records_appointment ap ON ap.id = n.appointment_id
WHERE n.client_id = %s AND n.parent_id IS NULL
AND ((n.kind = %s AND (n.status = %s OR n.author_id = %s)) OR (n.kind = %s AND n.author_id = %s)) {kind}
ORDER BY n.session_date DESC, n.created_at DESC
"""


def _listed_notes(vault: Vault, client: Client, kind: str | None) -> list[Note]:
    user_id = vault.user_id if vault.user_id is not None else -1  # the recovery kit authors nothing
    params: list[Any] = [client.pk, Note.Kind.PROGRESS, Note.Status.SIGNED, user_id, Note.Kind.PSYCHOTHERAPY, user_id]
    if kind:
        params.append(kind)
    notes = list(Note.objects.raw(_LISTED_NOTES_SQL.format(kind="AND n.kind = %s" if kind else ""), params))
    authors: dict[int, Any] = {}
    user_model = Note._meta.get_field("author").related_model
    for note in notes:
        note.client = client
        author = authors.get(note.author_id)
        if author is None:
            author = authors[note.author_id] = keys.loaded_instance(
                user_model, id=note.author_id, display_name=note.author_display_name,  # type: ignore[attr-defined]
                email=note.author_email)  # type: ignore[attr-defined]
        note.author = author
    return notes


def _get_note(vault: Vault, client_id: uuid.UUID | str, note_id: uuid.UUID | str, *,
              own_for_update: bool = False) -> Note:
    """A note this person may read; with `own_for_update`, only their own, row-locked in the same query."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    try:
        public_id = uuid.UUID(str(note_id))
    except ValueError:
        raise NotFoundError from None
    notes = _visible_notes(vault, client).filter(public_id=public_id)
    if own_for_update:
        notes = notes.filter(author_id=vault.user_id).select_for_update(of=("self",))
    note = notes.first()
    if note is None:
        denials.note_denied(vault, client)
        raise NotFoundError
    return note


def open_note(vault: Vault, client_id: uuid.UUID | str, note_id: uuid.UUID | str) -> OpenedNote:
    """Open a note and its addenda."""
    return _open_note(vault, _get_note(vault, client_id, note_id))


def open_listed_note(vault: Vault, note: Note) -> OpenedNote:
    """Open a note that `list_notes` returned, without reading it again (the chart's last note).

    The access rules are checked again on the row in hand: the clinical key, and the same
    visibility as `_visible_notes` (progress notes signed or one's own; psychotherapy notes
    only for their author).
    """
    if not vault.holds(note.client_id, Scope.CLINICAL) or note.parent_id is not None:
        raise NotFoundError
    own = note.author_id == vault.user_id
    progress = note.kind == Note.Kind.PROGRESS
    if not ((progress and (own or note.status == Note.Status.SIGNED))
            or (note.kind == Note.Kind.PSYCHOTHERAPY and own)):
        raise NotFoundError
    # The list said whether the note has addenda: without any, there is nothing more to read.
    return _open_note(vault, note, addenda=bool(getattr(note, "has_addenda", True)))


def _open_note(vault: Vault, note: Note, *, addenda: bool = True) -> OpenedNote:
    body = open_value(vault, bytes(note.body), _note_context(note, note.version))
    opened = [(a, open_value(vault, bytes(a.body), _note_context(a, a.version)))
              for a in note.addenda.select_related("client").order_by("created_at")] if addenda else []
    audit(vault, _note_tag(note.kind, "read"), note.client)
    return OpenedNote(note=note, body=body, addenda=opened)


@transaction.atomic
def save_draft(vault: Vault, client_id: uuid.UUID | str, note_id: uuid.UUID | str, *, body: str,
               expected_version: int, session_date: dt.date | None = None,
               appointment_id: uuid.UUID | str | None = None, unscheduled_reason: str | None = None) -> Note:
    """Autosave a draft. Refuses signed notes and stale versions, so concurrent edits lose nothing."""
    locked = _get_note(vault, client_id, note_id, own_for_update=True)
    if locked.status != Note.Status.DRAFT:
        raise RecordError("A signed note is locked; add an addendum instead.")
    if locked.version != expected_version:
        raise StaleVersionError("This draft was saved elsewhere in the meantime; reload it to continue.")
    body = _clean_body(body)
    if session_date is not None:
        session_date = validation.clean_session_date(session_date)
    key = _note_key(vault, locked.client, locked.kind)
    locked.version += 1
    locked.body = seal_value(key, body, _note_context(locked, locked.version))
    if session_date is not None:
        locked.session_date = session_date
    if appointment_id or unscheduled_reason:
        link = note_sessions.resolve(locked.client, appointment_id=appointment_id,
                                     unscheduled_reason=unscheduled_reason or "", session_date=locked.session_date)
        locked.appointment, locked.unscheduled_reason = link.appointment, link.unscheduled_reason
        locked.session_date = link.session_date
    locked.updated_at = timezone.now()
    locked.save(update_fields=["version", "body", "session_date", "updated_at", "appointment",
                               "unscheduled_reason"])
    audit(vault, _note_tag(locked.kind, "updated"), locked.client)
    return locked


@transaction.atomic
def sign_note(vault: Vault, client_id: uuid.UUID | str, note_id: uuid.UUID | str, *, expected_version: int,
              consent_reason: str = "") -> Note:
    """Sign and lock a draft (a progress note without current consent needs `consent_reason`)."""
    locked = _get_note(vault, client_id, note_id, own_for_update=True)
    if locked.status != Note.Status.DRAFT:
        raise RecordError("This note is already signed.")
    if locked.version != expected_version:
        raise StaleVersionError("This draft changed since you opened it; review it before signing.")
    validation.check_signable(open_value(vault, bytes(locked.body), _note_context(locked, locked.version)))
    locked.status, locked.signed_at = Note.Status.SIGNED, timezone.now()
    locked.save(update_fields=["status", "signed_at"])
    run_signing_checks(vault, locked, consent_reason)
    audit(vault, _note_tag(locked.kind, "signed"), locked.client)
    return locked


@transaction.atomic
def add_addendum(vault: Vault, client_id: uuid.UUID | str, note_id: uuid.UUID | str, *, body: str) -> Note:
    """Add a dated, signed addendum to a signed note; the original stays as it was."""
    note = _get_note(vault, client_id, note_id)
    if note.status != Note.Status.SIGNED:
        raise RecordError("Only signed notes take addenda; edit the draft instead.")
    if note.kind == Note.Kind.PSYCHOTHERAPY and note.author_id != vault.user_id:
        raise NotFoundError
    body = _clean_body(body)
    if validation.says_nothing(body):
        raise RecordError("The addendum is empty.")
    key = _note_key(vault, note.client, note.kind)
    addendum = Note(client=note.client, author_id=vault.person_id, kind=note.kind, session_date=timezone.localdate(),
                    parent=note, status=Note.Status.SIGNED, signed_at=timezone.now(), body=b"")
    addendum.body = seal_value(key, body, _note_context(addendum, 1))
    addendum.save()
    audit(vault, _note_tag(note.kind, "addended"), note.client)
    return addendum


# ----------------------------------------------------------------------------- care team


@dataclass(frozen=True)
class TeamMember:
    member: CareTeamMember
    fingerprint: str


def care_team(vault: Vault, client_id: uuid.UUID | str) -> list[TeamMember]:
    """The client's care team with each member's key fingerprint (compare it before trusting a grant)."""
    client = client_in_vault(vault, client_id)
    members = team_members(client)
    audit(vault, Tag.CARE_TEAM_READ, client)
    return [TeamMember(member=m, fingerprint=m.user.key_pair.fingerprint) for m in members]


def team_members(client: Client) -> list[CareTeamMember]:
    """The client's care-team rows (with each member's key pair), read once per `read_page()`.

    Not an access by itself: callers check access and log their own event. The chart's care
    team and the outside-caseload alert both need these rows on every chart open.
    """
    memo = keys.remembered_checks()
    memo_key = ("care-team", client.pk)
    members: list[CareTeamMember] | None = memo.get(memo_key) if memo is not None else None
    if members is None:
        members = list(CareTeamMember.objects.filter(client=client).select_related("user__key_pair"))
        if memo is not None:
            memo[memo_key] = members
    return members


@transaction.atomic
def grant_access(vault: Vault, client_id: uuid.UUID | str, *, user_id: int, role: str,
                 clinical: bool = True) -> CareTeamMember:
    """Add someone to the care team and wrap the scope keys they are entitled to.

    The granter must hold the keys being granted. Front-desk staff never receive clinical keys.
    """
    client = client_in_vault(vault, client_id)
    granter = staff_membership(vault)
    if role not in CareTeamMember.Role.values or role == CareTeamMember.Role.PRIMARY:
        raise RecordError("Choose a care-team role: clinician, supervisor or front desk.")
    target = Membership.objects.filter(practice_id=vault.practice_id, user_id=user_id,
                                       user__is_active=True).first()
    if target is None:
        raise RecordError("That person is not an active member of this practice.")
    if target.role == Role.FRONT_DESK and (clinical or role != CareTeamMember.Role.FRONT_DESK):
        raise RecordError("Front-desk staff see demographics and appointments only.")
    on_team = CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists()
    if clinical and not on_team:
        raise NotFoundError
    if not on_team and granter.role != Role.OWNER:
        raise NotFoundError
    member, _ = CareTeamMember.objects.update_or_create(
        client=client, user_id=user_id,
        defaults={"role": role, "clinical_access": clinical, "added_by_id": vault.user_id})
    scopes = [Scope.ADMIN, Scope.CLINICAL] if clinical else [Scope.ADMIN]
    versions = ScopeKeyVersion.objects.filter(client=client, scope__in=scopes).select_related("client")
    keys.grant_versions(vault, versions, user_id)
    if clinical:
        # The portal scope (what the client shares, ADR 0008): the versions the granter holds.
        keys.grant_versions(vault, ScopeKeyVersion.objects.filter(
            client=client, scope=Scope.PORTAL, wraps__recipient_id=vault.person_id).select_related("client"), user_id)
    audit(vault, Tag.CARE_TEAM_GRANTED, client, detail=f"subject=user:{user_id}".encode("ascii"))
    return member


@transaction.atomic
def revoke_access(vault: Vault, client_id: uuid.UUID | str, *, user_id: int) -> None:
    """Remove someone from the care team: delete their wraps and rotate the keys they held.

    New writes use the rotated keys, which the removed person never receives.
    """
    client = client_in_vault(vault, client_id)
    granter = staff_membership(vault)
    member = CareTeamMember.objects.filter(client=client, user_id=user_id).first()
    if member is None:
        raise RecordError("That person is not on this care team.")
    on_team = CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists()
    if not on_team and granter.role != Role.OWNER:
        raise NotFoundError
    if member.role == CareTeamMember.Role.PRIMARY and user_id == vault.user_id:
        raise RecordError("Name another primary clinician before leaving this care team.")
    member.delete()
    scopes = [Scope.CLINICAL, Scope.PORTAL]
    if user_id not in _admin_holders(vault.practice_id):
        scopes.append(Scope.ADMIN)  # owners and front desk keep the admin scope of every client
    wraps = KeyWrap.objects.filter(key_version__client=client, recipient_id=user_id, key_version__scope__in=scopes)
    held = set(wraps.values_list("key_version__scope", flat=True))
    wraps.delete()
    for scope in sorted(held):
        current = keys.current_version(client.pk, scope)
        holders = list(KeyWrap.objects.filter(key_version=current, recipient__isnull=False)
                       .values_list("recipient_id", flat=True)) if current else []
        keys.create_scope_key(client, scope, holders)
    audit(vault, Tag.CARE_TEAM_REVOKED, client, detail=f"subject=user:{user_id}".encode("ascii"))
