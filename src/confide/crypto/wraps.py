"""Recipes that wrap a user's private key.

A private key is stored only wrapped, in one of three ways:

* under a password, with Argon2id (kind 3)::

      header(5) | memory KiB(4) | iterations(4) | parallelism(1) | salt(16)
      | nonce(12) | ciphertext | tag(16)

  Algorithm 1 uses the Argon2id output as the AES key. Algorithm 2 (ADR 0022)
  computes the same Argon2id once per sign-in for two uses: HKDF-SHA256 splits
  its output into a password *verifier* (what the password hasher stores) and
  the *key-encryption key* of this wrap, so checking the password and opening
  the key cost one Argon2id (`derive_password`, `password_derivations`).

* under a high-entropy secret such as a session secret or personal access
  token, with HKDF-SHA256 and a purpose label (kind 4)::

      header(5) | salt(16) | nonce(12) | ciphertext | tag(16)

* to another key pair with HPKE, for example the practice recovery key
  (kind 6)::

      header(5) | recipient key id(16) | HPKE enc | ciphertext | tag(16)

In every case the AEAD is AES-256-GCM, the plaintext is
`unsafe_serialize_private_key`, and the associated data (or HPKE info) is
everything before the nonce plus the purpose and the owner's id, so a wrap
cannot be moved to another user or used for another purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.errors import (
    IntegrityError,
    WrongKeyError,
    WrongPasswordError,
    WrongSecretError,
)
from confide.crypto.format import (
    KEY_ID_LEN,
    NONCE_LEN,
    TAG_LEN,
    Kind,
    encode_fields,
    encode_header,
    parse_header,
)
from confide.crypto.keys import (
    KeySuite,
    UserPrivateKey,
    UserPublicKey,
    hpke_min_sealed_len,
    hpke_suite,
    unsafe_load_private_key,
    unsafe_serialize_private_key,
)
from confide.crypto.recipes import SECRET_LEN

__all__ = [
    "KdfParams",
    "PasswordDerivation",
    "SecretPurpose",
    "derive_password",
    "password_derivations",
    "password_wrap_salt",
    "unwrap_private_key_from",
    "unwrap_private_key_with_password",
    "unwrap_private_key_with_secret",
    "wrap_private_key_to",
    "wrap_private_key_with_derivation",
    "wrap_private_key_with_password",
    "wrap_private_key_with_secret",
]

_SALT_LEN = 16
_PASSWORD_LABEL = b"confide/private-key-wrap/password/v1"
_SECRET_LABEL = b"confide/private-key-wrap/secret/v1"
_HPKE_LABEL = b"confide/private-key-wrap/hpke/v1"
_DERIVED_WRAP_LABEL = b"confide/private-key-wrap/password/v2"
_VERIFIER_INFO = b"confide/password/verifier/v2"
_KEK_INFO = b"confide/password/key-encryption-key/v2"


class _PasswordAlgorithm(IntEnum):
    """Algorithm ids for password wraps."""

    ARGON2ID_AES_256_GCM = 1
    # One Argon2id, split by HKDF-SHA256 into a verifier and this wrap's key (ADR 0022).
    ARGON2ID_HKDF_AES_256_GCM = 2


class _SecretAlgorithm(IntEnum):
    """Algorithm ids for secret wraps."""

    HKDF_SHA256_AES_256_GCM = 1


@dataclass(frozen=True, slots=True)
class KdfParams:
    """Argon2id cost parameters for password wraps.

    The defaults (64 MiB, three passes, one lane) follow the parameters we
    measured at about 170 ms. Construction refuses parameters weaker than
    OWASP's floor for Argon2id (memory of at least 7 MiB and memory times
    passes of at least 36 MiB) unless ``unsafe_allow_weak`` is set, which
    only tests may do; see `unsafe_for_tests`. Parameters read back from a
    stored wrap are always accepted within Argon2's limits and an upper
    bound that stops a forged blob from exhausting memory.
    """

    memory_kib: int = 65536
    iterations: int = 3
    parallelism: int = 1
    unsafe_allow_weak: bool = field(default=False, repr=False, compare=False, kw_only=True)

    MIN_MEMORY_KIB = 7 * 1024
    MIN_COST_KIB = 36 * 1024
    MAX_MEMORY_KIB = 4 * 1024 * 1024
    MAX_ITERATIONS = 64
    MAX_PARALLELISM = 16

    def __post_init__(self) -> None:
        """Enforce Argon2's hard limits, our ceiling, and (unless waived) our floor."""
        for name in ("memory_kib", "iterations", "parallelism"):
            if type(getattr(self, name)) is not int:
                raise TypeError(f"{name} must be an int")
        if not 1 <= self.parallelism <= self.MAX_PARALLELISM:
            raise ValueError(f"parallelism must be between 1 and {self.MAX_PARALLELISM}")
        if not 1 <= self.iterations <= self.MAX_ITERATIONS:
            raise ValueError(f"iterations must be between 1 and {self.MAX_ITERATIONS}")
        if not 8 * self.parallelism <= self.memory_kib <= self.MAX_MEMORY_KIB:
            raise ValueError(
                f"memory_kib must be between {8 * self.parallelism} and {self.MAX_MEMORY_KIB}"
            )
        if not self.unsafe_allow_weak and (
            self.memory_kib < self.MIN_MEMORY_KIB
            or self.memory_kib * self.iterations < self.MIN_COST_KIB
        ):
            raise ValueError(
                "Argon2id parameters are too weak: use at least 7 MiB of memory and "
                "memory times iterations of at least 36 MiB"
            )

    @classmethod
    def unsafe_for_tests(cls) -> KdfParams:
        """Return fast, weak parameters (8 MiB, one pass). Never use them outside tests."""
        return cls(memory_kib=8192, iterations=1, parallelism=1, unsafe_allow_weak=True)

    def encode(self) -> bytes:
        """Return the nine bytes stored in a password wrap."""
        return struct.pack(">IIB", self.memory_kib, self.iterations, self.parallelism)


class SecretPurpose(StrEnum):
    """What a high-entropy secret is for; each purpose derives a different key."""

    SESSION = "session"
    PERSONAL_ACCESS_TOKEN = "personal-access-token"  # noqa: S105 (a label, not a secret)


def _owner(owner_id: str) -> bytes:
    """Validate and encode the owner id bound into a wrap."""
    if not isinstance(owner_id, str) or not owner_id:
        raise ValueError("owner_id must be a non-empty str")
    return owner_id.encode("utf-8")


def _password_bytes(password: str) -> bytes:
    """Normalize a password (NFKC, as NIST SP 800-63B suggests) and encode it."""
    if not isinstance(password, str):
        raise TypeError("password must be a str")
    if not password:
        raise ValueError("password must not be empty")
    return unicodedata.normalize("NFKC", password).encode("utf-8")


def _argon2id(password: str, salt: bytes, params: KdfParams) -> bytes:
    """Derive a 32-byte key from a password with Argon2id."""
    return hash_secret_raw(
        secret=_password_bytes(password),
        salt=salt,
        time_cost=params.iterations,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=32,
        type=Type.ID,
    )


def wrap_private_key_with_password(
    private_key: UserPrivateKey,
    password: str,
    *,
    owner_id: str,
    params: KdfParams | None = None,
) -> bytes:
    """Wrap a private key under a key derived from ``password`` with Argon2id.

    ``owner_id`` (for example the user's id) is bound into the wrap, so the
    blob cannot be moved to another account. The salt and the parameters
    are stored in the blob.
    """
    params = params or KdfParams()
    salt = os.urandom(_SALT_LEN)
    nonce = os.urandom(NONCE_LEN)
    header = encode_header(Kind.PRIVATE_KEY_PASSWORD_WRAP, _PasswordAlgorithm.ARGON2ID_AES_256_GCM)
    header += params.encode() + salt
    key = _argon2id(password, salt, params)
    aad = header + encode_fields(_PASSWORD_LABEL, _owner(owner_id))
    plaintext = unsafe_serialize_private_key(private_key)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unwrap_private_key_with_password(
    blob: bytes, password: str, *, owner_id: str
) -> UserPrivateKey:
    """Unwrap a private key wrapped by `wrap_private_key_with_password`.

    Raises `WrongPasswordError` when the password (or owner) is wrong or the
    blob was altered, and `IntegrityError` when the blob does not parse.
    """
    owner = _owner(owner_id)
    algorithm, reader = parse_header(blob, Kind.PRIVATE_KEY_PASSWORD_WRAP, set(_PasswordAlgorithm))
    memory_kib, iterations, parallelism = reader.u32(), reader.u32(), reader.u8()
    try:
        params = KdfParams(memory_kib, iterations, parallelism, unsafe_allow_weak=True)
    except ValueError as exc:
        raise IntegrityError(f"the password wrap has invalid Argon2id parameters: {exc}") from None
    salt = reader.take(_SALT_LEN)
    label = _DERIVED_WRAP_LABEL if algorithm == _PasswordAlgorithm.ARGON2ID_HKDF_AES_256_GCM else _PASSWORD_LABEL
    aad = reader.consumed + encode_fields(label, owner)
    nonce = reader.take(NONCE_LEN)
    ciphertext = reader.rest(TAG_LEN)
    if algorithm == _PasswordAlgorithm.ARGON2ID_HKDF_AES_256_GCM:
        key = derive_password(password, salt=salt, params=params).key_encryption_key
    else:
        key = _argon2id(password, salt, params)
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise WrongPasswordError("wrong password for this private key") from None
    return unsafe_load_private_key(plaintext)


@dataclass(frozen=True, slots=True)
class PasswordDerivation:
    """The two keys one Argon2id computation of a password yields (ADR 0022).

    `verifier` is what a password hasher stores and compares; `key_encryption_key` wraps the
    private key (algorithm 2). Both are HKDF-SHA256 outputs of the same Argon2id output with
    different labels, so neither tells anything about the other, and neither is the output.
    """

    salt: bytes
    params: KdfParams
    verifier: bytes = field(repr=False)
    key_encryption_key: bytes = field(repr=False)


# The derivations computed inside `password_derivations()`, by (salt, parameters, a keyed hash
# of the password): a sign-in checks the password and opens the key with one Argon2id.
_DERIVATIONS: ContextVar[dict[bytes, PasswordDerivation] | None] = ContextVar("confide_derivations", default=None)


@contextmanager
def password_derivations() -> Iterator[None]:
    """Within this block, `derive_password` computes each (password, salt, parameters) once.

    Meant to span one request (a sign-in, a password change) and nothing longer: the
    derivations are dropped when the block ends. Outside such a block nothing is kept.
    """
    token = _DERIVATIONS.set({})
    try:
        yield
    finally:
        cache = _DERIVATIONS.get()
        if cache is not None:
            cache.clear()
        _DERIVATIONS.reset(token)


def _split(output: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(output)


def derive_password(
    password: str, *, salt: bytes | None = None, params: KdfParams | None = None
) -> PasswordDerivation:
    """Run Argon2id once over `password` and split the output into a verifier and a wrap key.

    A fresh random salt is drawn unless one is given (a stored hash's or wrap's). Inside
    `password_derivations()` the same password, salt and parameters are computed only once.
    """
    params = params or KdfParams()
    salt = os.urandom(_SALT_LEN) if salt is None else salt
    if not isinstance(salt, bytes) or len(salt) != _SALT_LEN:
        raise ValueError(f"salt must be {_SALT_LEN} bytes")
    cache = _DERIVATIONS.get()
    secret = _password_bytes(password)
    slot = b""
    if cache is not None:
        slot = salt + params.encode() + hmac.new(salt, secret, hashlib.sha256).digest()
        found = cache.get(slot)
        if found is not None:
            return found
    output = _argon2id(password, salt, params)
    derivation = PasswordDerivation(salt=salt, params=params, verifier=_split(output, _VERIFIER_INFO),
                                    key_encryption_key=_split(output, _KEK_INFO))
    if cache is not None:
        cache[slot] = derivation
    return derivation


def wrap_private_key_with_derivation(
    private_key: UserPrivateKey, derivation: PasswordDerivation, *, owner_id: str
) -> bytes:
    """Wrap a private key under a password derivation's key (kind 3, algorithm 2).

    The wrap stores the derivation's salt and parameters, so it opens with the password alone
    (`unwrap_private_key_with_password`), and with no second Argon2id when the hasher's
    verifier came from the same derivation.
    """
    nonce = os.urandom(NONCE_LEN)
    header = encode_header(Kind.PRIVATE_KEY_PASSWORD_WRAP, _PasswordAlgorithm.ARGON2ID_HKDF_AES_256_GCM)
    header += derivation.params.encode() + derivation.salt
    aad = header + encode_fields(_DERIVED_WRAP_LABEL, _owner(owner_id))
    plaintext = unsafe_serialize_private_key(private_key)
    return header + nonce + AESGCM(derivation.key_encryption_key).encrypt(nonce, plaintext, aad)


def password_wrap_salt(blob: bytes) -> tuple[int, bytes, KdfParams]:
    """The algorithm, salt and parameters of a password wrap (unauthenticated: a hint only)."""
    algorithm, reader = parse_header(blob, Kind.PRIVATE_KEY_PASSWORD_WRAP, set(_PasswordAlgorithm))
    memory_kib, iterations, parallelism = reader.u32(), reader.u32(), reader.u8()
    try:
        params = KdfParams(memory_kib, iterations, parallelism, unsafe_allow_weak=True)
    except ValueError as exc:
        raise IntegrityError(f"the password wrap has invalid Argon2id parameters: {exc}") from None
    return int(algorithm), reader.take(_SALT_LEN), params


def _secret_key(secret: bytes, salt: bytes, purpose: SecretPurpose) -> bytes:
    """Derive the wrap key for one purpose from a high-entropy secret with HKDF-SHA256."""
    if not isinstance(secret, bytes) or len(secret) < SECRET_LEN:
        raise ValueError(f"secret must be at least {SECRET_LEN} random bytes; see new_secret()")
    info = encode_fields(_SECRET_LABEL, SecretPurpose(purpose).value.encode("ascii"))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def wrap_private_key_with_secret(
    private_key: UserPrivateKey,
    secret: bytes,
    *,
    purpose: SecretPurpose,
    owner_id: str,
) -> bytes:
    """Wrap a private key under a high-entropy secret (a session secret or access token).

    The wrap key is derived with HKDF-SHA256 from the secret, a random salt
    and the ``purpose``, so a session secret can never open a wrap made for
    a personal access token, and the reverse. ``secret`` must hold at least
    32 random bytes; passwords belong in `wrap_private_key_with_password`.
    """
    owner = _owner(owner_id)
    salt = os.urandom(_SALT_LEN)
    nonce = os.urandom(NONCE_LEN)
    key = _secret_key(secret, salt, purpose)
    header = encode_header(Kind.PRIVATE_KEY_SECRET_WRAP, _SecretAlgorithm.HKDF_SHA256_AES_256_GCM)
    header += salt
    aad = header + encode_fields(_SECRET_LABEL, SecretPurpose(purpose).value.encode(), owner)
    plaintext = unsafe_serialize_private_key(private_key)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def unwrap_private_key_with_secret(
    blob: bytes,
    secret: bytes,
    *,
    purpose: SecretPurpose,
    owner_id: str,
) -> UserPrivateKey:
    """Unwrap a private key wrapped by `wrap_private_key_with_secret`.

    Raises `WrongSecretError` when the secret, purpose or owner is wrong or
    the blob was altered, and `IntegrityError` when the blob does not parse.
    """
    owner = _owner(owner_id)
    _, reader = parse_header(
        blob, Kind.PRIVATE_KEY_SECRET_WRAP, {_SecretAlgorithm.HKDF_SHA256_AES_256_GCM}
    )
    salt = reader.take(_SALT_LEN)
    aad = reader.consumed + encode_fields(
        _SECRET_LABEL, SecretPurpose(purpose).value.encode(), owner
    )
    nonce = reader.take(NONCE_LEN)
    ciphertext = reader.rest(TAG_LEN)
    key = _secret_key(secret, salt, purpose)
    try:
        plaintext = AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise WrongSecretError(
            f"wrong {SecretPurpose(purpose).value} secret for this private key"
        ) from None
    return unsafe_load_private_key(plaintext)


def wrap_private_key_to(
    recipient: UserPublicKey, private_key: UserPrivateKey, *, owner_id: str
) -> bytes:
    """Wrap a user's private key to another key pair with HPKE.

    This is how a user's private key is escrowed to the practice recovery
    key; ``owner_id`` names the user whose key it is.
    """
    header = encode_header(Kind.PRIVATE_KEY_WRAP, recipient.suite) + recipient.key_id
    info = header + encode_fields(_HPKE_LABEL, _owner(owner_id))
    sealed = hpke_suite(recipient.suite).encrypt(
        unsafe_serialize_private_key(private_key), recipient.hpke_key, info=info
    )
    return header + sealed


def unwrap_private_key_from(
    recipient_private_key: UserPrivateKey, blob: bytes, *, owner_id: str
) -> UserPrivateKey:
    """Unwrap a private key wrapped by `wrap_private_key_to`.

    Raises `WrongKeyError` when the wrap is addressed to another key pair,
    and `IntegrityError` when it was altered or the owner differs.
    """
    owner = _owner(owner_id)
    suite_id, reader = parse_header(blob, Kind.PRIVATE_KEY_WRAP, set(KeySuite))
    suite = KeySuite(suite_id)
    recipient_key_id = reader.take(KEY_ID_LEN)
    info = reader.consumed + encode_fields(_HPKE_LABEL, owner)
    sealed = reader.rest(hpke_min_sealed_len(suite))
    public = recipient_private_key.public_key()
    if suite is not recipient_private_key.suite or not hmac.compare_digest(
        recipient_key_id, public.key_id
    ):
        raise WrongKeyError("the private key wrap is addressed to a different key pair")
    try:
        plaintext = hpke_suite(suite).decrypt(sealed, recipient_private_key.hpke_key, info=info)
    except InvalidTag:
        raise IntegrityError(
            "the private key wrap failed authentication: it was altered or names another owner"
        ) from None
    return unsafe_load_private_key(plaintext)
