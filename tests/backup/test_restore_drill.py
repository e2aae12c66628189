"""The restore drill: back a practice up, destroy a record, restore into a fresh place, check it all.

Runs the real `confide` command in child processes, on SQLite or on PostgreSQL (whichever the
suite runs on, with scratch databases), against a demo practice that has clients, both kinds of
notes, documents, consents, disclosures, a portal account and audit history.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from confide import crypto
from confide.backup.keys import read_private_key
from tests.processes import base_env, confide, scratch_database
from tests.records.test_vastaamo import encodings

pytestmark = pytest.mark.django_db(transaction=False)

# Words of the demo practice that a stolen archive must not show, the portal client's sign-in
# address among them (a keyed alias since ADR 0013).
DEMO_CANARIES = [
    "Lindqvist-Amare", "Margit", "maggie@demo.confide.invalid", "Scheduled worry time",
    "Strong pull to reassure her", "Consent to treatment (fictional demo document)", "Dr. Lena Marsh",
    "Behavioural activation", "I would like to know who else can read my notes",
]

DESTROY = """
import django, json, sys
django.setup()
from confide.lifecycle import services
from confide.records.models import Client
from confide.portal.models import ClientAccount
portal_clients = ClientAccount.objects.values("client_id")
client = Client.objects.exclude(pk__in=portal_clients).order_by("pk").first()
services.destroy_record(client, reason="drill", rule=None, last_contact=None, kept_until=None, people={},
                        actor_id="user:1")
print(json.dumps({"destroyed": str(client.public_id)}))
"""

OPEN_EVERYTHING = """
import django, json, sys
django.setup()
from confide.accounts.addresses import portal_alias
from confide.accounts.models import User
from confide.keys.vault import vault_from_password
from confide.portal import services as portal
from confide.portal.models import ClientAccount
from confide.records import documents, services
from confide.records.models import CareTeamMember, Client
people = json.loads(sys.argv[1])
opened = {"clients": 0, "notes": 0, "documents": 0, "portal": 0}
for email, password in people.items():
    user = User.objects.filter(email=email).first() or User.objects.get(email=portal_alias(email))
    account = ClientAccount.objects.filter(user=user).first()
    if account is not None:
        vault = portal.client_vault(account, password)
        portal.read_consent(account)
        opened["portal"] += 1
        continue
    vault = vault_from_password(user.pk, user.membership.practice_id, password)
    for member in CareTeamMember.objects.filter(user=user).select_related("client"):
        client = member.client
        services.get_client(vault, client.public_id)
        opened["clients"] += 1
        if member.clinical_access:
            for note in services.list_notes(vault, client.public_id):
                services.open_note(vault, client.public_id, note.public_id)
                opened["notes"] += 1
            for document, _ in documents.list_documents(vault, client.public_id):
                documents.read_document(vault, client.public_id, document.public_id)
                opened["documents"] += 1
opened["client_ids"] = [str(c) for c in Client.objects.values_list("public_id", flat=True)]
print(json.dumps(opened))
"""


def _python(script: str, *args: str, env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", script, *args], env={**env, "DJANGO_SETTINGS_MODULE":
                            "confide.settings"}, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _demo_people(output: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+\w+\s+(\S+@\S+)\s+password: (.+)$", output, re.MULTILINE))


def _plaintext(archive: Path, key_file: Path) -> bytes:
    out = io.BytesIO()
    with archive.open("rb") as handle:
        crypto.open_archive(read_private_key(key_file), handle, out)
    return out.getvalue()


def test_a_practice_survives_backup_and_restore_and_destroyed_records_stay_destroyed(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    journal = tmp_path / "checkpoints" / "destruction-journal.jsonl"
    with scratch_database() as source_url, scratch_database() as target_url:
        env = base_env(source, source_url, CONFIDE_MODE="demo", CONFIDE_DESTRUCTION_JOURNAL_FILE=str(journal))
        demo = confide("demo", "--no-serve", "--data-dir", str(source), env=env, timeout=300)
        assert demo.returncode == 0, demo.stderr
        people = _demo_people(demo.stdout)
        assert len(people) >= 4

        keys = confide("backup", "keygen", "--output-dir", str(tmp_path / "offline"), env=env)
        assert keys.returncode == 0, keys.stderr
        public, private = tmp_path / "offline" / "confide-backup.pub", tmp_path / "offline" / "confide-backup.key"
        made = confide("backup", "create", "--output", str(tmp_path / "backups") + "/", "--to", str(public),
                       env=env, timeout=300)
        assert made.returncode == 0, made.stderr
        [archive] = list((tmp_path / "backups").glob("confide-backup-*.cfbackup"))
        verified = confide("backup", "verify", str(archive), "--key", str(private), env=env)
        assert verified.returncode == 0 and "intact" in verified.stdout, verified.stderr

        # A record destroyed after the backup was taken.
        destroyed = _python(DESTROY, env=env)["destroyed"]
        assert str(destroyed) in journal.read_text(encoding="ascii")

        # The operator keeps the key files apart from the archives and gives the restore the address key.
        restore_env = base_env(target, target_url, CONFIDE_MODE="demo", CONFIDE_DESTRUCTION_JOURNAL_FILE=str(journal),
                               CONFIDE_ADDRESS_KEY_FILE=str(source / "address-key"))
        restored = confide("backup", "restore", str(archive), "--key", str(private), "--data-dir", str(target),
                           env=restore_env, timeout=300)
        assert restored.returncode == 0, restored.stderr
        assert f"Destroyed again: record {destroyed}" in restored.stdout

        audit = confide("audit", "verify", env=restore_env)
        assert audit.returncode == 0, audit.stdout + audit.stderr

        opened = _python(OPEN_EVERYTHING, json.dumps(people), env=restore_env)
        assert destroyed not in opened["client_ids"]  # type: ignore[operator]
        # Two portal clients: Maggie of the group practice and Wren of the solo practice (ADR 0020).
        assert opened["clients"] and opened["notes"] and opened["documents"] and opened["portal"] == 2

        # Restoring again into the same, now non-empty, place is refused and changes nothing.
        again = confide("backup", "restore", str(archive), "--key", str(private), "--data-dir", str(target),
                        env=restore_env)
        assert again.returncode != 0 and "not empty" in again.stderr
        assert confide("audit", "verify", env=restore_env).returncode == 0


def test_a_backup_archive_holds_no_canary_and_no_key_file(tmp_path: Path) -> None:
    source = tmp_path / "source"
    with scratch_database() as url:
        env = base_env(source, url, CONFIDE_MODE="demo")
        assert confide("demo", "--no-serve", "--data-dir", str(source), env=env, timeout=300).returncode == 0
        # A key file someone left in the file store is not taken along.
        (source / "files" / "stray-signing-key").write_bytes((source / "audit-signing-key").read_bytes())
        assert confide("backup", "keygen", "--output-dir", str(tmp_path / "k"), env=env).returncode == 0
        made = confide("backup", "create", "--output", str(tmp_path / "b.cfbackup"), "--to",
                       str(tmp_path / "k" / "confide-backup.pub"), env=env, timeout=300)
        assert made.returncode == 0, made.stderr
        assert "left out files/stray-signing-key" in made.stderr
        archive = (tmp_path / "b.cfbackup").read_bytes()
        plaintext = _plaintext(tmp_path / "b.cfbackup", tmp_path / "k" / "confide-backup.key")
        with tarfile.open(fileobj=io.BytesIO(plaintext)) as tar:
            names = tar.getnames()
            database = tar.extractfile(next(n for n in names if n.startswith("database/")))
            assert database is not None
            database_bytes = database.read()
        assert not any("key" in name.lower() for name in names), names
        secrets_on_disk = [(source / "secret_key").read_bytes().strip(),
                           (source / "audit-signing-key").read_bytes().splitlines()[1].split(b": ")[1],
                           (tmp_path / "k" / "confide-backup.key").read_bytes().splitlines()[1]]
        for blob, where in ((archive, "the archive"), (plaintext, "the decrypted archive")):
            for secret in secrets_on_disk:
                assert secret not in blob, f"a key file's content is in {where}"
            for canary in DEMO_CANARIES:
                for form in encodings(canary):
                    assert form not in blob, f"{canary!r} found in {where}"
        for canary in DEMO_CANARIES:
            assert canary.encode() not in database_bytes


def test_bad_keys_and_damaged_archives_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    env = base_env(source, None, CONFIDE_MODE="demo")
    assert confide("demo", "--no-serve", "--data-dir", str(source), env=env, timeout=300).returncode == 0
    for name in ("a", "b"):
        assert confide("backup", "keygen", "--output-dir", str(tmp_path / name), env=env).returncode == 0
    again = confide("backup", "keygen", "--output-dir", str(tmp_path / "a"), env=env)
    assert again.returncode != 0 and "already exists" in again.stderr
    inside = confide("backup", "keygen", "--output-dir", str(source / "keys"), env=env)
    assert inside.returncode != 0 and "inside the data directory" in inside.stderr
    archive = tmp_path / "x.cfbackup"
    assert confide("backup", "create", "--output", str(archive), "--to", str(tmp_path / "a" / "confide-backup.pub"),
                   env=env).returncode == 0
    overwrite = confide("backup", "create", "--output", str(archive), "--to",
                        str(tmp_path / "a" / "confide-backup.pub"), env=env)
    assert overwrite.returncode != 0 and "never overwritten" in overwrite.stderr
    wrong = confide("backup", "verify", str(archive), "--key", str(tmp_path / "b" / "confide-backup.key"), env=env)
    assert wrong.returncode != 0 and "different backup key" in wrong.stderr
    not_a_key = confide("backup", "verify", str(archive), "--key", str(tmp_path / "a" / "confide-backup.pub"), env=env)
    assert not_a_key.returncode != 0 and "not a" in not_a_key.stderr
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 1
    damaged = tmp_path / "damaged.cfbackup"
    damaged.write_bytes(bytes(data))
    bad = confide("backup", "verify", str(damaged), "--key", str(tmp_path / "a" / "confide-backup.key"), env=env)
    assert bad.returncode != 0 and "altered" in bad.stderr
    truncated = tmp_path / "short.cfbackup"
    truncated.write_bytes(archive.read_bytes()[:-100])
    target = tmp_path / "target"
    cut = confide("backup", "restore", str(truncated), "--key", str(tmp_path / "a" / "confide-backup.key"),
                  "--data-dir", str(target), env=base_env(target, None, CONFIDE_MODE="demo"))
    assert cut.returncode != 0 and not target.exists(), cut.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "something").write_text("x")
    busy = confide("backup", "restore", str(archive), "--key", str(tmp_path / "a" / "confide-backup.key"),
                   "--data-dir", str(tmp_path / "busy"), env=base_env(tmp_path / "busy", None, CONFIDE_MODE="demo"))
    assert busy.returncode != 0 and "not empty" in busy.stderr
    assert (tmp_path / "busy" / "something").read_text() == "x"
