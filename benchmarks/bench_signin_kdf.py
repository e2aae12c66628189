"""The Argon2id work behind one sign-in, before and after ADR 0022, in CPU seconds.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_signin_kdf.py [--repeat 5]

Before: Django's Argon2PasswordHasher (its defaults: 100 MiB, two passes, eight lanes) checks the
password, then Argon2id (64 MiB, three passes, one lane) opens the private key's wrap. After:
one Argon2id at the wrap's parameters does both (`crypto.derive_password`). CPU time
(`time.process_time`, every thread of the process) is reported beside wall time, because the
shared machine's load inflates wall time and not the work itself. 50 sign-ins at once need 50
times the CPU; on 2 cores the last of them cannot finish before half that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.low_level import Type, hash_secret_raw

from confide import crypto

PASSWORD = "quiet harbour lantern orchard"  # noqa: S105 (a fictional benchmark password)


def _django_argon2() -> None:
    # django.contrib.auth.hashers.Argon2PasswordHasher's parameters (Django 6.1).
    hasher = PasswordHasher(time_cost=2, memory_cost=102400, parallelism=8, hash_len=32, salt_len=16, type=Type.ID)
    hasher.hash(PASSWORD)


def _wrap_argon2() -> None:
    hash_secret_raw(PASSWORD.encode(), os.urandom(16), time_cost=3, memory_cost=65536, parallelism=1, hash_len=32,
                    type=Type.ID)


def _one_derivation() -> None:
    crypto.derive_password(PASSWORD, params=crypto.KdfParams())


def measure(work: list[Callable[[], None]], repeat: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        for step in work:
            step()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"nproc {os.cpu_count()}, load average {load}; median of {args.repeat}")
    print(f"{'one sign-in':<52} {'CPU s':>7} {'wall s':>7} {'50 at once, 2 cores, CPU floor':>31}")
    rows = [("before: Django Argon2 (100 MiB) + wrap (64 MiB)", [_django_argon2, _wrap_argon2]),
            ("after: one Argon2id (64 MiB, 3 passes) for both", [_one_derivation])]
    for label, work in rows:
        cpu, wall = measure(work, args.repeat)
        print(f"{label:<52} {cpu:>7.3f} {wall:>7.3f} {50 * cpu / 2:>30.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
