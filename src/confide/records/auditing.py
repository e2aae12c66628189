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
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.records.models import CareTeamMember, Client

__all__ = ["ACCESS_OBSERVERS", "audit", "audit_batch", "on_care_team", "purpose_of_use", "read_page"]

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
    purpose = purpose_of_use(vault, client)
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


def purpose_of_use(vault: Vault, client: Client | None) -> PurposeOfUse:
    """What an access by this vault's holder is for, as the client's history will say it.

    The care team's accesses are for the client's care (HL7 TREAT); a break-glass session's are
    for an emergency (ETREAT); the recovery kit's, and those of someone outside the client's
    care team (the owner, who holds every client's administrative key), are for running the
    practice (HIPAA health care operations, HL7 HOPERAT), not for the client's care.
    """
    if vault.user_id is None:
        return PurposeOfUse.OPERATIONS
    if client is None:
        return PurposeOfUse.TREATMENT
    if client.pk in vault.emergency_client_ids:
        return PurposeOfUse.EMERGENCY_TREATMENT  # a read or write under a break-glass session
    # Only the care team holds a client's clinical key outside break-glass: asking the vault (whose
    # wrap lookup a page has already made) saves the chart a query; the rest (front desk on the
    # team, the owner outside it) are told apart by the care team.
    if vault.holds(client.pk, ScopeKeyVersion.Scope.CLINICAL):
        return PurposeOfUse.TREATMENT
    return PurposeOfUse.TREATMENT if on_care_team(vault.user_id, client.pk) else PurposeOfUse.OPERATIONS


def on_care_team(user_id: int, client_pk: int) -> bool:
    """True if the person is on the client's care team (any role, front desk included)."""
    # Inside `read_page()` the answer is remembered for the page, as the key checks are.
    memo = keys.remembered_checks()
    memo_key = ("care-team", user_id, client_pk)
    if memo is not None and memo_key in memo:
        return bool(memo[memo_key])
    found = CareTeamMember.objects.filter(client_id=client_pk, user_id=user_id).exists()
    if memo is not None:
        memo[memo_key] = found
    return found


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
