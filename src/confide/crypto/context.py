"""Contexts that bind a ciphertext or key wrap to the place it belongs.

A context is encoded canonically and fed to the AEAD as associated data
(or to HPKE as ``info``). It is not stored in the blob: the caller states
it again when opening, from the row it is reading. A ciphertext copied to
another row, field, client, version or scope therefore fails to open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from confide.crypto.format import encode_fields

__all__ = ["Scope", "SealContext", "WrapContext"]

_SEAL_CONTEXT_LABEL = b"confide/seal-context/v1"
_WRAP_CONTEXT_LABEL = b"confide/wrap-context/v1"
_MAX_ID_BYTES = 1024


class Scope(StrEnum):
    """The scopes of a client's record, each with its own key."""

    ADMIN = "admin"
    CLINICAL = "clinical"
    PRIVATE = "private"
    # What the client and their care team share through the portal (ADR 0008).
    PORTAL = "portal"
    # A de-identified consultation summary: one key per consultation, wrapped only to its author,
    # the consultants it is shared with and the recovery key (ADR 0019).
    CONSULTATION = "consultation"


def _identifier(name: str, value: object) -> bytes:
    """Validate one identifier field and return its UTF-8 encoding."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must not be empty")
    try:
        encoded = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} is not valid Unicode text") from exc
    if len(encoded) > _MAX_ID_BYTES:
        raise ValueError(f"{name} is longer than {_MAX_ID_BYTES} bytes")
    return encoded


def _scope(value: object) -> Scope:
    """Coerce a scope given as a `Scope` or its string value."""
    if not isinstance(value, str):
        raise TypeError(f"scope must be a Scope, got {type(value).__name__}")
    try:
        return Scope(value)
    except ValueError:
        raise ValueError(f"unknown scope {value!r}") from None


@dataclass(frozen=True, slots=True)
class SealContext:
    """Where a sealed field lives: bound into its associated data.

    ``version`` is the record's version number, so an older ciphertext of
    the same field cannot be replayed as the current one.
    """

    practice_id: str
    client_id: str
    record_type: str
    record_id: str
    field: str
    version: int
    scope: Scope

    def __post_init__(self) -> None:
        """Validate every field so that a bad context fails when it is built."""
        self.encode()
        object.__setattr__(self, "scope", _scope(self.scope))

    def encode(self) -> bytes:
        """Return the canonical, length-prefixed encoding used as associated data."""
        if type(self.version) is not int:
            raise TypeError(f"version must be an int, got {type(self.version).__name__}")
        if not 0 <= self.version < 2**64:
            raise ValueError("version must be between 0 and 2**64 - 1")
        return encode_fields(
            _SEAL_CONTEXT_LABEL,
            _identifier("practice_id", self.practice_id),
            _identifier("client_id", self.client_id),
            _identifier("record_type", self.record_type),
            _identifier("record_id", self.record_id),
            _identifier("field", self.field),
            self.version.to_bytes(8, "big"),
            _scope(self.scope).value.encode("ascii"),
        )


@dataclass(frozen=True, slots=True)
class WrapContext:
    """What a wrapped scope key is for and whom it was wrapped to.

    ``recipient_id`` is the application's name for the recipient, for
    example a user id or ``"recovery"``; the recipient's public key is bound
    as well, through its key id in the wrap header.
    """

    practice_id: str
    client_id: str
    scope: Scope
    recipient_id: str

    def __post_init__(self) -> None:
        """Validate every field so that a bad context fails when it is built."""
        self.encode()
        object.__setattr__(self, "scope", _scope(self.scope))

    def encode(self) -> bytes:
        """Return the canonical, length-prefixed encoding bound into the wrap."""
        return encode_fields(
            _WRAP_CONTEXT_LABEL,
            _identifier("practice_id", self.practice_id),
            _identifier("client_id", self.client_id),
            _scope(self.scope).value.encode("ascii"),
            _identifier("recipient_id", self.recipient_id),
        )
