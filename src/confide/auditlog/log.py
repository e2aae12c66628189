"""The log itself: stored rows, appending, and verifying a whole log.

Every row of the log carries its entry, the entry's leaf hash and a signed
tree head for the tree that ends with that entry. Appending is therefore
"hash, extend the frontier, sign": one Ed25519 signature per entry. In return,
verification can name the exact first entry that was edited, removed, inserted
or moved, even against someone who could rewrite every stored hash, because
they cannot forge the signatures. See docs/adr/0003-audit-log-merkle-tree.md.
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from confide.auditlog.errors import (
    AuditFormatError,
    LogIntegrityError,
    SignatureError,
)
from confide.auditlog.events import AuditEvent, decode_entry, encode_entry
from confide.auditlog.heads import SignedTreeHead, key_id, sign_tree_head, verify_tree_head
from confide.auditlog.merkle import (
    CompactRange,
    MemoryTree,
    Node,
    consistency_proof,
    hash_leaf,
    inclusion_proof,
    root_at,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "AppendResult",
    "BatchResult",
    "LogReader",
    "LogRecord",
    "MemoryLog",
    "VerifiedLog",
    "append_batch",
    "append_record",
    "verify_entry_in_head",
    "verify_head_extends",
    "verify_log",
]


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One stored row: entry ``position``, its bytes, leaf hash and signed head.

    ``head`` is the signed tree head of size ``position + 1``, i.e. of the log
    as it stood right after this entry was appended. Entries appended together
    in one batch (``append_batch``) share one head, carried by the batch's last
    row; the others have ``head=None``. The newest row always carries a head.
    """

    position: int
    entry: bytes
    leaf_hash: bytes
    head: SignedTreeHead | None


class LogReader(Protocol):
    """Read access to the stored rows, as the app layer's table provides it."""

    def records(self, start: int = 0) -> Iterable[LogRecord]:
        """Yield the stored rows whose position is at least ``start``, in position order."""
        ...


class AppendResult(NamedTuple):
    """What one append produces: the row to insert and the subtree hashes to store."""

    record: LogRecord
    nodes: list[Node]


@dataclass(frozen=True, slots=True)
class VerifiedLog:
    """The outcome of a successful ``verify_log``: the size and root it proved."""

    size: int
    root_hash: bytes
    latest_head: SignedTreeHead | None
    # The recomputed tree, for checking the stored subtree hashes against it (not compared).
    tree: MemoryTree | None = field(default=None, repr=False, compare=False)


def append_record(
    frontier: CompactRange,
    event: AuditEvent,
    signing_key: Ed25519PrivateKey,
    signed_at: datetime,
    *,
    origin: str | None = None,
) -> AppendResult:
    """Append ``event`` to the tree whose frontier is ``frontier``.

    ``frontier`` is advanced in place. The caller stores ``record`` and
    ``nodes`` in the same transaction, and discards ``frontier`` if that
    transaction fails (reload it with ``CompactRange.from_store``).
    """
    entry = encode_entry(event)
    leaf = hash_leaf(entry)
    nodes = frontier.append(leaf)
    head = sign_tree_head(signing_key, frontier.size, frontier.root(), signed_at, origin=origin)
    return AppendResult(LogRecord(frontier.size - 1, entry, leaf, head), nodes)


class BatchResult(NamedTuple):
    """What one batch append produces: the rows to insert (only the last signed) and subtree hashes."""

    records: list[LogRecord]
    nodes: list[Node]
    head: SignedTreeHead


def append_batch(
    frontier: CompactRange,
    entries: Iterable[bytes],
    signing_key: Ed25519PrivateKey,
    signed_at: datetime,
    *,
    origin: str | None = None,
) -> BatchResult:
    """Append already-encoded ``entries`` to the tree and sign ONE head for the result.

    Every entry is decoded first, so a malformed one raises ``AuditFormatError``
    before the frontier changes. Only the last returned record carries the
    signed head; the caller stores all of them and the nodes in one transaction
    (a failed transaction must discard ``frontier``). With ``origin`` the head is a C2SP
    checkpoint of that log; without it a v1 head.
    """
    entries = list(entries)
    if not entries:
        raise ValueError("a batch needs at least one entry")
    for entry in entries:
        decode_entry(entry)
    records: list[LogRecord] = []
    nodes: list[Node] = []
    for entry in entries:
        leaf = hash_leaf(entry)
        nodes += frontier.append(leaf)
        records.append(LogRecord(frontier.size - 1, entry, leaf, None))
    head = sign_tree_head(signing_key, frontier.size, frontier.root(), signed_at, origin=origin)
    records[-1] = LogRecord(records[-1].position, records[-1].entry, records[-1].leaf_hash, head)
    return BatchResult(records, nodes, head)


class MemoryLog:
    """An in-memory audit log: the reference for what the app layer stores."""

    def __init__(self, signing_key: Ed25519PrivateKey, *, origin: str | None = None) -> None:
        self._signing_key = signing_key
        self._origin = origin
        self._frontier = CompactRange()
        self._tree = MemoryTree()
        self._rows: list[LogRecord] = []

    @property
    def tree(self) -> MemoryTree:
        """The complete-subtree hashes of the log."""
        return self._tree

    def size(self) -> int:
        """Return the number of entries."""
        return len(self._rows)

    def append(self, event: AuditEvent, signed_at: datetime) -> LogRecord:
        """Append an event and return its stored row."""
        record, nodes = append_record(self._frontier, event, self._signing_key, signed_at, origin=self._origin)
        self._tree.store(nodes)
        self._rows.append(record)
        return record

    def append_batch(self, events: Iterable[AuditEvent], signed_at: datetime) -> list[LogRecord]:
        """Append several events under one signed head (carried by the last row)."""
        batch = append_batch(
            self._frontier, [encode_entry(event) for event in events], self._signing_key, signed_at, origin=self._origin
        )
        self._tree.store(batch.nodes)
        self._rows += batch.records
        return batch.records

    def use_signing_key(self, signing_key: Ed25519PrivateKey) -> None:
        """Sign the tree heads of later entries with a new key (key rotation)."""
        self._signing_key = signing_key

    def records(self, start: int = 0) -> Iterator[LogRecord]:
        """Yield the rows from position ``start`` on."""
        return itertools.islice(self._rows, start, None)

    def latest_head(self) -> SignedTreeHead | None:
        """Return the signed tree head of the whole log, or ``None`` when it is empty."""
        return next((row.head for row in reversed(self._rows) if row.head is not None), None)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """Return the inclusion proof of entry ``index`` in the tree of ``size`` entries."""
        return inclusion_proof(self._tree, index, self.size() if size is None else size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """Return the consistency proof from ``old_size`` to ``new_size`` entries."""
        new_size = self.size() if new_size is None else new_size
        return consistency_proof(self._tree, old_size, new_size)


def verify_entry_in_head(
    public_key: Ed25519PublicKey,
    head: SignedTreeHead,
    entry: bytes,
    index: int,
    proof: list[bytes],
) -> None:
    """Check that ``entry`` is entry ``index`` of the log that ``head`` signs.

    Raises ``SignatureError`` for a bad head and ``InclusionProofError`` for a
    bad proof. This is what a client's view of their own access history uses.
    """
    verify_tree_head(public_key, head)
    verify_inclusion(hash_leaf(entry), index, head.size, proof, head.root_hash)


def verify_head_extends(
    public_key: Ed25519PublicKey,
    old_head: SignedTreeHead,
    new_head: SignedTreeHead,
    proof: list[bytes],
) -> None:
    """Check that ``new_head`` signs a log that extends the one ``old_head`` signs.

    Raises ``SignatureError`` for a bad head and ``ConsistencyProofError`` when
    the newer log is not an append-only extension (for example, it was truncated
    or rewritten).
    """
    verify_tree_head(public_key, old_head)
    verify_tree_head(public_key, new_head)
    verify_consistency(old_head.size, new_head.size, old_head.root_hash, new_head.root_hash, proof)


def _key_map(
    public_key: Ed25519PublicKey | Iterable[Ed25519PublicKey],
) -> dict[bytes, Ed25519PublicKey]:
    keys = [public_key] if isinstance(public_key, Ed25519PublicKey) else list(public_key)
    if not keys:
        raise ValueError("at least one public key is needed to verify the log")
    return {key_id(key): key for key in keys}


def _check_signature(keys: Mapping[bytes, Ed25519PublicKey], head: SignedTreeHead) -> None:
    key = keys.get(head.key_id)
    if key is None:
        raise SignatureError(
            f"the tree head of size {head.size} is signed by unknown key {head.key_id.hex()[:16]}…"
        )
    verify_tree_head(key, head)


def _row_shape_problem(position: int, record: LogRecord, check_format: bool) -> str | None:
    """Return what is wrong with a row on its own, without the tree, or ``None``."""
    if record.position != position:
        if record.position > position:
            return f"the row is missing (the next stored row is numbered {record.position})"
        return f"the row is out of sequence (it is numbered {record.position})"
    if record.head is not None and record.head.size != position + 1:
        return (
            f"the signed tree head stored with this entry is for size {record.head.size}, "
            f"not {position + 1}: rows were removed, inserted or moved"
        )
    if hash_leaf(record.entry) != record.leaf_hash:
        return "the entry does not match its stored leaf hash: the entry or its hash was altered"
    if check_format:
        try:
            decode_entry(record.entry)
        except AuditFormatError as error:
            return f"the entry is not a well-formed audit entry ({error})"
    return None


def _row_problem(
    position: int,
    record: LogRecord,
    tree: MemoryTree,
    keys: Mapping[bytes, Ed25519PublicKey],
    check_format: bool,
) -> str | None:
    """Return what is wrong with a row given the recomputed tree, or ``None``."""
    problem = _row_shape_problem(position, record, check_format)
    if problem is not None:
        return problem
    if record.head is None:
        return None
    if record.head.root_hash != root_at(tree, position + 1):
        return (
            "the tree recomputed from the entries up to here differs from the signed tree "
            "head stored with this entry: this entry was altered, removed, inserted or moved"
        )
    try:
        _check_signature(keys, record.head)
    except SignatureError as error:
        return f"the tree head stored with this entry is not authentic ({error})"
    return None


def _fetch(log: LogReader, position: int) -> LogRecord | None:
    return next(iter(log.records(position)), None)


def verify_log(
    log: LogReader,
    heads: Iterable[SignedTreeHead],
    public_key: Ed25519PublicKey | Iterable[Ed25519PublicKey],
    *,
    check_entry_format: bool = False,
) -> VerifiedLog:
    """Recompute the tree from the stored entries and check it against every head.

    ``heads`` are tree heads kept outside the log (saved files, heads handed
    to clients, a witness); ``public_key`` may be several keys when the
    signing key was rotated. On success the verified size and root are
    returned. Otherwise:

    * ``SignatureError`` when one of ``heads`` is not validly signed;
    * ``LogIntegrityError`` naming the first bad position when the rows are
      inconsistent. For rows that fail on their own (a gap, a changed entry),
      and for a rewrite that kept every stored hash consistent but could not
      re-sign, the position is exact: it is found by bisecting the per-row
      signed heads, which are valid before the first change and cannot be
      valid after it. When an outside head disagrees with a log whose own
      heads are all valid (the signing key itself was misused), the position
      is a range ending at that head's size. A log shorter than an outside
      head fails at its first missing position.

    With ``check_entry_format`` every entry is also decoded, and one that is
    not a well-formed audit event is reported like a tampered one. It is off
    by default because it is not needed for integrity (every entry was
    validated when it was appended and is covered by the signed heads) and it
    roughly doubles the time taken.
    """
    keys = _key_map(public_key)
    outside_heads = sorted(heads, key=lambda head: head.size)
    for head in outside_heads:
        _check_signature(keys, head)

    tree = MemoryTree()
    suspect: tuple[int, str] | None = None
    last: LogRecord | None = None
    last_head: SignedTreeHead | None = None
    # Positions of the rows that carry a signed head (one per appended batch).
    signed = array("q")
    position = 0
    leaves = bytearray()
    sha256 = hashlib.sha256
    # The hot loop of a million-row verify: the checks of `_row_shape_problem`, inlined, and the
    # leaf hashes collected so that the tree is built a level at a time afterwards.
    for position, record in enumerate(log.records(0)):
        row_head = record.head
        if (
            check_entry_format
            or record.position != position
            or (row_head is not None and row_head.size != position + 1)
            or sha256(b"\x00" + record.entry).digest() != record.leaf_hash
        ):
            problem = _row_shape_problem(position, record, check_entry_format)
            if problem is not None:
                suspect = (position, problem)
                break
        leaves += record.leaf_hash
        last = record
        if row_head is not None:
            signed.append(position)
            last_head = row_head
    tree.extend(leaves)
    del leaves
    size = tree.size()

    if suspect is None and last is not None:
        if last.head is None:
            # Every batch ends with a signed row, so unsigned rows at the end were added by
            # someone without the key. The first of them is the first bad position.
            first_unsigned = signed[-1] + 1 if signed else 0
            suspect = (
                first_unsigned,
                "the entries from here on carry no signed tree head: they were added to the log from outside",
            )
        else:
            problem = _row_problem(size - 1, last, tree, keys, check_entry_format)
            if problem is not None:
                suspect = (size - 1, problem)

    if suspect is not None:
        # Every signed row before the first change is sound and every signed row from it on
        # is not, so the first unsound signed row can be found by bisection.
        candidates = [at for at in signed if at <= suspect[0]]
        low, high = 0, len(candidates)
        reason = suspect[1]
        while low < high:
            middle = (low + high) // 2
            row = _fetch(log, candidates[middle])
            problem = (
                "the row is missing"
                if row is None
                else _row_problem(candidates[middle], row, tree, keys, check_entry_format)
            )
            if problem is None:
                low = middle + 1
            else:
                high, reason = middle, problem
        if low == len(candidates):
            raise LogIntegrityError(suspect[0], reason)
        first = candidates[low - 1] + 1 if low > 0 else 0
        bad = candidates[low]
        if first == bad:
            raise LogIntegrityError(bad, reason)
        # The change lies in a batch signed by one head: only that range can be named.
        raise LogIntegrityError(first, reason, upper_bound=bad + 1)

    proven_size = 0
    for head in outside_heads:
        if head.size > size:
            raise LogIntegrityError(
                size,
                f"the log ends after {size} entries but a signed tree head from "
                f"{head.time_text()} covers {head.size}: entries were removed",
            )
        if head.root_hash != root_at(tree, head.size):
            raise LogIntegrityError(
                proven_size,
                f"the log's first {head.size} entries differ from what the signed tree head "
                f"from {head.time_text()} commits to, although every stored row "
                "is validly signed: history was rewritten with the signing key",
                upper_bound=head.size,
            )
        proven_size = head.size
    return VerifiedLog(size, tree.root(), last_head, tree)
