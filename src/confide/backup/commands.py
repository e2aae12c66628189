"""`confide backup keygen / create / verify / restore`: encrypted backups that never hold a key."""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confide.cli.common import ensure_secret_key, fail, migrate, prepare_data_dir, setup_django


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a new backup key pair; the private half belongs offline, like the recovery kit."""
    # (imported here: Django is configured only once the command knows its data directory)
    from confide.backup.keys import BackupKeyError, generate_backup_keys

    output = Path(args.output_dir).expanduser().resolve()
    data_dir = os.environ.get("CONFIDE_DATA_DIR")
    if data_dir:
        data = Path(data_dir).expanduser().resolve()
        if output == data or data in output.parents:
            fail("The backup key must not be written inside the data directory: a backup would carry it.")
    try:
        public, private, fingerprint = generate_backup_keys(output)
    except BackupKeyError as exc:
        fail(str(exc))
    print(f"Public key (give it to `confide backup create --to`): {public}")  # noqa: T201
    print(f"Private key (keep it offline; it opens every backup): {private}")  # noqa: T201
    print(f"Fingerprint: {fingerprint}")  # noqa: T201
    return 0


def _public_key_path(args: argparse.Namespace) -> Path:
    value = args.to or os.environ.get("CONFIDE_BACKUP_PUBLIC_KEY_FILE", "")
    if not value:
        fail("No backup public key: pass --to FILE or set CONFIDE_BACKUP_PUBLIC_KEY_FILE.")
    return Path(value).expanduser()


def cmd_create(args: argparse.Namespace) -> int:
    """Write one encrypted archive of the database and the file store."""
    prepare_data_dir(args.data_dir, create=False)
    setup_django()
    # (imported here: Django is configured only once the command knows its data directory)
    from django.utils import timezone

    from confide import crypto
    from confide.audit.services import record_event
    from confide.audit.tags import Tag
    from confide.auditlog import PurposeOfUse
    from confide.backup import archive
    from confide.backup.keys import BackupKeyError, read_public_key
    from confide.backup.models import BackupRun

    try:
        recipient = read_public_key(_public_key_path(args))
    except BackupKeyError as exc:
        fail(str(exc))
    output = Path(args.output).expanduser()
    if args.output.endswith(("/", os.sep)):
        output.mkdir(mode=0o700, parents=True, exist_ok=True)
    if output.is_dir():
        output = output / archive.archive_name(timezone.now())
    try:
        created = archive.create_backup(recipient, output.resolve())
    except archive.BackupError as exc:
        fail(str(exc))
    from django.db import connection

    vendor = connection.vendor
    BackupRun.objects.create(archive_sha256=created.sha256, archive_bytes=created.archive_bytes,
                             database_vendor=vendor, recipient_fingerprint=crypto.fingerprint(recipient))
    record_event(Tag.BACKUP_CREATED, actor_id="system:backup", purpose=PurposeOfUse.OPERATIONS, outcome="success",
                 sealed_detail=f"sha256={created.sha256};bytes={created.archive_bytes}".encode("ascii"))
    print(f"Wrote {created.path} ({created.archive_bytes} bytes; database {created.database_bytes} bytes, "  # noqa: T201
          f"{created.file_count} file store files)")
    print(f"SHA-256: {created.sha256}")  # noqa: T201
    for name in created.skipped_key_files:
        print(f"warning: left out {name}: it is a key file and does not belong in the file store",  # noqa: T201
              file=sys.stderr)
    if args.keep:
        try:
            removed = archive.rotate_archives(created.path.parent, args.keep)
        except archive.BackupError as exc:
            fail(str(exc))
        for path in removed:
            print(f"Removed the older backup {path.name}")  # noqa: T201
    return 0


def _private_key(path: str) -> Any:
    # (imported here: Django is configured only once the command knows its data directory)
    from confide.backup.keys import BackupKeyError, read_private_key

    try:
        return read_private_key(Path(path).expanduser())
    except BackupKeyError as exc:
        fail(str(exc))


def cmd_verify(args: argparse.Namespace) -> int:
    """Decrypt an archive in memory and check its manifest and every checksum; write nothing."""
    # No data directory is needed: verification reads only the archive and the key.
    os.environ.setdefault("CONFIDE_DATA_DIR", str(Path(args.archive).expanduser().resolve().parent))
    os.environ.setdefault("CONFIDE_SECRET_KEY", secrets.token_urlsafe(64))
    setup_django()
    # (imported here: Django is configured only once the command knows its data directory)
    from confide.backup import archive

    key = _private_key(args.key)
    try:
        manifest = archive.verify_backup(Path(args.archive).expanduser(), key)
    except archive.BackupError as exc:
        fail(str(exc))
    print(f"The archive is intact: made {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by Confide "  # noqa: T201
          f"{manifest.data['confide_version']}, {manifest.vendor} database, {len(manifest.members)} members, "
          f"audit log of {manifest.data['audit']['size']} entries.")
    return 0


def _check_empty_place(data_dir: Path) -> bool:
    """Refuse a data directory that holds anything; return whether this command created it."""
    if data_dir.exists():
        if not data_dir.is_dir() or any(data_dir.iterdir()):
            fail(f"{data_dir} is not empty; restore only into a new, empty data directory.")
        return False
    data_dir.mkdir(mode=0o700, parents=True)
    return True


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore an archive into an empty place, then destroy again what was destroyed since."""
    if not args.data_dir:
        fail("No data directory: pass --data-dir NEW_DIR.")
    data_dir = Path(args.data_dir).expanduser().resolve()
    key = _private_key(args.key)
    archive_path = Path(args.archive).expanduser()
    created = _check_empty_place(data_dir)
    prepare_data_dir(str(data_dir), create=False)
    ensure_secret_key(data_dir)
    setup_django()
    # (imported here: Django is configured only once the command knows its data directory)
    from django.conf import settings
    from django.db import connection

    from confide.audit import signing
    from confide.audit.services import record_event
    from confide.audit.tags import Tag
    from confide.auditlog import PurposeOfUse, public_key_from_text
    from confide.backup import archive
    from confide.lifecycle import services as lifecycle

    def clean_up() -> None:
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            for child in data_dir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()

    postgres = connection.vendor == "postgresql"
    if postgres and not archive.database_is_empty():
        clean_up()
        fail("The database named by DATABASE_URL is not empty; restore only into a new, empty database.")
    journals = [Path(p).expanduser() for p in args.journal or []]
    default_journal = lifecycle.journal_path()
    if not journals and default_journal.is_file() and data_dir not in default_journal.parents:
        journals.append(default_journal)
    try:
        entries = lifecycle.read_journal(journals)
    except lifecycle.LifecycleError as exc:
        clean_up()
        fail(str(exc))
    staging = data_dir / f".restoring-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        manifest = archive.unpack_backup(archive_path, key, staging)
        if (manifest.vendor == "postgresql") != postgres:
            raise archive.BackupError(
                f"This archive holds a {manifest.vendor} database; "
                + ("unset DATABASE_URL to restore it." if postgres else "set DATABASE_URL to an empty PostgreSQL "
                   "database to restore it."))
        if (staging / "files").is_dir():
            Path(settings.FILE_STORE_DIR).parent.mkdir(parents=True, exist_ok=True)
            (staging / "files").rename(settings.FILE_STORE_DIR)
        if postgres:
            archive.restore_postgres(staging / archive.PG_MEMBER)
        else:
            connection.close()
            (staging / archive.SQLITE_MEMBER).rename(settings.DATABASES["default"]["NAME"])
    except archive.BackupError as exc:
        clean_up()
        fail(str(exc))
    except BaseException:
        clean_up()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    migrate()
    key_path = Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)
    if not key_path.exists():
        previous = tuple(public_key_from_text(text) for text in manifest.signing_public_keys)
        signing.create_signing_key_file_trusting(key_path, previous)
        print(f"A new audit signing key was written to {key_path}; it also trusts the "  # noqa: T201
              f"{len(previous)} key(s) that signed the restored log. Compare them with your published checkpoints.")
    if not Path(settings.CONFIDE_ADDRESS_KEY_FILE).exists():
        print(f"warning: no address key at {settings.CONFIDE_ADDRESS_KEY_FILE}: portal clients cannot sign in "  # noqa: T201
              "until the practice's own address-key is put there (docs/operators.md, Back up).", file=sys.stderr)
    redone = lifecycle.redestroy_from_journal(entries)
    record_event(Tag.BACKUP_RESTORED, actor_id="system:restore", purpose=PurposeOfUse.OPERATIONS, outcome="success",
                 sealed_detail=f"made={manifest.created_at:%Y%m%dT%H%M%SZ};redestroyed={len(redone)}".encode("ascii"))
    print(f"Restored the backup of {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC into {data_dir}"  # noqa: T201
          + (" (PostgreSQL)" if postgres else ""))
    for client_id in redone:
        print(f"Destroyed again: record {client_id} (destroyed after this backup was taken)")  # noqa: T201
    print("Next: `confide audit verify`, then sign in; every session starts anew.")  # noqa: T201
    return 0


def add_backup_commands(sub: Any, data_dir_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `confide backup ...`."""
    p_backup = sub.add_parser("backup", help="encrypted backups and restores",
                              description="Encrypted backups of the database and the file store. Archives never "
                              "hold a key file; only the offline backup private key opens them.")
    backup_sub = p_backup.add_subparsers(dest="backup_command", required=True, metavar="ACTION")
    p_keygen = backup_sub.add_parser("keygen", help="make a backup key pair",
                                     description="Write a backup key pair. Keep the private half offline.")
    p_keygen.add_argument("--output-dir", required=True, help="directory for the two key files (not the data dir)")
    p_keygen.set_defaults(func=cmd_keygen)
    p_create = backup_sub.add_parser("create", help="write an encrypted backup archive",
                                     description="Snapshot the database and the file store into one archive "
                                     "encrypted to the backup public key.")
    data_dir_arg(p_create)
    p_create.add_argument("--output", required=True, help="archive file to write, or a directory for a dated name")
    p_create.add_argument("--to", help="backup public key file (default: $CONFIDE_BACKUP_PUBLIC_KEY_FILE)")
    p_create.add_argument("--keep", type=int, help="then keep only the newest N archives in that directory")
    p_create.set_defaults(func=cmd_create)
    p_verify = backup_sub.add_parser("verify", help="check an archive",
                                     description="Decrypt an archive and check its manifest and checksums.")
    p_verify.add_argument("archive", metavar="FILE", help="the archive")
    p_verify.add_argument("--key", required=True, help="backup private key file")
    p_verify.set_defaults(func=cmd_verify)
    p_restore = backup_sub.add_parser("restore", help="restore an archive into an empty place",
                                      description="Restore an archive into a new, empty data directory (and, with "
                                      "DATABASE_URL, an empty PostgreSQL database), then destroy again every "
                                      "record the destruction journal lists.")
    p_restore.add_argument("archive", metavar="FILE", help="the archive")
    p_restore.add_argument("--key", required=True, help="backup private key file")
    p_restore.add_argument("--data-dir", default=os.environ.get("CONFIDE_DATA_DIR"),
                           help="new, empty data directory (default: $CONFIDE_DATA_DIR)")
    p_restore.add_argument("--journal", action="append", metavar="FILE",
                           help="destruction journal to apply (repeatable; default: the configured journal)")
    p_restore.set_defaults(func=cmd_restore)
