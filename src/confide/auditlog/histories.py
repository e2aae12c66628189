"""Complete per-client histories: checking the client links inside signed entries.

Every entry about a client placed in the log since issue 22 carries a ``ClientLink`` (the number
of earlier entries about that client and the position of the last one) inside the signed leaf
(docs/adr/0014b-complete-histories.md). Two checks follow from it:

* ``ChainTracker`` reads the whole log in order (as ``confide audit verify`` does) and refuses the
  first link that does not match what came before;
* ``check_history`` takes one client's history as served, newest first, and the link of an entry
  known to be newer (the read event that logged this very read), and refuses a history from
  which an entry is missing: inclusion proofs show that what is listed is in the log, the links
  show that nothing about the client was left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from confide.auditlog.errors import LogIntegrityError
from confide.auditlog.events import ClientLink

__all__ = ["ChainTracker", "HistoryItem", "check_history"]


@dataclass
class ChainTracker:
    """Follows every client's chain through the log, in position order."""

    counts: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)

    def expected(self, client_id: str) -> ClientLink:
        """The link the next entry about ``client_id`` must carry."""
        return ClientLink(self.counts.get(client_id, 0), self.last.get(client_id))

    def feed(self, position: int, client_id: str | None, link: ClientLink | None) -> None:
        """Take the entry at ``position``; raise ``LogIntegrityError`` if its link is wrong."""
        if client_id is None:
            return
        if link is not None and link != self.expected(client_id):
            want = self.expected(client_id)
            raise LogIntegrityError(
                position,
                f"the entry's client link (number {link.seq}, previous {link.previous}) does not follow the "
                f"client's earlier entries (expected number {want.seq}, previous {want.previous})",
            )
        self.counts[client_id] = self.counts.get(client_id, 0) + 1
        self.last[client_id] = position


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One entry of a served history: its position and its link (``None`` for a version 1 entry)."""

    position: int
    link: ClientLink | None


def check_history(anchor: ClientLink, items: Sequence[HistoryItem], *, complete: bool) -> None:
    """Check that ``items`` (newest first) are exactly the client's entries before ``anchor``.

    ``anchor`` is the link of an entry about the client that is newer than all of them (the
    read event of this very read). With ``complete`` the items must reach the client's first
    entry; otherwise (a page) only the listed part is checked. Raises ``LogIntegrityError`` at
    the first entry missing from the history.
    """
    expected_position, remaining = anchor.previous, anchor.seq
    for index, item in enumerate(items):
        if item.link is None:
            # Entries from before the links: they can only be counted.
            older = items[index:]
            positions = [older_item.position for older_item in older]
            if any(older_item.link is not None for older_item in older) or positions != sorted(positions, reverse=True):
                raise LogIntegrityError(item.position, "the client's history is out of order")
            if expected_position is not None and positions[0] != expected_position:
                raise LogIntegrityError(
                    expected_position, "an entry about this client is missing from the history shown"
                )
            if complete and len(older) != remaining:
                raise LogIntegrityError(
                    positions[-1],
                    f"the client's history lists {len(older)} early entries but the log counts {remaining}: "
                    "entries about this client are missing",
                )
            return
        if expected_position is None or item.position != expected_position:
            raise LogIntegrityError(
                expected_position if expected_position is not None else item.position,
                "an entry about this client is missing from the history shown"
                if expected_position is not None
                else "the history lists an entry the client's chain does not lead to",
            )
        if item.link.seq != remaining - 1:
            raise LogIntegrityError(item.position, "the client's entry numbers do not follow each other")
        expected_position, remaining = item.link.previous, item.link.seq
    if complete and (expected_position is not None or remaining != 0):
        raise LogIntegrityError(
            expected_position if expected_position is not None else 0,
            f"{remaining} older entries about this client are missing from the history shown",
        )
