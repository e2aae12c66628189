"""Vault benchmark: a practice of 50 clinicians, 5,000 clients and 100,000 notes.

Prints p50/p95 latency of opening a chart, opening a note, saving a note and searching a
200-client caseload, through the real web views (Django's test client, the full middleware stack),
and the share of that time spent in cryptography.

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_vault.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/confide_bench \\
        PYTHONPATH=src:. .venv/bin/python benchmarks/bench_vault.py             # PostgreSQL

Smaller runs: --clinicians 10 --clients 500 --notes 10000. The PostgreSQL database is dropped
and recreated. Every name in the seeded data is fictional.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clinicians", type=int, default=50)
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--caseload", type=int, default=200, help="clients of the measured clinician")
    parser.add_argument("--repeat", type=int, default=200)
    return parser.parse_args()


ARGS = _parse()
os.environ.setdefault("CONFIDE_MODE", "test")
os.environ.setdefault("CONFIDE_DATA_DIR", tempfile.mkdtemp(prefix="confide-bench-"))
os.environ.setdefault("CONFIDE_SECRET_KEY", "bench-" + "k" * 60)
os.environ["CONFIDE_EMAIL_BACKEND"] = "locmem"
os.environ["DJANGO_SETTINGS_MODULE"] = "confide.settings"


def _reset_postgres() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


_reset_postgres()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from confide import crypto  # noqa: E402
from confide.accounts.models import User  # noqa: E402
from confide.keys import services as key_services  # noqa: E402
from confide.keys import vault as keys  # noqa: E402
from confide.practice import services as practice_services  # noqa: E402
from confide.practice.models import Membership, Role  # noqa: E402
from confide.records import sealing, services  # noqa: E402
from confide.records.models import Note  # noqa: E402

PASSWORD = "bench harbour lantern orchard"  # noqa: S105  (fictional benchmark accounts)
GIVEN = ["Ada", "Bram", "Cleo", "Dov", "Esme", "Finn", "Gita", "Hugo", "Ines", "Jonah", "Kaia", "Lev"]
FAMILY = ["Ashdown", "Brightwater", "Coldbrook", "Dunmore", "Elsworth", "Fairhaven", "Greystone", "Holloway"]
BODY = ("Subjective: Client reports a difficult week at work and poor sleep. "
        "Objective: Alert, oriented, affect constricted. Assessment: Mild depressive symptoms persist. "
        "Plan: Continue weekly CBT; review sleep diary next session. ") * 3

CRYPTO_SECONDS = [0.0]


def _instrument_crypto() -> None:
    """Count the time spent inside the crypto core (every public recipe)."""
    for name in ("seal_field", "open_field", "wrap_key_to", "unwrap_key", "unwrap_private_key_with_secret",
                 "wrap_private_key_with_secret", "unwrap_private_key_with_password", "sealed_key_id"):
        original = getattr(crypto, name)

        def timed(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                CRYPTO_SECONDS[0] += time.perf_counter() - start

        setattr(crypto, name, timed)


def seed() -> tuple[User, list[Any]]:
    rng = random.Random(7)
    created = practice_services.create_practice(name="Benchmark Practice", jurisdiction="US-CA",
                                                owner_email="owner@bench.invalid", owner_password=PASSWORD)
    practice = created.membership.practice
    practice.mfa_required = False
    practice.save()
    clinicians = []
    for index in range(ARGS.clinicians):
        user = User.objects.create_user(email=f"clinician{index}@bench.invalid", password=PASSWORD)
        Membership.objects.create(practice=practice, user=user, role=Role.CLINICIAN)
        key_services.provision_user_keys(user.pk, practice.pk, PASSWORD)
        clinicians.append(user)
    vaults = [keys.vault_from_password(u.pk, practice.pk, PASSWORD) for u in clinicians]
    measured = clinicians[0]
    clients = []
    others = max(1, ARGS.clinicians - 1)
    for index in range(ARGS.clients):
        owner_index = 0 if index < ARGS.caseload else 1 + (index % others) if ARGS.clinicians > 1 else 0
        vault = vaults[owner_index]
        with transaction.atomic():
            client = services.create_client(vault, services.Demographics(
                given_name=rng.choice(GIVEN), family_name=f"{rng.choice(FAMILY)}{index}",
                date_of_birth=f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"))
        clients.append((client, vault))
        if index % 500 == 0:
            print(f"  seeded {index} clients", file=sys.stderr)
    per_client = max(1, ARGS.notes // ARGS.clients)
    batch: list[Note] = []
    for client, vault in clients:
        key = vault.current_key(client.pk, "clinical")
        for n in range(per_client):
            note = Note(client=client, author_id=vault.user_id, kind="progress", template="soap",
                        session_date=f"2026-{1 + n % 11:02d}-{1 + n % 27:02d}", status="signed", body=b"")
            note.body = sealing.seal_value(key, BODY, services._note_context(note, 1))
            batch.append(note)
        if len(batch) >= 5000:
            Note.objects.bulk_create(batch)
            batch = []
    Note.objects.bulk_create(batch)
    return measured, [c for c, v in clients[:ARGS.caseload]]


def measure(label: str, action: Callable[[], Any]) -> tuple[str, float, float, float]:
    for _ in range(5):
        action()
    timings, crypto_share = [], []
    for _ in range(ARGS.repeat):
        CRYPTO_SECONDS[0] = 0.0
        start = time.perf_counter()
        action()
        elapsed = time.perf_counter() - start
        timings.append(elapsed)
        crypto_share.append(CRYPTO_SECONDS[0] / elapsed)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    return label, statistics.median(timings) * 1000, p95 * 1000, statistics.median(crypto_share) * 100


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    measured, caseload_clients = seed()
    # A live PostgreSQL database has planner statistics from autovacuum; a freshly bulk-loaded one
    # does not, and the planner would choose scans no production database uses. SQLite keeps no
    # statistics unless someone runs ANALYZE, and Confide does not (see docs/operators.md).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    print(f"seeded {ARGS.clinicians} clinicians, {ARGS.clients} clients, {Note.objects.count()} notes "
          f"in {seconds:.0f} s on {connection.vendor}", file=sys.stderr)
    _instrument_crypto()

    browser = Client(SERVER_NAME="127.0.0.1")  # an allowed host, without the test environment
    response = browser.post("/accounts/login/", {"login": measured.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code  # noqa: S101
    rng = random.Random(3)
    chart_ids = [c.public_id for c in caseload_clients]
    notes = list(Note.objects.filter(client__in=caseload_clients).values_list("client__public_id", "public_id")[:2000])
    vault = keys.vault_from_password(measured.pk, measured.membership.practice_id, PASSWORD)
    draft_client = chart_ids[0]
    draft = services.create_note(vault, draft_client, kind="progress", session_date="2026-11-20", body=BODY)
    version = [draft.version]

    def open_chart() -> None:
        response = browser.get(f"/clients/{rng.choice(chart_ids)}/")
        assert response.status_code == 200, response.status_code  # noqa: S101

    def open_note() -> None:
        client_id, note_id = rng.choice(notes)
        response = browser.get(f"/clients/{client_id}/notes/{note_id}/")
        assert response.status_code == 200, response.status_code  # noqa: S101

    def save_note() -> None:
        response = browser.post(f"/clients/{draft_client}/notes/{draft.public_id}/autosave",
                                {"session_date": "2026-11-20", "body": BODY + str(version[0]), "version": version[0]},
                                headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code  # noqa: S101
        version[0] += 1

    def search() -> None:
        response = browser.post("/clients/", {"q": "a"}, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.status_code  # noqa: S101

    rows = [measure("open chart (web)", open_chart), measure("open note (web)", open_note),
            measure("save note draft (web autosave)", save_note),
            measure(f"search {ARGS.caseload}-client caseload (web)", search)]
    print(f"\nConfide vault benchmark on {connection.vendor}: {ARGS.clinicians} clinicians, "
          f"{ARGS.clients} clients, {Note.objects.count()} notes; {ARGS.repeat} runs each")
    print(f"{'action':<44} {'p50 ms':>8} {'p95 ms':>8} {'crypto %':>9}")
    for label, p50, p95, share in rows:
        print(f"{label:<44} {p50:>8.2f} {p95:>8.2f} {share:>8.1f}%")


if __name__ == "__main__":
    main()
