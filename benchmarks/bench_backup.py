"""Backup benchmark: `confide backup create` and `restore` of 5,000 clients and 100,000 notes.

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_backup.py --db both

Prints, for SQLite and PostgreSQL: the database size, the archive size and their ratio, and the
wall time of `backup create`, `backup verify` and `backup restore` into a fresh place (the real
command in a child process, as an operator runs it). The practice is made with `confide init`;
clients go through the record services (keys and wraps as in production), notes are sealed and
written in bulk, and every tenth client gets an 8 KB document. PostgreSQL runs in scratch
databases on `--database-url` (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped
afterwards. Smaller runs: `--clients 500 --notes 10000`. Every name in the data is fictional.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PASSWORD = "bench backup lantern orchard harbour"  # noqa: S105  (a fictional bench account)
BODY = ("S: Slept poorly this week; worry about work. O: Calm, engaged. A: Generalised anxiety, improving. "
        "P: Continue worry time; review sleep diary next session. ") * 12


def _env(data_dir: Path, url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFIDE_", "DJANGO_")) and k != "DATABASE_URL"}
    env |= {"CONFIDE_DATA_DIR": str(data_dir), "CONFIDE_MODE": "test", "CONFIDE_KDF_PROFILE": "unsafe-test",
            "PYTHONPATH": os.pathsep.join(["src", "."])}
    if url:
        env["DATABASE_URL"] = url
    return env


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[2:5])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def seed(clients: int, notes: int) -> None:
    """Runs in a child process configured for the data directory (see `main`)."""
    import django

    django.setup()
    from django.db import connection

    from confide import crypto
    from confide.accounts.models import User
    from confide.keys import services as key_services
    from confide.keys import vault as keys
    from confide.keys.models import KeyWrap, ScopeKeyVersion
    from confide.practice.models import Membership, Practice, Role
    from confide.records import documents
    from confide.records.models import CareTeamMember, Client, Note
    from confide.records.sealing import field_context, seal_value

    practice = Practice.objects.get()
    owner_id = Membership.objects.get(practice=practice, role=Role.OWNER).user_id
    clinicians = []
    for index in range(50):
        user = User.objects.create_user(email=f"clinician{index}@bench.invalid", password=PASSWORD)
        Membership.objects.create(practice=practice, user=user, role=Role.CLINICIAN)
        key_services.provision_user_keys(user.pk, practice.pk, PASSWORD)
        clinicians.append(keys.vault_from_password(user.pk, practice.pk, PASSWORD))
    public = {uid: keys.public_key_of(uid) for uid in [owner_id, *(v.user_id for v in clinicians)]}
    recovery = keys.recovery_public_key(practice.pk)
    per_client = max(1, notes // clients)
    # Rows are written in bulk, sealed and wrapped exactly as the services do (records.services.create_client,
    # keys.vault.create_scope_key), so the database has the size and shape of a real one.
    for start in range(0, clients, 250):
        rows, extras = [], []
        for index in range(start, min(clients, start + 250)):
            clinician = clinicians[index % len(clinicians)].user_id
            client = Client(practice=practice, created_by_id=clinician, demographics=b"")
            admin, clinical = crypto.ScopeKey.generate(), crypto.ScopeKey.generate()
            client.demographics = seal_value(admin, {"given_name": "Bench", "family_name": f"Client{index}",
                                                     "date_of_birth": "1980-01-15"},
                                             field_context(client, "client", str(client.public_id), "demographics", 1,
                                                           "admin"))
            rows.append(client)
            extras.append((clinician, admin, clinical))
        Client.objects.bulk_create(rows)
        versions, wraps, members, batch = [], [], [], []
        for client, (clinician, admin, clinical) in zip(rows, extras, strict=True):
            members.append(CareTeamMember(client=client, user_id=clinician, role="primary", clinical_access=True))
            for scope, key, holders in (("admin", admin, (owner_id, clinician)), ("clinical", clinical, (clinician,))):
                version = ScopeKeyVersion(client=client, scope=scope, key_id=key.key_id.hex())
                versions.append(version)
                for holder in (None, *holders):
                    wraps.append((version, holder, key))
            for n in range(per_client):
                note = Note(client=client, author_id=clinician, kind="progress", template="soap",
                            session_date=f"2026-{1 + n % 11:02d}-{1 + n % 27:02d}", status="signed", body=b"")
                note.body = seal_value(clinical, BODY, field_context(client, "note:progress", str(note.public_id),
                                                                     "body", 1, "clinical"))
                batch.append(note)
        CareTeamMember.objects.bulk_create(members)
        ScopeKeyVersion.objects.bulk_create(versions)
        KeyWrap.objects.bulk_create([
            KeyWrap(key_version=version, recipient_id=holder,
                    blob=crypto.wrap_key_to(recovery if holder is None else public[holder], key,
                                            keys.wrap_context(version, practice.pk, holder)))
            for version, holder, key in wraps])
        Note.objects.bulk_create(batch)
        for offset, client in enumerate(rows):
            if (start + offset) % 10 == 0:
                vault = next(v for v in clinicians if v.user_id == extras[offset][0])
                content = b"%PDF-1.4 " + os.urandom(8192)
                documents.upload_document(vault, client.public_id, filename="letter.pdf", size=len(content),
                                          stream=io.BytesIO(content))
        print(f"  seeded {start + len(rows)} clients", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _database_bytes(data_dir: Path, url: str | None) -> int:
    if not url:
        return sum(p.stat().st_size for p in data_dir.glob("confide.sqlite3*"))
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


def measure(db: str, args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    source, target = workdir / f"{db}-source", workdir / f"{db}-target"
    urls: list[str | None] = [None, None]
    if db == "postgres":
        import psycopg

        parts = urlsplit(args.database_url)
        names = [f"confide_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            for name in names:
                conn.execute(f'CREATE DATABASE "{name}"')
        urls = [urlunsplit(parts._replace(path=f"/{name}")) for name in names]
    try:
        env = _env(source, urls[0])
        password = workdir / "password"
        password.write_text(PASSWORD, encoding="utf-8")
        py = sys.executable
        _run([py, "-m", "confide", "init", "--practice-name", "Bench", "--owner-email", "owner@bench.invalid",
              "--owner-password-file", str(password), "--jurisdiction", "US-CA",
              "--recovery-kit-dir", str(workdir / f"{db}-kit")], env)
        seed_seconds = _run([py, "benchmarks/bench_backup.py", "_seed", str(args.clients), str(args.notes)],
                            env | {"DJANGO_SETTINGS_MODULE": "confide.settings"})
        _run([py, "-m", "confide", "backup", "keygen", "--output-dir", str(workdir / f"{db}-keys")], env)
        archive = workdir / f"{db}.cfbackup"
        create = _run([py, "-m", "confide", "backup", "create", "--output", str(archive), "--to",
                       str(workdir / f"{db}-keys" / "confide-backup.pub")], env)
        key = str(workdir / f"{db}-keys" / "confide-backup.key")
        verify = _run([py, "-m", "confide", "backup", "verify", str(archive), "--key", key], env)
        restore = _run([py, "-m", "confide", "backup", "restore", str(archive), "--key", key, "--data-dir",
                        str(target)], _env(target, urls[1]))
        return {"seed_s": seed_seconds, "database_mb": _database_bytes(source, urls[0]) / 1e6,
                "archive_mb": archive.stat().st_size / 1e6, "create_s": create, "verify_s": verify,
                "restore_s": restore}
    finally:
        if db == "postgres":
            import psycopg

            with psycopg.connect(args.database_url, autocommit=True) as conn:
                for url in urls:
                    conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "_seed":
        seed(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="confide-bench-backup-") as tmp:
        for db in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
            results[db] = measure(db, args, Path(tmp))
    print(f"\nBackup and restore of {args.clients} clients / {args.notes} notes on {platform.machine()} "
          f"({os.cpu_count()} cores)\n")
    print("| database | database MB | archive MB | archive / database | create s | verify s | restore s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for db, r in results.items():
        print(f"| {db} | {r['database_mb']:.1f} | {r['archive_mb']:.1f} | {r['archive_mb'] / r['database_mb']:.2f} | "
              f"{r['create_s']:.1f} | {r['verify_s']:.1f} | {r['restore_s']:.1f} |")
    print("\n" + json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
