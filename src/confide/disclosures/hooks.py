"""What a disclosure or an authorization, once written, asks of the client's side, without the
writing modules importing it.

`records.py`, `required.py` and `authorizations.py` write disclosures and authorizations;
`client_side.py` (portal copies, ADR 0009) imports them. So the writers call these two functions,
and `DisclosuresConfig.ready` registers `client_side`'s implementations when Django starts.
"""

from __future__ import annotations

from collections.abc import Callable

from confide.keys.vault import Vault
from confide.records.models import Client

__all__ = ["AFTER_DISCLOSURE", "SEAL_PORTAL_COPIES", "after_disclosure", "seal_portal_copies"]

# Called with (vault, client) after a disclosure is recorded: the consent revisit and the portal copy.
AFTER_DISCLOSURE: list[Callable[[Vault, Client], None]] = []
# Called with (vault, client) when the client's portal copies may be missing (after an authorization, say).
SEAL_PORTAL_COPIES: list[Callable[[Vault, Client], object]] = []


def after_disclosure(vault: Vault, client: Client) -> None:
    """Run what every recorded disclosure does for the client's side."""
    for hook in AFTER_DISCLOSURE:
        hook(vault, client)


def seal_portal_copies(vault: Vault, client: Client) -> None:
    """Seal the client's missing portal copies of disclosures and authorizations."""
    for hook in SEAL_PORTAL_COPIES:
        hook(vault, client)
