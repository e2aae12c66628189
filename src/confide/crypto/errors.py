"""Exceptions raised by the cryptographic core.

Every failure raises one precise exception derived from `CryptoError`; no
function in this package returns ``False`` or partial plaintext to signal
that something went wrong. Programming errors (a wrong argument type, a
threshold out of range) raise the built-in ``TypeError`` or ``ValueError``
instead, because they are bugs rather than events to handle.
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "IntegrityError",
    "RecoveryError",
    "RecoveryShareError",
    "WrongKeyError",
    "WrongPasswordError",
    "WrongSecretError",
]


class CryptoError(Exception):
    """The base class of every error the cryptographic core raises on bad data."""


class IntegrityError(CryptoError):
    """A blob failed authentication or does not parse.

    This covers a flipped byte, a truncated blob, an unknown format version,
    a blob of the wrong kind, and a ciphertext opened with a context
    (record, field, client, version, scope) other than the one it was sealed
    with. These cases are deliberately not told apart further: an attacker
    learns nothing from the message, and the caller's only sound reaction is
    the same in every case.
    """


class WrongKeyError(CryptoError):
    """The blob names a key other than the one supplied.

    The key id in the blob's authenticated header does not match the key
    passed in, so the caller fetched the wrong key (or key version). A blob
    whose key-id bytes were altered is indistinguishable from this case.
    """


class WrongSecretError(CryptoError):
    """A secret-wrapped blob did not open with the secret supplied.

    Raised when a private key wrapped under a session secret or personal
    access token is opened with a different secret, for a different purpose
    or owner, or when the blob was altered; the cases cannot be told apart.
    """


class WrongPasswordError(WrongSecretError):
    """A password-wrapped private key did not open with the password supplied."""


class RecoveryError(CryptoError):
    """The recovery shares given do not recover the practice recovery key.

    Raised for too few shares, shares from different kits, duplicated
    shares, or shares that combine to the wrong secret.
    """


class RecoveryShareError(RecoveryError):
    """One recovery share's text is malformed or fails its checksum.

    ``position`` is the share's 1-based position in the list passed in, when
    known, so the message can tell the operator which paper to re-read.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        """Create the error; ``position`` names the share in the input list."""
        if position is not None:
            message = f"share {position} entered: {message}"
        super().__init__(message)
        self.position = position
