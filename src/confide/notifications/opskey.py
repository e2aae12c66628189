"""The operations key: what background jobs use instead of clinical keys.

It is a 256-bit key kept in a file outside the database (`CONFIDE_OPERATIONS_KEY_FILE`, by
default `operations-key` in the data directory; keep it out of database backups, like the audit
signing key). It seals the outbox (addresses and mail bodies), push subscriptions and the
contact details and appointment formats of clients who opted in to reminders. A stolen database
without this file shows none of them. It never opens a clinical record: it is not wrapped to
anyone and no scope key is wrapped to it.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from confide import crypto

_PRACTICE = "operations"
_NO_CLIENT = "-"
_cached: tuple[str, crypto.ScopeKey] | None = None


class OperationsKeyError(Exception):
    """The operations key file is missing or unreadable."""


def key_path() -> Path:
    """Where the operations key lives."""
    configured = getattr(settings, "CONFIDE_OPERATIONS_KEY_FILE", "")
    return Path(configured).expanduser() if configured else Path(settings.DATA_DIR) / "operations-key"


def ensure_key(path: Path | None = None) -> Path:
    """Create the operations key file (0600) unless it exists; returns its path."""
    target = path or key_path()
    if target.exists():
        return target
    key = crypto.ScopeKey.generate()
    text = json.dumps({"key_id": key.key_id.hex(), "secret": base64.b64encode(key.secret).decode("ascii")})
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return target  # another process created it first
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return target


def operations_key() -> crypto.ScopeKey:
    """The operations key, created on first use; `OperationsKeyError` when the file is unreadable."""
    global _cached
    path = ensure_key()
    if _cached is not None and _cached[0] == str(path):
        return _cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        key = crypto.ScopeKey(key_id=bytes.fromhex(data["key_id"]), secret=base64.b64decode(data["secret"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OperationsKeyError(f"The operations key file {path} cannot be read.") from exc
    _cached = (str(path), key)
    return key


def _context(record_type: str, record_id: str, field: str) -> crypto.SealContext:
    # The operations key is its own key (its own key id); the context's scope names it as
    # administrative data, never clinical.
    return crypto.SealContext(practice_id=_PRACTICE, client_id=_NO_CLIENT, record_type=record_type,
                              record_id=record_id, field=field, version=1, scope=crypto.Scope.ADMIN)


def seal(value: Any, record_type: str, record_id: str, field: str) -> bytes:
    """Seal a JSON value under the operations key, bound to where it is stored."""
    plaintext = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return crypto.seal_field(operations_key(), plaintext, _context(record_type, record_id, field))


def open_sealed(blob: bytes, record_type: str, record_id: str, field: str) -> Any:
    """Open a value sealed by `seal`; raises `crypto.IntegrityError` when it was altered or moved."""
    return json.loads(crypto.open_field(operations_key(), bytes(blob), _context(record_type, record_id, field)))
