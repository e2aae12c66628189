"""The C2SP tlog-witness add-checkpoint exchange, and a witness's decision, as pure functions.

``AddCheckpoint`` is the request body of ``POST <prefix>/add-checkpoint`` (c2sp.org/tlog-witness):
an ``old <size>`` line, up to 63 base64 consistency-proof lines, a blank line and a signed
checkpoint. The same text is what ``confide audit consistency --from`` prints, so a proof a
person saves can be handed to any witness.

``witness_decision`` is everything a witness checks, in the order the spec gives, returning the
HTTP status it must answer with; the service around it (``confide.audit.witness_server``) only
does HTTP, storage and locking.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from confide.auditlog.errors import AuditFormatError, ConsistencyProofError, SignatureError
from confide.auditlog.merkle import HASH_SIZE, verify_consistency
from confide.auditlog.notes import Checkpoint, Note, NoteVerifier, parse_checkpoint, verify_note

__all__ = ["MAX_PROOF_LINES", "AddCheckpoint", "WitnessDecision", "witness_decision"]

MAX_PROOF_LINES = 63
_OLD_RE = re.compile(r"old (0|[1-9][0-9]{0,19})")


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    """An add-checkpoint request: the old size, the consistency proof and the signed checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint_note: str

    def to_text(self) -> str:
        """Return the request body."""
        lines = "".join(base64.b64encode(node).decode("ascii") + "\n" for node in self.proof)
        return f"old {self.old_size}\n{lines}\n{self.checkpoint_note}"

    @classmethod
    def from_text(cls, text: str) -> AddCheckpoint:
        """Parse a request body strictly; raise ``AuditFormatError``."""
        head, sep, note = text.partition("\n\n")
        if not sep:
            raise AuditFormatError("an add-checkpoint body needs a blank line before the checkpoint")
        lines = head.split("\n")
        match = _OLD_RE.fullmatch(lines[0])
        if match is None:
            raise AuditFormatError("the first line must be 'old <size>' in decimal without leading zeros")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise AuditFormatError(f"at most {MAX_PROOF_LINES} consistency proof lines are allowed")
        proof = []
        for line in lines[1:]:
            try:
                node = base64.b64decode(line, validate=True)
            except (binascii.Error, ValueError):
                raise AuditFormatError("a consistency proof line is not base64") from None
            if len(node) != HASH_SIZE or base64.b64encode(node).decode() != line:
                raise AuditFormatError("a consistency proof line must be one canonical base64 SHA-256 hash")
            proof.append(node)
        return cls(int(match.group(1)), tuple(proof), note)


@dataclass(frozen=True, slots=True)
class WitnessDecision:
    """What a witness answers: HTTP status, and on 200 the checkpoint to store and cosign."""

    status: int
    reason: str
    checkpoint: Checkpoint | None = None
    note: Note | None = None


def witness_decision(
    request: AddCheckpoint,
    log_keys: Sequence[NoteVerifier] | None,
    latest: tuple[int, bytes] | None,
) -> WitnessDecision:
    """Decide an add-checkpoint request as c2sp.org/tlog-witness says.

    ``log_keys`` are the keys trusted for the checkpoint's origin (``None``: origin unknown);
    ``latest`` the (size, root) of the newest checkpoint this witness cosigned for it.
    404 unknown origin, 403 no trusted signature, 400 old size above the new size, 409 old size
    not the witness's latest (or same size, different root: a fork), 422 bad consistency proof.
    """
    try:
        checkpoint, note = parse_checkpoint(request.checkpoint_note)
    except AuditFormatError as exc:
        return WitnessDecision(400, f"the checkpoint is malformed ({exc})")
    if log_keys is None:
        return WitnessDecision(404, "this witness does not know that log's origin")
    try:
        verify_note(note, [key for key in log_keys if key.name == checkpoint.origin] or log_keys)
    except SignatureError as exc:
        return WitnessDecision(403, f"the checkpoint is not signed by the log's key ({exc})")
    if request.old_size > checkpoint.size:
        return WitnessDecision(400, "the old size is larger than the checkpoint's size")
    latest_size = 0 if latest is None else latest[0]
    if request.old_size != latest_size:
        return WitnessDecision(409, f"the witness's latest checkpoint has size {latest_size}")
    if latest is not None and latest[0] == checkpoint.size and latest[1] != checkpoint.root_hash:
        return WitnessDecision(409, "a different root for the same size: the log forked")
    if latest is None:
        if request.proof:
            return WitnessDecision(422, "the proof must be empty when the old size is zero")
    else:
        try:
            verify_consistency(latest[0], checkpoint.size, latest[1], checkpoint.root_hash, request.proof)
        except ConsistencyProofError as exc:
            return WitnessDecision(422, f"the consistency proof does not verify ({exc})")
    return WitnessDecision(200, "cosigned", checkpoint, note)
