"""Benchmarks for issue 22: checkpoints, consistency proofs and witness decisions at scale.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_checkpoints.py [--entries N] [--samples S]

Builds the Merkle tree of N entries (default 1,000,000), then times, for S random pairs of
sizes (old < new <= N): making a consistency proof from the stored subtree hashes, verifying it,
and the whole witness decision on a tlog-witness add-checkpoint body (parse the body, check the
log's checkpoint signature, verify the proof). Prints a table; figures go in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import time
from datetime import UTC, datetime

from confide.auditlog import (
    MemoryTree,
    checkpoint_verifier,
    consistency_proof,
    generate_signing_key,
    root_at,
    sign_tree_head,
    verify_consistency,
)
from confide.auditlog.witnessing import AddCheckpoint, witness_decision

ORIGIN = "bench.example/confide-audit-log"


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median, worst = statistics.median(samples) * 1000, max(samples) * 1000
    return f"{median:8.3f} ms median  {p99 * 1000:8.3f} ms p99  {worst:8.3f} ms max"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    started = time.perf_counter()
    leaves = b"".join(hashlib.sha256(b"\x00" + i.to_bytes(8, "big")).digest() for i in range(args.entries))
    tree = MemoryTree()
    tree.extend(leaves)
    built = time.perf_counter() - started

    key = generate_signing_key()
    vkey = checkpoint_verifier(ORIGIN, key.public_key())
    rng = random.Random(22)
    make, check, decide, lengths = [], [], [], []
    now = datetime.now(UTC)
    for _ in range(args.samples):
        new = rng.randint(2, args.entries)
        old = rng.randint(1, new - 1)
        old_root, new_root = root_at(tree, old), root_at(tree, new)
        t0 = time.perf_counter()
        proof = consistency_proof(tree, old, new)
        t1 = time.perf_counter()
        verify_consistency(old, new, old_root, new_root, proof)
        t2 = time.perf_counter()
        head = sign_tree_head(key, new, new_root, now, origin=ORIGIN)
        body = AddCheckpoint(old, tuple(proof), head.to_text()).to_text()
        t3 = time.perf_counter()
        decision = witness_decision(AddCheckpoint.from_text(body), [vkey], (old, old_root))
        t4 = time.perf_counter()
        if decision.status != 200:
            raise SystemExit(f"the witness refused a valid proof: {decision.reason}")
        make.append(t1 - t0)
        check.append(t2 - t1)
        decide.append(t4 - t3)
        lengths.append(len(proof))

    print(f"Consistency proofs over a tree of {args.entries:,} entries ({args.samples} random size pairs)")
    print(f"  tree built from leaf hashes        {built:8.2f} s")
    print(f"  proof length                       {statistics.median(lengths):8.0f} hashes median, {max(lengths)} max")
    print(f"  make a proof (stored subtrees)     {_ms(make)}")
    print(f"  verify a proof                     {_ms(check)}")
    print(f"  witness decision (parse+sig+proof) {_ms(decide)}")


if __name__ == "__main__":
    main()
