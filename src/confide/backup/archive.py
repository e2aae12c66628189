"""Backup archives: a consistent database snapshot and the file store, encrypted to the backup key.

The plaintext inside the encryption is an uncompressed tar stream::

    database/confide.sqlite3   SQLite's online backup API (a consistent copy of a live database)
    database/confide.pgdump    or `pg_dump --format=custom` for PostgreSQL
    files/...                  the file store: sealed document chunks under random names
    manifest.json              last: format, versions, the audit log's size, root and signing
                               public keys, and the SHA-256 and size of every other member

Only those members are ever written. The data directory's key files (`secret_key`, the audit
signing key, anything named by a `*_FILE` setting) are never read, and a key file found inside
the file store is skipped and reported. Sessions and the cache are left out: a restore starts
with new ones. See docs/adr/0016-retention-destruction-and-backups.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO

from django.conf import settings
from django.db import connection

from confide import __version__, crypto
from confide.audit import services as audit_services
from confide.audit import signing
from confide.auditlog import public_key_to_text

__all__ = [
    "ARCHIVE_PATTERN",
    "BackupError",
    "CreatedBackup",
    "Manifest",
    "archive_name",
    "create_backup",
    "key_file_paths",
    "rotate_archives",
    "unpack_backup",
    "verify_backup",
]

FORMAT = 1
ARCHIVE_SUFFIX = ".cfbackup"
ARCHIVE_PATTERN = re.compile(r"confide-backup-\d{8}T\d{6}Z" + re.escape(ARCHIVE_SUFFIX))
SQLITE_MEMBER = "database/confide.sqlite3"
PG_MEMBER = "database/confide.pgdump"
MANIFEST_MEMBER = "manifest.json"
_EXCLUDED_TABLES = ("django_session", "confide_cache")
# The first line of every key file Confide writes; a file store file starting with one is a key.
_KEY_MARKERS = (b"confide audit signing key", b"confide backup private key", b"confide-recovery-")
_BLOCK = 1 << 20


class BackupError(Exception):
    """A backup cannot be made, verified or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself (its last member)."""

    data: dict[str, Any]

    @property
    def vendor(self) -> str:
        return str(self.data["database"]["vendor"])

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.data["created_at"])

    @property
    def signing_public_keys(self) -> list[str]:
        return list(self.data["audit"]["signing_public_keys"])

    @property
    def members(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["members"])


@dataclass
class CreatedBackup:
    """The result of `create_backup`."""

    path: Path
    archive_bytes: int
    database_bytes: int
    file_count: int
    sha256: str
    skipped_key_files: list[str] = field(default_factory=list)


def archive_name(now: dt.datetime) -> str:
    """The file name of an archive made at `now`, sortable by time."""
    return f"confide-backup-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"


def key_file_paths() -> set[Path]:
    """Every key file the running configuration knows of: never read into an archive."""
    paths = {Path(settings.DATA_DIR) / "secret_key", Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE),
             Path(settings.CONFIDE_ADDRESS_KEY_FILE), Path(settings.CONFIDE_KEY_DIR) / "secret_key"}
    key_dir = os.environ.get("CONFIDE_KEY_DIR", "")
    if key_dir and Path(key_dir).expanduser().is_dir():
        paths.update(p for p in Path(key_dir).expanduser().iterdir() if p.is_file())
    for name, value in os.environ.items():
        if name.startswith("CONFIDE_") and name.endswith("_FILE") and value:
            paths.add(Path(value).expanduser())
    return {path.resolve() for path in paths}


# ----------------------------------------------------------------------------- snapshots


def _vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _pg_env() -> dict[str, str]:
    """libpq settings for pg_dump/pg_restore; the password travels in the environment, never argv."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
                     ("NAME", "PGDATABASE")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _pg_tool(name: str) -> str:
    """The pg_dump or pg_restore matching the server's major version, or a clear error."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name) or ""]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True,  # noqa: S603  (fixed paths)
                                 check=False).stdout
            found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
            if found and int(found.group(1)) >= server_major:
                return candidate
    raise BackupError(f"{name} for PostgreSQL {server_major} or newer is needed (Debian: postgresql-client-"
                      f"{server_major}).")


def _snapshot_database(workdir: Path) -> tuple[str, Path]:
    """Write a consistent snapshot of the database into `workdir`; return its member name and path."""
    if _vendor() == "sqlite":
        target = workdir / "confide.sqlite3"
        source = sqlite3.connect(f"file:{settings.DATABASES['default']['NAME']}?mode=ro", uri=True)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
            for table in _EXCLUDED_TABLES:
                copy.execute(f'DELETE FROM "{table}"')  # noqa: S608  (fixed table names)
            copy.commit()
            copy.execute("VACUUM")
        finally:
            copy.close()
            source.close()
        return SQLITE_MEMBER, target
    target = workdir / "confide.pgdump"
    # gzip level 1 inside the dump: pg_dump writes bytea (every sealed field) as hex text, twice
    # its size, and the fastest level takes that back to about the binary size for ~2 s per 100 MB.
    command = [_pg_tool("pg_dump"), "--format=custom", "--compress=1", "--no-owner", "--no-privileges",
               *(f"--exclude-table-data={table}" for table in _EXCLUDED_TABLES), f"--file={target}"]
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603  (no shell, our arguments)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return PG_MEMBER, target


def _store_files() -> Iterator[tuple[str, Path]]:
    store = Path(settings.FILE_STORE_DIR)
    if not store.is_dir():
        return
    for path in sorted(store.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield "files/" + path.relative_to(store).as_posix(), path


def _looks_like_key(path: Path, keys: set[Path]) -> bool:
    if path.resolve() in keys:
        return True
    with path.open("rb") as handle:
        head = handle.read(32)
    return head.lower().lstrip().startswith(_KEY_MARKERS)


class _HashingReader:
    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, 0
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": size}


def _audit_summary() -> dict[str, Any]:
    head = audit_services.latest_head()
    try:
        keys = [public_key_to_text(key) for key in audit_services.current_signing_key().trusted_public_keys()]
    except signing.SigningKeyError:
        keys = []
    return {
        "size": head.size if head else 0,
        "root": head.root_hash.hex() if head else "",
        "signing_public_keys": keys,
    }


class _CountingFile:
    """Counts and hashes what passes through to the archive file."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self._handle.write(data)


def create_backup(recipient: crypto.UserPublicKey, output: Path) -> CreatedBackup:
    """Write one encrypted archive of the database and the file store to `output` (a new file).

    The archive is first written beside `output` under a temporary name and renamed into place
    when complete, so a crash never leaves something that looks like a finished backup.
    """
    if output.exists():
        raise BackupError(f"{output} already exists; backups are never overwritten.")
    output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    audit_services.sequence_pending()
    keys = key_file_paths()
    partial = output.with_name(f".{output.name}.partial")
    skipped: list[str] = []
    members: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="confide-backup-", dir=settings.DATA_DIR) as work:
        Path(work).chmod(0o700)
        # The audit summary is read before the snapshot, so every entry it names is inside it.
        audit = _audit_summary()
        member, snapshot = _snapshot_database(Path(work))
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw:
                counting = _CountingFile(raw)
                sealer = crypto.ArchiveWriter(recipient, counting)  # type: ignore[arg-type]
                # No compression: sealed fields do not compress, and gzip would be the slowest step by far.
                with tarfile.open(fileobj=sealer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
                    members[member] = _add_file(tar, member, snapshot)
                    database_bytes = members[member]["size"]
                    file_count = 0
                    for name, path in _store_files():
                        try:
                            if _looks_like_key(path, keys):
                                skipped.append(name)
                                continue
                            members[name] = _add_file(tar, name, path)
                        except FileNotFoundError:
                            # Destroyed after the snapshot: the destruction journal covers it.
                            continue
                        file_count += 1
                    manifest = json.dumps({
                        "format": FORMAT,
                        "confide_version": __version__,
                        "created_at": dt.datetime.now(dt.UTC).isoformat(),
                        "database": {"vendor": _vendor(), "member": member},
                        "audit": audit,
                        "recipient": crypto.fingerprint(recipient),
                        "excluded": ["secret_key", "audit signing key", "every *_FILE key", "sessions", "cache"],
                        "members": members,
                    }, indent=1, sort_keys=True).encode("utf-8")
                    info = tarfile.TarInfo(MANIFEST_MEMBER)
                    info.size, info.mode = len(manifest), 0o600
                    tar.addfile(info, io.BytesIO(manifest))
                sealer.close()
                raw.flush()
                os.fsync(raw.fileno())
            partial.rename(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return CreatedBackup(path=output, archive_bytes=output.stat().st_size, database_bytes=database_bytes,
                         file_count=file_count, sha256=counting.digest.hexdigest(), skipped_key_files=skipped)


def rotate_archives(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives named `confide-backup-*.cfbackup` in `directory`."""
    if keep < 1:
        raise BackupError("--keep must be at least 1.")
    archives = sorted(p for p in directory.iterdir() if ARCHIVE_PATTERN.fullmatch(p.name))
    removed = archives[:-keep]
    for path in removed:
        path.unlink()
    return removed


# ----------------------------------------------------------------------------- reading archives


def _safe_member_name(name: str) -> bool:
    if name == MANIFEST_MEMBER or name in (SQLITE_MEMBER, PG_MEMBER):
        return True
    if not name.startswith("files/"):
        return False
    parts = name.split("/")
    return all(part not in ("", ".", "..") for part in parts) and not name.startswith("/")


def _members(archive: Path, private_key: crypto.UserPrivateKey) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    try:
        handle = archive.open("rb")
    except OSError as exc:
        raise BackupError(f"Cannot read {archive} ({exc.strerror}).") from None
    with handle:
        try:
            reader = crypto.ArchiveReader(private_key, handle)
        except crypto.WrongKeyError:
            raise BackupError("This archive is encrypted to a different backup key.") from None
        except crypto.IntegrityError as exc:
            raise BackupError(f"This is not an intact Confide backup archive: {exc}.") from None
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                for info in tar:
                    if not info.isfile() or not _safe_member_name(info.name):
                        raise BackupError(f"The archive holds an unexpected member {info.name!r}.")
                    extracted = tar.extractfile(info)
                    if extracted is None:
                        raise BackupError(f"The archive member {info.name!r} cannot be read.")
                    yield info, extracted
        except crypto.IntegrityError as exc:
            raise BackupError(f"The archive is damaged or was altered: {exc}.") from None
        except (OSError, EOFError, tarfile.TarError) as exc:
            raise BackupError(f"The archive's contents are damaged: {exc}.") from None


def _check_against_manifest(seen: dict[str, dict[str, Any]], manifest_bytes: bytes | None) -> Manifest:
    if manifest_bytes is None:
        raise BackupError("The archive has no manifest.")
    try:
        data = json.loads(manifest_bytes)
    except ValueError:
        raise BackupError("The archive's manifest is not valid JSON.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("The archive's manifest has an unknown format.")
    manifest = Manifest(data)
    expected = manifest.members
    if set(expected) != set(seen):
        missing, extra = sorted(set(expected) - set(seen)), sorted(set(seen) - set(expected))
        raise BackupError(f"The archive's members differ from its manifest (missing {missing[:3]}, "
                          f"unlisted {extra[:3]}).")
    for name, facts in expected.items():
        if facts != seen[name]:
            raise BackupError(f"The checksum of {name} does not match the manifest.")
    if data["database"]["member"] not in seen:
        raise BackupError("The archive holds no database snapshot.")
    return manifest


def verify_backup(archive: Path, private_key: crypto.UserPrivateKey) -> Manifest:
    """Decrypt and read the whole archive without writing it anywhere; check every checksum."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    for info, stream in _members(archive, private_key):
        if info.name == MANIFEST_MEMBER:
            manifest_bytes = stream.read()
            continue
        digest = hashlib.sha256()
        while block := stream.read(_BLOCK):
            digest.update(block)
        seen[info.name] = {"sha256": digest.hexdigest(), "size": info.size}
    return _check_against_manifest(seen, manifest_bytes)


def unpack_backup(archive: Path, private_key: crypto.UserPrivateKey, staging: Path) -> Manifest:
    """Decrypt the archive into the empty directory `staging`, checking every checksum."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    for info, stream in _members(archive, private_key):
        if info.name == MANIFEST_MEMBER:
            manifest_bytes = stream.read()
            continue
        target = staging / info.name
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            while block := stream.read(_BLOCK):
                digest.update(block)
                out.write(block)
        seen[info.name] = {"sha256": digest.hexdigest(), "size": info.size}
    return _check_against_manifest(seen, manifest_bytes)


def restore_postgres(dump: Path) -> None:
    """Load a pg_dump archive into the (empty) configured PostgreSQL database."""
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
               f"--dbname={settings.DATABASES['default']['NAME']}", str(dump)]
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603  (no shell, our arguments)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")


def database_is_empty() -> bool:
    """True when the configured database has no tables at all."""
    return not connection.introspection.table_names()
