"""Sealed fields: the one public way any context seals and opens a part of a client's record.

Every sealed value is JSON, encrypted under one of the client's scope keys with AES-256-GCM
through `confide.crypto`, and bound by its associated data to where it lives: practice, client,
record type, record id, field, version and scope (`field_context`). A ciphertext copied to any
other place fails to open, and opening it is handled the same way everywhere: an integrity
failure is written to the audit log, the owners are alerted, and `RecordIntegrityError` is
raised; a missing key is `NotFoundError`, indistinguishable from a record that does not exist.

Use it as::

    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    context = sealing.field_context(client, "message", str(row.public_id), "body", 1, Scope.CLINICAL)
    row.body = sealing.seal_in_scope(vault, client, Scope.CLINICAL, {"text": text}, context)
    ...
    value = sealing.open_value(vault, bytes(row.body), context)

`confide.keys.vault.Vault` holds the keys; this module never sees a password or a wrap.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.db import transaction

from confide import crypto
from confide.audit.tags import Tag
from confide.keys import vault as keys
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import NoKeyError, Vault
from confide.notifications.outbox import queue_mail
from confide.practice.models import Membership, Role
from confide.records import denials
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordIntegrityError
from confide.records.models import Client

__all__ = [
    "alert_integrity_failure",
    "client_in_vault",
    "field_context",
    "open_value",
    "seal_in_scope",
    "seal_value",
    "staff_membership",
]

Scope = ScopeKeyVersion.Scope
logger = logging.getLogger(__name__)


def field_context(client: Client, record_type: str, record_id: str, field_name: str, version: int,
                  scope: str) -> crypto.SealContext:
    """Where a sealed field lives, bound into its associated data (see `confide.crypto.SealContext`)."""
    return crypto.SealContext(practice_id=str(client.practice_id), client_id=str(client.public_id),
                              record_type=record_type, record_id=record_id, field=field_name, version=version,
                              scope=crypto.Scope(scope))


def seal_value(key: crypto.ScopeKey, value: Any, context: crypto.SealContext) -> bytes:
    """Seal a JSON-serialisable value under `key` for the place `context` names."""
    return crypto.seal_field(key, json.dumps(value, separators=(",", ":")).encode("utf-8"), context)


def seal_in_scope(vault: Vault, client: Client, scope: str, value: Any, context: crypto.SealContext) -> bytes:
    """Seal a value under the current key of the client's `scope`; `NotFoundError` without that key."""
    try:
        key = vault.current_key(client.pk, scope)
    except NoKeyError:
        raise NotFoundError from None
    return seal_value(key, value, context)


def open_value(vault: Vault, blob: bytes, context: crypto.SealContext) -> Any:
    """Open a sealed value with whichever of the vault's keys sealed it.

    Raises `NotFoundError` when the vault holds no key for it, and `RecordIntegrityError` (after
    logging the failure and alerting the owners) when it was altered or moved.
    """
    try:
        key = vault.key_for_blob(bytes(blob))
        return json.loads(crypto.open_field(key, bytes(blob), context))
    except NoKeyError:
        raise NotFoundError from None
    except (crypto.WrongKeyError, crypto.IntegrityError):
        raise _integrity_failure(vault, context) from None


def staff_membership(vault: Vault) -> Membership:
    """The practice membership of the staff member holding this vault; `NotFoundError` if inactive."""
    membership = Membership.objects.select_related("practice", "user").filter(user_id=vault.person_id).first()
    if membership is None or not membership.user.is_active:
        raise NotFoundError
    return membership


def client_in_vault(vault: Vault, client_id: uuid.UUID | str, scope: str = Scope.ADMIN) -> Client:
    """The client, if this person holds the current key of `scope`; `NotFoundError` otherwise.

    Inside `read_page()` the client row and each key check are looked up once and then
    remembered: a page made of several reads (the chart) would otherwise repeat the same two
    queries for every part.
    """
    try:
        public_id = uuid.UUID(str(client_id))
    except ValueError:
        raise NotFoundError from None
    memo = keys.remembered_checks()
    memo_key = ("client", vault.practice_id, public_id)
    client = memo.get(memo_key) if memo is not None else None
    if client is None:
        client = Client.objects.filter(public_id=public_id, practice_id=vault.practice_id).first()
        if client is not None and memo is not None:
            memo[memo_key] = client
    if client is None or not vault.holds(client.pk, scope):
        denials.note_denied(vault, client)
        raise NotFoundError
    return client


def _integrity_failure(vault: Vault, context: crypto.SealContext) -> RecordIntegrityError:
    """Log and report a sealed field that failed to open; returns the error to raise."""
    client = Client.objects.filter(public_id=context.client_id).first()
    try:
        with transaction.atomic():
            audit(vault, Tag.INTEGRITY_FAILED, client, outcome="failure")
    except Exception:
        logger.exception("Could not write the audit event for an integrity failure")
    alert_integrity_failure(vault.practice_id)
    return RecordIntegrityError("This record failed its integrity check and was not opened.")


def alert_integrity_failure(practice_id: int) -> None:
    """E-mail the practice owners that a record failed its integrity check (no client data)."""
    owners = list(Membership.objects.filter(practice_id=practice_id, role=Role.OWNER, user__is_active=True)
                  .values_list("user__email", flat=True))
    logger.error("A sealed record failed its integrity check; the practice owners are alerted.")
    if not owners:
        return
    try:
        queue_mail(
            kind="integrity-alert", subject="Confide: a record failed its integrity check",
            body=("A record in your practice failed its integrity check and was not shown. It may have been "
                     "altered in the database or restored from a damaged backup.\n\nRun `confide audit verify` "
                     "on the server and review the audit log for record:integrity:failed events. "
                     "This message contains no client information.\n\n— Confide"),
            to=owners)
    except Exception:
        logger.exception("Could not queue the integrity alert")


