"""Database-backed audit appends: events per second with concurrent writers.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_audit_db.py
         [--writers 16] [--seconds 10] [--batch 1,10,50] [--databases sqlite,postgres]
         [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]

Each writer is its own process with its own database connection, recording events through
`confide.audit.services` exactly as the app does (docs/adr/0005-batched-audit-appends.md):
insert the event into the pending table and commit, then try the sequencer lock; whoever gets
it moves every pending event into the log in batches under one signed head each. `--batch N`
records N events per transaction with `record_events`; `1` is one event per transaction.
The verify measurement seeds `--verify-size` entries and times `verify_stored_log` reading
them back from the database.
Every run starts from an empty log in a fresh SQLite file or PostgreSQL database, and the
log is verified at the end. PostgreSQL runs with its default `synchronous_commit=on`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


@dataclass
class Run:
    database: str
    batch: int
    events: int
    seconds: float
    latencies_ms: list[float]
    verify_seconds: float
    failed: int = 0


def _environment(data_dir: Path, database_url: str | None) -> None:
    os.environ["CONFIDE_MODE"] = "test"
    os.environ["CONFIDE_DATA_DIR"] = str(data_dir)
    os.environ["CONFIDE_SECRET_KEY"] = "benchmark-" + "x" * 50
    os.environ["DJANGO_SETTINGS_MODULE"] = "confide.settings"
    # The writers place their own events, as the figures in RESULTS.md were measured: inside the
    # transaction on SQLite, right after commit on PostgreSQL. (A served app uses the background
    # sequencer, which would make a writer's time the pending insert alone: ADR 0005.)
    os.environ["CONFIDE_AUDIT_SEQUENCER"] = "after-commit" if database_url else "inline"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)


def _prepare(data_dir: str, database_url: str | None) -> None:
    _environment(Path(data_dir), database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "audit", interactive=False, verbosity=0)


def _writer(
    data_dir: str, database_url: str | None, batch: int, seconds: float, ready: object, results: object
) -> None:
    _environment(Path(data_dir), database_url)
    import django

    django.setup()
    from confide.audit import services

    sealed = os.urandom(64)
    services.record_event("bench:warm:up", actor_id="user:0", purpose="TREAT", outcome="success")
    # Start together, once every writer has loaded Django: otherwise start-up work would compete
    # for the CPU with the writer holding the append lock.
    ready.wait()  # type: ignore[attr-defined]
    stop_at = time.time() + seconds
    count, latencies, failed = 0, [], 0
    number = 0
    while time.time() < stop_at:
        events = [
            services.new_event(
                "record:note:read",
                actor_id=f"user:{number % 40}",
                purpose="TREAT",
                outcome="success",
                client_id=str(uuid.uuid4()),
                sealed_detail=sealed,
            )
            for _ in range(batch)
        ]
        began = time.perf_counter()
        try:
            services.record_events(events)
        except services.AuditAppendError:
            # Under heavy load SQLite's busy timeout can expire: the action would fail; count it.
            failed += batch
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        count += batch
        number += 1
    results.put((count, latencies, failed))  # type: ignore[attr-defined]


def _verify(data_dir: str, database_url: str | None, results: object) -> None:
    _environment(Path(data_dir), database_url)
    import django

    django.setup()
    from confide.audit import services

    services.sequence_pending(wait=True)  # what `confide audit verify` does first
    began, cpu = time.perf_counter(), time.process_time()
    verified = services.verify_stored_log()
    # The CPU time of this process too: on a shared machine the wall time also counts waiting.
    results.put((verified.size, time.perf_counter() - began, time.process_time() - cpu))  # type: ignore[attr-defined]


def _seed(data_dir: str, database_url: str | None, size: int, results: object) -> None:
    """Fill a fresh log with `size` entries in batches of 1,000 under one signed head each.

    The rows are what the sequencer stores (made by the same core function), written with COPY
    on PostgreSQL and executemany on SQLite, so that seeding a million takes a minute rather than
    an hour of appends. Subtree hashes are not written: verification does not read them.
    """
    _environment(Path(data_dir), database_url)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "audit", interactive=False, verbosity=0)
    from django.db import connection, transaction
    from django.utils import timezone

    from confide.audit import services
    from confide.auditlog import CompactRange, append_batch, encode_entry

    key = services.current_signing_key()
    frontier = CompactRange()
    sealed = os.urandom(64)
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    columns = (
        "position, entry, leaf_hash, root_hash, signed_at, key_id, signature, tag, actor_id, client_id, occurred_at"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, size, 1000):
            entries = [
                encode_entry(
                    services.new_event(
                        "record:note:read",
                        actor_id=f"user:{number % 40}",
                        purpose="TREAT",
                        outcome="success",
                        client_id=str(uuid.UUID(int=number)),
                        sealed_detail=sealed,
                        occurred_at=now,
                    )
                )
                for number in range(start, min(start + 1000, size))
            ]
            batch = append_batch(frontier, entries, key.private_key, now)
            rows = [
                (
                    record.position, record.entry, record.leaf_hash,
                    *((None,) * 4 if record.head is None else (
                        record.head.root_hash, adapt(record.head.timestamp), record.head.key_id, record.head.signature
                    )),
                    "record:note:read", "user:0", "", adapt(now),
                )
                for record in batch.records
            ]  # fmt: skip
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY audit_entry ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                insert = f"INSERT INTO audit_entry ({columns}) VALUES ({', '.join(['%s'] * 11)})"  # noqa: S608 (constants)
                cursor.executemany(insert, rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_entry")
    results.put(size)  # type: ignore[attr-defined]


def measure_verify(database: str, admin_url: str, size: int) -> tuple[float, float]:
    """Seed `size` entries, then time `verify_stored_log` in a fresh process (cold Python, warm database)."""
    context = multiprocessing.get_context("spawn")
    data_dir = tempfile.mkdtemp(prefix="confide-bench-")
    scratch: str | None = None
    database_url: str | None = None
    if database == "postgres":
        scratch, database_url = _scratch_postgres(admin_url)
    try:
        results = context.Queue()
        seeder = context.Process(target=_seed, args=(data_dir, database_url, size, results))
        seeder.start()
        results.get(timeout=3600)
        seeder.join()
        checker = context.Process(target=_verify, args=(data_dir, database_url, results))
        checker.start()
        verified, seconds, cpu_seconds = results.get(timeout=3600)
        checker.join()
        assert verified == size, f"verified {verified} entries, expected {size}"  # noqa: S101
        return float(seconds), float(cpu_seconds)
    finally:
        if scratch:
            _drop_postgres(admin_url, scratch)


def _scratch_postgres(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"confide_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def _drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def measure(database: str, admin_url: str, writers: int, seconds: float, batch: int) -> Run:
    context = multiprocessing.get_context("spawn")
    data_dir = tempfile.mkdtemp(prefix="confide-bench-")
    scratch: str | None = None
    database_url: str | None = None
    if database == "postgres":
        scratch, database_url = _scratch_postgres(admin_url)
    try:
        prepare = context.Process(target=_prepare, args=(data_dir, database_url))
        prepare.start()
        prepare.join()
        results = context.Queue()
        ready = context.Barrier(writers)
        processes = [
            context.Process(target=_writer, args=(data_dir, database_url, batch, seconds, ready, results))
            for _ in range(writers)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=seconds + 300) for _ in processes]
        for process in processes:
            process.join()
        checker = context.Process(target=_verify, args=(data_dir, database_url, results))
        checker.start()
        size, verify_seconds, _ = results.get(timeout=600)
        checker.join()
        events = sum(count for count, _, _ in outcomes)
        failed = sum(failures for _, _, failures in outcomes)
        assert size == events + writers, f"the log holds {size} entries, expected {events + writers}"  # noqa: S101
        latencies = [latency for _, batch_latencies, _ in outcomes for latency in batch_latencies]
        return Run(database, batch, events, seconds, latencies, verify_seconds, failed)
    finally:
        if scratch:
            _drop_postgres(admin_url, scratch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--batch", default="1,10,50", help="events per transaction, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--verify-size", type=int, default=1_000_000, help="entries for the verify run (0: skip)")
    parser.add_argument("--skip-appends", action="store_true", help="only run the verify measurement")
    args = parser.parse_args()
    if args.verify_size:
        print(f"verify of {args.verify_size:,} entries read from the database (batches of 1,000 under one head):")
        for database in args.databases.split(","):
            seconds, cpu_seconds = measure_verify(database, args.postgres_url, args.verify_size)
            print(
                f"{database:<10} wall {seconds:>6.2f}s ({seconds / args.verify_size * 1e6:.2f} µs/entry), "
                f"verifier CPU {cpu_seconds:>6.2f}s; load average {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    if args.skip_appends:
        return

    print(f"{args.writers} concurrent writers (processes), {args.seconds:g} s each, CPUs: {os.cpu_count()}")
    columns = ("events/txn", 10), ("events", 9), ("events/s", 9), ("txn p50", 9), ("txn p99", 9), ("verify", 8)
    print(f"{'database':<10} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for database in args.databases.split(","):
        for batch in (int(b) for b in args.batch.split(",")):
            run = measure(database, args.postgres_url, args.writers, args.seconds, batch)
            ordered = sorted(run.latencies_ms)
            p50 = statistics.median(ordered)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            print(
                f"{run.database:<10} {run.batch:>10} {run.events:>9,} {run.events / run.seconds:>9,.0f} "
                f"{p50:>7.1f}ms {p99:>7.1f}ms {run.verify_seconds:>7.2f}s"
                f"  failed {run.failed}, load {os.getloadavg()[0]:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
