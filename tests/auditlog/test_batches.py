"""Batches under one signed head (ADR 0005) in the pure core, and the bulk tree build verify uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from confide.auditlog import (
    AuditEvent,
    AuditFormatError,
    CompactRange,
    LogIntegrityError,
    MemoryLog,
    append_batch,
    encode_entry,
    generate_signing_key,
    hash_leaf,
    verify_log,
)
from confide.auditlog.merkle import MemoryTree

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
KEY = generate_signing_key()


def event(number: int) -> AuditEvent:
    return AuditEvent.at_microseconds("record:note:read", number, f"user:{number % 3}", "TREAT", "success")


@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 8, 9, 100, 1025])
def test_extend_builds_the_same_tree_as_append(size: int) -> None:
    leaves = [hash_leaf(bytes([n % 251, n // 251])) for n in range(size)]
    one_by_one = MemoryTree(leaves)
    bulk = MemoryTree()
    bulk.extend(b"".join(leaves[: size // 3]))
    bulk.extend(b"".join(leaves[size // 3 :]))
    assert bulk.size() == size
    assert bulk._levels == one_by_one._levels
    assert bulk.root() == one_by_one.root()


def test_extend_refuses_a_partial_hash() -> None:
    with pytest.raises(ValueError, match="multiple of 32"):
        MemoryTree().extend(b"x" * 33)


def test_a_batch_carries_one_head_on_its_last_row() -> None:
    log = MemoryLog(KEY)
    rows = log.append_batch([event(n) for n in range(5)], NOW)
    assert [row.head is None for row in rows] == [True, True, True, True, False]
    head = rows[-1].head
    assert head is not None and head.size == 5 and head.root_hash == log.tree.root()
    assert verify_log(log, [], KEY.public_key()).size == 5


def test_a_malformed_entry_stops_the_batch_before_the_tree_changes() -> None:
    frontier = CompactRange()
    with pytest.raises(AuditFormatError):
        append_batch(frontier, [encode_entry(event(1)), b"not an entry"], KEY, NOW)
    assert frontier.size == 0
    with pytest.raises(ValueError, match="at least one"):
        append_batch(frontier, [], KEY, NOW)


def batched_log() -> tuple[MemoryLog, list]:  # type: ignore[type-arg]
    log = MemoryLog(KEY)
    for start in (0, 4, 8):
        log.append_batch([event(n) for n in range(start, start + 4)], NOW)
    return log, list(log.records())


class Rows:
    def __init__(self, rows: list) -> None:  # type: ignore[type-arg]
        self.rows = rows

    def records(self, start: int = 0):  # type: ignore[no-untyped-def]
        return iter(self.rows[start:])


def test_a_rewritten_entry_with_its_hash_is_narrowed_to_its_batch() -> None:
    _, rows = batched_log()
    forged = encode_entry(event(99))
    rows[6] = replace(rows[6], entry=forged, leaf_hash=hash_leaf(forged))
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), [], KEY.public_key())
    assert (caught.value.position, caught.value.upper_bound) == (4, 8)


def test_a_rewrite_in_a_batch_of_one_is_exact() -> None:
    log = MemoryLog(KEY)
    for n in range(6):
        log.append(event(n), NOW)
    rows = list(log.records())
    forged = encode_entry(event(99))
    rows[3] = replace(rows[3], entry=forged, leaf_hash=hash_leaf(forged))
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), [], KEY.public_key())
    assert (caught.value.position, caught.value.upper_bound) == (3, None)


def test_unsigned_rows_at_the_end_are_found_at_the_first_of_them() -> None:
    _, rows = batched_log()
    extra = encode_entry(event(50))
    rows += [replace(rows[4], position=12, entry=extra, leaf_hash=hash_leaf(extra))]
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), [], KEY.public_key())
    assert caught.value.position == 12 and "no signed tree head" in caught.value.reason


def test_a_removed_intermediate_head_loses_precision_not_integrity() -> None:
    _, rows = batched_log()
    rows[7] = replace(rows[7], head=None)
    # The entries are still exactly those the newest head signs, so the log verifies...
    assert verify_log(Rows(rows), [], KEY.public_key()).size == 12
    # ...and a later rewrite is narrowed to the two batches the remaining heads delimit.
    forged = encode_entry(event(99))
    rows[5] = replace(rows[5], entry=forged, leaf_hash=hash_leaf(forged))
    with pytest.raises(LogIntegrityError) as caught:
        verify_log(Rows(rows), [], KEY.public_key())
    assert (caught.value.position, caught.value.upper_bound) == (4, 12)
