"""Property tests: the store-backed tree against the RFC's recursive definitions."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.auditlog import (
    EMPTY_ROOT,
    CompactRange,
    ConsistencyProofError,
    InclusionProofError,
    MemoryTree,
    NodeMap,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    nodes_for_consistency_proof,
    nodes_for_inclusion_proof,
    nodes_for_root,
    root_at,
    subtree_hash,
    verify_consistency,
    verify_inclusion,
)


def _k(n: int) -> int:
    """The largest power of two strictly below n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def reference_mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 §2.1.1 defines it, over leaf hashes."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return hash_children(reference_mth(leaves[:k]), reference_mth(leaves[k:]))


def reference_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) exactly as RFC 9162 §2.1.3.1 defines it."""
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*reference_path(m, leaves[:k]), reference_mth(leaves[k:])]
    return [*reference_path(m - k, leaves[k:]), reference_mth(leaves[:k])]


def reference_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b) exactly as RFC 9162 §2.1.4.1 defines it."""
    n = len(leaves)
    if m == n:
        return [] if whole else [reference_mth(leaves)]
    k = _k(n)
    if m <= k:
        return [*reference_subproof(m, leaves[:k], whole), reference_mth(leaves[k:])]
    return [*reference_subproof(m - k, leaves[k:], False), reference_mth(leaves[:k])]


def leaves_of(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


@st.composite
def size_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=300))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(st.integers(min_value=1, max_value=300))
    return draw(st.integers(min_value=1, max_value=new)), new


TREE = MemoryTree(leaves_of(300))
LEAVES = leaves_of(300)


def test_every_root_matches_the_recursive_definition() -> None:
    frontier = CompactRange()
    assert frontier.root() == EMPTY_ROOT
    for n in range(1, 130):
        frontier.append(LEAVES[n - 1])
        expected = reference_mth(LEAVES[:n])
        assert root_at(TREE, n) == expected
        assert frontier.root() == expected
        assert CompactRange.from_store(TREE, n).root() == expected


def test_every_inclusion_proof_up_to_64_leaves_verifies() -> None:
    for size in range(1, 65):
        root = root_at(TREE, size)
        for index in range(size):
            proof = inclusion_proof(TREE, index, size)
            assert proof == reference_path(index, LEAVES[:size])
            verify_inclusion(LEAVES[index], index, size, proof, root)


def test_every_consistency_proof_up_to_64_leaves_verifies() -> None:
    for new in range(1, 65):
        for old in range(1, new + 1):
            proof = consistency_proof(TREE, old, new)
            assert proof == reference_subproof(old, LEAVES[:new], True)
            verify_consistency(old, new, root_at(TREE, old), root_at(TREE, new), proof)


@given(size_and_index())
def test_an_inclusion_proof_verifies_for_any_index_and_size(case: tuple[int, int]) -> None:
    size, index = case
    proof = inclusion_proof(TREE, index, size)
    assert proof == reference_path(index, LEAVES[:size])
    verify_inclusion(LEAVES[index], index, size, proof, root_at(TREE, size))


@given(two_sizes())
def test_a_consistency_proof_verifies_for_any_two_sizes(case: tuple[int, int]) -> None:
    old, new = case
    proof = consistency_proof(TREE, old, new)
    assert proof == reference_subproof(old, LEAVES[:new], True)
    verify_consistency(old, new, root_at(TREE, old), root_at(TREE, new), proof)


def _flip(data: bytes, bit: int) -> bytes:
    bit %= len(data) * 8
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@given(size_and_index(), st.integers(min_value=0), st.integers(min_value=0))
def test_a_tampered_inclusion_proof_fails(case: tuple[int, int], which: int, bit: int) -> None:
    size, index = case
    proof = inclusion_proof(TREE, index, size)
    root = root_at(TREE, size)
    if proof:
        position = which % len(proof)
        bad = [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]]
        with pytest.raises(InclusionProofError):
            verify_inclusion(LEAVES[index], index, size, bad, root)
    with pytest.raises(InclusionProofError):
        verify_inclusion(_flip(LEAVES[index], bit), index, size, proof, root)
    with pytest.raises(InclusionProofError):
        verify_inclusion(LEAVES[index], index, size, proof, _flip(root, bit))
    with pytest.raises(InclusionProofError):
        verify_inclusion(LEAVES[index], index, size, [*proof, root], root)


@given(two_sizes(), st.integers(min_value=0), st.integers(min_value=0))
def test_a_tampered_consistency_proof_fails(case: tuple[int, int], which: int, bit: int) -> None:
    old, new = case
    proof = consistency_proof(TREE, old, new)
    old_root, new_root = root_at(TREE, old), root_at(TREE, new)
    if proof:
        position = which % len(proof)
        bad = [*proof[:position], _flip(proof[position], bit), *proof[position + 1 :]]
        with pytest.raises(ConsistencyProofError):
            verify_consistency(old, new, old_root, new_root, bad)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(old, new, _flip(old_root, bit), new_root, proof)
    with pytest.raises(ConsistencyProofError):
        verify_consistency(old, new, old_root, _flip(new_root, bit), proof)


@given(st.lists(st.binary(max_size=40), max_size=70))
def test_the_incremental_tree_and_frontier_agree_with_the_definition(
    entries: list[bytes],
) -> None:
    leaves = [hash_leaf(entry) for entry in entries]
    tree, frontier, from_nodes = MemoryTree(), CompactRange(), MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
        from_nodes.store(frontier.append(leaf))
    assert tree.root() == frontier.root() == from_nodes.root() == reference_mth(leaves)
    assert len(frontier.peaks) == len(leaves).bit_count()


@given(st.integers(min_value=0, max_value=299), st.integers(min_value=1, max_value=300))
def test_subtree_hash_matches_the_definition_for_aligned_ranges(start: int, length: int) -> None:
    end = start + length
    aligned = start == 0 or (start & -start) >= _k(length + 1)
    if end > 300 or not aligned:
        with pytest.raises(ValueError, match="range"):
            subtree_hash(TREE, start, end)
    else:
        assert subtree_hash(TREE, start, end) == reference_mth(LEAVES[start:end])


def test_an_append_adds_at_most_log_n_subtree_hashes() -> None:
    frontier = CompactRange()
    for n in range(1, 1025):
        created = frontier.append(hashlib.sha256(bytes(n % 256)).digest())
        assert len(created) <= n.bit_length()
    assert len(created) == 11  # The 1024th leaf completes the subtrees of levels 0 to 10.


class CountingStore:
    """A store that counts lookups, to hold proof generation to O(log n)."""

    def __init__(self, tree: MemoryTree) -> None:
        self.tree = tree
        self.lookups = 0

    def size(self) -> int:
        return self.tree.size()

    def node_hash(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.tree.node_hash(level, index)


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=4095), st.integers(min_value=0))
def test_proofs_and_roots_need_only_logarithmically_many_lookups(size: int, seed: int) -> None:
    store = CountingStore(BIG_TREE)
    index = seed % size
    root_at(store, size)
    assert store.lookups <= size.bit_length()
    store.lookups = 0
    inclusion_proof(store, index, size)
    assert store.lookups <= 2 * size.bit_length()
    store.lookups = 0
    consistency_proof(store, max(1, index), size)
    assert store.lookups <= 2 * size.bit_length()


BIG_TREE = MemoryTree(hash_leaf(i.to_bytes(4, "big")) for i in range(4096))


def test_a_store_refuses_subtrees_that_are_not_complete() -> None:
    tree = MemoryTree(LEAVES[:5])
    with pytest.raises(LookupError):
        tree.node_hash(1, 2)
    with pytest.raises(LookupError):
        tree.node_hash(3, 0)
    with pytest.raises(LookupError):
        tree.node_hash(0, -1)


def test_a_frontier_must_have_one_peak_per_set_bit_of_its_size() -> None:
    with pytest.raises(ValueError, match="peaks"):
        CompactRange(3, [LEAVES[0]])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange(1, [b"short"])


@settings(max_examples=50)
@given(st.integers(min_value=1, max_value=4096), st.integers(min_value=0))
def test_proofs_can_be_served_from_nodes_fetched_in_one_batch(size: int, seed: int) -> None:
    index = seed % size
    old = max(1, index)

    def fetched(wanted: list[tuple[int, int]]) -> NodeMap:
        return NodeMap(size, {key: BIG_TREE.node_hash(*key) for key in wanted})

    assert root_at(fetched(nodes_for_root(size)), size) == root_at(BIG_TREE, size)
    assert inclusion_proof(
        fetched(nodes_for_inclusion_proof(index, size)), index, size
    ) == inclusion_proof(BIG_TREE, index, size)
    assert consistency_proof(
        fetched(nodes_for_consistency_proof(old, size)), old, size
    ) == consistency_proof(BIG_TREE, old, size)


def test_a_node_map_refuses_a_subtree_it_was_not_given() -> None:
    with pytest.raises(LookupError, match="not fetched"):
        NodeMap(8, {}).node_hash(0, 0)
