"""Messaging under load: 50 clients and 10 clinicians messaging at once, then the worker sending.

Run: PYTHONPATH=src:. .venv/bin/python benchmarks/bench_messaging.py [--clients 50] [--clinicians 10]
         [--rounds 5] [--postgres-url postgres://postgres@127.0.0.1:5432/postgres]

Seeds a fresh practice (SQLite in a temporary data directory, or a fresh PostgreSQL database),
each client with a portal account and a clinician. Then every client and every clinician is a
thread of its own, all at once: each client sends a message and opens their thread `--rounds`
times; each clinician, in turn, opens and replies to each of their clients' threads. Each send
queues its notification in the outbox (the database task queue, as served). Finally one
`confide worker` loop sends everything queued to a local SMTP server (aiosmtpd), and the table
gives send and open latencies (p50, p95) and the worker's sends per second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PASSWORD = "benchmark lantern orchard harbour"  # noqa: S105 (a fictional practice)


def _environment(data_dir: Path, database_url: str | None) -> None:
    os.environ.update({"CONFIDE_MODE": "test", "CONFIDE_DATA_DIR": str(data_dir),
                       "CONFIDE_SECRET_KEY": "benchmark-" + "x" * 50, "DJANGO_SETTINGS_MODULE": "confide.settings",
                       "CONFIDE_KDF_PROFILE": "unsafe-test", "CONFIDE_AUDIT_SEQUENCER": "after-commit",
                       "CONFIDE_EMAIL_BACKEND": "smtp", "CONFIDE_SMTP_HOST": "127.0.0.1",
                       "CONFIDE_SMTP_STARTTLS": "0", "CONFIDE_LOG_LEVEL": "WARNING"})
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def _seed(clients: int, clinicians: int) -> tuple[list[Any], list[Any], dict[int, list[Any]]]:
    from confide.accounts.models import User
    from confide.keys import services as key_services
    from confide.keys.vault import vault_from_password
    from confide.portal import services as portal
    from confide.practice import services as practice_services
    from confide.practice.models import Membership, Role
    from confide.records import services

    owner = practice_services.create_practice(name="Benchmark Practice", jurisdiction="US-CA",
                                              owner_email="owner@bench.test", owner_password=PASSWORD,
                                              owner_name="").membership
    owner.practice.mfa_required = False
    owner.practice.save()
    staff = []
    for i in range(clinicians):
        user = User.objects.create_user(email=f"clinician{i}@bench.test", password=PASSWORD)
        Membership.objects.create(practice=owner.practice, user=user, role=Role.CLINICIAN)
        key_services.provision_user_keys(user.pk, owner.practice.pk, PASSWORD)
        staff.append(vault_from_password(user.pk, owner.practice.pk, PASSWORD))
    accounts, caseload = [], {i: [] for i in range(clinicians)}
    for i in range(clients):
        vault = staff[i % clinicians]
        client = services.create_client(vault, services.Demographics(given_name=f"Client{i}", family_name="Bench"))
        issued = portal.invite_client(vault, client.public_id, email=f"client{i}@bench.test")
        account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                                  email=f"client{i}@bench.test", password=PASSWORD)
        accounts.append((account, portal.client_vault(account, PASSWORD)))
        caseload[i % clinicians].append(client.public_id)
    return staff, accounts, caseload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--clinicians", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", default=None)
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            Sink.count += 1
            return "250 OK"

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    os.environ["CONFIDE_SMTP_PORT"] = str(port)
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()

    database_url, admin, name = None, None, None
    if args.postgres_url:
        import psycopg

        name = f"confide_bench_{uuid.uuid4().hex[:8]}"
        parts = urlsplit(args.postgres_url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        database_url = urlunsplit(parts._replace(path=f"/{name}"))
    data_dir = Path(tempfile.mkdtemp(prefix="confide-bench-msg-"))
    _environment(data_dir, database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from confide.messaging import services as messaging
    from confide.notifications.models import OutgoingMail
    from confide.notifications.worker import ConfideWorker

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.monotonic()
    staff, accounts, caseload = _seed(args.clients, args.clinicians)
    OutgoingMail.objects.all().delete()  # the invitations; only messaging's notifications are measured
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()
    seeded = time.monotonic() - started

    sends: list[float] = []
    opens: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(len(accounts) + len(staff))

    def timed(bucket: list[float], call: Any) -> None:
        t0 = time.perf_counter()
        try:
            call()
        except Exception as exc:
            with lock:
                errors.append(type(exc).__name__)
            return
        with lock:
            bucket.append((time.perf_counter() - t0) * 1000)

    def client_loop(account: Any, vault: Any) -> None:
        gate.wait()
        try:
            for r in range(args.rounds):
                text = f"Message {r} from a client."
                timed(sends, lambda text=text: messaging.send_as_client(vault, account, text=text))
                timed(opens, lambda: messaging.read_as_client(vault, account))
        finally:
            connections.close_all()

    def clinician_loop(index: int) -> None:
        gate.wait()
        try:
            for r in range(args.rounds):
                for client_id in caseload[index]:
                    timed(opens, lambda c=client_id: messaging.read_as_staff(staff[index], c))
                    timed(sends, lambda c=client_id, r=r: messaging.send_as_staff(staff[index], c, text=f"Reply {r}."))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client_loop, args=pair) for pair in accounts]
    threads += [threading.Thread(target=clinician_loop, args=(i,)) for i in range(len(staff))]
    wall = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - wall

    queued = OutgoingMail.objects.filter(status="queued").count()
    worker_started = time.monotonic()
    ran = ConfideWorker(interval=0.01, burst=True).run()
    worker_seconds = time.monotonic() - worker_started
    sent = OutgoingMail.objects.filter(status="sent").count()
    total = OutgoingMail.objects.count()  # the sends' notifications and the staff digests the worker queued
    engine = connection.vendor
    connections.close_all()
    controller.stop()
    if admin and name:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"messaging benchmark on {engine}: {args.clients} clients, {args.clinicians} clinicians, "
          f"{args.rounds} rounds, all at once (seeded in {seeded:.0f} s, load phase {wall:.1f} s)")
    print("| measure | count | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for label, values in (("send (seal, store, audit, notify)", sends), ("open thread (audit, open all)", opens)):
        print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | {_p(values, 0.95):.1f} | "
              f"{max(values):.1f} |")
    print(f"| worker: {ran} task(s), {sent} of {total} e-mails sent over SMTP ({queued} queued by the load) | | "
          f"{sent / worker_seconds:.1f} sends/s | | |")
    print(f"errors: {len(errors)} {sorted(set(errors))}; SMTP server received {Sink.count}")
    return 0 if not errors and sent == total else 1


if __name__ == "__main__":
    sys.exit(main())
