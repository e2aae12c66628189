"""What `confide audit verify` checks beyond the signed entries: derived columns and subtree hashes.

The signed entries are the evidence, but two kinds of stored data are read without re-checking
them on every use: the untrusted index copies on each row (`tag`, `actor_id`, `client_id`,
`occurred_at`), which decide whose access history an entry appears in, and the subtree hashes in
`audit_node`, from which inclusion and consistency proofs are served. A blanked `client_id`
silently censors a client's history; a changed subtree hash serves proofs that fail. So verify
checks both against what it recomputed (docs/adr/0014-checkpoints-and-witnesses.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection

from confide.audit.models import LogEntry, LogNode
from confide.auditlog import AuditFormatError, ChainTracker, LogIntegrityError, MemoryTree, decode_linked_entry

__all__ = ["check_derived_columns", "check_stored_nodes"]

_CHUNK = 20000
_HASH = 32


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def check_derived_columns(size: int) -> None:
    """Check `tag`, `actor_id`, `client_id` and `occurred_at` of rows 0..size-1 against their entries.

    Also follows every client's chain of links (ADR 0014b). Raises `LogIntegrityError` at the first
    row whose copy differs from its (verified) entry, or whose client link is broken.
    """
    chains = ChainTracker()
    table = connection.ops.quote_name(LogEntry._meta.db_table)
    stamp = "CAST(occurred_at AS TEXT)" if connection.vendor == "sqlite" else "occurred_at"
    query = (
        f"SELECT position, entry, tag, actor_id, client_id, {stamp} FROM {table} "  # noqa: S608 (no input)
        "WHERE position >= %s AND position < %s ORDER BY position"
    )
    for start in range(0, size, _CHUNK):
        with connection.cursor() as cursor:
            cursor.execute(query, [start, min(size, start + _CHUNK)])
            rows = cursor.fetchall()
        for position, entry, tag, actor_id, client_id, occurred_at in rows:
            try:
                event, link = decode_linked_entry(bytes(entry))
            except AuditFormatError as exc:
                raise LogIntegrityError(position, f"the entry is not a well-formed audit entry ({exc})") from None
            wrong = [
                name
                for name, stored, expected in (
                    ("tag", tag, event.tag),
                    ("actor_id", actor_id, event.actor_id),
                    ("client_id", client_id or "", event.client_id or ""),
                    ("occurred_at", _as_time(occurred_at), event.occurred_at),
                )
                if stored != expected
            ]
            if wrong:
                raise LogIntegrityError(
                    position,
                    f"the row's {', '.join(wrong)} differ(s) from its signed entry: the index copies were altered "
                    "(a client's access history read through them would be incomplete or wrong)",
                )
            chains.feed(position, event.client_id, link)


def check_stored_nodes(tree: MemoryTree) -> None:
    """Check every stored subtree hash against the recomputed tree, and that none is missing.

    Raises `LogIntegrityError` naming the first leaf of the first bad (or missing) subtree.
    """
    table = connection.ops.quote_name(LogNode._meta.db_table)
    index_column = connection.ops.quote_name("index")
    levels = max(tree.levels(), 1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(level) FROM {table}")  # noqa: S608 (no input)
        (stored_levels,) = cursor.fetchone() or (None,)
    if stored_levels is not None and stored_levels >= levels:
        raise LogIntegrityError(tree.size(), "audit_node holds a subtree beyond the log's size: it was altered")
    for level in range(levels):
        expected = tree.level_hashes(level)
        count = len(expected) // _HASH
        for start in range(0, count, _CHUNK):
            end = min(count, start + _CHUNK)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {index_column}, hash FROM {table} WHERE level = %s AND {index_column} >= %s "  # noqa: S608
                    f"AND {index_column} < %s ORDER BY {index_column}",
                    [level, start, end],
                )
                rows = cursor.fetchall()
            for offset, (index, value) in enumerate(rows):
                wanted = start + offset
                if index != wanted:
                    raise LogIntegrityError(
                        wanted << level, f"the stored subtree hash ({level}, {wanted}) is missing from audit_node"
                    )
                if bytes(value) != expected[wanted * _HASH : (wanted + 1) * _HASH]:
                    raise LogIntegrityError(
                        wanted << level,
                        f"the stored subtree hash ({level}, {wanted}) differs from the tree recomputed from the "
                        "entries: proofs served from it would fail",
                        upper_bound=min(tree.size(), (wanted + 1) << level),
                    )
            if len(rows) != end - start:
                missing = start + len(rows)
                raise LogIntegrityError(
                    missing << level, f"the stored subtree hash ({level}, {missing}) is missing from audit_node"
                )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT MIN({index_column}) FROM {table} WHERE level = %s AND {index_column} >= %s",  # noqa: S608
                [level, count],
            )
            (extra,) = cursor.fetchone() or (None,)
        if extra is not None:
            raise LogIntegrityError(
                tree.size(), f"audit_node holds subtree ({level}, {extra}) beyond the log's size: it was altered"
            )
