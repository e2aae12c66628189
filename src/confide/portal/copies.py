"""The client's portal copies of what was disclosed about them (ADR 0009), as the portal sees them.

The copies are `confide.disclosures`' business (`disclosures.client_side`); the portal's chart
panel only asks whether any is missing (in its one facts query) and has the missing ones sealed.
So the portal defines this small interface and `DisclosuresConfig.ready` registers the
implementation: the portal imports nothing of disclosures.
"""

from __future__ import annotations

from typing import Any, Protocol

from confide.keys.vault import Vault
from confide.records.models import Client

__all__ = ["PortalCopies", "portal_copies", "register_portal_copies"]


class PortalCopies(Protocol):
    """What the chart panel needs of the client's portal copies."""

    def due_sql(self, client_pk: int) -> tuple[str, list[Any]]:
        """A SQL condition and its parameters, true when the client's portal lacks a copy."""
        ...

    def seal(self, vault: Vault, client: Client) -> int:
        """Seal the missing copies; return how many were written."""
        ...


_REGISTERED: list[PortalCopies] = []


def register_portal_copies(copies: PortalCopies) -> None:
    """Install the implementation (one; a second registration replaces the first)."""
    _REGISTERED[:] = [copies]


def portal_copies() -> PortalCopies | None:
    """The registered implementation, or None when no app provides one."""
    return _REGISTERED[0] if _REGISTERED else None
