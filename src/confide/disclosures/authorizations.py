"""Authorizations (releases of information) and 42 CFR Part 2 consents.

An authorization is saved only with every element 45 CFR 164.508(c) requires; each missing
element gets its own message (`IncompleteAuthorizationError.errors`). A psychotherapy-notes
authorization covers psychotherapy notes only (164.508(b)(3)(ii)). A client flagged as having
substance use disorder records needs a Part 2 consent, which must also name the patient
(42 CFR 2.31(a)). Revoked and expired authorizations permit no new disclosure, at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from confide.audit.tags import Tag
from confide.disclosures import hooks
from confide.disclosures.models import Authorization, ReleaseLink, SudFlag
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Role
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Client, Document
from confide.records.sealing import client_in_vault, field_context, open_value, seal_value, staff_membership

Scope = ScopeKeyVersion.Scope

MAX_TEXT = 2000
MAX_LINE = 300

# The kinds of information an authorization (and a packet) can cover.
CATEGORIES: dict[str, str] = {
    "progress_notes": "Progress notes",
    "treatment_plan": "Treatment plan and diagnoses",
    "sessions": "Dates of sessions and episodes of care",
    "psychotherapy_notes": "Psychotherapy notes",
    "documents": "Documents added to the record (letters, forms, scans), attached as files",
}
PSYCHOTHERAPY_NOTES = "psychotherapy_notes"

# The statements printed on every authorization Confide produces, and required on a paper form.
STATEMENT_REVOKE = ("You may revoke this authorization at any time by writing to the practice. A revocation does "
                    "not undo disclosures already made in reliance on it.")
# The same right, for an authorization signed in the portal, where revoking is a button.
STATEMENT_REVOKE_PORTAL = ("You may revoke this authorization at any time, with the \"Revoke\" button on the "
                           "Authorizations page of your portal or by writing to the practice. A revocation does not "
                           "undo disclosures already made in reliance on it.")
STATEMENT_CONDITIONING = ("Your treatment, payment, enrolment or eligibility for benefits will not be conditioned on "
                          "whether you sign this authorization.")
STATEMENT_REDISCLOSURE = ("Information disclosed under this authorization may be redisclosed by the recipient and may "
                          "then no longer be protected by federal privacy law.")
PART2_REDISCLOSURE_NOTICE = ("42 CFR part 2 prohibits unauthorized use or disclosure of these records.")


class DisclosureError(RecordError):
    """A disclosure request the rules refuse; the message is safe to show (no client data)."""


class IncompleteAuthorizationError(DisclosureError):
    """An authorization misses required elements: one message per element, keyed by form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class InactiveAuthorizationError(DisclosureError):
    """The authorization was revoked or has expired: no new disclosure may be made under it."""


@dataclass(frozen=True)
class AuthorizationInput:
    """What a signed authorization form says. `clean` checks every required element."""

    categories: tuple[str, ...] = ()
    description: str = ""
    discloser: str = ""
    recipient_name: str = ""
    recipient_address: str = ""
    purposes: str = ""
    expires_on: dt.date | None = None
    expiry_event: str = ""
    signer_name: str = ""
    signed_on: dt.date | None = None
    signed_by_representative: bool = False
    representative_authority: str = ""
    states_right_to_revoke: bool = False
    states_conditioning: bool = False
    states_redisclosure: bool = False
    signature_method: str = Authorization.SignatureMethod.PAPER
    scan_document_id: str = ""
    patient_name: str = ""  # required for Part 2 consents


@dataclass(frozen=True)
class OpenedAuthorization:
    authorization: Authorization
    categories: tuple[str, ...]
    description: str
    discloser: str
    recipient_name: str
    recipient_address: str
    purposes: str
    expiry_event: str
    signer_name: str
    signed_by_representative: bool
    representative_authority: str
    patient_name: str
    revocation_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def category_labels(self) -> list[str]:
        return [CATEGORIES[c] for c in self.categories if c in CATEGORIES]

    @property
    def state(self) -> str:
        return authorization_state(self.authorization)


def authorization_state(authorization: Authorization, today: dt.date | None = None) -> str:
    """`active`, `revoked` or `expired` (by date, or because the expiry event happened)."""
    today = today or timezone.localdate()
    if authorization.revoked_at is not None:
        return "revoked"
    if authorization.expiry_event_occurred_on is not None and authorization.expiry_event_occurred_on <= today:
        return "expired"
    if authorization.expires_on is not None and today > authorization.expires_on:
        return "expired"
    return "active"


def require_active(authorization: Authorization) -> None:
    """Raise `InactiveAuthorizationError` unless the authorization permits a disclosure today."""
    state = authorization_state(authorization)
    if state == "revoked":
        raise InactiveAuthorizationError("This authorization was revoked; no disclosure may be made under it.")
    if state == "expired":
        raise InactiveAuthorizationError("This authorization has expired; no disclosure may be made under it.")


# The words for each element an authorization cannot be without (the form refuses with them too).
MISSING_ELEMENT: dict[str, str] = {
    "description": ("Describe the information to be disclosed in a specific and meaningful way "
                    "(45 CFR 164.508(c)(1)(i))."),
    "discloser": "Name the person or practice authorized to make the disclosure (45 CFR 164.508(c)(1)(ii)).",
    "recipient_name": "Name the recipient of the information (45 CFR 164.508(c)(1)(iii)).",
    "purposes": ("State the purpose of the disclosure; \"at the request of the client\" is enough when the "
                 "client asked for it (45 CFR 164.508(c)(1)(iv))."),
    "signer_name": "Enter the name of the person who signed (45 CFR 164.508(c)(1)(vi)).",
    "categories": "Choose at least one kind of information to disclose.",
    "signed_on": "Enter the date of the signature (45 CFR 164.508(c)(1)(vi)).",
    "states_right_to_revoke": ("The form must state the client's right to revoke in writing and how "
                               "(45 CFR 164.508(c)(2)(i))."),
    "states_conditioning": ("The form must state whether treatment or payment may be conditioned on "
                            "signing (45 CFR 164.508(c)(2)(ii))."),
    "states_redisclosure": ("The form must state that the recipient may redisclose the information and "
                            "that it may then lose its protection (45 CFR 164.508(c)(2)(iii))."),
    "scan_document_id": "Attach the scan of the signed paper form (upload it to the chart first).",
}
# The text elements among them, checked here as text.
MISSING_TEXT = ("description", "discloser", "recipient_name", "purposes", "signer_name")


def _text(value: str, limit: int) -> str:
    value = (value or "").strip()
    return value[: limit + 1]


def _check(data: AuthorizationInput, *, part2: bool, today: dt.date) -> dict[str, str]:
    """Return one message per missing or wrong element, keyed by the form field."""
    errors: dict[str, str] = {}
    categories = tuple(dict.fromkeys(data.categories))
    if not categories:
        errors["categories"] = "Choose at least one kind of information to disclose."
    elif any(c not in CATEGORIES for c in categories):
        errors["categories"] = "Choose kinds of information from the list."
    elif PSYCHOTHERAPY_NOTES in categories and len(categories) > 1:
        errors["categories"] = ("A psychotherapy-notes authorization cannot be combined with other information "
                                "(45 CFR 164.508(b)(3)(ii)); use a separate authorization for the rest.")
    for name, message in MISSING_ELEMENT.items():
        if name in MISSING_TEXT and not str(getattr(data, name) or "").strip():
            errors[name] = message
    for name in ("description", "purposes", "recipient_address", "expiry_event", "representative_authority"):
        if len(str(getattr(data, name) or "").strip()) > MAX_TEXT:
            errors[name] = f"Keep this under {MAX_TEXT} characters."
    for name in ("discloser", "recipient_name", "signer_name", "patient_name"):
        value = str(getattr(data, name) or "").strip()
        if len(value) > MAX_LINE:
            errors[name] = f"Keep this under {MAX_LINE} characters."
        elif any(ord(ch) < 32 for ch in value):
            errors[name] = "This field contains control characters."
    if data.expires_on is None and not data.expiry_event.strip():
        errors["expires_on"] = "Give an expiry date or an expiry event (45 CFR 164.508(c)(1)(v))."
    if data.signed_on is None:
        errors["signed_on"] = "Enter the date of the signature (45 CFR 164.508(c)(1)(vi))."
    elif data.signed_on > today:
        errors["signed_on"] = "The date of the signature cannot be in the future."
    elif data.signed_on.year < 1900:
        errors["signed_on"] = "The date of the signature must be a real date."
    if data.expires_on is not None and data.signed_on is not None and data.expires_on < data.signed_on:
        errors["expires_on"] = "The expiry date must be on or after the date of the signature."
    if data.signed_by_representative and not data.representative_authority.strip():
        errors["representative_authority"] = ("A personal representative signed: describe their authority to act "
                                              "for the client (45 CFR 164.508(c)(1)(vi)).")
    if not data.states_right_to_revoke:
        errors["states_right_to_revoke"] = ("The form must state the client's right to revoke in writing and how "
                                            "(45 CFR 164.508(c)(2)(i)).")
    if not data.states_conditioning:
        errors["states_conditioning"] = ("The form must state whether treatment or payment may be conditioned on "
                                         "signing (45 CFR 164.508(c)(2)(ii)).")
    if not data.states_redisclosure:
        errors["states_redisclosure"] = ("The form must state that the recipient may redisclose the information and "
                                         "that it may then lose its protection (45 CFR 164.508(c)(2)(iii)).")
    if data.signature_method not in Authorization.SignatureMethod.values:
        errors["signature_method"] = "Choose how the authorization was signed."
    elif data.signature_method == Authorization.SignatureMethod.PAPER and not data.scan_document_id:
        errors["scan_document_id"] = "Attach the scan of the signed paper form (upload it to the chart first)."
    if part2 and not data.patient_name.strip():
        errors["patient_name"] = ("This client has substance use disorder records: a 42 CFR Part 2 consent must "
                                  "name the patient (42 CFR 2.31(a)(1)).")
    return errors


def _auth_context(authorization: Authorization, field_name: str) -> Any:
    return field_context(authorization.client, "authorization", str(authorization.public_id), field_name, 1,
                    Scope.CLINICAL)


def _clinical_staff(vault: Vault, client_id: uuid.UUID | str) -> Client:
    """A client whose clinical record this staff member holds; front desk and others get NotFoundError."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    if staff_membership(vault).role == Role.FRONT_DESK:
        raise NotFoundError
    return client


# ----------------------------------------------------------------------------- the Part 2 flag


def _flag_context(flag: SudFlag) -> Any:
    return field_context(flag.client, "sud-flag", str(flag.client.public_id), "marker", 1, Scope.CLINICAL)


def part2_applies(vault: Vault, client: Client) -> bool:
    """Whether this client's record is flagged as holding substance use disorder records."""
    flag = SudFlag.objects.filter(client=client).select_related("client").first()
    if flag is None:
        return False
    return bool(open_value(vault, bytes(flag.marker), _flag_context(flag)).get("sud"))


@transaction.atomic
def set_part2_flag(vault: Vault, client_id: uuid.UUID | str, *, flagged: bool) -> None:
    """Flag (or unflag) a client as having substance use disorder records covered by 42 CFR Part 2."""
    client = _clinical_staff(vault, client_id)
    flag = SudFlag.objects.select_for_update().filter(client=client).first() or SudFlag(client=client)
    flag.client = client
    flag.marker = seal_value(vault.current_key(client.pk, Scope.CLINICAL), {"sud": flagged}, _flag_context(flag))
    flag.flagged_at, flag.flagged_by_id = timezone.now(), vault.user_id
    flag.save()
    audit(vault, Tag.PART2_FLAG_CHANGED, client)


# ----------------------------------------------------------------------------- authorizations


@transaction.atomic
def create_authorization(vault: Vault, client_id: uuid.UUID | str, data: AuthorizationInput) -> Authorization:
    """Record a signed authorization, refusing it (`IncompleteAuthorizationError`) unless every element is there.

    Paper authorizations name the scan of the signed form, uploaded to the chart as a document.
    """
    client = _clinical_staff(vault, client_id)
    today = timezone.localdate()
    part2 = part2_applies(vault, client)
    errors = _check(data, part2=part2, today=today)
    scan: Document | None = None
    if data.scan_document_id and "scan_document_id" not in errors:
        try:
            scan_id = uuid.UUID(str(data.scan_document_id))
        except ValueError:
            scan_id = None
        scan = Document.objects.filter(client=client, public_id=scan_id).first() if scan_id else None
        if scan is None:
            errors["scan_document_id"] = "Choose the scan from this client's documents."
    if errors:
        raise IncompleteAuthorizationError(errors)
    categories = tuple(dict.fromkeys(data.categories))
    if PSYCHOTHERAPY_NOTES in categories:
        kind = Authorization.Kind.PSYCHOTHERAPY_NOTES
    elif part2:
        kind = Authorization.Kind.PART2
    else:
        kind = Authorization.Kind.STANDARD
    if data.signed_on is None:  # _check reported it already
        raise IncompleteAuthorizationError({"signed_on": "Enter the date of the signature."})
    authorization = Authorization(client=client, kind=kind, signature_method=data.signature_method,
                                  signed_on=data.signed_on, expires_on=data.expires_on, scan=scan,
                                  created_by_id=vault.user_id, content=b"")
    content = asdict(data) | {"categories": list(categories), "part2": part2}
    for name in ("expires_on", "signed_on"):
        content.pop(name)
    content = {k: (v.strip() if isinstance(v, str) else v) for k, v in content.items()}
    authorization.content = seal_value(vault.current_key(client.pk, Scope.CLINICAL), content,
                                  _auth_context(authorization, "content"))
    authorization.save()
    audit(vault, Tag.AUTHORIZATION_CREATED, client)
    hooks.seal_portal_copies(vault, client)
    return authorization


def sign_authorization(vault: Vault, client_id: uuid.UUID | str, data: AuthorizationInput) -> Authorization:
    """Record an authorization the client signed in the portal (no scan needed); the same checks apply."""
    from dataclasses import replace

    return create_authorization(vault, client_id,
                                replace(data, signature_method=Authorization.SignatureMethod.PORTAL))


def _get_authorization(vault: Vault, client_id: uuid.UUID | str, authorization_id: uuid.UUID | str) -> Authorization:
    client = _clinical_staff(vault, client_id)
    try:
        public_id = uuid.UUID(str(authorization_id))
    except ValueError:
        raise NotFoundError from None
    authorization = Authorization.objects.filter(client=client, public_id=public_id).select_related("client").first()
    if authorization is None:
        raise NotFoundError
    return authorization


def _opened(vault: Vault, authorization: Authorization) -> OpenedAuthorization:
    content = open_value(vault, bytes(authorization.content), _auth_context(authorization, "content"))
    note = ""
    if authorization.revocation:
        note = open_value(vault, bytes(authorization.revocation), _auth_context(authorization, "revocation"))["note"]
    return OpenedAuthorization(
        authorization=authorization, categories=tuple(content["categories"]), description=content["description"],
        discloser=content["discloser"], recipient_name=content["recipient_name"],
        recipient_address=content["recipient_address"], purposes=content["purposes"],
        expiry_event=content["expiry_event"], signer_name=content["signer_name"],
        signed_by_representative=content["signed_by_representative"],
        representative_authority=content["representative_authority"], patient_name=content["patient_name"],
        revocation_note=note)


def open_authorization(vault: Vault, client_id: uuid.UUID | str,
                       authorization_id: uuid.UUID | str) -> OpenedAuthorization:
    """Open one authorization (audited)."""
    authorization = _get_authorization(vault, client_id, authorization_id)
    opened = _opened(vault, authorization)
    audit(vault, Tag.AUTHORIZATION_READ, authorization.client)
    return opened


def list_authorizations(vault: Vault, client_id: uuid.UUID | str) -> list[OpenedAuthorization]:
    """Every authorization of a client, newest first (audited as one read)."""
    client = _clinical_staff(vault, client_id)
    opened = [_opened(vault, a) for a in client.authorizations.select_related("client")]
    audit(vault, Tag.AUTHORIZATIONS_LISTED, client)
    return opened


@transaction.atomic
def revoke_authorization(vault: Vault, client_id: uuid.UUID | str, authorization_id: uuid.UUID | str, *,
                         note: str = "") -> Authorization:
    """Revoke an authorization at the client's request (in writing, or in the portal).

    From this moment no disclosure can be made under it, and its release links stop working.
    `note` records how the client asked (for example "letter received 3 March").
    """
    found = _get_authorization(vault, client_id, authorization_id)
    authorization = Authorization.objects.select_for_update().select_related("client").get(pk=found.pk)
    if authorization.revoked_at is not None:
        raise DisclosureError("This authorization is already revoked.")
    if len(note.strip()) > MAX_TEXT:
        raise DisclosureError(f"Keep the note under {MAX_TEXT} characters.")
    authorization.revoked_at, authorization.revoked_by_id = timezone.now(), vault.user_id
    authorization.revocation = seal_value(vault.current_key(authorization.client.pk, Scope.CLINICAL),
                                     {"note": note.strip()}, _auth_context(authorization, "revocation"))
    authorization.save(update_fields=["revoked_at", "revoked_by", "revocation"])

    ReleaseLink.objects.filter(disclosure__authorization=authorization, revoked_at__isnull=True).update(
        revoked_at=authorization.revoked_at)
    audit(vault, Tag.AUTHORIZATION_REVOKED, authorization.client)
    return authorization


@transaction.atomic
def record_expiry_event(vault: Vault, client_id: uuid.UUID | str, authorization_id: uuid.UUID | str, *,
                        occurred_on: dt.date | None = None) -> Authorization:
    """Record that the authorization's expiry event happened; it permits no disclosure from that day."""
    found = _get_authorization(vault, client_id, authorization_id)
    authorization = Authorization.objects.select_for_update().select_related("client").get(pk=found.pk)
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        raise DisclosureError("The expiry event cannot be in the future.")
    authorization.expiry_event_occurred_on = occurred_on
    authorization.save(update_fields=["expiry_event_occurred_on"])

    ReleaseLink.objects.filter(disclosure__authorization=authorization, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    audit(vault, Tag.AUTHORIZATION_EXPIRY_EVENT, authorization.client)
    return authorization
