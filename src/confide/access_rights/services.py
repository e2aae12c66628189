"""Right of access (45 CFR 164.524) and amendment requests (164.526): the rules, as plain functions.

The client asks in the portal (`request_copy`); the request is due 30 days later, once
extendable by 30 days (`extend`). A clinician on the client's care team reviews it and either
delivers the copy (`fulfil`: a PDF and a FHIR Bundle, built with their vault and sealed under
the client's `portal` scope key, so the client can open it and the server cannot) or denies it
on a cited ground with the client's right to have the denial reviewed (`deny`). Psychotherapy
notes are never part of a copy. Every step is in the audit log and so in the client's access
history. Amendment requests are recorded, sealed, with the practice's answer.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.access_rights import export, grounds
from confide.access_rights.models import AccessRequest, AmendmentRequest, RecordCopy
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.portal.services import clinical_team
from confide.practice.models import Membership, Role
from confide.records import sealing
from confide.records import services as record_services
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import CareTeamMember, Client

__all__ = [
    "EXPORT_FORMATS",
    "MAX_TEXT",
    "AccessRightsError",
    "OpenedAccessRequest",
    "OpenedAmendment",
    "PracticeRequest",
    "answer_amendment",
    "client_requests",
    "deny",
    "download_copy",
    "export_record",
    "extend",
    "fulfil",
    "own_requests",
    "practice_requests",
    "request_amendment",
    "request_copy",
    "request_review",
]

Scope = ScopeKeyVersion.Scope
PORTAL = crypto.Scope.PORTAL
MAX_TEXT = 4000
CONTENT_TYPES = {RecordCopy.Format.PDF: "application/pdf", RecordCopy.Format.FHIR: "application/fhir+json"}
FILENAMES = {RecordCopy.Format.PDF: "record-copy.pdf", RecordCopy.Format.FHIR: "record-copy.fhir.json"}


class AccessRightsError(RecordError):
    """A request that cannot be made or answered as asked; the message says why, in plain words."""


# ----------------------------------------------------------------------------- sealing


def _context(client: Client, record_type: str, record_id: uuid.UUID, field_name: str) -> crypto.SealContext:
    return sealing.field_context(client, record_type, str(record_id), field_name, 1, Scope.PORTAL)


def _seal(vault: Vault, client: Client, value: Any, context: crypto.SealContext) -> bytes:
    return sealing.seal_in_scope(vault, client, Scope.PORTAL, value, context)


def _open(vault: Vault, blob: bytes | memoryview | None, context: crypto.SealContext) -> Any:
    return None if blob is None else sealing.open_value(vault, bytes(blob), context)


def _clean(text: str, label: str, *, required: bool = True) -> str:
    value = (text or "").strip()
    if required and not value:
        raise AccessRightsError(f"{label} is required.")
    if len(value) > MAX_TEXT:
        raise AccessRightsError(f"{label} is longer than {MAX_TEXT} characters.")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
        raise AccessRightsError(f"{label} contains characters that cannot be stored.")
    return value


def _notify_team(client: Client) -> None:
    """A generic notice on each clinical team member's home page; the review page says the rest."""
    ClinicianNotice.objects.bulk_create([ClinicianNotice(recipient_id=user_id, client=client,
                                                         kind=ClinicianNotice.Kind.ACCESS_REQUESTED)
                                         for user_id in clinical_team(client)])


def _client_event(account: ClientAccount, tag: str) -> None:
    record_event(tag, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))


# ----------------------------------------------------------------------------- the client's side


@dataclass(frozen=True)
class OpenedAccessRequest:
    """A request as either side sees it, with its sealed texts opened and its copies listed."""

    request: AccessRequest
    explanation: str
    extension_reason: str
    copies: list[RecordCopy]

    @property
    def ground(self) -> grounds.Ground | None:
        return grounds.ground(self.request.denial_ground)

    @property
    def overdue(self) -> bool:
        return self.request.status == AccessRequest.Status.PENDING and self.request.due_on < timezone.localdate()


@dataclass(frozen=True)
class OpenedAmendment:
    amendment: AmendmentRequest
    content: str
    answer: str


def _opened_request(vault: Vault, client: Client, request: AccessRequest) -> OpenedAccessRequest:
    explanation = _open(vault, request.denial_explanation, _context(client, "access-request", request.public_id,
                                                                      "explanation"))
    reason = _open(vault, request.extension_reason, _context(client, "access-request", request.public_id,
                                                              "extension_reason"))
    return OpenedAccessRequest(request=request, explanation=explanation or "", extension_reason=reason or "",
                               copies=list(request.copies.order_by("format")))


def _opened_amendment(vault: Vault, client: Client, amendment: AmendmentRequest) -> OpenedAmendment:
    content = _open(vault, amendment.content, _context(client, "amendment-request", amendment.public_id, "content"))
    answer = _open(vault, amendment.answer, _context(client, "amendment-request", amendment.public_id, "answer"))
    return OpenedAmendment(amendment=amendment, content=content or "", answer=answer or "")


@transaction.atomic
def request_copy(vault: Vault, account: ClientAccount) -> AccessRequest:
    """The client asks for a copy of their record; due in 30 days. One open request at a time."""
    client = account.client
    if not vault.holds(client.pk, Scope.PORTAL):
        raise NotFoundError
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one request at a time, even when racing
    if AccessRequest.objects.filter(client=client, status=AccessRequest.Status.PENDING).exists():
        raise AccessRightsError("You already asked for a copy; your practice is preparing it.")
    now = timezone.now()
    request = AccessRequest.objects.create(
        client=client, requested_by_id=account.user_id, requested_at=now,
        due_on=timezone.localdate(now) + dt.timedelta(days=grounds.RESPONSE_DAYS))
    _client_event(account, Tag.ACCESS_REQUEST_CREATED)
    _notify_team(client)
    return request


def own_requests(vault: Vault, account: ClientAccount) -> tuple[list[OpenedAccessRequest], list[OpenedAmendment]]:
    """The client's requests for a copy and for amendments, newest first, with the answers opened."""
    client = account.client
    if not vault.holds(client.pk, Scope.PORTAL):
        raise NotFoundError
    requests = [_opened_request(vault, client, r)
                for r in AccessRequest.objects.filter(client=client).select_related("client").order_by("-requested_at")]
    amendments = [_opened_amendment(vault, client, a)
                  for a in AmendmentRequest.objects.filter(client=client).select_related("client")]
    _client_event(account, Tag.ACCESS_REQUESTS_READ)
    return requests, amendments


def download_copy(vault: Vault, account: ClientAccount, copy_id: uuid.UUID | str) -> tuple[bytes, str, str]:
    """The client opens their copy: (content, content type, generic file name). Others' ids: NotFoundError."""
    try:
        public_id = uuid.UUID(str(copy_id))
    except ValueError:
        raise NotFoundError from None
    copy = RecordCopy.objects.filter(public_id=public_id, client=account.client).select_related("client").first()
    if copy is None:
        raise NotFoundError
    value = sealing.open_value(vault, bytes(copy.content), _context(copy.client, "record-copy", copy.public_id,
                                                                    "content"))
    _client_event(account, Tag.RECORD_COPY_DOWNLOADED)
    fmt = RecordCopy.Format(copy.format)
    content = base64.b64decode(value) if fmt == RecordCopy.Format.PDF else json.dumps(value, indent=2).encode()
    return content, CONTENT_TYPES[fmt], FILENAMES[fmt]


@transaction.atomic
def request_review(vault: Vault, account: ClientAccount, request_id: uuid.UUID | str) -> AccessRequest:
    """The client asks for a denial to be reviewed (164.524(a)(4)); only for a reviewable denial, once."""
    request = _request_row(account.client, request_id, lock=True)
    if request.status != AccessRequest.Status.DENIED:
        raise AccessRightsError("Only a denied request can be reviewed.")
    found = grounds.ground(request.denial_ground)
    if found is None or not found.reviewable:
        raise AccessRightsError("This decision cannot be reviewed.")
    if request.review_requested_at is not None:
        raise AccessRightsError("You already asked for a review of this decision.")
    request.review_requested_at = timezone.now()
    request.save(update_fields=["review_requested_at"])
    _client_event(account, Tag.ACCESS_REVIEW_REQUESTED)
    _notify_team(account.client)
    return request


@transaction.atomic
def request_amendment(vault: Vault, account: ClientAccount, *, text: str) -> AmendmentRequest:
    """The client asks for their record to be amended (164.526); what and why is sealed (portal scope)."""
    client = account.client
    cleaned = _clean(text, "What should change, and why")
    if not vault.holds(client.pk, Scope.PORTAL):
        raise NotFoundError
    amendment = AmendmentRequest(client=client, requested_by_id=account.user_id)
    amendment.content = _seal(vault, client, cleaned, _context(client, "amendment-request", amendment.public_id,
                                                               "content"))
    amendment.save()
    _client_event(account, Tag.AMENDMENT_REQUESTED)
    _notify_team(client)
    return amendment


# ----------------------------------------------------------------------------- the practice's side


def _request_row(client: Client, request_id: uuid.UUID | str, *, lock: bool = False) -> AccessRequest:
    try:
        public_id = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFoundError from None
    rows = AccessRequest.objects.filter(client=client, public_id=public_id).select_related("client")
    request = (rows.select_for_update() if lock else rows).first()
    if request is None:
        raise NotFoundError
    return request


def _reviewer_client(vault: Vault, client_id: uuid.UUID | str) -> Client:
    """A client whose clinical and portal keys this clinician holds (the reviewer needs both)."""
    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    if not vault.holds(client.pk, Scope.PORTAL):
        raise NotFoundError
    membership = sealing.staff_membership(vault)
    if membership.role not in (Role.CLINICIAN, Role.OWNER):
        raise NotFoundError
    return client


@dataclass(frozen=True)
class PracticeRequest:
    """A line of the practice's list: the request, and the client's name when this person may see it."""

    request: AccessRequest
    client_label: str
    may_review: bool

    @property
    def overdue(self) -> bool:
        return self.request.status == AccessRequest.Status.PENDING and self.request.due_on < timezone.localdate()

    @property
    def days_left(self) -> int:
        return (self.request.due_on - timezone.localdate()).days


def practice_requests(vault: Vault, *, include_closed: bool = False) -> list[PracticeRequest]:
    """Open requests for a copy, earliest due first: all of the practice's for an owner, a clinician's own clients.

    Names are shown only where this person holds the client's admin key; the due date and status
    are structure, in the clear.
    """
    membership = sealing.staff_membership(vault)
    if membership.role not in (Role.CLINICIAN, Role.OWNER):
        raise NotFoundError
    rows = AccessRequest.objects.filter(client__practice_id=vault.practice_id).select_related("client")
    if membership.role != Role.OWNER:
        rows = rows.filter(client__in=CareTeamMember.objects.filter(user_id=vault.person_id).values("client"))
    if not include_closed:
        rows = rows.filter(status=AccessRequest.Status.PENDING)
    result = []
    for request in rows.order_by("due_on", "requested_at"):
        label = "A client who is not on your care team"
        if vault.holds(request.client_id, Scope.ADMIN):
            label = record_services.open_demographics(vault, request.client).display_name
        result.append(PracticeRequest(request=request, client_label=label,
                                      may_review=vault.holds(request.client_id, Scope.CLINICAL)
                                      and vault.holds(request.client_id, Scope.PORTAL)))
    audit(vault, Tag.ACCESS_REQUESTS_LISTED)
    return result


def client_requests(vault: Vault, client_id: uuid.UUID | str) -> tuple[Client, list[OpenedAccessRequest],
                                                                          list[OpenedAmendment]]:
    """A client's requests for a copy and for amendments, for their clinician's review page."""
    client = _reviewer_client(vault, client_id)
    requests = [_opened_request(vault, client, r)
                for r in AccessRequest.objects.filter(client=client).select_related("client").order_by("-requested_at")]
    amendments = [_opened_amendment(vault, client, a)
                  for a in AmendmentRequest.objects.filter(client=client).select_related("client")]
    audit(vault, Tag.ACCESS_REQUEST_READ, client)
    return client, requests, amendments


def _pending(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str) -> tuple[Client, AccessRequest]:
    client = _reviewer_client(vault, client_id)
    request = _request_row(client, request_id, lock=True)
    if request.status != AccessRequest.Status.PENDING:
        raise AccessRightsError("This request has already been answered.")
    return client, request


@transaction.atomic
def fulfil(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str) -> list[RecordCopy]:
    """Build the copy (PDF and FHIR Bundle) with this clinician's vault and deliver it, sealed, to the portal."""
    client, request = _pending(vault, client_id, request_id)
    contents = export.gather(vault, client)
    bundle = export.fhir_bundle(contents)
    pdf = export.render_pdf(contents)
    copies = []
    for fmt, value, size in ((RecordCopy.Format.PDF, base64.b64encode(pdf).decode("ascii"), len(pdf)),
                             (RecordCopy.Format.FHIR, bundle, len(json.dumps(bundle)))):
        copy = RecordCopy(request=request, client=client, format=fmt, size=size)
        copy.content = _seal(vault, client, value, _context(client, "record-copy", copy.public_id, "content"))
        copy.save()
        copies.append(copy)
    request.status = AccessRequest.Status.FULFILLED
    request.decided_at = timezone.now()
    request.decided_by_id = vault.user_id
    request.save(update_fields=["status", "decided_at", "decided_by"])
    audit(vault, Tag.ACCESS_REQUEST_FULFILLED, client)
    return copies


@transaction.atomic
def deny(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str, *, ground_code: str,
         explanation: str) -> AccessRequest:
    """Deny a request on one of the cited 164.524(a)(3) grounds, with a written explanation to the client."""
    found = grounds.ground(ground_code)
    if found is None:
        raise AccessRightsError("Choose the ground of the denial from the list.")
    text = _clean(explanation, "The explanation to the client")
    client, request = _pending(vault, client_id, request_id)
    request.status = AccessRequest.Status.DENIED
    request.denial_ground = found.code
    request.denial_explanation = _seal(vault, client, text, _context(client, "access-request", request.public_id,
                                                                     "explanation"))
    request.decided_at = timezone.now()
    request.decided_by_id = vault.user_id
    request.save(update_fields=["status", "denial_ground", "denial_explanation", "decided_at", "decided_by"])
    audit(vault, Tag.ACCESS_REQUEST_DENIED, client)
    return request


@transaction.atomic
def extend(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str, *, reason: str) -> AccessRequest:
    """Use the one 30-day extension, telling the client why (sealed, portal scope)."""
    text = _clean(reason, "The reason for the extension")
    client, request = _pending(vault, client_id, request_id)
    if request.extended_at is not None:
        raise AccessRightsError("This request was already extended once; it cannot be extended again.")
    request.extended_at = timezone.now()
    request.due_on = request.due_on + dt.timedelta(days=grounds.EXTENSION_DAYS)
    request.extension_reason = _seal(vault, client, text, _context(client, "access-request", request.public_id,
                                                                   "extension_reason"))
    request.save(update_fields=["extended_at", "due_on", "extension_reason"])
    audit(vault, Tag.ACCESS_REQUEST_EXTENDED, client)
    return request


@transaction.atomic
def answer_amendment(vault: Vault, client_id: uuid.UUID | str, amendment_id: uuid.UUID | str, *, accepted: bool,
                     answer: str) -> AmendmentRequest:
    """Record the practice's answer to an amendment request (sealed, portal scope). Answered once."""
    text = _clean(answer, "The answer to the client")
    client = _reviewer_client(vault, client_id)
    try:
        public_id = uuid.UUID(str(amendment_id))
    except ValueError:
        raise NotFoundError from None
    amendment = (AmendmentRequest.objects.select_for_update().filter(client=client, public_id=public_id)
                 .select_related("client").first())
    if amendment is None:
        raise NotFoundError
    if amendment.status != AmendmentRequest.Status.PENDING:
        raise AccessRightsError("This request has already been answered.")
    amendment.status = AmendmentRequest.Status.ACCEPTED if accepted else AmendmentRequest.Status.DENIED
    amendment.answer = _seal(vault, client, text, _context(client, "amendment-request", amendment.public_id,
                                                           "answer"))
    amendment.answered_at = timezone.now()
    amendment.answered_by_id = vault.user_id
    amendment.save(update_fields=["status", "answer", "answered_at", "answered_by"])
    audit(vault, Tag.AMENDMENT_ANSWERED, client)
    return amendment


EXPORT_FORMATS = ("fhir", "pdf")


def export_record(vault: Vault, client_id: uuid.UUID | str, fmt: str) -> tuple[bytes, str, str]:
    """The same copy for the clinician (API): (content, content type, generic file name). Audited."""
    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    membership: Membership = sealing.staff_membership(vault)
    if membership.role not in (Role.CLINICIAN, Role.OWNER):
        raise NotFoundError
    if fmt not in EXPORT_FORMATS:
        raise AccessRightsError("format must be fhir or pdf.")
    contents = export.gather(vault, client)
    audit(vault, Tag.RECORD_EXPORTED, client)
    if fmt == "pdf":
        return export.render_pdf(contents), CONTENT_TYPES[RecordCopy.Format.PDF], FILENAMES[RecordCopy.Format.PDF]
    body = json.dumps(export.fhir_bundle(contents), indent=2).encode()
    return body, CONTENT_TYPES[RecordCopy.Format.FHIR], FILENAMES[RecordCopy.Format.FHIR]
