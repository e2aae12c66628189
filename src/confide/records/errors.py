"""The errors of the record rules, shared by every context that reads or writes a client's record.

Each message is safe to show: none holds client data.
"""

from __future__ import annotations

__all__ = ["NotFoundError", "RecordError", "RecordIntegrityError", "StaleVersionError"]


class RecordError(Exception):
    """A request the record rules refuse; the message is safe to show (it holds no client data)."""


class NotFoundError(RecordError):
    """The record does not exist, or this person has no access to it (the same answer on purpose)."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class StaleVersionError(RecordError):
    """Someone saved a newer version first; nothing was overwritten."""


class RecordIntegrityError(RecordError):
    """A sealed field failed its integrity check: it was altered or moved. Nothing is shown."""
