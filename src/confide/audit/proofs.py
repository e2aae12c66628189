"""Proofs for everyone: the latest checkpoint, consistency proofs and entries with their bytes.

Everything here is what a holder of a checkpoint needs to check the log without Confide's code
(docs/adr/0014-checkpoints-and-witnesses.md): the checkpoint is a C2SP signed note, proofs are
RFC 6962 hashes, entries come with their exact bytes (the leaf hash is SHA-256(0x00 || bytes)).
Proofs are served from the stored subtree hashes (`audit_node`) and checked against the signed
heads before they leave, so a damaged subtree hash is refused here rather than served.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from confide.audit.models import LogEntry
from confide.audit.services import latest_head, sequence_pending
from confide.audit.store import fetch_nodes, head_from_row
from confide.auditlog import (
    AuditLogError,
    ConsistencyProofError,
    LogIntegrityError,
    NoteVerifier,
    SignedTreeHead,
    checkpoint_verifier,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    nodes_for_consistency_proof,
    nodes_for_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from confide.auditlog.witnessing import AddCheckpoint

__all__ = [
    "MAX_RANGE",
    "ConsistencyProof",
    "RangeEntry",
    "consistency_between",
    "consistency_from",
    "entries_in_range",
    "log_verifier_key",
    "newest_checkpoint",
    "signed_head_at",
]

MAX_RANGE = 1000


def log_verifier_key(public_key: Ed25519PublicKey) -> NoteVerifier:
    """The note verifier key (vkey) of this practice's log for `public_key`."""
    return checkpoint_verifier(settings.CONFIDE_AUDIT_ORIGIN, public_key)


def newest_checkpoint() -> SignedTreeHead | None:
    """Place pending events, then return the newest signed head (a checkpoint on upgraded logs)."""
    sequence_pending(wait=True)
    return latest_head()


def signed_head_at(size: int) -> SignedTreeHead | None:
    """The signed head stored on the row that ends at `size`, if a batch ended there."""
    row = (
        LogEntry.objects.filter(position=size - 1)
        .exclude(signature=None)
        .values_list("root_hash", "signed_at", "key_id", "signature", "origin")
        .first()
    )
    if row is None or row[1] is None:
        return None
    return head_from_row(size, row[0], row[1], row[2], row[3], row[4])


@dataclass(frozen=True)
class ConsistencyProof:
    """A consistency proof from `old_size` to the newest checkpoint `new`."""

    old_size: int
    new: SignedTreeHead
    proof: list[bytes]

    def to_text(self) -> str:
        """The tlog-witness add-checkpoint body: old size, proof lines, blank line, checkpoint."""
        return AddCheckpoint(self.old_size, tuple(self.proof), self.new.to_text()).to_text()


def consistency_between(old_size: int, new: SignedTreeHead, old_root: bytes | None = None) -> list[bytes]:
    """Return the RFC 6962 consistency proof from `old_size` to the head `new`, checked first.

    The proof is checked against `old_root` when given (a checkpoint someone saved), else against
    the signed head stored at `old_size` when a batch ended there. Raises `ValueError` for sizes
    out of range, `ConsistencyProofError` when the log does not extend `old_root`, and
    `LogIntegrityError` when the stored subtree hashes cannot give a valid proof.
    """
    if not 0 <= old_size <= new.size:
        raise ValueError(f"the old size must be between 0 and {new.size}")
    try:
        store = fetch_nodes(new.size, nodes_for_consistency_proof(old_size, new.size))
        proof = consistency_proof(store, old_size, new.size)
    except LookupError:
        raise LogIntegrityError(old_size, "a stored subtree hash needed for the proof is missing") from None
    if old_root is not None:
        verify_consistency(old_size, new.size, old_root, new.root_hash, proof)
        return proof
    stored = signed_head_at(old_size) if old_size else None
    if stored is not None:
        try:
            verify_consistency(old_size, new.size, stored.root_hash, new.root_hash, proof)
        except ConsistencyProofError:
            raise LogIntegrityError(
                old_size, "the stored subtree hashes do not give a valid proof: run `confide audit verify`"
            ) from None
    return proof


def consistency_from(old: SignedTreeHead) -> ConsistencyProof:
    """A checked proof that the newest checkpoint extends the saved head `old`.

    Raises `ConsistencyProofError` (or `ValueError` when `old` is larger than the log: a
    truncation or rollback) when it does not.
    """
    new = latest_head()
    if new is None:
        raise ValueError("the audit log is empty")
    if old.size > new.size:
        raise ValueError(f"the log has only {new.size} entries: it was truncated or rolled back")
    return ConsistencyProof(old.size, new, consistency_between(old.size, new, old.root_hash))


@dataclass(frozen=True)
class RangeEntry:
    """One entry of a range: its position, exact bytes and inclusion proof in the checkpoint."""

    position: int
    entry: bytes
    leaf_hash: bytes
    proof: list[bytes]


def entries_in_range(start: int, end: int, head: SignedTreeHead) -> list[RangeEntry]:
    """Entries `start` to `end - 1` with their bytes and inclusion proofs in `head`, checked first.

    At most `MAX_RANGE` entries; raises `ValueError` for a bad range and `LogIntegrityError`
    when a stored entry or subtree hash does not match the signed head.
    """
    if not 0 <= start < end <= head.size or end - start > MAX_RANGE:
        raise ValueError(f"the range must lie within 0..{head.size} and hold 1 to {MAX_RANGE} entries")
    rows = list(
        LogEntry.objects.filter(position__gte=start, position__lt=end)
        .order_by("position")
        .values_list("position", "entry")
    )
    if [position for position, _ in rows] != list(range(start, end)):
        raise LogIntegrityError(start, "rows of the range are missing: run `confide audit verify`")
    wanted = {node for position, _ in rows for node in nodes_for_inclusion_proof(position, head.size)}
    store = fetch_nodes(head.size, wanted)
    entries = []
    for position, raw in rows:
        entry = bytes(raw)
        try:
            proof = inclusion_proof(store, position, head.size)
            verify_inclusion(hash_leaf(entry), position, head.size, proof, head.root_hash)
        except (LookupError, AuditLogError) as exc:
            raise LogIntegrityError(
                position, f"the entry does not match the signed log ({type(exc).__name__})"
            ) from None
        entries.append(RangeEntry(position, entry, hash_leaf(entry), proof))
    return entries
