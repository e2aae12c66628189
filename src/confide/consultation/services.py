"""Consultation services: prepare, review, approve, share and answer a de-identified summary.

Every step is audited against the client (`confide.records.auditing`). Nothing leaves the
care team before the clinician approves; what leaves is the approved summary alone, sealed
under its own key (ADR 0019).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import PurposeOfUse
from confide.consultation import deid, lexicon
from confide.consultation.models import Consultation, ConsultationReply, ConsultationShare
from confide.keys import vault as keys
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.notifications.outbox import queue_mail
from confide.practice.models import Membership
from confide.records import care, sealing, services
from confide.records.auditing import audit, audit_batch
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Client, Note

Scope = ScopeKeyVersion.Scope
logger = logging.getLogger(__name__)
MAX_QUESTION = 4000
MAX_REPLY = 20000
MAX_PHRASE = 200
LINK_DAYS = 7
MAX_PASSCODE_ATTEMPTS = 5
PASSCODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # nothing to confuse when read aloud
PLAN_SECTIONS = {"problems": "Problems", "goals": "Goals", "interventions": "Interventions",
                 "diagnoses": "Diagnoses"}


class ConsultationError(RecordError):
    """A consultation step that cannot be done as asked; the message is safe to show."""


class LinkUnavailableError(Exception):
    """The link expired, or closed after too many wrong passcodes."""


class WrongPasscodeError(Exception):
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining
        super().__init__("The passcode is not correct.")


@dataclass(frozen=True)
class Section:
    """One part of the selection: a label the clinician sees, and its original text."""

    label: str
    text: str


@dataclass
class Review:
    """The draft as the review page shows it."""

    consultation: Consultation
    question: str
    sections: list[Section]
    spans: list[list[deid.Span]]
    output: list[str]
    style: str
    dates: str
    shift_days: int

    def segments(self, index: int) -> list[tuple[str, deid.Span | None, str]]:
        """The original text of section `index` cut at its spans: (text, span or None, replacement)."""
        text = self.sections[index].text
        replacer = _replacer(self)
        pieces: list[tuple[str, deid.Span | None, str]] = []
        cursor = 0
        for span in self.spans[index]:
            if span.start < cursor:
                continue
            pieces.append((text[cursor:span.start], None, ""))
            new = "" if span.uncertain else replacer.replacement(text[span.start:span.end], span)
            pieces.append((text[span.start:span.end], span, new))
            cursor = span.end
        pieces.append((text[cursor:], None, ""))
        return pieces


def _replacer(review: Review) -> deid.Replacer:
    return deid.Replacer(style=review.style, dates=review.dates, shift_days=review.shift_days)


# ----------------------------------------------------------------------------- sealing


def _draft_context(client: Client, consultation: Consultation, version: int) -> crypto.SealContext:
    return sealing.field_context(client, "consultation", str(consultation.public_id), "draft", version, Scope.CLINICAL)


def _summary_context(client: Client, consultation: Consultation) -> crypto.SealContext:
    return sealing.field_context(client, "consultation", str(consultation.public_id), "summary", 1,
                                 Scope.CONSULTATION)


def _reply_context(client: Client, reply: ConsultationReply) -> crypto.SealContext:
    return sealing.field_context(client, "consultation-reply", str(reply.public_id), "body", 1, Scope.CONSULTATION)


def known_identifiers(demographics: services.Demographics, extra: str = "") -> deid.KnownIdentifiers:
    """The record's identifiers, plus what the clinician lists ("PARTNER: Sam", "EMPLOYER: Acme")."""
    people = [(demographics.given_name, "CLIENT"), (demographics.family_name, "CLIENT"),
              (f"{demographics.given_name} {demographics.family_name}", "CLIENT")]
    if demographics.preferred_name:
        people.append((demographics.preferred_name, "CLIENT"))
    phones = [demographics.phone] if demographics.phone else []
    if demographics.emergency_contact:
        contact = demographics.emergency_contact
        name = contact.split(",")[0].split("(")[0].strip()
        digits = "".join(ch for ch in contact if ch.isdigit())
        if name and not name[0].isdigit():
            people.append((name, "CONTACT"))
        if len(digits) >= 7:
            phones.append(digits)
    employers, schools, addresses, places, other = [], [], [], [], []
    for line in extra.splitlines():
        label, _, value = line.partition(":")
        if not value.strip():
            label, value = "PERSON", label
        label, value = label.strip().upper(), value.strip()
        if not value:
            continue
        if label in ("EMPLOYER", "WORK", "JOB"):
            employers.append(value)
        elif label in ("SCHOOL", "COLLEGE", "UNIVERSITY"):
            schools.append(value)
        elif label in ("ADDRESS", "HOME"):
            addresses.append(value)
        elif label in ("PLACE", "CITY", "TOWN"):
            places.append(value)
        elif label in ("ID", "NUMBER", "OTHER"):
            other.append(value)
        else:
            people.append((value, lexicon.KINSHIP.get(label.lower(), label if label.isalpha() else "PERSON")))
    return deid.KnownIdentifiers(
        people=tuple(people), dates=(demographics.date_of_birth,) if demographics.date_of_birth else (),
        phones=tuple(phones), emails=(demographics.email,) if demographics.email else (),
        addresses=tuple(addresses), employers=tuple(employers), schools=tuple(schools), places=tuple(places),
        other=tuple(other))


def _span_row(span: deid.Span) -> list[Any]:
    return [span.start, span.end, span.kind, span.source, span.role, span.uncertain]


def _span_of(row: list[Any]) -> deid.Span:
    return deid.Span(int(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]), bool(row[5]))


# ----------------------------------------------------------------------------- prepare


def _clinical_client(vault: Vault, client_id: uuid.UUID | str) -> Client:
    return sealing.client_in_vault(vault, client_id, Scope.CLINICAL)


def selectable_notes(vault: Vault, client_id: uuid.UUID | str) -> list[Note]:
    """The signed progress notes a consultation may draw on (psychotherapy notes never)."""
    return [n for n in services.list_notes(vault, client_id, kind=Note.Kind.PROGRESS) if n.status == Note.Status.SIGNED]


@transaction.atomic
def prepare(vault: Vault, client_id: uuid.UUID | str, *, question: str, note_ids: list[str],
            plan_sections: list[str], extra_identifiers: str = "", style: str = "placeholders",
            dates: str = "shift") -> Consultation:
    """De-identify the chosen notes and plan sections and keep the result as a draft for review."""
    client = _clinical_client(vault, client_id)
    question = (question or "").strip()
    if not question:
        raise ConsultationError("Write the question you want to ask the consultant.")
    if len(question) > MAX_QUESTION or len(extra_identifiers) > MAX_QUESTION:
        raise ConsultationError(f"The question and the list of names are limited to {MAX_QUESTION} characters each.")
    if style not in ("placeholders", "surrogates") or dates not in ("shift", "generalise"):
        raise ConsultationError("Choose placeholders or surrogates, and shifted or generalised dates.")
    if any(s not in PLAN_SECTIONS for s in plan_sections):
        raise ConsultationError("Choose plan sections from the list.")
    sections = [Section("Question", question)]
    with audit_batch():
        demographics = services.open_demographics(vault, client)
        allowed = {str(n.public_id): n for n in selectable_notes(vault, client.public_id)}
        if any(n not in allowed for n in note_ids):
            raise ConsultationError("Choose signed progress notes of this client.")
        for note_id in dict.fromkeys(note_ids):
            note = allowed[note_id]
            opened = services.open_note(vault, client.public_id, note.public_id)
            sections.append(Section(f"Progress note, session of {note.session_date.isoformat()}", opened.body))
        if plan_sections:
            plan = care.get_treatment_plan(vault, client.public_id).content
            for name in plan_sections:
                value = ("; ".join(str(d) for d in plan.diagnoses) if name == "diagnoses"
                         else str(getattr(plan, name)))
                if value.strip():
                    sections.append(Section(f"Treatment plan: {PLAN_SECTIONS[name]}", value))
    known = known_identifiers(demographics, extra_identifiers)
    found = deid.default_detector().detect_many([s.text for s in sections], known)
    consultation = Consultation(client=client, author_id=vault.person_id, draft=b"")
    payload = {"sections": [[s.label, s.text] for s in sections], "spans": [[_span_row(x) for x in spans]
                                                                             for spans in found],
               "style": style, "dates": dates, "shift_days": secrets.choice([-1, 1]) * (30 + secrets.randbelow(336)),
               "known": known.strings()}
    consultation.draft = sealing.seal_in_scope(vault, client, Scope.CLINICAL, payload,
                                               _draft_context(client, consultation, 1))
    consultation.save()
    audit(vault, Tag.CONSULTATION_PREPARED, client)
    return consultation


def _get(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str, *,
         for_update: bool = False) -> tuple[Client, Consultation]:
    client = _clinical_client(vault, client_id)
    try:
        public_id = uuid.UUID(str(consultation_id))
    except ValueError:
        raise NotFoundError from None
    query = Consultation.objects.select_for_update() if for_update else Consultation.objects
    consultation = query.filter(client=client, public_id=public_id).first()
    if consultation is None:
        raise NotFoundError
    return client, consultation


def _open_draft(vault: Vault, client: Client, consultation: Consultation) -> dict[str, Any]:
    value: dict[str, Any] = sealing.open_value(vault, bytes(consultation.draft),
                                               _draft_context(client, consultation, consultation.version))
    return value


def _review_of(consultation: Consultation, payload: dict[str, Any]) -> Review:
    sections = [Section(label, text) for label, text in payload["sections"]]
    spans = [[_span_of(row) for row in rows] for rows in payload["spans"]]
    review = Review(consultation=consultation, question=sections[0].text, sections=sections, spans=spans, output=[],
                    style=payload["style"], dates=payload["dates"], shift_days=int(payload["shift_days"]))
    replacer = _replacer(review)
    review.output = [deid.apply(s.text, sp, replacer)[0] for s, sp in zip(sections, spans, strict=True)]
    return review


def review(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str) -> Review:
    """The draft with every span, its reason and the text that results (the author's own)."""
    client, consultation = _get(vault, client_id, consultation_id)
    return _review_of(consultation, _open_draft(vault, client, consultation))


def _save_draft(vault: Vault, client: Client, consultation: Consultation, payload: dict[str, Any]) -> None:
    if consultation.status != Consultation.Status.DRAFT:
        raise ConsultationError("This summary is approved; prepare a new one to change it.")
    consultation.version += 1
    consultation.draft = sealing.seal_in_scope(vault, client, Scope.CLINICAL, payload,
                                               _draft_context(client, consultation, consultation.version))
    consultation.save(update_fields=["version", "draft"])
    audit(vault, Tag.CONSULTATION_EDITED, client)


@transaction.atomic
def undo_span(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str, *, section: int,
              start: int) -> None:
    """Keep the original text of one replaced (or uncertain) span."""
    client, consultation = _get(vault, client_id, consultation_id, for_update=True)
    payload = _open_draft(vault, client, consultation)
    if not 0 <= section < len(payload["spans"]):
        raise ConsultationError("That replacement is no longer in the draft.")
    rows = payload["spans"][section]
    kept = [row for row in rows if int(row[0]) != start]
    if len(kept) == len(rows):
        raise ConsultationError("That replacement is no longer in the draft.")
    payload["spans"][section] = kept
    _save_draft(vault, client, consultation, payload)


@transaction.atomic
def add_phrase(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str, *, phrase: str) -> int:
    """Replace every occurrence of `phrase` (any case) in the draft; returns how many were added."""
    phrase = (phrase or "").strip()
    if not phrase or len(phrase) > MAX_PHRASE:
        raise ConsultationError(f"Type the words to remove, at most {MAX_PHRASE} characters.")
    client, consultation = _get(vault, client_id, consultation_id, for_update=True)
    payload = _open_draft(vault, client, consultation)
    added = 0
    lowered = phrase.lower()
    for index, (_, text) in enumerate(payload["sections"]):
        rows = payload["spans"][index]
        position = text.lower().find(lowered)
        while position != -1:
            end = position + len(phrase)
            rows = [r for r in rows if not (int(r[0]) < end and position < int(r[1]))]
            rows.append(_span_row(deid.Span(position, end, deid.NAME, "clinician", "PERSON")))
            added += 1
            position = text.lower().find(lowered, end)
        payload["spans"][index] = sorted(rows, key=lambda r: int(r[0]))
    if not added:
        raise ConsultationError("Those words are not in the selection.")
    payload.setdefault("known", []).append(phrase)
    _save_draft(vault, client, consultation, payload)
    return added


def summary_text(review_: Review) -> str:
    """The de-identified summary as the consultant will read it."""
    parts = [f"Question\n\n{review_.output[0]}"]
    parts += [f"{section.label.split(', session of')[0]}\n\n{text}"
              for section, text in zip(review_.sections[1:], review_.output[1:], strict=True)]
    return "\n\n".join(parts)


def _remaining_identifiers(text: str, known: list[str]) -> list[str]:
    lowered = text.lower()
    return [k for k in known if len(k.strip()) >= 3 and k.strip().lower() in lowered]


@transaction.atomic
def approve(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str) -> Consultation:
    """Seal the reviewed summary under a key of its own; nothing can be shared before this.

    Refused while a known identifier of the record (or a phrase the clinician added) still
    appears in the text: the safety net behind the review.
    """
    client, consultation = _get(vault, client_id, consultation_id, for_update=True)
    if consultation.status != Consultation.Status.DRAFT:
        raise ConsultationError("This summary is already approved.")
    payload = _open_draft(vault, client, consultation)
    text = summary_text(_review_of(consultation, payload))
    left = _remaining_identifiers(text, payload.get("known", []))
    if left:
        raise ConsultationError("The summary still contains what the record names: " + ", ".join(sorted(set(left)))
                                + ". Add it as a replacement, then approve.")
    version, key = keys.create_scope_key(client, Scope.CONSULTATION, [vault.person_id])
    consultation.key_version = version
    consultation.summary = sealing.seal_value(key, {"text": text}, _summary_context(client, consultation))
    consultation.status = Consultation.Status.APPROVED
    consultation.approved_at = timezone.now()
    consultation.save(update_fields=["key_version", "summary", "status", "approved_at"])
    audit(vault, Tag.CONSULTATION_APPROVED, client)
    return consultation


def list_for_client(vault: Vault, client_id: uuid.UUID | str) -> list[Consultation]:
    """A client's consultations, newest first (the care team's view)."""
    client = _clinical_client(vault, client_id)
    return list(Consultation.objects.filter(client=client).order_by("-created_at"))


def consultants(vault: Vault, consultation: Consultation) -> list[Membership]:
    """Staff of the practice who may be asked: active clinicians, supervisors and owners, not the author."""
    return list(Membership.objects.filter(practice_id=vault.practice_id, user__is_active=True,
                                          role__in=("owner", "clinician", "supervisor"))
                .exclude(user_id=consultation.author_id).select_related("user").order_by("user__email"))


def _approved(vault: Vault, client_id: uuid.UUID | str,
              consultation_id: uuid.UUID | str) -> tuple[Client, Consultation]:
    client, consultation = _get(vault, client_id, consultation_id, for_update=True)
    if consultation.status != Consultation.Status.APPROVED or consultation.key_version is None:
        raise ConsultationError("Approve the summary before sharing it.")
    return client, consultation


@transaction.atomic
def share_with(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str, *,
               consultant_id: int, site_url: str = "") -> ConsultationShare:
    """Give a consultant in the practice the summary's key alone, and tell them by e-mail (no client data)."""
    client, consultation = _approved(vault, client_id, consultation_id)
    member = next((m for m in consultants(vault, consultation) if m.user_id == consultant_id), None)
    if member is None:
        raise ConsultationError("Choose a clinician or supervisor of the practice.")
    if consultation.shares.filter(consultant_id=consultant_id).exists():
        raise ConsultationError("The summary is already shared with them.")
    assert consultation.key_version is not None  # noqa: S101 - checked by _approved
    keys.grant_versions(vault, [consultation.key_version], consultant_id)
    share = ConsultationShare.objects.create(consultation=consultation, consultant_id=consultant_id,
                                             shared_by_id=vault.person_id)
    audit(vault, Tag.CONSULTATION_SHARED, client)
    path = f"/consultations/{consultation.public_id}/"
    # Queued in this transaction and sent by `confide worker`; the consultant also finds the summary
    # under "Shared with me" if the notice is late.
    queue_mail(kind="consultation", subject="Confide: a colleague asks for your consultation",
               body=("A colleague shared a de-identified case summary with you for consultation. Sign in to "
                     f"read it:\n\n{site_url}{path}\n\nThis message contains no client information.\n\n"
                     "— Confide"), to=[member.user.email])
    return share


# ----------------------------------------------------------------------------- the consultant's side


def _summary_key_context(consultation: Consultation) -> crypto.SealContext:
    return _summary_context(consultation.client, consultation)


def shared_with_me(vault: Vault) -> list[Consultation]:
    """The summaries shared with this person."""
    return list(Consultation.objects.filter(shares__consultant_id=vault.person_id).select_related("client")
                .order_by("-approved_at"))


def _shared(vault: Vault, consultation_id: uuid.UUID | str) -> Consultation:
    try:
        public_id = uuid.UUID(str(consultation_id))
    except ValueError:
        raise NotFoundError from None
    consultation = (Consultation.objects.select_related("client")
                    .filter(public_id=public_id, shares__consultant_id=vault.user_id).first())
    if consultation is None or consultation.summary is None:
        raise NotFoundError
    return consultation


@dataclass(frozen=True)
class SharedSummary:
    consultation: Consultation
    text: str
    replies: list[tuple[ConsultationReply, str]]


def _replies(vault: Vault, consultation: Consultation) -> list[tuple[ConsultationReply, str]]:
    return [(r, str(sealing.open_value(vault, bytes(r.body), _reply_context(consultation.client, r))["text"]))
            for r in consultation.replies.order_by("created_at")]


def open_shared(vault: Vault, consultation_id: uuid.UUID | str) -> SharedSummary:
    """The summary as a consultant reads it (audited against the client)."""
    consultation = _shared(vault, consultation_id)
    value = sealing.open_value(vault, bytes(consultation.summary or b""), _summary_key_context(consultation))
    with transaction.atomic():
        audit(vault, Tag.CONSULTATION_READ, consultation.client)
    return SharedSummary(consultation, str(value["text"]), _replies(vault, consultation))


@transaction.atomic
def reply(vault: Vault, consultation_id: uuid.UUID | str, *, body: str) -> ConsultationReply:
    """The consultant's answer, sealed under the summary's key."""
    consultation = _shared(vault, consultation_id)
    body = (body or "").strip()
    if not body or len(body) > MAX_REPLY:
        raise ConsultationError(f"Write a reply of at most {MAX_REPLY} characters.")
    assert consultation.key_version is not None  # noqa: S101 - approved summaries have a key
    key = vault.key_by_id(consultation.key_version.key_id)
    row = ConsultationReply(consultation=consultation, author_id=vault.person_id, body=b"")
    row.body = sealing.seal_value(key, {"text": body}, _reply_context(consultation.client, row))
    row.save()
    audit(vault, Tag.CONSULTATION_REPLIED, consultation.client)
    return row


@dataclass(frozen=True)
class Detail:
    review: Review
    summary: str
    replies: list[tuple[ConsultationReply, str]]
    shares: list[ConsultationShare]


def detail(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str) -> Detail:
    """The care team's page of one consultation: draft, approved text, shares and replies."""
    client, consultation = _get(vault, client_id, consultation_id)
    with audit_batch():
        review_ = _review_of(consultation, _open_draft(vault, client, consultation))
        summary = ""
        replies: list[tuple[ConsultationReply, str]] = []
        if consultation.summary is not None:
            try:
                summary = str(sealing.open_value(vault, bytes(consultation.summary),
                                                 _summary_context(client, consultation))["text"])
                replies = _replies(vault, consultation)
            except NotFoundError:
                summary = ""  # another team member without the summary's key sees the draft only
    shares = list(consultation.shares.select_related("consultant").order_by("created_at"))
    return Detail(review_, summary, replies, shares)


@transaction.atomic
def file_reply(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str,
               reply_id: uuid.UUID | str) -> Note:
    """File a consultant's reply into the record as a draft progress note the clinician can edit."""
    client, consultation = _get(vault, client_id, consultation_id)
    try:
        row = consultation.replies.select_for_update().get(public_id=uuid.UUID(str(reply_id)))
    except (ValueError, ConsultationReply.DoesNotExist):
        raise NotFoundError from None
    if row.filed_note_id is not None:
        raise ConsultationError("This reply is already filed into the record.")
    text = str(sealing.open_value(vault, bytes(row.body), _reply_context(client, row))["text"])
    shared_on = timezone.localtime(consultation.approved_at or consultation.created_at)
    note = services.create_note(vault, client.public_id, kind=Note.Kind.PROGRESS, session_date=timezone.localdate(),
                                body=f"Consultation reply on a de-identified summary (shared {shared_on:%d %B %Y}):"
                                     f"\n\n{text}")
    row.filed_note = note
    row.save(update_fields=["filed_note"])
    audit(vault, Tag.CONSULTATION_REPLY_FILED, client)
    return note


# ----------------------------------------------------------------------------- release links


@dataclass(frozen=True)
class IssuedLink:
    share: ConsultationShare
    token: str
    passcode: str


def _lookup(token: bytes) -> str:
    return hashlib.sha256(b"confide/consultation-link/lookup\0" + token).hexdigest()


def _link_context(consultation: Consultation, lookup: str) -> crypto.SealContext:
    return crypto.SealContext(practice_id=str(consultation.client.practice_id),
                              client_id=str(consultation.client.public_id), record_type="consultation-link",
                              record_id=lookup, field="key", version=1, scope=crypto.Scope.CONSULTATION)


@transaction.atomic
def create_link(vault: Vault, client_id: uuid.UUID | str, consultation_id: uuid.UUID | str) -> IssuedLink:
    """A passcode link for a consultant outside the practice; the token and passcode are shown once."""
    client, consultation = _approved(vault, client_id, consultation_id)
    assert consultation.key_version is not None  # noqa: S101 - checked by _approved
    key = vault.key_by_id(consultation.key_version.key_id)
    raw = secrets.token_bytes(32)
    lookup = _lookup(raw)
    passcode = "".join(secrets.choice(PASSCODE_ALPHABET) for _ in range(10))
    share = ConsultationShare(consultation=consultation, shared_by_id=vault.person_id, lookup=lookup,
                              passcode_hash=make_password(passcode),
                              expires_at=timezone.now() + dt.timedelta(days=LINK_DAYS))
    share.sealed_key = crypto.seal_packet_key(crypto.link_key_from_token(raw), key, _link_context(consultation, lookup))
    share.save()
    audit(vault, Tag.CONSULTATION_LINK_CREATED, client)
    return IssuedLink(share, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), passcode)


def _share_of_token(token: str) -> tuple[ConsultationShare, bytes]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        raise LinkUnavailableError from None
    if len(raw) != 32:
        raise LinkUnavailableError
    share = (ConsultationShare.objects.select_for_update().select_related("consultation__client")
             .filter(lookup=_lookup(raw)).first())
    if share is None or share.closed_at is not None or share.expires_at is None or share.expires_at <= timezone.now():
        raise LinkUnavailableError
    return share, raw


def link_available(token: str) -> bool:
    """Whether the link can still be opened (the passcode page asks before saying more)."""
    with transaction.atomic():
        try:
            _share_of_token(token)
        except LinkUnavailableError:
            return False
    return True


def open_link(token: str, passcode: str) -> str:
    """The summary behind a release link; each wrong passcode counts, the fifth closes the link."""
    with transaction.atomic():
        share, raw = _share_of_token(token)
        if not check_password((passcode or "").strip().upper().replace(" ", ""), share.passcode_hash):
            share.failed_attempts += 1
            if share.failed_attempts >= MAX_PASSCODE_ATTEMPTS:
                share.closed_at = timezone.now()
            share.save(update_fields=["failed_attempts", "closed_at"])
            wrong = WrongPasscodeError(MAX_PASSCODE_ATTEMPTS - share.failed_attempts)
        else:
            wrong = None
    if wrong is not None:
        if wrong.remaining <= 0:
            raise LinkUnavailableError
        raise wrong
    consultation = share.consultation
    key = crypto.open_packet_key(crypto.link_key_from_token(raw), bytes(share.sealed_key or b""),
                                 _link_context(consultation, share.lookup or ""))
    value = crypto.open_field(key, bytes(consultation.summary or b""), _summary_context(consultation.client,
                                                                                          consultation))
    with transaction.atomic():
        record_event(Tag.CONSULTATION_LINK_OPENED, actor_id=f"consultation-link:{share.pk}",
                     purpose=PurposeOfUse.TREATMENT, outcome="success", client_id=str(consultation.client.public_id))
    return str(json.loads(value)["text"])
