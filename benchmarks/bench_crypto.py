"""Benchmark the cryptographic core and print a table of medians.

Run with ``PYTHONPATH=src .venv/bin/python benchmarks/bench_crypto.py``.
DESIGN.md quotes our reference numbers (2-core machine): AES-256-GCM on a
4 KB note 2-3 us, HPKE unwrap 58 us (X25519) and 142 us (ML-KEM-768 +
X25519), Argon2id with 64 MiB and t=3 171 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from functools import partial

from confide.crypto import (
    KeySuite,
    Scope,
    ScopeKey,
    SealContext,
    SecretPurpose,
    WrapContext,
    create_recovery_kit,
    generate_user_keypair,
    new_secret,
    open_field,
    open_recovery_private_key,
    seal_field,
    unwrap_key,
    unwrap_private_key_with_password,
    unwrap_private_key_with_secret,
    wrap_key_to,
    wrap_private_key_with_password,
    wrap_private_key_with_secret,
)


def median_seconds(action: Callable[[], object], *, rounds: int, per_round: int) -> float:
    """Return the median time of one call, over ``rounds`` rounds of ``per_round`` calls."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            action()
        timings.append((time.perf_counter() - start) / per_round)
    return statistics.median(timings)


def format_time(seconds: float) -> str:
    """Format a duration with a unit that suits it."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.1f} us"
    return f"{seconds * 1e3:9.1f} ms"


def main() -> None:
    """Run every benchmark and print the table."""
    key = ScopeKey.generate()
    context = SealContext(
        "practice-1", "client-1", "progress_note", "note-1", "body", 1, Scope.CLINICAL
    )
    note = os.urandom(4096)
    sealed = seal_field(key, note, context)
    wrap_context = WrapContext("practice-1", "client-1", Scope.CLINICAL, "user-1")

    cases: list[tuple[str, Callable[[], object], int, int]] = [
        ("seal_field, 4 KB", lambda: seal_field(key, note, context), 21, 2000),
        ("open_field, 4 KB", lambda: open_field(key, sealed, context), 21, 2000),
    ]
    for suite in KeySuite:
        private_key = generate_user_keypair(suite)
        public_key = private_key.public_key()
        wrap = wrap_key_to(public_key, key, wrap_context)
        cases += [
            (
                f"wrap_key_to, {suite.name}",
                partial(wrap_key_to, public_key, key, wrap_context),
                15,
                200,
            ),
            (
                f"unwrap_key, {suite.name}",
                partial(unwrap_key, private_key, wrap, wrap_context),
                15,
                200,
            ),
            (f"generate_user_keypair, {suite.name}", partial(generate_user_keypair, suite), 15, 50),
        ]

    user = generate_user_keypair()
    secret = new_secret()
    session_wrap = wrap_private_key_with_secret(
        user, secret, purpose=SecretPurpose.SESSION, owner_id="user-1"
    )
    # The default KdfParams are the production ones: 64 MiB, three passes, one lane.
    password_wrap = wrap_private_key_with_password(
        user, "a benchmark passphrase", owner_id="user-1"
    )
    kit = create_recovery_kit(3, 5)
    cases += [
        (
            "unwrap_private_key_with_secret (per request)",
            lambda: unwrap_private_key_with_secret(
                session_wrap, secret, purpose=SecretPurpose.SESSION, owner_id="user-1"
            ),
            15,
            200,
        ),
        (
            "unwrap_private_key_with_password, Argon2id 64 MiB t=3 p=1",
            lambda: unwrap_private_key_with_password(
                password_wrap, "a benchmark passphrase", owner_id="user-1"
            ),
            5,
            1,
        ),
        (
            "open_recovery_private_key, 3-of-5",
            lambda: open_recovery_private_key(kit.encrypted_private_key, kit.shares[:3]),
            5,
            5,
        ),
    ]

    width = max(len(name) for name, *_ in cases)
    print(f"{'operation':<{width}}  {'median':>12}")
    print(f"{'-' * width}  {'-' * 12}")
    for name, action, rounds, per_round in cases:
        seconds = median_seconds(action, rounds=rounds, per_round=per_round)
        print(f"{name:<{width}}  {format_time(seconds):>12}")


if __name__ == "__main__":
    main()
