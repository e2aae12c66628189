"""The Merkle tree of RFC 6962 / RFC 9162 §2.1, its proofs and their verification.

Terminology. A *complete subtree* is the subtree of ``2**level`` leaves that
starts at leaf ``index * 2**level``; it is named by ``(level, index)``. Level 0
holds the leaf hashes themselves. Once the log has grown past its last leaf a
complete subtree never changes, so it can be stored once and looked up for
ever. Every tree hash the RFC defines for a non-power-of-two size is a fold of
O(log n) such complete subtrees, which is why proofs and roots for any size
need only O(log n) lookups in a ``HashStore``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from confide.auditlog.errors import ConsistencyProofError, InclusionProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "HashStore",
    "MemoryTree",
    "Node",
    "NodeMap",
    "consistency_proof",
    "hash_children",
    "hash_leaf",
    "inclusion_proof",
    "nodes_for_consistency_proof",
    "nodes_for_inclusion_proof",
    "nodes_for_root",
    "root_at",
    "root_of_leaves",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
# A proof never has more than one hash per level plus one, and sizes are below 2**64.
_MAX_PROOF_LENGTH = 2 * 64

_sha256 = hashlib.sha256


def hash_leaf(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash SHA-256(0x00 ‖ entry)."""
    return _sha256(b"\x00" + entry).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True, slots=True)
class Node:
    """A complete subtree hash: ``2**level`` leaves starting at ``index * 2**level``."""

    level: int
    index: int
    hash: bytes


class HashStore(Protocol):
    """Read access to the complete-subtree hashes of an append-only tree.

    The app layer implements this over a database table keyed by
    ``(level, index)``; ``MemoryTree`` is the in-memory implementation.
    """

    def size(self) -> int:
        """Return the number of leaves in the tree."""
        ...

    def node_hash(self, level: int, index: int) -> bytes:
        """Return the hash of complete subtree ``(level, index)``.

        Raise ``LookupError`` if that subtree is not complete yet.
        """
        ...


def _largest_power_of_two_below(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (for n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes")


def _fold(peaks: Sequence[bytes]) -> bytes:
    """Fold subtree hashes of decreasing size into one hash, right to left."""
    result = peaks[-1]
    for peak in reversed(peaks[:-1]):
        result = hash_children(peak, result)
    return result


def _range_hash(store: HashStore, start: int, end: int) -> bytes:
    """Return MTH(D[start:end]) for a range that arises in the RFC's recursion.

    Such ranges start at a multiple of a power of two at least as large as the
    range, so greedily cutting off the largest aligned complete subtree from
    the left yields the binary decomposition of the range's length, and
    folding those subtrees right to left is exactly the RFC's MTH. That costs
    at most log2(n) lookups and hashes.
    """
    peaks: list[bytes] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        peaks.append(store.node_hash(level, start >> level))
        start += 1 << level
    return _fold(peaks)


def subtree_hash(store: HashStore, start: int, end: int) -> bytes:
    """Return MTH(D[start:end]) where ``start`` is aligned as in RFC 9162 proofs.

    ``start`` must be zero or a multiple of a power of two that is at least
    ``end - start``; ``end`` must not exceed the store's size.
    """
    if not 0 <= start < end <= store.size():
        raise ValueError(f"range [{start}, {end}) is not a non-empty range of the tree")
    if start and (start & -start) < _largest_power_of_two_below(end - start + 1):
        raise ValueError(f"range [{start}, {end}) is not aligned")
    return _range_hash(store, start, end)


def root_at(store: HashStore, size: int) -> bytes:
    """Return the Merkle tree hash of the first ``size`` leaves of ``store``."""
    if not 0 <= size <= store.size():
        raise ValueError(f"size {size} is outside the tree of {store.size()} leaves")
    if size == 0:
        return EMPTY_ROOT
    return _range_hash(store, 0, size)


def root_of_leaves(leaf_hashes: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash of a sequence of leaf hashes."""
    frontier = CompactRange()
    for leaf in leaf_hashes:
        frontier.append(leaf)
    return frontier.root()


def inclusion_proof(store: HashStore, index: int, size: int) -> list[bytes]:
    """Return the RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in tree ``size``.

    The proof lists sibling hashes from the leaf upwards. At most one of them
    covers an incomplete range, so generation needs O(log n) store lookups.
    """
    if not 0 <= index < size <= store.size():
        raise ValueError(
            f"cannot prove leaf {index} in a tree of {size} (store has {store.size()})"
        )
    proof: list[bytes] = []
    start, m, n = 0, index, size
    while n > 1:
        k = _largest_power_of_two_below(n)
        if m < k:
            proof.append(_range_hash(store, start + k, start + n))
            n = k
        else:
            proof.append(_range_hash(store, start, start + k))
            start, m, n = start + k, m - k, n - k
    proof.reverse()
    return proof


def consistency_proof(store: HashStore, old_size: int, new_size: int) -> list[bytes]:
    """Return the RFC 9162 §2.1.4.1 consistency proof between two tree sizes.

    The proof is empty when ``old_size`` is 0 or equal to ``new_size``.
    """
    if not 0 <= old_size <= new_size <= store.size():
        raise ValueError(
            f"cannot prove consistency from {old_size} to {new_size} (store has {store.size()})"
        )
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, m, n = 0, old_size, new_size
    whole_old_tree_is_a_subtree = True
    while m != n:
        k = _largest_power_of_two_below(n)
        if m <= k:
            proof.append(_range_hash(store, start + k, start + n))
            n = k
        else:
            proof.append(_range_hash(store, start, start + k))
            start, m, n = start + k, m - k, n - k
            whole_old_tree_is_a_subtree = False
    if not whole_old_tree_is_a_subtree:
        proof.append(_range_hash(store, start, start + n))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an inclusion proof (RFC 9162 §2.1.3.2); raise ``InclusionProofError`` if bad."""
    if not 0 <= index < size:
        raise InclusionProofError(f"leaf index {index} is not inside a tree of size {size}")
    if len(leaf_hash) != HASH_SIZE or len(root) != HASH_SIZE:
        raise InclusionProofError(f"leaf and root hashes must be {HASH_SIZE} bytes")
    if len(proof) > _MAX_PROOF_LENGTH or any(len(p) != HASH_SIZE for p in proof):
        raise InclusionProofError(f"the proof is not a list of {HASH_SIZE}-byte hashes")
    fn, sn, r = index, size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            raise InclusionProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            r = hash_children(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = hash_children(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InclusionProofError("the proof is shorter than the path to the root")
    if not hmac.compare_digest(r, root):
        raise InclusionProofError(
            f"leaf {index} with this proof does not lead to the root of the tree of size {size}"
        )


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check a consistency proof (RFC 9162 §2.1.4.2); raise ``ConsistencyProofError`` if bad.

    Beyond the RFC's algorithm: an older tree of size 0 must have the empty
    root, and a proof between equal sizes must be empty with equal roots.
    """
    if not 0 <= old_size <= new_size:
        raise ConsistencyProofError(
            f"a tree of size {new_size} cannot extend a tree of size {old_size}"
        )
    if len(old_root) != HASH_SIZE or len(new_root) != HASH_SIZE:
        raise ConsistencyProofError(f"roots must be {HASH_SIZE} bytes")
    if len(proof) > _MAX_PROOF_LENGTH or any(len(p) != HASH_SIZE for p in proof):
        raise ConsistencyProofError(f"the proof is not a list of {HASH_SIZE}-byte hashes")
    if old_size == 0:
        if proof:
            raise ConsistencyProofError("a proof from the empty tree must be empty")
        if not hmac.compare_digest(old_root, EMPTY_ROOT):
            raise ConsistencyProofError("the root of the empty tree must be SHA-256 of nothing")
        return
    if old_size == new_size:
        if proof:
            raise ConsistencyProofError("a proof between equal sizes must be empty")
        if not hmac.compare_digest(old_root, new_root):
            raise ConsistencyProofError(f"two trees of size {old_size} have different roots")
        return
    if not proof:
        raise ConsistencyProofError("the proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ConsistencyProofError("the proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            fr = hash_children(c, fr)
            sr = hash_children(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = hash_children(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ConsistencyProofError("the proof is shorter than the path to the root")
    if not hmac.compare_digest(fr, old_root):
        raise ConsistencyProofError(f"the proof does not lead to the root of size {old_size}")
    if not hmac.compare_digest(sr, new_root):
        raise ConsistencyProofError(f"the proof does not lead to the root of size {new_size}")


class _Recorder:
    """A stand-in store that records which subtrees an operation looks up.

    Which subtrees the algorithms above read depends only on the sizes and
    indices involved, never on hash values, so a dry run against this store
    lists exactly the lookups the real run will make.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self.wanted: list[tuple[int, int]] = []

    def size(self) -> int:
        return self._size

    def node_hash(self, level: int, index: int) -> bytes:
        self.wanted.append((level, index))
        return bytes(HASH_SIZE)


def nodes_for_root(size: int) -> list[tuple[int, int]]:
    """List the ``(level, index)`` subtrees that ``root_at(store, size)`` reads."""
    recorder = _Recorder(size)
    root_at(recorder, size)
    return recorder.wanted


def nodes_for_inclusion_proof(index: int, size: int) -> list[tuple[int, int]]:
    """List the subtrees that ``inclusion_proof(store, index, size)`` reads.

    A database-backed store can fetch them in one query and serve the proof
    from a ``NodeMap``.
    """
    recorder = _Recorder(size)
    inclusion_proof(recorder, index, size)
    return recorder.wanted


def nodes_for_consistency_proof(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """List the subtrees that ``consistency_proof(store, old_size, new_size)`` reads."""
    recorder = _Recorder(new_size)
    consistency_proof(recorder, old_size, new_size)
    return recorder.wanted


class NodeMap:
    """A ``HashStore`` over subtree hashes fetched in advance, keyed by ``(level, index)``."""

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int, hashes: Mapping[tuple[int, int], bytes]) -> None:
        self._size = size
        self._hashes = hashes

    def size(self) -> int:
        """Return the number of leaves in the tree the hashes come from."""
        return self._size

    def node_hash(self, level: int, index: int) -> bytes:
        """Return a prefetched subtree hash; raise ``LookupError`` if it was not fetched."""
        try:
            return self._hashes[level, index]
        except KeyError:
            raise LookupError(f"subtree ({level}, {index}) was not fetched") from None


class CompactRange:
    """The O(log n) frontier of a tree: the complete subtrees covering its leaves.

    It is enough to append leaves and compute the root without storing the
    tree. ``append`` returns every complete subtree it finishes, which is what
    a persistent ``HashStore`` must save.
    """

    __slots__ = ("_peaks", "_size")

    def __init__(self, size: int = 0, peaks: Sequence[bytes] = ()) -> None:
        if size < 0 or len(peaks) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {max(size, 0).bit_count()} peaks")
        for peak in peaks:
            _check_hash(peak, "a peak hash")
        self._size = size
        self._peaks = list(peaks)

    @classmethod
    def from_store(cls, store: HashStore, size: int | None = None) -> CompactRange:
        """Load the frontier of the first ``size`` leaves (default: all) from a store."""
        size = store.size() if size is None else size
        if not 0 <= size <= store.size():
            raise ValueError(f"size {size} is outside the tree of {store.size()} leaves")
        peaks = []
        start = 0
        for level in reversed(range(size.bit_length())):
            if size >> level & 1:
                peaks.append(store.node_hash(level, start >> level))
                start += 1 << level
        return cls(size, peaks)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def peaks(self) -> tuple[bytes, ...]:
        """The complete subtree hashes, largest (leftmost) first."""
        return tuple(self._peaks)

    def append(self, leaf_hash: bytes) -> list[Node]:
        """Append a leaf hash; return the new complete subtrees, the leaf first."""
        _check_hash(leaf_hash, "a leaf hash")
        index = self._size
        created = [Node(0, index, leaf_hash)]
        node, level = leaf_hash, 0
        peaks = self._peaks
        while index & 1:
            node = hash_children(peaks.pop(), node)
            index >>= 1
            level += 1
            created.append(Node(level, index, node))
        peaks.append(node)
        self._size += 1
        return created

    def root(self) -> bytes:
        """Return the Merkle tree hash of the leaves appended so far."""
        return _fold(self._peaks) if self._peaks else EMPTY_ROOT


class MemoryTree:
    """An in-memory ``HashStore`` that keeps every complete subtree hash.

    Each level is one ``bytearray`` of concatenated 32-byte hashes, so a tree
    of n leaves takes about 64·n bytes. ``append`` adds the leaf and the at
    most log2(n) subtrees it completes.
    """

    __slots__ = ("_levels",)

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        for leaf in leaf_hashes:
            self.append(leaf)

    def size(self) -> int:
        """Return the number of leaves in the tree."""
        return len(self._levels[0]) // HASH_SIZE

    def append(self, leaf_hash: bytes) -> int:
        """Append a leaf hash and return its index."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash must be {HASH_SIZE} bytes")
        levels = self._levels
        position = len(levels[0]) // HASH_SIZE
        levels[0] += leaf_hash
        index, level, node = position, 0, leaf_hash
        while index & 1:
            row = levels[level]
            node = hash_children(bytes(row[-2 * HASH_SIZE : -HASH_SIZE]), node)
            level += 1
            index >>= 1
            if level == len(levels):
                levels.append(bytearray())
            levels[level] += node
        return position

    def extend(self, leaf_hashes: bytes | bytearray) -> None:
        """Append many leaves at once, given as their concatenated 32-byte hashes.

        The same tree as ``append`` one by one, built a level at a time: the hashing runs in
        one tight loop per level instead of a Python call per node (verification uses it).
        """
        if len(leaf_hashes) % HASH_SIZE:
            raise ValueError(f"leaf hashes must be a multiple of {HASH_SIZE} bytes")
        levels = self._levels
        levels[0] += leaf_hashes
        level = 0
        sha256 = hashlib.sha256
        while len(levels[level]) >= 2 * HASH_SIZE:
            if level + 1 == len(levels):
                levels.append(bytearray())
            done = len(levels[level + 1]) // HASH_SIZE
            pairs = len(levels[level]) // (2 * HASH_SIZE)
            if pairs > done:
                width = 2 * HASH_SIZE
                row = bytes(levels[level][done * width : pairs * width])
                levels[level + 1] += b"".join(
                    [sha256(b"\x01" + row[offset : offset + width]).digest() for offset in range(0, len(row), width)]
                )
            level += 1

    def store(self, nodes: Iterable[Node]) -> None:
        """Save complete subtree hashes produced by ``CompactRange.append``, in order."""
        for node in nodes:
            _check_hash(node.hash, "a node hash")
            while node.level >= len(self._levels):
                self._levels.append(bytearray())
            row = self._levels[node.level]
            if node.index != len(row) // HASH_SIZE:
                raise ValueError(f"node ({node.level}, {node.index}) is out of order")
            row += node.hash

    def level_hashes(self, level: int) -> bytes:
        """Return every complete subtree hash of ``level``, concatenated in index order."""
        return bytes(self._levels[level]) if 0 <= level < len(self._levels) else b""

    def levels(self) -> int:
        """Return how many levels hold at least one complete subtree."""
        return sum(1 for row in self._levels if row)

    def node_hash(self, level: int, index: int) -> bytes:
        """Return the hash of complete subtree ``(level, index)``."""
        if level < 0 or index < 0 or level >= len(self._levels):
            raise LookupError(f"no complete subtree ({level}, {index})")
        row = self._levels[level]
        offset = index * HASH_SIZE
        if offset + HASH_SIZE > len(row):
            raise LookupError(f"no complete subtree ({level}, {index})")
        return bytes(row[offset : offset + HASH_SIZE])

    def root(self, size: int | None = None) -> bytes:
        """Return the tree hash of the first ``size`` leaves (default: all)."""
        return root_at(self, self.size() if size is None else size)
