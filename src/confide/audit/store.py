"""The database side of the audit-log core: rows in, `LogRecord`s and subtree hashes out.

This is the one module of the app layer that turns stored rows into the core's types. It never
trusts a row: a row that cannot even be turned into a tree head is handed to the verifier as a
head that cannot verify, so that the verifier reports its position instead of crashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from django.db import connection

from confide.audit.models import LogEntry, LogLock, LogNode, PendingEvent, SigningKey
from confide.auditlog import (
    AuditEvent,
    AuditFormatError,
    ClientLink,
    CompactRange,
    LogRecord,
    Node,
    NodeMap,
    SignedTreeHead,
    decode_linked_entry,
    nodes_for_root,
)

__all__ = [
    "EVENTS_PER_INSERT",
    "DatabaseLog",
    "NewestRow",
    "PendingRow",
    "delete_pending",
    "fetch_nodes",
    "fetch_pending",
    "head_from_row",
    "insert_pending",
    "insert_rows",
    "load_frontier",
    "lock_log",
    "lock_sequencer",
    "newest_row",
    "next_client_links",
    "pending_count",
    "pending_exists",
    "try_sequencer_session_lock",
    "unlock_sequencer_session",
]

_FIRST_CHUNK = 256
_MAX_CHUNK = 20000
_INSERT_CHUNK = 200
# How many pending events `insert_pending` writes with a single statement.
EVENTS_PER_INSERT = _INSERT_CHUNK
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _bytes(value: Any) -> bytes:
    # PostgreSQL hands binary columns over as memoryview, SQLite as bytes.
    return bytes(value) if value is not None else b""


def _public_key_of(key_id: bytes) -> bytes | None:
    """The registered public key with this id (a directory, for writing checkpoint notes; not trusted)."""
    cached = _PUBLIC_KEYS.get(key_id)
    if cached is None:
        found = SigningKey.objects.filter(key_id=key_id).values_list("public_key", flat=True).first()
        if found is None or hashlib.sha256(_bytes(found)).digest() != key_id:
            return None
        cached = _PUBLIC_KEYS[key_id] = _bytes(found)
    return cached


_PUBLIC_KEYS: dict[bytes, bytes] = {}


def head_from_row(
    size: int, root_hash: Any, signed_at: datetime, key_id: Any, signature: Any, origin: Any = None
) -> SignedTreeHead:
    """Build the signed tree head stored on a row; raise `AuditFormatError` if it is malformed.

    A row with an origin carries a C2SP checkpoint head; one without, a v1 head.
    """
    kid = _bytes(key_id)
    text_origin = origin if isinstance(origin, str) else None
    return SignedTreeHead(
        size=size,
        timestamp=signed_at,
        root_hash=_bytes(root_hash),
        key_id=kid,
        signature=_bytes(signature),
        origin=text_origin or None,
        public_key=_public_key_of(kid) if text_origin else None,
    )


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        # SQLite holds Django's datetimes as naive UTC text.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _record(row: tuple[Any, ...]) -> LogRecord:
    position, entry, leaf_hash, root_hash, signed_at, key_id, signature, origin = row
    if root_hash is None and signed_at is None and key_id is None and signature is None:
        # A row inside a batch: the batch's last row carries the head.
        return LogRecord(position=position, entry=_bytes(entry), leaf_hash=_bytes(leaf_hash), head=None)
    try:
        timestamp = _timestamp(signed_at)
        if timestamp is None:
            raise AuditFormatError("the signing time is not a time")
        head = head_from_row(position + 1, root_hash, timestamp, key_id, signature, origin)
    except AuditFormatError:
        # A head that was damaged beyond parsing cannot verify; this stand-in cannot either.
        head = SignedTreeHead(position + 1, _EPOCH, bytes(32), bytes(32), bytes(64))
    return LogRecord(position=position, entry=_bytes(entry), leaf_hash=_bytes(leaf_hash), head=head)


def _select_rows() -> str:
    """SQL for a chunk of rows, read as raw column values whatever someone stored in them.

    SQLite lets any column hold any type, so a tampered entry could come back as text that is
    not even UTF-8; casting makes every value arrive as bytes, for the verifier to judge.
    """
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    if connection.vendor == "sqlite":
        binary = "CAST({} AS BLOB)"
        stamp = "CAST(signed_at AS TEXT)"
    else:
        binary, stamp = "{}", "signed_at"
    columns = ", ".join(
        ["position", *(binary.format(name) for name in ("entry", "leaf_hash", "root_hash")), stamp]
        + [binary.format(name) for name in ("key_id", "signature")]
        + ["origin"]
    )
    return f"SELECT {columns} FROM {table} WHERE position >= %s ORDER BY position LIMIT %s"  # noqa: S608 (no input)


class DatabaseLog:
    """The stored rows as the core's `LogReader`: read in position order, a chunk at a time."""

    def records(self, start: int = 0) -> Iterator[LogRecord]:
        """Yield the rows whose position is at least `start`, in position order."""
        query = _select_rows()
        cursor_position, chunk = start, _FIRST_CHUNK
        while True:
            with connection.cursor() as cursor:
                cursor.execute(query, [cursor_position, chunk])
                rows = cursor.fetchall()
            for row in rows:
                if row[3] is None and row[4] is None and row[5] is None and row[6] is None:
                    # A row inside a batch (most rows): no head to parse.
                    yield LogRecord(row[0], bytes(row[1]), bytes(row[2]), None)
                else:
                    yield _record(tuple(row))
            if len(rows) < chunk:
                return
            cursor_position = rows[-1][0] + 1
            chunk = min(chunk * 2, _MAX_CHUNK)


# The append path below uses plain SQL: it runs while every other appender waits for the lock, so
# the time Django's query compiler would take there is paid by all of them.


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def lock_log() -> None:
    """Take the append lock: a row lock on PostgreSQL; SQLite's IMMEDIATE transaction already has it."""
    suffix = " FOR UPDATE" if connection.features.has_select_for_update else ""
    table = _quote(LogLock._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} WHERE id = 1{suffix}")  # noqa: S608 (no input)
        if cursor.fetchone() is None:
            # Only a database whose tables were emptied (as test suites do) lacks the row.
            cursor.execute(f"INSERT INTO {table} (id) VALUES (1) ON CONFLICT DO NOTHING")  # noqa: S608
            cursor.execute(f"SELECT id FROM {table} WHERE id = 1{suffix}")  # noqa: S608


class NewestRow(NamedTuple):
    """The newest stored row's position and signed head, as stored (unchecked)."""

    position: int
    root_hash: bytes
    signed_at: datetime | None
    key_id: bytes
    signature: bytes
    origin: str | None


def newest_row() -> NewestRow | None:
    """Return the newest row's head columns, or None for an empty log."""
    table = _quote(LogEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT position, root_hash, signed_at, key_id, signature, origin FROM {table} "  # noqa: S608 (no input)
            "ORDER BY position DESC LIMIT 1"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    position, root_hash, signed_at, key_id, signature, origin = row
    return NewestRow(
        position, _bytes(root_hash), _timestamp(signed_at), _bytes(key_id), _bytes(signature), origin or None
    )


# ----------------------------------------------------------------------------- pending events

# The advisory-lock key of the sequencer on PostgreSQL ("CFAE" as a number).
_SEQUENCER_LOCK = 0x43464145


class PendingRow(NamedTuple):
    """A committed event waiting to be placed in the log, with its untrusted index copies."""

    id: int
    entry: bytes
    tag: str
    actor_id: str
    client_id: str
    occurred_at: Any


def insert_pending(events: Sequence[tuple[bytes, AuditEvent]]) -> None:
    """Insert encoded events into the pending table with one statement (no lock is taken)."""
    adapt = connection.ops.adapt_datetimefield_value
    columns = ("entry", "tag", "actor_id", "client_id", "occurred_at")
    names = ", ".join(_quote(column) for column in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(events), _INSERT_CHUNK):
            chunk = events[start : start + _INSERT_CHUNK]
            cursor.execute(
                f"INSERT INTO {_quote(PendingEvent._meta.db_table)} ({names}) "  # noqa: S608 (no input)
                f"VALUES {', '.join([placeholders] * len(chunk))}",
                [
                    value
                    for entry, event in chunk
                    for value in (entry, event.tag, event.actor_id, event.client_id or "", adapt(event.occurred_at))
                ],
            )


def lock_sequencer(*, wait: bool) -> bool:
    """Take the sequencer lock until the transaction ends; without `wait`, give up if it is held.

    PostgreSQL: a transaction-level advisory lock. SQLite: the IMMEDIATE transaction already
    holds the database's write lock, so there is never a second sequencer to wait for.
    """
    if connection.vendor != "postgresql":
        return True
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_SEQUENCER_LOCK])
        row = cursor.fetchone()
    return wait or bool(row and row[0])


def try_sequencer_session_lock() -> bool:
    """Try the sequencer lock for the session, in one round trip, outside any transaction.

    PostgreSQL only. The lock conflicts with `lock_sequencer`'s transaction-level lock (the same
    advisory key), so exactly one sequencer runs at a time either way. It outlives transactions:
    the caller must release it with `unlock_sequencer_session` (closing the connection does too).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_SEQUENCER_LOCK])
        row = cursor.fetchone()
    return bool(row and row[0])


def unlock_sequencer_session() -> None:
    """Release the session-level sequencer lock taken by `try_sequencer_session_lock`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [_SEQUENCER_LOCK])


def fetch_pending(limit: int, *, after: int = -1) -> list[PendingRow]:
    """Return up to `limit` committed pending events with an id above `after`, oldest first."""
    table = _quote(PendingEvent._meta.db_table)
    entry = "CAST(entry AS BLOB)" if connection.vendor == "sqlite" else "entry"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {entry}, tag, actor_id, client_id, occurred_at FROM {table} "  # noqa: S608 (no input)
            "WHERE id > %s ORDER BY id LIMIT %s",
            [after, limit],
        )
        rows = cursor.fetchall()
    return [PendingRow(row[0], _bytes(row[1]), *row[2:]) for row in rows]


def delete_pending(ids: Sequence[int]) -> None:
    """Delete pending rows that were moved into the log."""
    table = _quote(PendingEvent._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), _INSERT_CHUNK * 5):
            chunk = list(ids[start : start + _INSERT_CHUNK * 5])
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({placeholders})", chunk)  # noqa: S608 (no input)


def pending_exists() -> bool:
    """Return whether any committed event waits to be placed in the log (cheap: one row at most)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {_quote(PendingEvent._meta.db_table)} LIMIT 1")  # noqa: S608 (no input)
        return cursor.fetchone() is not None


def pending_count() -> int:
    """Return how many committed events wait to be placed in the log."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(PendingEvent._meta.db_table)}")  # noqa: S608 (no input)
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def insert_rows(appended: Sequence[tuple[LogRecord, PendingRow]], nodes: Sequence[Node]) -> None:
    """Insert new rows (each record with the pending row it came from, for the index columns) and subtree hashes."""
    adapt = connection.ops.adapt_datetimefield_value
    entry_columns = (
        "position", "entry", "leaf_hash", "root_hash", "signed_at", "key_id", "signature", "origin",
        "tag", "actor_id", "client_id", "occurred_at",
    )  # fmt: skip
    entry_values: list[tuple[Any, ...]] = [
        (
            record.position,
            record.entry,
            record.leaf_hash,
            *(
                (None, None, None, None, None)
                if record.head is None
                else (
                    record.head.root_hash,
                    adapt(record.head.timestamp),
                    record.head.key_id,
                    record.head.signature,
                    record.head.origin,
                )
            ),
            pending.tag,
            pending.actor_id,
            pending.client_id,
            pending.occurred_at,
        )
        for record, pending in appended
    ]
    node_values: list[tuple[Any, ...]] = [(node.level, node.index, node.hash) for node in nodes]
    with connection.cursor() as cursor:
        for table, columns, values in (
            (LogEntry._meta.db_table, entry_columns, entry_values),
            (LogNode._meta.db_table, ("level", "index", "hash"), node_values),
        ):
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            names = ", ".join(_quote(column) for column in columns)
            for start in range(0, len(values), _INSERT_CHUNK):
                chunk = values[start : start + _INSERT_CHUNK]
                cursor.execute(
                    f"INSERT INTO {_quote(table)} ({names}) VALUES {', '.join([placeholders] * len(chunk))}",  # noqa: S608
                    [value for row in chunk for value in row],
                )


def next_client_links(client_ids: Iterable[str]) -> dict[str, ClientLink]:
    """The link the next entry about each client must carry, from the newest entry about them.

    Read through the `client_id` index (which `confide audit verify` checks against the entries);
    for a client whose newest entry predates links, the earlier entries are counted.
    """
    wanted = sorted(set(client_ids))
    links: dict[str, ClientLink] = {}
    if not wanted:
        return links
    table = _quote(LogEntry._meta.db_table)
    marks = ", ".join(["%s"] * len(wanted))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.client_id, e.position, e.entry FROM {table} e JOIN ("  # noqa: S608 (no input)
            f"SELECT client_id, MAX(position) AS newest FROM {table} WHERE client_id IN ({marks}) "
            "GROUP BY client_id) m ON e.position = m.newest",
            wanted,
        )
        rows = cursor.fetchall()
        for client_id, position, entry in rows:
            _, link = decode_linked_entry(_bytes(entry))
            if link is not None:
                links[client_id] = ClientLink(link.seq + 1, position)
            else:
                cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE client_id = %s", [client_id])  # noqa: S608
                (count,) = cursor.fetchone()
                links[client_id] = ClientLink(int(count), position)
    for client_id in wanted:
        links.setdefault(client_id, ClientLink(0, None))
    return links


def fetch_nodes(size: int, wanted: Iterable[tuple[int, int]]) -> NodeMap:
    """Fetch the listed subtree hashes in one query and return them as a `NodeMap`."""
    keys = sorted(set(wanted))
    hashes: dict[tuple[int, int], bytes] = {}
    if keys:
        pairs = ", ".join(["(%s, %s)"] * len(keys))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT level, {_quote('index')}, hash FROM {_quote(LogNode._meta.db_table)} "  # noqa: S608
                f"WHERE (level, {_quote('index')}) IN ({pairs})",
                [number for key in keys for number in key],
            )
            for level, index, value in cursor.fetchall():
                hashes[level, index] = _bytes(value)
    return NodeMap(size, hashes)


def load_frontier(size: int) -> CompactRange:
    """Load the frontier of the first `size` leaves with one query (one row per set bit of size).

    Raises `LookupError` when a subtree hash the frontier needs is missing.
    """
    return CompactRange.from_store(fetch_nodes(size, nodes_for_root(size)), size)
