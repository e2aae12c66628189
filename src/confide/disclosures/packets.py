"""Disclosure packets under an authorization, delivered as a download or as a release link.

A packet holds only what the clinician chose within the authorization: kinds of information and
a date range. Psychotherapy notes go only into a packet made under a psychotherapy-notes
authorization, and such a packet holds nothing else. Each packet is recorded as a disclosure
(basis: authorization) in the same transaction as its audit event.

A release link is sealed under the packet's own random key; the key is sealed under a key
derived from the random token in the link, which the server does not keep. The recipient types a
passcode (checked with Argon2id); a few wrong passcodes, the expiry, or a revoked or expired
authorization close the link for good.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import PurposeOfUse
from confide.disclosures.authorizations import (
    CATEGORIES,
    PART2_REDISCLOSURE_NOTICE,
    PSYCHOTHERAPY_NOTES,
    STATEMENT_REDISCLOSURE,
    DisclosureError,
    _get_authorization,
    _opened,
    require_active,
)
from confide.disclosures.models import Authorization, Disclosure, ReleaseLink
from confide.disclosures.pdf import render_pdf
from confide.disclosures.records import seal_disclosure
from confide.keys.vault import Vault
from confide.portal.services import record_disclosure
from confide.practice.models import Practice
from confide.records import care, documents, services
from confide.records.auditing import audit, audit_batch
from confide.records.models import Note
from confide.records.services import Demographics

MAX_LINK_DAYS = 30
DEFAULT_LINK_DAYS = 7
MAX_PASSCODE_ATTEMPTS = 5
_PASSCODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone


@dataclass(frozen=True)
class PacketSelection:
    """What to release within an authorization."""

    categories: tuple[str, ...]
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class PacketItem:
    heading: str
    date: dt.date | None
    body: str
    # A document's file, attached to the PDF under this name (documents only).
    attachment: tuple[str, bytes] | None = None


@dataclass(frozen=True)
class Packet:
    disclosure: Disclosure
    pdf: bytes
    item_count: int


@dataclass(frozen=True)
class IssuedLink:
    """A new release link: the path token and passcode are shown once and never stored."""

    link: ReleaseLink
    token: str
    passcode: str


class LinkUnavailableError(Exception):
    """The release link expired, was closed after too many wrong passcodes, or its authorization ended."""


class WrongPasscodeError(Exception):
    """The passcode did not match; `remaining` attempts are left before the link closes."""

    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__("The passcode is not correct.")


def _in_range(day: dt.date, selection: PacketSelection) -> bool:
    if selection.date_from is not None and day < selection.date_from:
        return False
    return not (selection.date_to is not None and day > selection.date_to)


def _check_selection(authorization: Authorization, allowed: tuple[str, ...], selection: PacketSelection) -> None:
    chosen = tuple(dict.fromkeys(selection.categories))
    if not chosen:
        raise DisclosureError("Choose at least one kind of information for the packet.")
    if any(c not in CATEGORIES for c in chosen):
        raise DisclosureError("Choose kinds of information from the list.")
    if PSYCHOTHERAPY_NOTES in chosen and authorization.kind != Authorization.Kind.PSYCHOTHERAPY_NOTES:
        raise DisclosureError("Psychotherapy notes can be released only under a psychotherapy-notes authorization.")
    outside = [CATEGORIES[c] for c in chosen if c not in allowed]
    if outside:
        raise DisclosureError("The authorization does not cover: " + ", ".join(outside) + ".")
    if selection.date_from and selection.date_to and selection.date_from > selection.date_to:
        raise DisclosureError("The start of the date range must be before its end.")


def _gather(vault: Vault, client_id: str, selection: PacketSelection) -> list[tuple[str, list[PacketItem]]]:
    """Open exactly the in-scope items (each read is audited)."""
    sections: list[tuple[str, list[PacketItem]]] = []
    chosen = set(selection.categories)
    for kind, category in ((Note.Kind.PROGRESS, "progress_notes"), (Note.Kind.PSYCHOTHERAPY, PSYCHOTHERAPY_NOTES)):
        if category not in chosen:
            continue
        items = []
        for note in reversed(services.list_notes(vault, client_id, kind=kind)):
            if note.status != Note.Status.SIGNED or not _in_range(note.session_date, selection):
                continue
            opened = services.open_note(vault, client_id, note.public_id)
            body = opened.body + "".join(f"\n\nAddendum {a.session_date.isoformat()}:\n{text}"
                                         for a, text in opened.addenda)
            items.append(PacketItem(heading=f"{note.get_kind_display()}, session of {note.session_date:%d %B %Y}",
                                    date=note.session_date, body=body))
        sections.append((CATEGORIES[category], items))
    if "treatment_plan" in chosen:
        plan = care.get_treatment_plan(vault, client_id).content
        items = []
        if not plan.is_empty:
            lines = [f"Diagnoses: {'; '.join(str(d) for d in plan.diagnoses) or 'none recorded'}",
                     f"Problems: {plan.problems}", f"Goals: {plan.goals}", f"Interventions: {plan.interventions}"]
            items.append(PacketItem(heading="Treatment plan (current)", date=None, body="\n\n".join(lines)))
        sections.append((CATEGORIES["treatment_plan"], items))
    if "sessions" in chosen:
        items = []
        for episode in care.list_episodes(vault, client_id):
            if _in_range(episode.episode.opened_on, selection):
                closed = episode.episode.closed_on.isoformat() if episode.episode.closed_on else "open"
                items.append(PacketItem(heading="Episode of care", date=episode.episode.opened_on,
                                        body=f"Opened {episode.episode.opened_on.isoformat()}, closed {closed}."))
        for appointment in reversed(care.list_appointments(vault, client_id)):
            day = timezone.localtime(appointment.appointment.starts_at).date()
            if _in_range(day, selection):
                items.append(PacketItem(heading="Session", date=day, body=(
                    f"{day.isoformat()}, {appointment.appointment.duration_minutes} minutes, "
                    f"{appointment.modality_label}, {appointment.attendance_label}.")))
        sections.append((CATEGORIES["sessions"], items))
    if "documents" in chosen:
        items = []
        for document, meta in reversed(documents.list_documents(vault, client_id)):
            day = timezone.localtime(document.created_at).date()
            if not _in_range(day, selection):
                continue
            _, chunks = documents.open_document(vault, client_id, document.public_id)
            content = b"".join(chunks)
            name = f"{len(items) + 1:02d}-{_safe_name(meta.filename)}"
            items.append(PacketItem(heading=f"Document: {meta.filename}", date=day, attachment=(name, content),
                                    body=f"Added on {day.isoformat()}; {meta.content_type}, {len(content):,} bytes. "
                                         f"Attached to this PDF as the file {name}."))
        sections.append((CATEGORIES["documents"], items))
    return sections


def _safe_name(filename: str) -> str:
    """A file name for an attachment: letters, digits, dot, dash and underscore only."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename).strip("._") or "document"
    return cleaned[-100:]


def _range_words(selection: PacketSelection) -> str:
    start = selection.date_from.isoformat() if selection.date_from else "the start of the record"
    end = selection.date_to.isoformat() if selection.date_to else "today"
    return f"from {start} to {end}"


@transaction.atomic
def create_packet(vault: Vault, client_id: uuid.UUID | str, authorization_id: uuid.UUID | str,
                  selection: PacketSelection, *, delivery: str = "download") -> Packet:
    """Build the PDF of a disclosure under an active authorization and record the disclosure.

    Raises `InactiveAuthorizationError` for a revoked or expired authorization, `DisclosureError` for a
    selection outside it. Only the chosen kinds within the date range go into the packet.
    """
    found = _get_authorization(vault, client_id, authorization_id)
    # Locked, so that a revocation committed while this packet is built waits, or is seen.
    authorization = Authorization.objects.select_for_update(of=("self",)).select_related("client").get(pk=found.pk)
    require_active(authorization)
    opened = _opened(vault, authorization)
    _check_selection(authorization, opened.categories, selection)
    if delivery not in ("download", "link"):
        raise DisclosureError("Choose a download or a release link.")
    client = authorization.client
    with audit_batch():
        demographics: Demographics = services.open_demographics(vault, client)
        sections = _gather(vault, str(client.public_id), selection)
    item_count = sum(len(items) for _, items in sections)
    if item_count == 0:
        # An empty packet discloses nothing and would put a "0 items" disclosure in the accounting.
        raise DisclosureError("Nothing in the record matches this choice and these dates. Choose other kinds of "
                              "information or a wider date range.")
    labels = [CATEGORIES[c] for c in dict.fromkeys(selection.categories)]
    description = f"{', '.join(labels)} {_range_words(selection)} ({item_count} items)"
    now = timezone.now()
    disclosure = Disclosure(client=client, basis=Disclosure.Basis.AUTHORIZATION, authorization=authorization,
                            status=Disclosure.Status.RECORDED, disclosed_at=now, made_by_id=vault.user_id,
                            content=b"")
    seal_disclosure(vault, disclosure, {
        "recipient_name": opened.recipient_name, "recipient_address": opened.recipient_address,
        "description": description, "purpose": opened.purposes, "delivery": delivery,
        "categories": list(dict.fromkeys(selection.categories)),
        "date_from": selection.date_from.isoformat() if selection.date_from else "",
        "date_to": selection.date_to.isoformat() if selection.date_to else "",
    })
    disclosure.save()
    practice = Practice.objects.get(pk=client.practice_id)
    pdf = render_pdf("disclosures/pdf/packet.html", {
        "practice": practice, "client_name": f"{demographics.given_name} {demographics.family_name}",
        "date_of_birth": demographics.date_of_birth, "auth": opened, "sections": sections,
        "description": description, "generated_at": timezone.localtime(now), "disclosure": disclosure,
        "redisclosure": STATEMENT_REDISCLOSURE,
        "part2_notice": PART2_REDISCLOSURE_NOTICE if authorization.kind == Authorization.Kind.PART2 else "",
    }, attachments=[item.attachment for _, items in sections for item in items if item.attachment])
    audit(vault, Tag.PACKET_CREATED, client)
    audit(vault, Tag.AUTHORIZED_DISCLOSURE_MADE, client)

    record_disclosure(client)  # a disclosure makes a consent revisit due (ADR 0008)
    return Packet(disclosure=disclosure, pdf=pdf, item_count=item_count)


# ----------------------------------------------------------------------------- release links


def _lookup(token: bytes) -> str:
    return hashlib.sha256(b"confide/release-link/lookup\0" + token).hexdigest()


def _link_context(client_public_id: str, practice_id: int, lookup: str, field_name: str) -> crypto.SealContext:
    return crypto.SealContext(practice_id=str(practice_id), client_id=client_public_id, record_type="release-link",
                              record_id=lookup, field=field_name, version=1, scope=crypto.Scope.CLINICAL)


def _new_passcode() -> str:
    raw = "".join(secrets.choice(_PASSCODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def _normalise_passcode(passcode: str) -> str:
    return "".join(ch for ch in (passcode or "").upper() if ch.isalnum())


@transaction.atomic
def create_release_link(vault: Vault, packet: Packet, *, days: int = DEFAULT_LINK_DAYS) -> IssuedLink:
    """Seal a packet behind a new release link; returns the link, its token and passcode (shown once)."""
    if not isinstance(days, int) or not 1 <= days <= MAX_LINK_DAYS:
        raise DisclosureError(f"A release link lasts between 1 and {MAX_LINK_DAYS} days.")
    disclosure = packet.disclosure
    client = disclosure.client
    token = secrets.token_bytes(32)
    lookup = _lookup(token)
    passcode = _new_passcode()
    packet_key = crypto.ScopeKey.generate()
    link_key = crypto.link_key_from_token(token)
    client_id = str(client.public_id)
    link = ReleaseLink.objects.create(
        lookup=lookup, disclosure=disclosure,
        packet=crypto.seal_field(packet_key, packet.pdf, _link_context(client_id, client.practice_id, lookup,
                                                                       "packet")),
        packet_key=crypto.seal_packet_key(link_key, packet_key, _link_context(client_id, client.practice_id,
                                                                              lookup, "packet-key")),
        passcode_hash=make_password(_normalise_passcode(passcode)),
        expires_at=timezone.now() + dt.timedelta(days=days), max_attempts=MAX_PASSCODE_ATTEMPTS,
        created_by_id=vault.user_id)
    audit(vault, Tag.RELEASE_LINK_CREATED, client)
    return IssuedLink(link=link, token=base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii"),
                      passcode=passcode)


def _decode_token(token: str) -> bytes | None:
    if not isinstance(token, str) or len(token) != 43:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == 32 else None


def find_link(token: str) -> ReleaseLink | None:
    """The release link of a token, or None: unknown tokens and malformed ones look the same."""
    raw = _decode_token(token)
    if raw is None:
        return None
    return ReleaseLink.objects.filter(lookup=_lookup(raw)).select_related("disclosure__client",
                                                                          "disclosure__authorization").first()


def link_is_open(link: ReleaseLink) -> bool:
    """Whether the link still works: not revoked, not expired, attempts left, authorization active."""
    if link.revoked_at is not None or link.expires_at <= timezone.now():
        return False
    if link.failed_attempts >= link.max_attempts:
        return False
    authorization = link.disclosure.authorization
    if authorization is not None:
        try:
            require_active(authorization)
        except DisclosureError:
            return False
    return True


def _link_event(tag: str, link: ReleaseLink, outcome: str) -> None:
    record_event(tag, actor_id=f"release-link:{link.pk}", purpose=PurposeOfUse.PATIENT_REQUEST, outcome=outcome,
                 client_id=str(link.disclosure.client.public_id))


def open_release_link(token: str, passcode: str) -> bytes:
    """Check the passcode and return the packet's PDF.

    Raises `LinkUnavailableError` (unknown, expired, closed or its authorization ended) or
    `WrongPasscodeError`. A wrong passcode counts against the limit even though the caller sees an error:
    the count is committed before the error is raised. Every attempt is in the audit log.
    """
    raw = _decode_token(token)
    if raw is None:
        raise LinkUnavailableError
    with transaction.atomic():
        link = (ReleaseLink.objects.select_for_update(of=("self",)).filter(lookup=_lookup(raw))
                .select_related("disclosure__client", "disclosure__authorization").first())
        if link is None:
            raise LinkUnavailableError
        closed = not link_is_open(link)
        wrong: WrongPasscodeError | None = None
        pdf = b""
        if closed:
            _link_event(Tag.RELEASE_LINK_REFUSED, link, "failure")
        elif not check_password(_normalise_passcode(passcode), link.passcode_hash):
            link.failed_attempts += 1
            link.save(update_fields=["failed_attempts"])
            _link_event(Tag.RELEASE_LINK_REFUSED, link, "failure")
            wrong = WrongPasscodeError(link.max_attempts - link.failed_attempts)
        else:
            client = link.disclosure.client
            client_id = str(client.public_id)
            packet_key = crypto.open_packet_key(crypto.link_key_from_token(raw), bytes(link.packet_key),
                                                _link_context(client_id, client.practice_id, link.lookup,
                                                              "packet-key"))
            pdf = crypto.open_field(packet_key, bytes(link.packet),
                                    _link_context(client_id, client.practice_id, link.lookup, "packet"))
            link.opened_count += 1
            link.save(update_fields=["opened_count"])
            _link_event(Tag.RELEASE_LINK_OPENED, link, "success")
    # Raised after the transaction, so that the refusal and the failed attempt are committed.
    if closed:
        raise LinkUnavailableError
    if wrong is not None:
        if wrong.remaining <= 0:
            raise LinkUnavailableError
        raise wrong
    return pdf
