"""Helpers for the audit-log tests: appending events, reading and tampering with rows by SQL."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from confide.audit import commands, services
from confide.audit.models import LogEntry
from confide.auditlog import Outcome, PurposeOfUse

CLIENT = "5b0c1c52-3f3e-4a8e-9d0c-2f3a1c9e7d41"


@pytest.fixture(autouse=True)
def _fresh_process_state(settings: Any, tmp_path: Path) -> None:
    """Give every test its own signing key file and forget what earlier tests taught this process."""
    settings.CONFIDE_AUDIT_SIGNING_KEY_FILE = tmp_path / "audit-signing-key"
    settings.CONFIDE_AUDIT_HEAD_DIR = ""
    for cache in (services._registered_keys, services._committed_roots, services._key_cache):
        cache.clear()


def append(count: int, *, client_id: str | None = CLIENT, tag: str = "record:note:read") -> list[int]:
    """Append `count` events, one at a time (one signed head each), and return their positions."""
    positions = []
    for _ in range(count):
        services.record_event(
            tag, actor_id="user:7", purpose=PurposeOfUse.TREATMENT, outcome=Outcome.SUCCESS, client_id=client_id
        )
        positions.append(newest_position())
    return positions


def newest_position() -> int:
    """Return the newest position in the ordered log (-1 when it is empty)."""
    newest = LogEntry.objects.order_by("-position").values_list("position", flat=True).first()
    return -1 if newest is None else newest


def verify(*against: Path, public_keys: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run `confide audit verify` in this process; return its exit code and output."""
    out = io.StringIO()
    code = commands.run_verify(list(against), list(public_keys), out)
    return code, out.getvalue()


def sql(statement: str, params: tuple[Any, ...] = ()) -> None:
    """Run raw SQL, the way someone with write access to the database would tamper with it."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def row(position: int) -> dict[str, Any]:
    """Return a stored row's columns, with binary columns as bytes."""
    values = LogEntry.objects.filter(position=position).values().get()
    return {name: bytes(value) if isinstance(value, memoryview) else value for name, value in values.items()}
