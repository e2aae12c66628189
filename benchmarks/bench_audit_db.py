"""Database-backed audit appends: events per second with concurrent writers.

Run: PYTHONPATH=src .venv/bin/python benchmarks/bench_audit_db.py
         [--writers 16] [--seconds 10] [--batch 1,10,50] [--databases sqlite,postgres]
         [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]

Each writer is its own process with its own database connection, appending events through
`confide.audit.services` exactly as the app does: lock the log, load the frontier, sign a
tree head per event, insert the rows and commit. `--batch N` appends N events per transaction
with `record_events` (one action that logs many accesses); `1` is one event per transaction.
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


def _environment(data_dir: Path, database_url: str | None) -> None:
    os.environ["CONFIDE_MODE"] = "test"
    os.environ["CONFIDE_DATA_DIR"] = str(data_dir)
    os.environ["CONFIDE_SECRET_KEY"] = "benchmark-" + "x" * 50
    os.environ["DJANGO_SETTINGS_MODULE"] = "confide.settings"
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
    count, latencies = 0, []
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
        services.record_events(events)
        latencies.append((time.perf_counter() - began) * 1000)
        count += batch
        number += 1
    results.put((count, latencies))  # type: ignore[attr-defined]


def _verify(data_dir: str, database_url: str | None, results: object) -> None:
    _environment(Path(data_dir), database_url)
    import django

    django.setup()
    from confide.audit import services

    began = time.perf_counter()
    verified = services.verify_stored_log()
    results.put((verified.size, time.perf_counter() - began))  # type: ignore[attr-defined]


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
        size, verify_seconds = results.get(timeout=600)
        checker.join()
        events = sum(count for count, _ in outcomes)
        assert size == events + writers, f"the log holds {size} entries, expected {events + writers}"  # noqa: S101
        latencies = [latency for _, batch_latencies in outcomes for latency in batch_latencies]
        return Run(database, batch, events, seconds, latencies, verify_seconds)
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
    args = parser.parse_args()

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
                f"{p50:>7.1f}ms {p99:>7.1f}ms {run.verify_seconds:>7.2f}s",
                flush=True,
            )


if __name__ == "__main__":
    main()
