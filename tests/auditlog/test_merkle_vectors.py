"""Known-answer tests for the RFC 6962 / RFC 9162 Merkle tree.

The vectors below are the reference vectors published with Google's
Certificate Transparency implementation and carried on in
transparency-dev/merkle (Apache-2.0):

* ``proof/verify_test.go``: the 8 leaves, the roots of the first 1..8 of them,
  and the inclusion and consistency proofs (leaf numbers there are 1-based;
  they are converted to 0-based indices here);
* ``rfc6962/rfc6962_test.go``: the empty-tree, empty-leaf, leaf and node hashes;
* ``proof/proof_test.go``: which nodes make up inclusion and consistency proofs
  of small trees (checked here by comparing against hashes of those nodes).
"""

from __future__ import annotations

import hashlib

import pytest

from confide.auditlog import (
    EMPTY_ROOT,
    ConsistencyProofError,
    InclusionProofError,
    MemoryTree,
    consistency_proof,
    hash_children,
    hash_leaf,
    inclusion_proof,
    root_of_leaves,
    verify_consistency,
    verify_inclusion,
)


def h(hex_digest: str) -> bytes:
    return bytes.fromhex(hex_digest)


LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]

# ROOTS[n - 1] is the root of the tree over the first n leaves.
ROOTS = [
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# (0-based leaf index, tree size, proof)
INCLUSION_PROOFS = [
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (2, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (0, 1, []),
]

# (old size, new size, proof)
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture
def tree() -> MemoryTree:
    return MemoryTree(hash_leaf(leaf) for leaf in LEAVES)


def test_it_hashes_the_empty_tree_as_sha256_of_nothing() -> None:
    assert h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == EMPTY_ROOT
    assert MemoryTree().root() == EMPTY_ROOT
    assert root_of_leaves([]) == EMPTY_ROOT


def test_it_hashes_leaves_and_nodes_with_domain_prefixes() -> None:
    assert hash_leaf(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert hash_leaf(b"L123456") == h(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert hash_children(b"N123", b"N456") == h(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_a_node_hash_is_not_the_leaf_hash_of_its_children() -> None:
    left, right = hash_leaf(b"Hello"), hash_leaf(b"World")
    assert hash_children(left, right) != hash_leaf(left + right)
    assert hash_children(left, right) != hash_children(right, left)


@pytest.mark.parametrize("size", range(1, 9))
def test_it_computes_the_published_roots(tree: MemoryTree, size: int) -> None:
    assert tree.root(size) == ROOTS[size - 1]
    assert root_of_leaves(hash_leaf(leaf) for leaf in LEAVES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_it_generates_and_verifies_the_published_inclusion_proofs(
    tree: MemoryTree, index: int, size: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(tree, index, size) == proof
    verify_inclusion(hash_leaf(LEAVES[index]), index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_it_generates_and_verifies_the_published_consistency_proofs(
    tree: MemoryTree, old: int, new: int, proof: list[bytes]
) -> None:
    assert consistency_proof(tree, old, new) == proof
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


def _node(tree: MemoryTree, level: int, index: int) -> bytes:
    return tree.node_hash(level, index)


def test_it_builds_inclusion_proofs_from_the_published_node_lists() -> None:
    # transparency-dev/merkle proof/proof_test.go TestInclusion lists which nodes
    # form each proof; nodes marked "rehash" there are combined into one hash.
    tree = MemoryTree(hash_leaf(bytes([i])) for i in range(8))
    n = _node
    assert inclusion_proof(tree, 0, 7) == [
        n(tree, 0, 1),
        n(tree, 1, 1),
        hash_children(n(tree, 1, 2), n(tree, 0, 6)),
    ]
    assert inclusion_proof(tree, 4, 7) == [n(tree, 0, 5), n(tree, 0, 6), n(tree, 2, 0)]
    assert inclusion_proof(tree, 6, 7) == [n(tree, 1, 2), n(tree, 2, 0)]
    assert inclusion_proof(tree, 3, 5) == [n(tree, 0, 2), n(tree, 1, 0), n(tree, 0, 4)]
    assert inclusion_proof(tree, 4, 6) == [n(tree, 0, 5), n(tree, 2, 0)]


def test_it_builds_consistency_proofs_from_the_published_node_lists() -> None:
    tree = MemoryTree(hash_leaf(bytes([i])) for i in range(8))
    n = _node
    assert consistency_proof(tree, 5, 7) == [
        n(tree, 0, 4),
        n(tree, 0, 5),
        n(tree, 0, 6),
        n(tree, 2, 0),
    ]
    assert consistency_proof(tree, 3, 7) == [
        n(tree, 0, 2),
        n(tree, 0, 3),
        n(tree, 1, 0),
        hash_children(n(tree, 1, 2), n(tree, 0, 6)),
    ]
    assert consistency_proof(tree, 7, 8) == [
        n(tree, 0, 6),
        n(tree, 0, 7),
        n(tree, 1, 2),
        n(tree, 2, 0),
    ]
    assert consistency_proof(tree, 4, 6) == [n(tree, 1, 2)]


def _corrupted_inclusion_probes(
    index: int, size: int, proof: list[bytes], root: bytes, leaf: bytes
) -> list[tuple[str, int, int, list[bytes], bytes, bytes]]:
    """The corruptions transparency-dev/merkle applies in corruptInclusionProof."""
    probes = [
        ("index - 1", index - 1, size, proof, root, leaf),
        ("index + 1", index + 1, size, proof, root, leaf),
        ("index ^ 2", index ^ 2, size, proof, root, leaf),
        ("size * 2", index, size * 2, proof, root, leaf),
        ("size // 2", index, size // 2, proof, root, leaf),
        ("wrong leaf", index, size, proof, root, hashlib.sha256(b"WrongLeaf").digest()),
        ("empty root", index, size, proof, EMPTY_ROOT, leaf),
        ("random root", index, size, proof, SOME_HASH, leaf),
        ("trailing garbage", index, size, [*proof, b""], root, leaf),
        ("trailing root", index, size, [*proof, root], root, leaf),
        ("preceding garbage", index, size, [b"", *proof], root, leaf),
        ("preceding root", index, size, [root, *proof], root, leaf),
    ]
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes.append(
            (f"proof[{i}] bit 3", index, size, [*proof[:i], flipped, *proof[i + 1 :]], root, leaf)
        )
    if proof:
        probes.append(("removed component", index, size, proof[:-1], root, leaf))
    if len(proof) > 1:
        probes.append(
            ("inserted component", index, size, [proof[0], SOME_HASH, *proof[1:]], root, leaf)
        )
    return probes


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS[:4])
def test_it_rejects_every_published_corruption_of_an_inclusion_proof(
    index: int, size: int, proof: list[bytes]
) -> None:
    leaf = hash_leaf(LEAVES[index])
    accepted = []
    for name, i, n, p, root, lf in _corrupted_inclusion_probes(
        index, size, proof, ROOTS[size - 1], leaf
    ):
        try:
            verify_inclusion(lf, i, n, p, root)
        except InclusionProofError:
            continue
        accepted.append(name)
    assert accepted == []


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS[1:])
def test_it_rejects_every_published_corruption_of_a_consistency_proof(
    old: int, new: int, proof: list[bytes]
) -> None:
    root1, root2 = ROOTS[old - 1], ROOTS[new - 1]
    wrong = hashlib.sha256(b"WrongRoot").digest()
    probes = [
        ("old - 1", old - 1, new, root1, root2, proof),
        ("old + 1", old + 1, new, root1, root2, proof),
        ("old ^ 2", old ^ 2, new, root1, root2, proof),
        ("new * 2", old, new * 2, root1, root2, proof),
        ("new // 2", old, new // 2, root1, root2, proof),
        ("wrong root1", old, new, wrong, root2, proof),
        ("wrong root2", old, new, root1, wrong, proof),
        ("swapped roots", old, new, root2, root1, proof),
        ("empty proof", old, new, root1, root2, []),
        ("trailing garbage", old, new, root1, root2, [*proof, b""]),
        ("trailing root1", old, new, root1, root2, [*proof, root1]),
        ("trailing root2", old, new, root1, root2, [*proof, root2]),
        ("preceding garbage", old, new, root1, root2, [b"", *proof]),
        ("preceding root1", old, new, root1, root2, [root1, *proof]),
        ("preceding root2", old, new, root1, root2, [root2, *proof]),
        ("preceding proof[0]", old, new, root1, root2, [proof[0], *proof]),
        ("truncated proof", old, new, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        flipped = bytes([proof[i][0] ^ 16]) + proof[i][1:]
        probes.append(
            (f"proof[{i}] bit 4", old, new, root1, root2, [*proof[:i], flipped, *proof[i + 1 :]])
        )
    accepted = []
    for name, m, n, r1, r2, p in probes:
        try:
            verify_consistency(m, n, r1, r2, p)
        except ConsistencyProofError:
            continue
        accepted.append(name)
    assert accepted == []


@pytest.mark.parametrize(
    ("old", "new", "root1", "root2", "proof"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]),
        (0, 1, EMPTY_ROOT, ROOTS[0], [EMPTY_ROOT]),
        (1, 1, ROOTS[0], ROOTS[0], [EMPTY_ROOT]),
        (1, 1, ROOTS[0], ROOTS[1], []),
        (1, 0, ROOTS[0], EMPTY_ROOT, []),
        (2, 1, ROOTS[1], ROOTS[0], []),
        (1, 2, ROOTS[0], ROOTS[1], []),
        (0, 3, SOME_HASH, ROOTS[2], []),
    ],
)
def test_it_rejects_degenerate_consistency_proofs(
    old: int, new: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(ConsistencyProofError):
        verify_consistency(old, new, root1, root2, proof)


def test_any_tree_is_consistent_with_the_empty_tree() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 8, EMPTY_ROOT, ROOTS[7], [])


@pytest.mark.parametrize(("index", "size"), [(0, 0), (1, 0), (2, 1), (-1, 4)])
def test_it_rejects_inclusion_of_an_index_outside_the_tree(index: int, size: int) -> None:
    with pytest.raises(InclusionProofError):
        verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


def test_a_single_leaf_is_its_own_root_and_needs_no_proof() -> None:
    leaf = hash_leaf(b"data")
    verify_inclusion(leaf, 0, 1, [], leaf)
    with pytest.raises(InclusionProofError):
        verify_inclusion(leaf, 0, 1, [], b"")
    with pytest.raises(InclusionProofError):
        verify_inclusion(b"", 0, 1, [], leaf)


def test_it_refuses_to_generate_proofs_beyond_the_stored_tree(tree: MemoryTree) -> None:
    with pytest.raises(ValueError, match="cannot prove"):
        inclusion_proof(tree, 8, 8)
    with pytest.raises(ValueError, match="cannot prove"):
        inclusion_proof(tree, 0, 9)
    with pytest.raises(ValueError, match="cannot prove"):
        consistency_proof(tree, 9, 8)
    with pytest.raises(ValueError, match="cannot prove"):
        consistency_proof(tree, 3, 9)
