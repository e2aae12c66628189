"""Exceptions raised by the audit-log core.

Every failure of a check raises one of these; nothing in this package returns
``False`` to mean "tampered".
"""

from __future__ import annotations

__all__ = [
    "AuditFormatError",
    "AuditLogError",
    "ConsistencyProofError",
    "InclusionProofError",
    "LogIntegrityError",
    "SignatureError",
]


class AuditLogError(Exception):
    """The base class of every error raised by ``confide.auditlog``."""


class AuditFormatError(AuditLogError, ValueError):
    """An entry, a tree head or a key is malformed and cannot be used."""


class InclusionProofError(AuditLogError):
    """An inclusion proof does not show the leaf in the tree with the given root."""


class ConsistencyProofError(AuditLogError):
    """A consistency proof does not show the newer tree extending the older one."""


class SignatureError(AuditLogError):
    """A signed tree head does not carry a valid signature from the expected key."""


class LogIntegrityError(AuditLogError):
    """The stored log differs from what its hashes or signed tree heads commit to.

    ``position`` is the index of the first entry at which the log diverges. When
    the divergence can only be narrowed down to a range (because the only
    evidence is a tree head for a later size), ``upper_bound`` is set and the
    first bad entry lies somewhere in ``[position, upper_bound)``; otherwise
    ``upper_bound`` is ``None`` and ``position`` is exact.
    """

    def __init__(self, position: int, reason: str, *, upper_bound: int | None = None) -> None:
        self.position = position
        self.reason = reason
        self.upper_bound = upper_bound
        if upper_bound is None:
            where = f"audit log entry {position}"
        else:
            where = f"audit log entries {position}..{upper_bound - 1}"
        super().__init__(f"{where}: {reason}")
