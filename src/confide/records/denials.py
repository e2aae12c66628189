"""Refused access to a client's data, on the record and aggregated (ADR 0013, issue 21 finding 5).

`client_in_vault` refuses a person who holds no key for what they asked (another clinician's
client, another practice's id, front desk opening notes). Each refusal is noted here while the
request runs; `flush()`, called by the web middleware once the response is ready and outside
any transaction the refusal rolled back, writes the audit events: outcome `denied`, with the
client when the id names one of the practice's clients.

Probing must not flood the log: within each window of `CONFIDE_DENIED_WINDOW_MINUTES` an actor's
refusals are counted, and an event is written at the 1st, 2nd, 4th, 8th ... refusal, carrying
the count so far. When the count reaches `CONFIDE_ALERT_DENIED_COUNT`, `DENIAL_OBSERVERS`
(the owner's alert, in `confide.oversight`) are told once per window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from confide.audit import services as audit_services
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.vault import Vault
from confide.records.models import Client

__all__ = ["DENIAL_OBSERVERS", "collecting", "flush", "note_denied"]

# Called with (practice id, user id, count, window minutes) when an actor passes the threshold.
DENIAL_OBSERVERS: list[Callable[[int, int, int, int], None]] = []


@dataclass(frozen=True)
class Denial:
    practice_id: int
    user_id: int
    client_public_id: str | None


_PENDING: ContextVar[list[Denial] | None] = ContextVar("confide_pending_denials", default=None)


def note_denied(vault: Vault, client: Client | None) -> None:
    """Remember that this person was refused `client` (None: no such client in their practice)."""
    pending = _PENDING.get()
    if pending is None or vault.user_id is None:
        return  # outside a web request (command line, tests of services): nothing to aggregate into
    pending.append(Denial(vault.practice_id, vault.user_id, str(client.public_id) if client is not None else None))


@contextmanager
def collecting() -> Iterator[list[Denial]]:
    """Gather the refusals of one request; the caller flushes them after the response is built."""
    pending: list[Denial] = []
    token = _PENDING.set(pending)
    try:
        yield pending
    finally:
        _PENDING.reset(token)


def _window() -> tuple[int, int]:
    minutes = int(settings.CONFIDE_DENIED_WINDOW_MINUTES)
    return minutes, int(time.time() // (minutes * 60))


def flush(denials: list[Denial]) -> int:
    """Count and audit refusals (in their own transaction); returns how many events were written."""
    written = 0
    seen: set[Denial] = set()
    for denial in denials:
        if denial in seen:
            continue  # one request refused the same thing twice: one refusal
        seen.add(denial)
        minutes, window = _window()
        key = f"confide:denied:{denial.user_id}:{window}"
        cache.add(key, 0, timeout=minutes * 60 + 60)
        try:
            count = int(cache.incr(key))
        except ValueError:  # the entry expired between add and incr
            cache.set(key, 1, timeout=minutes * 60 + 60)
            count = 1
        if count & (count - 1) == 0:  # 1, 2, 4, 8, ...: the log grows with the logarithm of probing
            with transaction.atomic():
                audit_services.record_event(
                    Tag.ACCESS_DENIED, actor_id=f"user:{denial.user_id}", purpose=PurposeOfUse.TREATMENT,
                    outcome=Outcome.DENIED, client_id=denial.client_public_id,
                    sealed_detail=f"refusals={count};window_minutes={minutes}".encode("ascii"))
            written += 1
        if count == int(settings.CONFIDE_ALERT_DENIED_COUNT):
            for observer in DENIAL_OBSERVERS:
                observer(denial.practice_id, denial.user_id, count, minutes)
    return written
