"""The audit log's proofs for any holder: the newest checkpoint, consistency proofs, entries.

With these three a checkpoint holder checks the log without Confide's code
(docs/adr/0014-checkpoints-and-witnesses.md): the checkpoint is a C2SP signed note, proofs are
RFC 6962 hashes in base64, and entries come with their exact bytes. Checkpoints and proofs hold
no client data, so every staff member may fetch them; entries name opaque ids, tags and times of
every access, so only practice owners may read them, and each such read is itself logged.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field as NinjaField
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from confide.api.auth import caller_vault
from confide.api.problems import Problem
from confide.audit import proofs, services
from confide.audit.tags import Tag
from confide.auditlog import AuditLogError, ConsistencyProofError, LogIntegrityError, Outcome, PurposeOfUse
from confide.practice.models import Role
from confide.records.errors import NotFoundError
from confide.records.sealing import staff_membership

router = Router(tags=["audit log"])

ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 409: Problem, 422: Problem}
RUN_VERIFY = "the practice owner has to run `confide audit verify`."
MAX_SIZE = (1 << 63) - 1


class CheckpointOut(Schema):
    """The newest checkpoint and the key to check it with."""

    checkpoint: str = NinjaField(description="The newest checkpoint: a C2SP tlog-checkpoint signed note.")
    origin: str
    tree_size: int
    root_hash: str = NinjaField(description="base64 of the RFC 6962 root hash.")
    verifier_key: str = NinjaField(description="The log's note verifier key (name+hash+base64 key).")


class ConsistencyOut(Schema):
    """An RFC 6962 consistency proof from `old_size` to the newest checkpoint."""

    old_size: int
    tree_size: int
    checkpoint: str
    proof: list[str] = NinjaField(description="base64 hashes, RFC 6962 section 2.1.2 order.")


class EntryOut(Schema):
    """One entry with its exact bytes and its inclusion proof in the checkpoint."""

    leaf_index: int
    entry: str = NinjaField(description="base64 of the entry's bytes; the leaf hash is SHA-256(0x00 || bytes).")
    leaf_hash: str
    inclusion_proof: list[str]


class EntriesOut(Schema):
    """Entries `start` to `end - 1` and the checkpoint their proofs lead to."""

    checkpoint: str
    tree_size: int
    entries: list[EntryOut]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _newest() -> Any:
    try:
        head = proofs.newest_checkpoint()
    except services.AuditAppendError:
        raise HttpError(409, f"The audit log cannot be read right now; {RUN_VERIFY}") from None
    if head is None:
        raise HttpError(404, "The audit log is empty.")
    return head


@router.get("/audit-log/checkpoint", response={200: CheckpointOut, **ERRORS},
            summary="The audit log's newest checkpoint")
def get_checkpoint(request: HttpRequest) -> dict[str, Any]:
    """The newest checkpoint (C2SP signed note) and the log's verifier key."""
    caller_vault(request)
    head = _newest()
    return {
        "checkpoint": head.to_text(), "origin": head.origin or "", "tree_size": head.size,
        "root_hash": _b64(head.root_hash),
        "verifier_key": proofs.log_verifier_key(services.current_signing_key().public_key).to_text(),
    }


@router.get("/audit-log/consistency", response={200: ConsistencyOut, **ERRORS},
            summary="A consistency proof from an older size to the newest checkpoint")
def get_consistency(
    request: HttpRequest, old_size: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The older tree size.")]
) -> dict[str, Any]:
    """Proof that the newest checkpoint's log extends the log of `old_size` entries."""
    caller_vault(request)
    head = _newest()
    if old_size > head.size:
        raise HttpError(422, f"The log has {head.size} entries; the old size must not be larger.")
    try:
        proof = proofs.consistency_between(old_size, head)
    except (LogIntegrityError, ConsistencyProofError):
        raise HttpError(409, f"The stored log cannot give a valid proof; {RUN_VERIFY}") from None
    return {"old_size": old_size, "tree_size": head.size, "checkpoint": head.to_text(),
            "proof": [_b64(node) for node in proof]}


@router.get("/audit-log/entries", response={200: EntriesOut, **ERRORS},
            summary="Entries of a range with their bytes and inclusion proofs (owners)")
def get_entries(
    request: HttpRequest,
    start: Annotated[int, Query(ge=0, le=MAX_SIZE, description="The first position (default 0).")] = 0,
    end: Annotated[
        int | None, Query(ge=1, le=MAX_SIZE, description="One past the last position (default: up to 1,000 entries).")
    ] = None,
) -> dict[str, Any]:
    """Entries `start` to `end - 1` (at most 1,000), for practice owners; the read is logged first."""
    vault = caller_vault(request)
    try:
        membership = staff_membership(vault)
    except NotFoundError:
        raise HttpError(404, "Not found.") from None
    if membership.role != Role.OWNER:
        raise HttpError(404, "Not found.")
    try:
        services.record_event(Tag.AUDIT_LOG_READ, actor_id=f"user:{vault.person_id}",
                              purpose=PurposeOfUse.SYSTEM_ADMINISTRATION, outcome=Outcome.SUCCESS)
    except services.AuditAppendError:
        raise HttpError(409, "The read could not be logged, so nothing is served.") from None
    head = _newest()
    if end is None:
        end = min(head.size, start + proofs.MAX_RANGE)
    if not start < end <= head.size or end - start > proofs.MAX_RANGE:
        raise HttpError(422, f"The range must lie within 0..{head.size} and hold 1 to {proofs.MAX_RANGE} entries.")
    try:
        entries = proofs.entries_in_range(start, end, head)
    except (LogIntegrityError, AuditLogError):
        raise HttpError(409, f"The stored log does not match its checkpoint; {RUN_VERIFY}") from None
    return {"checkpoint": head.to_text(), "tree_size": head.size,
            "entries": [{"leaf_index": e.position, "entry": _b64(e.entry), "leaf_hash": _b64(e.leaf_hash),
                         "inclusion_proof": [_b64(node) for node in e.proof]} for e in entries]}
