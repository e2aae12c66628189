"""The audit log's own error, shared by the services and the background sequencer."""

from __future__ import annotations

__all__ = ["AuditAppendError"]


class AuditAppendError(Exception):
    """An event could not be written to the audit log.

    Whatever the event records must then not happen: a write rolls back with it, and a read is not
    served. The message names the cause (database, signing key, a damaged log), never client data.
    """
