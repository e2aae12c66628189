"""Every access to a client's record is written to the audit log through `audit()`.

Reads call it before they return data, so a read that cannot be logged is not served; writes call
it inside their transaction. Pages made of several reads gather their events with `read_page()`.
Higher layers watch accesses through `ACCESS_OBSERVERS` (oversight raises break-glass and bulk
export alerts there) so that this module imports nothing of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from confide.audit import services as audit_services
from confide.auditlog import PurposeOfUse
from confide.keys import vault as keys
from confide.keys.vault import Vault
from confide.records.models import Client

__all__ = ["ACCESS_OBSERVERS", "audit", "audit_batch", "read_page"]

_PENDING_EVENTS: ContextVar[list[Any] | None] = ContextVar("confide_pending_audit_events", default=None)

# Called after each access is logged, with (vault, tag, client): `confide.oversight` watches
# for break-glass reads and bulk exports here (records imports nothing of it).
ACCESS_OBSERVERS: list[Callable[[Vault, str, Client | None], None]] = []


def audit(vault: Vault, tag: str, client: Client | None = None, *, outcome: str = "success",
          detail: bytes | None = None) -> None:
    """Write an audit event for an access by this vault's holder.

    Reads call this before returning data, so a read that cannot be logged is not served
    (`AuditAppendError` propagates). Writes call it inside their transaction. Inside
    `audit_batch()` the event waits and is appended with the others when the batch closes.
    """
    actor = f"user:{vault.user_id}" if vault.user_id is not None else "recovery-kit"
    purpose = PurposeOfUse.TREATMENT if vault.user_id is not None else PurposeOfUse.OPERATIONS
    if client is not None and client.pk in vault.emergency_client_ids:
        purpose = PurposeOfUse.EMERGENCY_TREATMENT  # a read or write under a break-glass session
    client_id = str(client.public_id) if client is not None else None
    pending = _PENDING_EVENTS.get()
    if pending is not None:
        pending.append(audit_services.new_event(tag, actor_id=actor, purpose=purpose, outcome=outcome,
                                                client_id=client_id, sealed_detail=detail))
    else:
        audit_services.record_event(tag, actor_id=actor, purpose=purpose, outcome=outcome, client_id=client_id,
                                    sealed_detail=detail)
    for observer in ACCESS_OBSERVERS:
        observer(vault, tag, client)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the read events of a page made of several reads and append them in one go.

    For read-only pages such as the chart: the events are appended, in order, under one lock and
    one transaction when the block ends, and the caller renders only after that, so nothing is
    shown unless it was logged. If the block raises, the events gathered so far are still
    appended (the reads did happen) and the error propagates.
    """
    if _PENDING_EVENTS.get() is not None:
        yield
        return
    events: list[Any] = []
    token = _PENDING_EVENTS.set(events)
    try:
        yield
    finally:
        _PENDING_EVENTS.reset(token)
        if events:
            audit_services.record_events(events)


@contextmanager
def read_page() -> Iterator[None]:
    """A read-only page made of several reads: one audit batch, and each access check done once.

    Everything `audit_batch()` promises holds. In addition, each client is looked up and each
    key check made once per vault for the whole block (`keys.remembering_checks()`), instead of
    once per read. Only for blocks that change no access (no grant, revocation or key rotation
    inside), since a change made in the block would not be seen by checks already made.
    """
    with keys.remembering_checks(), audit_batch():
        yield
