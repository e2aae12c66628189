"""Benchmarks for the audit-log core.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_auditlog.py [--entries N]

It builds a log of N entries (default 1,000,000) with a real Ed25519
signature on every row, exactly as ``append_record`` stores them, then times
appends, whole-log verification, proofs and locating a tampered entry. The
rows are kept in compact arrays and turned into ``LogRecord`` objects as they
are read, the way a database cursor would hand them over.
"""

from __future__ import annotations

import argparse
import random
import statistics
import struct
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from confide.auditlog import (
    AuditEvent,
    CompactRange,
    LogIntegrityError,
    LogRecord,
    MemoryTree,
    Outcome,
    PurposeOfUse,
    SignedTreeHead,
    append_record,
    consistency_proof,
    encode_entry,
    generate_signing_key,
    hash_leaf,
    inclusion_proof,
    key_id,
    root_at,
    verify_consistency,
    verify_inclusion,
    verify_log,
)
from confide.auditlog.heads import tree_head_message

START = datetime(2025, 3, 1, tzinfo=UTC)
TEMPLATE = AuditEvent(
    tag="record:note:read",
    occurred_at=START,
    actor_id="usr_0000000000000000",
    purpose=PurposeOfUse.TREATMENT,
    outcome=Outcome.SUCCESS,
    client_id="cli_0000000000000000",
    sealed_detail=bytes(48),
)
TEMPLATE_BYTES = encode_entry(TEMPLATE)
# The event time sits right after the marker, version and tag.
TIME_OFFSET = 5 + 2 + len(TEMPLATE.tag)


def entry_bytes(number: int) -> bytes:
    """A valid, distinct entry, made by writing a new time into the template."""
    micros = TEMPLATE.occurred_at_us + number * 1_000
    return (
        TEMPLATE_BYTES[:TIME_OFFSET] + struct.pack(">q", micros) + TEMPLATE_BYTES[TIME_OFFSET + 8 :]
    )


class ArrayLog:
    """Rows of a signed log held in compact arrays; a stand-in for the database table."""

    def __init__(self, count: int) -> None:
        self.key = generate_signing_key()
        self.key_id = key_id(self.key.public_key())
        self.entries: list[bytes] = []
        self.leaves = bytearray()
        self.roots = bytearray()
        self.signatures = bytearray()
        self.times: list[datetime] = []
        frontier = CompactRange()
        for number in range(count):
            entry = entry_bytes(number)
            leaf = hash_leaf(entry)
            frontier.append(leaf)
            root = frontier.root()
            when = START + timedelta(milliseconds=number)
            self.entries.append(entry)
            self.leaves += leaf
            self.roots += root
            self.signatures += self.key.sign(tree_head_message(frontier.size, when, root))
            self.times.append(when)

    def row(self, position: int) -> LogRecord:
        """Build the row at ``position`` as a database driver would."""
        at = position * 32
        return LogRecord(
            position,
            self.entries[position],
            bytes(self.leaves[at : at + 32]),
            SignedTreeHead(
                position + 1,
                self.times[position],
                bytes(self.roots[at : at + 32]),
                self.key_id,
                bytes(self.signatures[position * 64 : position * 64 + 64]),
            ),
        )

    def records(self, start: int = 0) -> Iterator[LogRecord]:
        """Yield rows from ``start`` on."""
        return (self.row(position) for position in range(start, len(self.entries)))


class EditedLog:
    """The same rows with one entry (and its leaf hash) changed by someone without the key."""

    def __init__(self, log: ArrayLog, position: int) -> None:
        self.log = log
        self.position = position
        self.entry = entry_bytes(len(log.entries) + 7)

    def records(self, start: int = 0) -> Iterator[LogRecord]:
        """Yield rows from ``start`` on, with the edited one in place."""
        for record in self.log.records(start):
            if record.position == self.position:
                yield LogRecord(record.position, self.entry, hash_leaf(self.entry), record.head)
            else:
                yield record


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def per_call_us(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(samples) * 1e6:7.1f} µs, p99 {p99 * 1e6:7.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2_000)
    args = parser.parse_args()
    n: int = args.entries
    rng = random.Random(6962)
    rows: list[tuple[str, str, str]] = []

    leaves = [hash_leaf(entry_bytes(number)) for number in range(n)]
    tree = MemoryTree()
    seconds = timed(lambda: [tree.append(leaf) for leaf in leaves])
    rows.append(("MemoryTree.append (leaf hashes)", f"{n / seconds:,.0f} appends/s", ""))

    frontier = CompactRange()
    key = generate_signing_key()
    count = min(n, 20_000)
    event = TEMPLATE
    seconds = timed(lambda: [append_record(frontier, event, key, START) for _ in range(count)])
    rows.append(
        (
            "append_record (encode, hash, sign)",
            f"{count / seconds:,.0f} appends/s",
            "one Ed25519 signature per entry",
        )
    )

    started = time.perf_counter()
    log = ArrayLog(n)
    rows.append(
        (
            "building the signed test log",
            f"{time.perf_counter() - started:,.1f} s",
            "setup, not a measurement",
        )
    )

    def recompute_root() -> bytes:
        frontier = CompactRange()
        for entry in log.entries:
            frontier.append(hash_leaf(entry))
        return frontier.root()

    seconds = timed(recompute_root)
    rows.append((f"recompute root from {n:,} entries", f"{seconds:,.2f} s", "goal < 10 s"))

    public_key = log.key.public_key()
    latest = log.row(n - 1).head
    seconds = timed(lambda: verify_log(log, [latest], public_key))
    rows.append((f"verify_log, {n:,} rows + 1 outside head", f"{seconds:,.2f} s", "goal < 10 s"))

    seconds = timed(lambda: verify_log(log, [latest], public_key, check_entry_format=True))
    rows.append(("  … also decoding every entry", f"{seconds:,.2f} s", "check_entry_format=True"))

    edited = EditedLog(log, rng.randrange(n))

    def locate() -> None:
        try:
            verify_log(edited, [], public_key)
        except LogIntegrityError as error:
            if error.position != edited.position:
                raise AssertionError(f"located {error.position}, not {edited.position}") from None
        else:
            raise AssertionError("the edit went unnoticed")

    seconds = timed(locate)
    rows.append(
        (
            "locate an edited entry (rewritten leaf)",
            f"{seconds:,.2f} s",
            f"found entry {edited.position:,} by bisection",
        )
    )

    root = root_at(tree, n)
    samples = []
    for _ in range(args.proofs):
        index = rng.randrange(n)
        started = time.perf_counter()
        proof = inclusion_proof(tree, index, n)
        verify_inclusion(leaves[index], index, n, proof, root)
        samples.append(time.perf_counter() - started)
    rows.append((f"inclusion proof at {n:,}: make + verify", per_call_us(samples), "goal < 10 ms"))

    samples = []
    for _ in range(args.proofs):
        size = rng.randrange(1, n + 1)
        index = rng.randrange(size)
        started = time.perf_counter()
        proof = inclusion_proof(tree, index, size)
        verify_inclusion(leaves[index], index, size, proof, root_at(tree, size))
        samples.append(time.perf_counter() - started)
    rows.append(("inclusion proof, random past size", per_call_us(samples), "incl. root_at"))

    samples = []
    for _ in range(args.proofs):
        old = rng.randrange(1, n + 1)
        started = time.perf_counter()
        proof = consistency_proof(tree, old, n)
        verify_consistency(old, n, root_at(tree, old), root, proof)
        samples.append(time.perf_counter() - started)
    rows.append((f"consistency proof m → {n:,}", per_call_us(samples), "make + verify"))

    width = max(len(name) for name, _, _ in rows)
    print(f"{'measurement':<{width}}  {'result':<36}  note")
    print(f"{'-' * width}  {'-' * 36}  {'-' * 30}")
    for name, result, note in rows:
        print(f"{name:<{width}}  {result:<36}  {note}")


if __name__ == "__main__":
    main()
