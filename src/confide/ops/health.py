"""What `/readyz` checks: can this node serve, and is the cluster keeping up (ADR 0022).

Four checks, each answering ok or failing with a short reason that names no client, no path and
no id. Two are the node's own (`database`, `keys`): when one fails this node must not get traffic,
so `/readyz` answers 503 and the load balancer takes it out. Two are the cluster's
(`audit_sequencer`, `worker`): every node shares them, so taking nodes out would turn a slow
sequencer or a stopped worker into an outage. They are reported as `degraded` (the answer stays
200) and exported as metrics for alerting. Readers of the audit log sequence first, so a lagging
sequencer never shows a reader a log without its events (ADR 0005).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from confide.audit.models import PendingEvent
from confide.audit.services import current_signing_key
from confide.notifications.opskey import operations_key
from confide.notifications.worker import worker_status

__all__ = ["Check", "audit_lag", "readiness"]

# Events older than this still waiting for the sequencer mean it is stuck or dead.
SEQUENCER_LAG_LIMIT_SECONDS = 30.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    # True when a failure means this node must get no traffic.
    node: bool
    reason: str = ""


@dataclass(frozen=True)
class AuditLag:
    pending: int
    oldest_seconds: float


def audit_lag() -> AuditLag:
    """How many committed audit events wait for the sequencer, and how long the oldest has waited."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(PendingEvent._meta.db_table)
        cursor.execute(f"SELECT COUNT(*), MIN(occurred_at) FROM {table}")  # noqa: S608 (no input)
        row = cursor.fetchone()
    count = int(row[0]) if row else 0
    oldest = row[1] if row else None
    if isinstance(oldest, str):  # SQLite without type detection
        oldest = dt.datetime.fromisoformat(oldest)
    if oldest is not None and timezone.is_naive(oldest):
        oldest = timezone.make_aware(oldest, dt.UTC)
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest is not None else 0.0
    return AuditLag(pending=count, oldest_seconds=age)


def _database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # Any failure means no database; the type alone is reported.
        return Check("database", False, True, type(exc).__name__)
    return Check("database", True, True)


def _keys() -> Check:
    """The files a node needs: the audit signing key and the operations key."""
    try:
        current_signing_key()
    except Exception:
        return Check("keys", False, True, "the audit signing key cannot be read")
    try:
        operations_key()
    except Exception:
        return Check("keys", False, True, "the operations key cannot be read")
    return Check("keys", True, True)


def _sequencer() -> Check:
    try:
        lag = audit_lag()
    except Exception as exc:
        return Check("audit_sequencer", False, False, type(exc).__name__)
    if lag.oldest_seconds > SEQUENCER_LAG_LIMIT_SECONDS:
        return Check("audit_sequencer", False, False, "events wait longer than the limit")
    return Check("audit_sequencer", True, False)


def _worker() -> Check:
    try:
        status = worker_status()
    except Exception as exc:
        return Check("worker", False, False, type(exc).__name__)
    if not status.alive:
        return Check("worker", False, False, f"no heartbeat in {3 * settings.CONFIDE_WORKER_HEARTBEAT_SECONDS} s")
    return Check("worker", True, False)


def readiness() -> list[Check]:
    """Run every check; the database first (the others need it)."""
    database = _database()
    if not database.ok:
        return [database, _keys(), Check("audit_sequencer", False, False, "no database"),
                Check("worker", False, False, "no database")]
    return [database, _keys(), _sequencer(), _worker()]
