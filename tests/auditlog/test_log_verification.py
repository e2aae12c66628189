"""Verifying a stored log: every kind of tampering is found, at the right entry.

The people: alice owns the practice and holds the log-signing key; bob is a
clinician whose accesses fill the log; mallory has write access to the
database (but not to the signing key) and tries to rewrite history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.auditlog import (
    AuditEvent,
    CompactRange,
    ConsistencyProofError,
    InclusionProofError,
    LogIntegrityError,
    LogRecord,
    MemoryLog,
    MemoryTree,
    Outcome,
    PurposeOfUse,
    SignatureError,
    SignedTreeHead,
    append_record,
    encode_entry,
    generate_signing_key,
    hash_leaf,
    root_of_leaves,
    sign_tree_head,
    signing_key_from_bytes,
    verify_entry_in_head,
    verify_head_extends,
    verify_log,
)

ALICE_KEY = signing_key_from_bytes(bytes(range(32)))
ALICE = ALICE_KEY.public_key()
MALLORY_KEY = signing_key_from_bytes(bytes(range(1, 33)))
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def event(number: int, actor: str = "usr_bob") -> AuditEvent:
    tags = [
        "record:note:read",
        "record:note:written",
        "auth:signin:succeeded",
        "record:document:exported",
    ]
    return AuditEvent(
        tag=tags[number % len(tags)],
        occurred_at=START + timedelta(minutes=number),
        actor_id=actor,
        purpose=PurposeOfUse.TREATMENT,
        outcome=Outcome.SUCCESS,
        client_id=f"cli_{number % 3}",
        sealed_detail=number.to_bytes(4, "big"),
    )


def build_log(size: int) -> MemoryLog:
    log = MemoryLog(ALICE_KEY)
    for number in range(size):
        log.append(event(number), START + timedelta(minutes=number))
    return log


class Rows:
    """A reader over a (possibly tampered) list of rows, ordered by position like a table."""

    def __init__(self, rows: list[LogRecord]) -> None:
        self.rows = sorted(rows, key=lambda row: row.position)

    def records(self, start: int = 0) -> Iterator[LogRecord]:
        return (row for row in self.rows if row.position >= start)


def rows_of(log: MemoryLog) -> list[LogRecord]:
    return list(log.records())


def rebuild(entries: list[bytes], sign: Callable[[int, bytes], SignedTreeHead]) -> list[LogRecord]:
    """Rows as mallory would write them: every hash, size and position consistent."""
    frontier = CompactRange()
    rows = []
    for position, entry in enumerate(entries):
        leaf = hash_leaf(entry)
        frontier.append(leaf)
        rows.append(LogRecord(position, entry, leaf, sign(frontier.size, frontier.root())))
    return rows


def signed_by_mallory(size: int, root: bytes) -> SignedTreeHead:
    return sign_tree_head(MALLORY_KEY, size, root, START)


def forged_as_alice(size: int, root: bytes) -> SignedTreeHead:
    # Mallory can name alice's key but cannot produce her signature.
    head = sign_tree_head(MALLORY_KEY, size, root, START)
    return replace(head, key_id=sign_tree_head(ALICE_KEY, size, root, START).key_id)


def failure(rows: list[LogRecord], heads: list[SignedTreeHead] | None = None) -> LogIntegrityError:
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), heads or [], ALICE)
    return caught.value


def test_an_intact_log_verifies() -> None:
    log = build_log(20)
    result = verify_log(log, [log.records().__next__().head], ALICE)
    assert result.size == 20
    assert result.root_hash == log.tree.root()
    assert result.latest_head == log.latest_head()


def test_an_empty_log_verifies() -> None:
    result = verify_log(MemoryLog(ALICE_KEY), [], ALICE)
    assert result.size == 0
    assert result.latest_head is None


def test_an_edited_entry_is_located() -> None:
    rows = rows_of(build_log(20))
    rows[7] = replace(rows[7], entry=encode_entry(event(7, actor="usr_mallory")))
    error = failure(rows)
    assert error.position == 7
    assert error.upper_bound is None
    assert "leaf hash" in error.reason


def test_an_edited_entry_with_a_recomputed_leaf_hash_is_located() -> None:
    rows = rows_of(build_log(20))
    entry = encode_entry(event(7, actor="usr_mallory"))
    rows[7] = replace(rows[7], entry=entry, leaf_hash=hash_leaf(entry))
    error = failure(rows)
    assert error.position == 7
    assert "recomputed" in error.reason


@pytest.mark.parametrize("sign", [signed_by_mallory, forged_as_alice])
def test_a_consistent_rewrite_without_the_signing_key_is_located(
    sign: Callable[[int, bytes], SignedTreeHead],
) -> None:
    rows = rows_of(build_log(20))
    entries = [row.entry for row in rows]
    entries[7] = encode_entry(event(7, actor="usr_mallory"))
    forged = rebuild(entries, sign)
    tampered = rows[:7] + forged[7:]
    error = failure(tampered)
    assert error.position == 7
    assert "not authentic" in error.reason


def test_a_deleted_row_is_located() -> None:
    rows = rows_of(build_log(20))
    del rows[7]
    error = failure(rows)
    assert error.position == 7
    assert "missing" in error.reason


def test_a_deleted_row_with_the_rest_renumbered_is_located() -> None:
    rows = rows_of(build_log(20))
    del rows[7]
    rows = [replace(row, position=number) for number, row in enumerate(rows)]
    assert failure(rows).position == 7


def test_a_deleted_row_with_everything_after_it_recomputed_is_located() -> None:
    entries = [row.entry for row in rows_of(build_log(20))]
    del entries[7]
    forged = rebuild(entries, forged_as_alice)
    tampered = rows_of(build_log(20))[:7] + forged[7:]
    assert failure(tampered).position == 7


def test_swapped_rows_are_located() -> None:
    rows = rows_of(build_log(20))
    rows[5], rows[9] = replace(rows[9], position=5), replace(rows[5], position=9)
    error = failure(rows)
    assert error.position == 5


def test_swapped_entries_are_located() -> None:
    rows = rows_of(build_log(20))
    fifth, ninth = rows[5], rows[9]
    rows[5] = replace(fifth, entry=ninth.entry, leaf_hash=ninth.leaf_hash)
    rows[9] = replace(ninth, entry=fifth.entry, leaf_hash=fifth.leaf_hash)
    assert failure(rows).position == 5


def test_an_inserted_row_is_located() -> None:
    rows = rows_of(build_log(20))
    entry = encode_entry(event(99, actor="usr_mallory"))
    inserted = LogRecord(7, entry, hash_leaf(entry), rows[7].head)
    shifted = [replace(row, position=row.position + 1) for row in rows[7:]]
    assert failure([*rows[:7], inserted, *shifted]).position == 7


def test_an_inserted_row_with_everything_after_it_recomputed_is_located() -> None:
    rows = rows_of(build_log(20))
    entries = [row.entry for row in rows]
    entries.insert(7, encode_entry(event(99, actor="usr_mallory")))
    forged = rebuild(entries, signed_by_mallory)
    assert failure(rows[:7] + forged[7:]).position == 7


def test_a_damaged_signature_on_the_newest_row_is_located() -> None:
    rows = rows_of(build_log(20))
    rows[19] = replace(rows[19], head=replace(rows[19].head, signature=bytes(64)))
    assert failure(rows).position == 19


def test_the_format_check_locates_an_entry_that_is_not_a_well_formed_event() -> None:
    rows = rows_of(build_log(5))
    garbage = b"not an audit entry"
    frontier = CompactRange()
    for row in rows[:3]:
        frontier.append(row.leaf_hash)
    frontier.append(hash_leaf(garbage))
    head = sign_tree_head(ALICE_KEY, 4, frontier.root(), START)
    rows = [*rows[:3], LogRecord(3, garbage, hash_leaf(garbage), head)]
    # The signing key vouches for the rows, so only the format check objects.
    assert verify_log(Rows(rows), [], ALICE).size == 4
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), [], ALICE, check_entry_format=True)
    assert caught.value.position == 3
    assert "well-formed" in caught.value.reason


def test_a_truncated_log_fails_against_a_saved_head() -> None:
    log = build_log(20)
    saved = SignedTreeHead.from_text(log.latest_head().to_text())  # type: ignore[union-attr]
    truncated = rows_of(log)[:15]
    # Without the saved head, a cleanly cut-off log is indistinguishable from a
    # shorter one: that is why heads are published outside the database.
    assert verify_log(Rows(truncated), [], ALICE).size == 15
    error = failure(truncated, [saved])
    assert error.position == 15
    assert "removed" in error.reason


def test_a_truncated_log_fails_consistency_with_a_saved_earlier_head() -> None:
    log = build_log(20)
    saved = log.latest_head()
    assert saved is not None
    # The log is cut back to 15 entries and then grows again with other entries,
    # signed with the real key (for example, after restoring an old backup).
    regrown = MemoryLog(ALICE_KEY)
    for row in rows_of(log)[:15]:
        regrown.append(event(row.position), START)
    for number in range(100, 108):
        regrown.append(event(number), START)
    new_head = regrown.latest_head()
    assert new_head is not None
    with pytest.raises(ConsistencyProofError):
        verify_head_extends(ALICE, saved, new_head, regrown.consistency_proof(20))
    error = failure(rows_of(regrown), [saved])
    assert error.upper_bound == 20
    assert error.position == 0
    assert "rewritten with the signing key" in error.reason


def test_a_saved_head_narrows_a_rewrite_with_the_signing_key_to_a_range() -> None:
    log = build_log(20)
    early = list(log.records())[9].head
    late = log.latest_head()
    assert late is not None
    entries = [row.entry for row in rows_of(log)]
    entries[14] = encode_entry(event(14, actor="usr_mallory"))
    rewritten = rebuild(entries, lambda size, root: sign_tree_head(ALICE_KEY, size, root, START))
    error = failure(rewritten, [late, early])
    assert (error.position, error.upper_bound) == (10, 20)


def test_a_saved_head_with_a_wrong_signature_is_refused() -> None:
    log = build_log(5)
    head = log.latest_head()
    assert head is not None
    with pytest.raises(SignatureError):
        verify_log(log, [replace(head, signature=bytes(64))], ALICE)
    with pytest.raises(SignatureError, match="unknown key"):
        verify_log(log, [sign_tree_head(MALLORY_KEY, head.size, head.root_hash, START)], ALICE)


def test_a_log_verifies_across_a_key_rotation_with_both_keys() -> None:
    new_key = generate_signing_key()
    log = build_log(10)
    log.use_signing_key(new_key)
    for number in range(10, 15):
        log.append(event(number), START)
    first_head = next(iter(log.records(9))).head
    assert verify_log(log, [first_head], [ALICE, new_key.public_key()]).size == 15
    with pytest.raises(SignatureError):
        verify_log(log, [first_head], new_key.public_key())
    error = failure(rows_of(log))
    assert error.position == 10
    assert "unknown key" in error.reason


def test_a_client_can_check_an_access_to_their_record() -> None:
    log = build_log(20)
    head = log.latest_head()
    assert head is not None
    row = next(iter(log.records(11)))
    verify_entry_in_head(ALICE, head, row.entry, 11, log.inclusion_proof(11))
    with pytest.raises(InclusionProofError):
        verify_entry_in_head(
            ALICE, head, encode_entry(event(11, "usr_mallory")), 11, log.inclusion_proof(11)
        )
    with pytest.raises(SignatureError):
        verify_entry_in_head(MALLORY_KEY.public_key(), head, row.entry, 11, log.inclusion_proof(11))


def test_the_owner_can_check_that_a_newer_head_extends_a_saved_one() -> None:
    log = build_log(20)
    saved = next(iter(log.records(6))).head
    latest = log.latest_head()
    assert latest is not None
    verify_head_extends(ALICE, saved, latest, log.consistency_proof(7, 20))


def test_appending_through_a_reloaded_frontier_gives_the_same_log() -> None:
    # This is what the app layer does: load the frontier from the stored subtree
    # hashes, append inside a transaction, store the new row and nodes.
    reference = build_log(30)
    store = MemoryTree()
    rows: list[LogRecord] = []
    for number in range(30):
        frontier = CompactRange.from_store(store)
        record, nodes = append_record(
            frontier, event(number), ALICE_KEY, START + timedelta(minutes=number)
        )
        store.store(nodes)
        rows.append(record)
    assert rows == rows_of(reference)
    assert store.root() == reference.tree.root() == root_of_leaves(r.leaf_hash for r in rows)
    assert verify_log(Rows(rows), [], ALICE).size == 30


tamper_kinds = st.sampled_from(
    ["edit", "edit-rehash", "rewrite", "delete", "delete-renumber", "insert", "swap"]
)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=2, max_value=40), st.data(), tamper_kinds)
def test_any_tampering_is_located_at_its_first_entry(
    size: int, data: st.DataObject, kind: str
) -> None:
    rows = rows_of(build_log(size))
    position = data.draw(st.integers(min_value=0, max_value=size - 2), label="position")
    forged_entry = encode_entry(event(position, actor="usr_mallory"))
    entries = [row.entry for row in rows]
    if kind == "edit":
        rows[position] = replace(rows[position], entry=forged_entry)
    elif kind == "edit-rehash":
        rows[position] = replace(
            rows[position], entry=forged_entry, leaf_hash=hash_leaf(forged_entry)
        )
    elif kind == "rewrite":
        entries[position] = forged_entry
        rows = rows[:position] + rebuild(entries, forged_as_alice)[position:]
    elif kind == "delete":
        del rows[position]
    elif kind == "delete-renumber":
        del entries[position]
        rows = rows[:position] + rebuild(entries, signed_by_mallory)[position:]
    elif kind == "insert":
        entries.insert(position, forged_entry)
        rows = rows[:position] + rebuild(entries, forged_as_alice)[position:]
    else:
        other = data.draw(st.integers(min_value=position + 1, max_value=size - 1), label="other")
        first, second = rows[position], rows[other]
        rows[position] = replace(first, entry=second.entry, leaf_hash=second.leaf_hash)
        rows[other] = replace(second, entry=first.entry, leaf_hash=first.leaf_hash)
    error = failure(rows)
    assert error.position == position
    assert error.upper_bound is None
