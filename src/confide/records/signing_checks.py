"""Checks a higher layer adds to signing a note, without records importing it.

`NOTE_SIGNING_CHECKS` holds callables `(vault, note, reason) -> None` that run inside the signing
transaction, after the note is marked signed and before the signing is audited; a check refuses
by raising a `RecordError` (which rolls the signing back). The portal registers its consent gate
here (`confide.portal.consent_gate`, ADR 0008) when Django starts, as `confide.oversight` watches
accesses through `confide.records.auditing.ACCESS_OBSERVERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from confide.keys.vault import Vault
from confide.records.models import Note

__all__ = ["NOTE_SIGNING_CHECKS", "run_signing_checks"]

NOTE_SIGNING_CHECKS: list[Callable[[Vault, Note, str], None]] = []


def run_signing_checks(vault: Vault, note: Note, reason: str) -> None:
    """Run every registered check on a note being signed; the first refusal propagates."""
    for check in NOTE_SIGNING_CHECKS:
        check(vault, note, reason)
