"""The note-signing consent gate (ADR 0008): a progress note signed without the client's current
consent needs a reason, sealed with the note and logged.

The client's consent records (`ConsentVersion`, `ConsentSignature`, `ConsentOverride`) are the
portal's models, so the gate lives here, beside them. `confide.records` knows nothing of it: the
portal app registers `consent_gate` in `records.signing_checks.NOTE_SIGNING_CHECKS` when Django
starts (`PortalConfig.ready`), and records runs every registered check when a note is signed.
"""

from __future__ import annotations

import json

from confide import crypto
from confide.audit.tags import Tag
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.portal.documents import ConsentUnavailableError
from confide.portal.models import ConsentOverride, ConsentVersion
from confide.portal.services import MAX_CONSENT_REASON, ConsentRequiredError, client_has_current_consent
from confide.records import sealing
from confide.records.auditing import audit
from confide.records.errors import RecordError
from confide.records.models import Client, Note

__all__ = [
    "consent_gate",
    "consent_needed",
    "consent_override_reason",
    "consent_process_started",
    "consent_reason_missing",
]


def consent_process_started(practice_id: int) -> bool:
    """True once the practice has issued a consent document through Confide.

    Until then the practice records consent elsewhere (on paper, say) and notes are not gated.
    """
    return ConsentVersion.objects.filter(practice_id=practice_id).exists()


def consent_needed(client: Client) -> bool:
    """True when signing a progress note for this client now needs a reason (no current consent)."""
    if not consent_process_started(client.practice_id):
        return False
    try:
        return not client_has_current_consent(client)
    except ConsentUnavailableError:
        return False


def consent_reason_missing(note: Note, reason: str) -> bool:
    """True when signing `note` now needs a reason that was not given (see `consent_gate`)."""
    if note.kind != Note.Kind.PROGRESS or not consent_process_started(note.client.practice_id):
        return False
    return not (reason or "").strip() and not client_has_current_consent(note.client)


def consent_gate(vault: Vault, note: Note, reason: str) -> None:
    """Called when a progress note is signed: without current consent a reason is required.

    The reason (a crisis, for example) is sealed under the clinical scope with the note and the
    event is logged in the same transaction. Raises `RecordError` when it is missing.
    """
    if note.kind != Note.Kind.PROGRESS or not consent_process_started(note.client.practice_id):
        return
    if client_has_current_consent(note.client):
        return
    reason = (reason or "").strip()
    if not reason:
        raise ConsentRequiredError("This client has not signed the current consent. Give a reason to sign without "
                                   "current consent (for example, a crisis).")
    if len(reason) > MAX_CONSENT_REASON:
        raise RecordError(f"The reason is longer than {MAX_CONSENT_REASON} characters.")
    client = note.client
    key = vault.current_key(client.pk, ScopeKeyVersion.Scope.CLINICAL)
    context = crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                                 record_type="consent_override", record_id=str(note.public_id), field="reason",
                                 version=1, scope=crypto.Scope.CLINICAL)
    ConsentOverride.objects.create(note=note, reason=crypto.seal_field(key, json.dumps(reason).encode(), context))
    audit(vault, Tag.CONSENT_OVERRIDE_RECORDED, client)


def consent_override_reason(vault: Vault, note: Note) -> str | None:
    """The recorded reason a note was signed without consent, or None."""
    override = ConsentOverride.objects.filter(note=note).first()
    if override is None:
        return None
    client = note.client
    context = crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                                 record_type="consent_override", record_id=str(note.public_id), field="reason",
                                 version=1, scope=crypto.Scope.CLINICAL)
    return str(sealing.open_value(vault, bytes(override.reason), context))
