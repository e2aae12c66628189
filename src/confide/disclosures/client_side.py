"""Disclosures on the client's side of the portal: the accounting, and signing and revoking authorizations.

The client holds the `portal` scope key of their record and never the `clinical` one (ADR 0008),
while recipients, purposes and the elements of an authorization are sealed under the clinical key
(ADR 0009). So what the portal shows of them is a second, client-readable copy (`PortalCopy`)
sealed under the portal key by a care-team member holding both keys: when a disclosure or an
authorization is recorded, and as a backfill whenever a care-team member opens the chart or the
disclosures pages of a client with a portal account. An authorization the client signs in the
portal was prepared by a clinician (`AuthorizationRequest`), who sealed its content twice: for the
client to read, and under the clinical key for the authorization the signature creates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import asdict, dataclass, replace
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from confide import crypto
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.disclosures.authorizations import (
    CATEGORIES,
    PART2_REDISCLOSURE_NOTICE,
    PSYCHOTHERAPY_NOTES,
    STATEMENT_CONDITIONING,
    STATEMENT_REDISCLOSURE,
    STATEMENT_REVOKE_PORTAL,
    AuthorizationInput,
    DisclosureError,
    IncompleteAuthorizationError,
    _auth_context,
    _check,
    _clinical_staff,
    _opened,
    authorization_state,
    part2_applies,
)
from confide.disclosures.models import Authorization, AuthorizationRequest, Disclosure, PortalCopy, ReleaseLink
from confide.disclosures.pdf import render_pdf
from confide.disclosures.records import (
    ACCOUNTING_YEARS,
    EXEMPT_BASES,
    accountable_disclosures,
    open_disclosure_content,
)
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.portal.services import clinical_team, record_disclosure
from confide.records import sealing
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordIntegrityError
from confide.records.models import Client

Scope = ScopeKeyVersion.Scope
PORTAL = crypto.Scope.PORTAL
MAX_TYPED_NAME = 200


# ----------------------------------------------------------------------------- sealing under the portal key


def _context(client: Client, record_type: str, record_id: str, field_name: str, version: int) -> crypto.SealContext:
    return crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                              record_type=record_type, record_id=record_id, field=field_name, version=version,
                              scope=PORTAL)


def _copy_context(client: Client, copy: PortalCopy) -> crypto.SealContext:
    return _context(client, f"portal-copy:{copy.kind}", str(copy.record_id), "content", copy.version)


def _request_context(client: Client, request: AuthorizationRequest, field_name: str) -> crypto.SealContext:
    return _context(client, "authorization-request", str(request.public_id), field_name, request.version)


def _seal(vault: Vault, client: Client, value: Any, context: crypto.SealContext) -> bytes:
    return sealing.seal_in_scope(vault, client, PORTAL, value, context)


def _open(vault: Vault, blob: bytes, context: crypto.SealContext) -> Any:
    return sealing.open_value(vault, blob, context)


def _authorization_summary(content: dict[str, Any], *, expires_on: dt.date | None) -> dict[str, Any]:
    """What a client reads of an authorization: every element of the form, in its own words."""
    return {
        "categories": [CATEGORIES.get(c, c) for c in content.get("categories", [])],
        "description": content.get("description", ""), "discloser": content.get("discloser", ""),
        "recipient_name": content.get("recipient_name", ""),
        "recipient_address": content.get("recipient_address", ""), "purposes": content.get("purposes", ""),
        "expires_on": expires_on.isoformat() if expires_on else "", "expiry_event": content.get("expiry_event", ""),
        "signer_name": content.get("signer_name", ""), "part2": bool(content.get("part2")),
        "signed_by_representative": bool(content.get("signed_by_representative")),
        "representative_authority": content.get("representative_authority", ""),
    }


def _store_copy(vault: Vault, client: Client, kind: str, record_id: uuid.UUID, version: int,
                value: dict[str, Any]) -> None:
    copy = PortalCopy.objects.filter(kind=kind, record_id=record_id).first() or PortalCopy(
        client=client, kind=kind, record_id=record_id)
    copy.version = version
    copy.content = _seal(vault, client, value, _copy_context(client, copy))
    copy.save()


def portal_copies_due_sql(client_pk: int) -> tuple[str, list[Any]]:
    """A SQL condition and its parameters: true when the client's portal lacks a copy (ADR 0009).

    That is an accountable disclosure (the rows of `accountable_disclosures`, whatever their age)
    without a copy of its current version, or an authorization without a copy. Plain SQL, to be
    asked inside another query: the chart asks it with its consent facts on every open
    (`portal.services.chart_panel`), where compiling the same condition with the ORM cost more
    CPU than running it.
    """
    disclosures, copies = Disclosure._meta.db_table, PortalCopy._meta.db_table
    exempt = sorted(str(basis) for basis in EXEMPT_BASES)
    sql = (f'(EXISTS (SELECT 1 FROM "{disclosures}" d WHERE d."client_id" = %s AND d."status" = %s'  # noqa: S608 (no input)
           f' AND d."basis" NOT IN ({", ".join(["%s"] * len(exempt))})'
           f' AND NOT EXISTS (SELECT 1 FROM "{copies}" p WHERE p."client_id" = d."client_id" AND p."kind" = %s'
           ' AND p."record_id" = d."public_id" AND p."version" = d."version"))'
           f' OR EXISTS (SELECT 1 FROM "{Authorization._meta.db_table}" a WHERE a."client_id" = %s'
           f' AND NOT EXISTS (SELECT 1 FROM "{copies}" p WHERE p."client_id" = a."client_id" AND p."kind" = %s'
           ' AND p."record_id" = a."public_id")))')
    return sql, [client_pk, str(Disclosure.Status.RECORDED), *exempt, str(PortalCopy.Kind.DISCLOSURE),
                 client_pk, str(PortalCopy.Kind.AUTHORIZATION)]


def portal_copies_due(client: Client) -> bool:
    """True when the client's portal lacks a copy of a disclosure or an authorization (one query)."""
    sql, params = portal_copies_due_sql(client.pk)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)
        row = cursor.fetchone()
    return bool(row[0])


def seal_portal_copies(vault: Vault, client: Client) -> int:
    """Seal a client-readable copy of each accountable disclosure and each authorization that has none.

    Called by a care-team member's vault (it must hold both the clinical and the portal key; with
    either missing, nothing happens). Idempotent, and one query when everything is copied already.
    Returns how many copies were written.
    """
    if not portal_copies_due(client):
        return 0
    if not (vault.holds(client.pk, PORTAL) and vault.holds(client.pk, Scope.CLINICAL)):
        return 0
    copied = {(c.kind, c.record_id): c.version for c in PortalCopy.objects.filter(client=client)}
    written = 0
    with transaction.atomic():
        for disclosure in accountable_disclosures(client).select_related("client"):
            if copied.get((PortalCopy.Kind.DISCLOSURE, disclosure.public_id)) == disclosure.version:
                continue
            try:
                content = open_disclosure_content(vault, disclosure)
            except (NotFoundError, RecordIntegrityError):
                # A part that fails its check is logged and alerted by the opener; copying the rest
                # must not keep the chart (which calls this) from opening.
                continue
            _store_copy(vault, client, PortalCopy.Kind.DISCLOSURE, disclosure.public_id, disclosure.version, {
                "recipient_name": str(content.get("recipient_name", "")),
                "recipient_address": str(content.get("recipient_address", "")),
                "description": str(content.get("description", "")), "purpose": str(content.get("purpose", ""))})
            written += 1
        for authorization in Authorization.objects.filter(client=client).select_related("client"):
            if (PortalCopy.Kind.AUTHORIZATION, authorization.public_id) in copied:
                continue
            try:
                opened = _opened(vault, authorization)
            except (NotFoundError, RecordIntegrityError):
                continue
            content = {"categories": list(opened.categories), "description": opened.description,
                       "discloser": opened.discloser, "recipient_name": opened.recipient_name,
                       "recipient_address": opened.recipient_address, "purposes": opened.purposes,
                       "expiry_event": opened.expiry_event, "signer_name": opened.signer_name,
                       "part2": authorization.kind == Authorization.Kind.PART2}
            _store_copy(vault, client, PortalCopy.Kind.AUTHORIZATION, authorization.public_id, 1,
                        _authorization_summary(content, expires_on=authorization.expires_on))
            written += 1
    return written


def after_disclosure(vault: Vault, client: Client) -> None:
    """What every recorded disclosure does for the client's side: the portal copy and the consent revisit."""
    record_disclosure(client)
    seal_portal_copies(vault, client)


class _PortalCopies:
    """The portal's `PortalCopies` interface (`confide.portal.copies`), registered at start-up."""

    def due_sql(self, client_pk: int) -> tuple[str, list[Any]]:
        return portal_copies_due_sql(client_pk)

    def seal(self, vault: Vault, client: Client) -> int:
        return seal_portal_copies(vault, client)


PORTAL_COPIES = _PortalCopies()


# ----------------------------------------------------------------------------- preparing (clinician)


def _canonical_hash(text: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(text, separators=(",", ":"), sort_keys=True).encode("utf-8")).hexdigest()


@transaction.atomic
def prepare_authorization(vault: Vault, client_id: uuid.UUID | str, data: AuthorizationInput) -> AuthorizationRequest:
    """Prepare an authorization for the client to read and sign in the portal.

    Every element 45 CFR 164.508(c) requires is checked now (`IncompleteAuthorizationError`), except
    the signature, which the client adds. The client must have a portal account.
    """
    client = _clinical_staff(vault, client_id)
    if not ClientAccount.objects.filter(client=client).exists() or not vault.holds(client.pk, PORTAL):
        raise DisclosureError("This client has no portal account yet: invite them to the portal from the chart, "
                              "or record an authorization signed on paper.")
    today = timezone.localdate()
    # The portal prints the three required statements on every authorization it shows (see the text below).
    data = replace(data, signature_method=Authorization.SignatureMethod.PORTAL, scan_document_id="", signed_on=today,
                   states_right_to_revoke=True, states_conditioning=True, states_redisclosure=True)
    part2 = part2_applies(vault, client)
    errors = _check(data, part2=part2, today=today)
    if errors:
        raise IncompleteAuthorizationError(errors)
    categories = tuple(dict.fromkeys(data.categories))
    if PSYCHOTHERAPY_NOTES in categories:
        kind = Authorization.Kind.PSYCHOTHERAPY_NOTES
    elif part2:
        kind = Authorization.Kind.PART2
    else:
        kind = Authorization.Kind.STANDARD
    request = AuthorizationRequest(client=client, kind=kind, expires_on=data.expires_on, prepared_by_id=vault.user_id)
    content = asdict(data) | {"categories": list(categories), "part2": part2}
    for name in ("expires_on", "signed_on"):
        content.pop(name)
    content = {k: (v.strip() if isinstance(v, str) else v) for k, v in content.items()}
    text = _authorization_summary(content, expires_on=data.expires_on) | {
        "kind": Authorization.Kind(kind).label,
        "statements": [STATEMENT_REVOKE_PORTAL, STATEMENT_CONDITIONING, STATEMENT_REDISCLOSURE]
        + ([PART2_REDISCLOSURE_NOTICE] if part2 else [])}
    request.document_hash = _canonical_hash(text)
    request.portal_text = _seal(vault, client, text, _request_context(client, request, "text"))
    future = Authorization(public_id=request.authorization_public_id, client=client)
    request.clinical_content = sealing.seal_value(vault.current_key(client.pk, Scope.CLINICAL), content,
                                             _auth_context(future, "content"))
    request.save()
    audit(vault, Tag.AUTHORIZATION_PREPARED, client)
    return request


def pending_requests(vault: Vault, client_id: uuid.UUID | str) -> list[AuthorizationRequest]:
    """The authorizations waiting for the client's signature (their state only: nothing is opened)."""
    client = _clinical_staff(vault, client_id)
    return list(AuthorizationRequest.objects.filter(client=client, signed_at=None, withdrawn_at=None))


@dataclass(frozen=True)
class PendingRequest:
    """An authorization waiting for the client's signature, with whom it would let the practice tell."""

    request: AuthorizationRequest
    recipient_name: str


def pending_requests_with_recipients(vault: Vault, client_id: uuid.UUID | str) -> list[PendingRequest]:
    """The same requests, each with its recipient (opened with the care team's clinical key)."""
    client = _clinical_staff(vault, client_id)
    found = []
    for request in AuthorizationRequest.objects.filter(client=client, signed_at=None, withdrawn_at=None):
        future = Authorization(public_id=request.authorization_public_id, client=client)
        content = _open(vault, bytes(request.clinical_content), _auth_context(future, "content"))
        found.append(PendingRequest(request=request, recipient_name=str(content.get("recipient_name", ""))))
    return found


@transaction.atomic
def withdraw_request(vault: Vault, client_id: uuid.UUID | str, request_id: uuid.UUID | str) -> AuthorizationRequest:
    """Withdraw a prepared authorization the client has not signed; the portal stops offering it."""
    client = _clinical_staff(vault, client_id)
    request = _request_row(client, request_id, lock=True)
    if request.status != "pending":
        raise DisclosureError("Only an authorization waiting for the client's signature can be withdrawn.")
    request.withdrawn_at = timezone.now()
    request.save(update_fields=["withdrawn_at"])
    audit(vault, Tag.AUTHORIZATION_REQUEST_WITHDRAWN, client)
    return request


def _request_row(client: Client, request_id: uuid.UUID | str, *, lock: bool = False) -> AuthorizationRequest:
    try:
        public_id = uuid.UUID(str(request_id))
    except ValueError:
        raise NotFoundError from None
    rows = AuthorizationRequest.objects.select_for_update() if lock else AuthorizationRequest.objects
    request = rows.filter(client=client, public_id=public_id).select_related("client").first()
    if request is None:
        raise NotFoundError
    return request


# ----------------------------------------------------------------------------- the client's side


def _audit_client(account: ClientAccount, tag: Tag) -> None:
    record_event(tag, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))


def _notify_team(client: Client, kind: str) -> None:
    """A generic notice on the home page of each clinical team member; the chart says the rest."""
    ClinicianNotice.objects.bulk_create([ClinicianNotice(recipient_id=user_id, client=client, kind=kind)
                                         for user_id in clinical_team(client)])


@dataclass(frozen=True)
class ClientAuthorization:
    """An authorization as the client sees it; `details` is None until the care team copies it."""

    authorization: Authorization
    details: dict[str, Any] | None
    signed_in_portal: bool

    @property
    def state(self) -> str:
        return authorization_state(self.authorization)

    @property
    def revoked_by_client(self) -> bool:
        return self.authorization.revoked_at is not None and self.authorization.revoked_by_id is not None and (
            ClientAccount.objects.filter(user_id=self.authorization.revoked_by_id,
                                         client_id=self.authorization.client_id).exists())


@dataclass(frozen=True)
class OpenedRequest:
    """An authorization prepared for the client's signature, with the text they read."""

    request: AuthorizationRequest
    text: dict[str, Any]


def _copies(vault: Vault, client: Client, kind: str) -> dict[uuid.UUID, dict[str, Any]]:
    return {c.record_id: _open(vault, bytes(c.content), _copy_context(client, c))
            for c in PortalCopy.objects.filter(client=client, kind=kind)}


def own_authorizations(vault: Vault, account: ClientAccount) -> tuple[list[OpenedRequest], list[ClientAuthorization]]:
    """The authorizations waiting for the client's signature and every authorization they gave (audited)."""
    client = account.client
    with transaction.atomic():
        _audit_client(account, Tag.PORTAL_AUTHORIZATIONS_READ)
    requests = [OpenedRequest(r, _open(vault, bytes(r.portal_text), _request_context(client, r, "text")))
                for r in AuthorizationRequest.objects.filter(client=client, signed_at=None, withdrawn_at=None)
                .select_related("client")]
    copies = _copies(vault, client, PortalCopy.Kind.AUTHORIZATION)
    given = [ClientAuthorization(a, copies.get(a.public_id), a.signature_method == Authorization.SignatureMethod.PORTAL)
             for a in Authorization.objects.filter(client=client)]
    return requests, given


def open_request(vault: Vault, account: ClientAccount, request_id: uuid.UUID | str) -> OpenedRequest:
    """One authorization waiting for the client's signature (another client's id answers NotFoundError)."""
    request = _request_row(account.client, request_id)
    if request.status != "pending":
        raise NotFoundError
    text = _open(vault, bytes(request.portal_text), _request_context(account.client, request, "text"))
    with transaction.atomic():
        _audit_client(account, Tag.PORTAL_AUTHORIZATION_REQUEST_READ)
    return OpenedRequest(request, text)


def _clean_name(typed_name: str) -> str:
    name = " ".join((typed_name or "").split())
    if not name:
        raise DisclosureError("Type your full name to sign.")
    if len(name) > MAX_TYPED_NAME or any(ord(ch) < 32 for ch in (typed_name or "").replace("\n", " ")):
        raise DisclosureError(f"Your name must be at most {MAX_TYPED_NAME} characters of ordinary text.")
    return name


def sign_request(vault: Vault, account: ClientAccount, request_id: uuid.UUID | str, *, document_hash: str,
                 understood: bool, typed_name: str) -> Authorization:
    """The client signs a prepared authorization: it takes effect at once, as if signed on paper today.

    Records the time, the version and the hash of the text the client read (refused when the text
    changed while they read it), and the typed name, sealed under the portal key.
    """
    if not understood:
        raise DisclosureError("Tick the box to confirm that you read and understood the authorization.")
    name = _clean_name(typed_name)
    client = account.client
    with transaction.atomic():
        request = _request_row(client, request_id, lock=True)
        if request.status != "pending":
            raise DisclosureError("This authorization is no longer waiting for your signature.")
        if request.document_hash != (document_hash or "").strip():
            raise DisclosureError("The authorization changed while you were reading it. Please read it again.")
        today = timezone.localdate()
        if request.expires_on is not None and request.expires_on < today:
            raise DisclosureError("This authorization would already have expired. Ask your therapist for a new one.")
        text = _open(vault, bytes(request.portal_text), _request_context(client, request, "text"))
        authorization = Authorization.objects.create(
            public_id=request.authorization_public_id, client=client, kind=request.kind,
            signature_method=Authorization.SignatureMethod.PORTAL, signed_on=today, expires_on=request.expires_on,
            content=bytes(request.clinical_content), created_by_id=account.user_id)
        request.signed_at, request.authorization = timezone.now(), authorization
        request.signed_name = _seal(vault, client, name, _request_context(client, request, "signed_name"))
        request.save(update_fields=["signed_at", "authorization", "signed_name"])
        summary = {k: v for k, v in text.items() if k not in ("kind", "statements")}
        _store_copy(vault, client, PortalCopy.Kind.AUTHORIZATION, authorization.public_id, 1, summary)
        _notify_team(client, ClinicianNotice.Kind.AUTHORIZATION_SIGNED)
        _audit_client(account, Tag.PORTAL_AUTHORIZATION_SIGNED)
    return authorization


def revoke_own_authorization(account: ClientAccount, authorization_id: uuid.UUID | str) -> Authorization:
    """The client revokes one of their authorizations: no new disclosure under it, release links closed, at once.

    Needs no key: revocation is a row change. Another client's authorization answers NotFoundError.
    """
    try:
        public_id = uuid.UUID(str(authorization_id))
    except ValueError:
        raise NotFoundError from None
    with transaction.atomic():
        authorization = (Authorization.objects.select_for_update()
                         .filter(client=account.client, public_id=public_id).first())
        if authorization is None:
            raise NotFoundError
        if authorization.revoked_at is not None:
            raise DisclosureError("This authorization is already revoked.")
        authorization.revoked_at, authorization.revoked_by_id = timezone.now(), account.user_id
        authorization.save(update_fields=["revoked_at", "revoked_by"])
        ReleaseLink.objects.filter(disclosure__authorization=authorization, revoked_at__isnull=True).update(
            revoked_at=authorization.revoked_at)
        _notify_team(account.client, ClinicianNotice.Kind.AUTHORIZATION_REVOKED)
        _audit_client(account, Tag.PORTAL_AUTHORIZATION_REVOKED)
    return authorization


@dataclass(frozen=True)
class AccountingLine:
    """One line of the client's accounting; recipient and the rest are empty until the care team copies them."""

    disclosure: Disclosure
    copied: bool
    recipient: str = ""
    recipient_address: str = ""
    description: str = ""
    purpose: str = ""

    @property
    def date(self) -> dt.date:
        when = self.disclosure.disclosed_at or self.disclosure.created_at
        return timezone.localtime(when).date()

    @property
    def basis_label(self) -> str:
        return Disclosure.Basis(self.disclosure.basis).label


def _accounting_lines(vault: Vault, account: ClientAccount) -> list[AccountingLine]:
    client = account.client
    copies = {c.record_id: c for c in PortalCopy.objects.filter(client=client, kind=PortalCopy.Kind.DISCLOSURE)}
    lines = []
    for disclosure in accountable_disclosures(client, years=ACCOUNTING_YEARS):
        copy = copies.get(disclosure.public_id)
        if copy is None:
            lines.append(AccountingLine(disclosure, copied=False))
            continue
        value = _open(vault, bytes(copy.content), _copy_context(client, copy))
        lines.append(AccountingLine(disclosure, copied=True, recipient=value["recipient_name"],
                                    recipient_address=value["recipient_address"],
                                    description=value["description"], purpose=value["purpose"]))
    return lines


def own_accounting(vault: Vault, account: ClientAccount) -> list[AccountingLine]:
    """The client's accounting of disclosures (164.528), oldest first; the read is logged first."""
    with transaction.atomic():
        _audit_client(account, Tag.PORTAL_ACCOUNTING_READ)
    return _accounting_lines(vault, account)


def own_accounting_pdf(vault: Vault, account: ClientAccount) -> bytes:
    """The client's accounting as a PDF (the download is logged first)."""
    with transaction.atomic():
        _audit_client(account, Tag.PORTAL_ACCOUNTING_DOWNLOADED)
    lines = _accounting_lines(vault, account)
    return render_pdf("disclosures/pdf/accounting.html", {
        "practice": account.practice, "client_name": "", "entries": lines,
        "generated_at": timezone.localtime(), "years": ACCOUNTING_YEARS})
