"""Key types: symmetric scope keys and users' HPKE key pairs.

A `ScopeKey` encrypts one scope of one client's record. A user key pair
(`UserPrivateKey`, `UserPublicKey`) receives wrapped scope keys through
HPKE (RFC 9180). Two suites exist; the default combines ML-KEM-768 with
X25519, so a wrap stays confidential unless both are broken, which keeps
records harvested today safe from a future quantum computer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from enum import IntEnum

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from confide.crypto.errors import IntegrityError
from confide.crypto.format import KEY_ID_LEN, Kind, encode_header, parse_header

__all__ = [
    "DEFAULT_SUITE",
    "KeySuite",
    "ScopeKey",
    "UserPrivateKey",
    "UserPublicKey",
    "fingerprint",
    "generate_user_keypair",
    "load_public_key",
    "serialize_public_key",
    "unsafe_load_private_key",
    "unsafe_serialize_private_key",
]

SCOPE_KEY_LEN = 32
_X25519_LEN = 32
_MLKEM768_PUBLIC_LEN = 1184
_MLKEM768_SEED_LEN = 64
_PUBLIC_KEY_LABEL = b"confide/public-key/v1"


@dataclass(frozen=True, slots=True, eq=False)
class ScopeKey:
    """A 256-bit AES-GCM key for one scope of one client, with a random 16-byte id.

    The id travels in every ciphertext header so that the right key (or key
    version, after a rotation) can be found. The key bytes never appear in
    ``repr`` output.
    """

    key_id: bytes
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        """Check the lengths of the id and the key."""
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_LEN:
            raise ValueError(f"key_id must be {KEY_ID_LEN} bytes")
        if not isinstance(self.secret, bytes) or len(self.secret) != SCOPE_KEY_LEN:
            raise ValueError(f"secret must be {SCOPE_KEY_LEN} bytes")

    @classmethod
    def generate(cls) -> ScopeKey:
        """Return a new random scope key with a new random id."""
        return cls(key_id=os.urandom(KEY_ID_LEN), secret=os.urandom(SCOPE_KEY_LEN))

    def __eq__(self, other: object) -> bool:
        """Compare two keys in constant time."""
        if not isinstance(other, ScopeKey):
            return NotImplemented
        return hmac.compare_digest(self.key_id + self.secret, other.key_id + other.secret)

    def __hash__(self) -> int:
        """Hash by key id only, so the key bytes never feed a hash table."""
        return hash(self.key_id)


class KeySuite(IntEnum):
    """The HPKE suite of a user key pair; the value is its algorithm id in every blob.

    Both suites use HKDF-SHA256 and AES-256-GCM. ``X25519`` is DHKEM(X25519);
    ``MLKEM768_X25519`` is the hybrid ML-KEM-768 + X25519 KEM.
    """

    X25519 = 1
    MLKEM768_X25519 = 2


DEFAULT_SUITE = KeySuite.MLKEM768_X25519

_HPKE_SUITES = {
    KeySuite.X25519: hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
    KeySuite.MLKEM768_X25519: hpke.Suite(
        hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM
    ),
}
_ENC_LENGTHS = {
    KeySuite.X25519: hpke.KEM.X25519.enc_length(),
    KeySuite.MLKEM768_X25519: hpke.KEM.MLKEM768_X25519.enc_length(),
}


def hpke_suite(suite: KeySuite) -> hpke.Suite:
    """Return the pyca HPKE suite object for ``suite``."""
    return _HPKE_SUITES[suite]


def hpke_min_sealed_len(suite: KeySuite) -> int:
    """Return the shortest possible HPKE output for ``suite``: encapsulation plus tag."""
    return _ENC_LENGTHS[suite] + 16


_HpkePublic = x25519.X25519PublicKey | hpke.MLKEM768X25519PublicKey
_HpkePrivate = x25519.X25519PrivateKey | hpke.MLKEM768X25519PrivateKey


class UserPublicKey:
    """A user's (or the practice recovery key's) HPKE public key and its suite."""

    __slots__ = ("_digest", "_hpke", "_raw", "_suite")

    def __init__(self, suite: KeySuite, raw: bytes) -> None:
        """Build a public key from its suite and raw bytes; prefer `load_public_key`."""
        suite = KeySuite(suite)
        self._suite = suite
        self._raw = bytes(raw)
        try:
            if suite is KeySuite.X25519:
                if len(raw) != _X25519_LEN:
                    raise ValueError("wrong length")
                self._hpke: _HpkePublic = x25519.X25519PublicKey.from_public_bytes(raw)
            else:
                if len(raw) != _MLKEM768_PUBLIC_LEN + _X25519_LEN:
                    raise ValueError("wrong length")
                self._hpke = hpke.MLKEM768X25519PublicKey(
                    mlkem.MLKEM768PublicKey.from_public_bytes(raw[:_MLKEM768_PUBLIC_LEN]),
                    x25519.X25519PublicKey.from_public_bytes(raw[_MLKEM768_PUBLIC_LEN:]),
                )
        except ValueError as exc:
            raise IntegrityError(f"invalid {suite.name} public key") from exc
        self._digest = hashlib.sha256(_PUBLIC_KEY_LABEL + self.to_bytes()).digest()

    @property
    def suite(self) -> KeySuite:
        """The HPKE suite this key belongs to."""
        return self._suite

    @property
    def key_id(self) -> bytes:
        """A 16-byte id derived from the key, written into wraps addressed to it."""
        return self._digest[:KEY_ID_LEN]

    @property
    def hpke_key(self) -> _HpkePublic:
        """The pyca key object, for use inside this package only."""
        return self._hpke

    def to_bytes(self) -> bytes:
        """Serialize with a header naming the suite; see `load_public_key`."""
        return encode_header(Kind.PUBLIC_KEY, self._suite) + self._raw

    def fingerprint(self) -> str:
        """Return the human-comparable fingerprint; see `fingerprint`."""
        text = base64.b32encode(self._digest[:20]).decode("ascii")
        return " ".join(text[i : i + 4] for i in range(0, len(text), 4))

    def __eq__(self, other: object) -> bool:
        """Two public keys are equal when suite and bytes are."""
        if not isinstance(other, UserPublicKey):
            return NotImplemented
        return self._suite == other._suite and self._raw == other._raw

    def __hash__(self) -> int:
        """Hash by suite and bytes."""
        return hash((self._suite, self._raw))

    def __repr__(self) -> str:
        """Show the suite and fingerprint."""
        return f"UserPublicKey({self._suite.name}, {self.fingerprint()!r})"


class UserPrivateKey:
    """A user's HPKE private key. Store it only wrapped; see the wrap recipes."""

    __slots__ = ("_hpke", "_mlkem", "_public", "_suite", "_x25519")

    def __init__(
        self,
        suite: KeySuite,
        x25519_key: x25519.X25519PrivateKey,
        mlkem_key: mlkem.MLKEM768PrivateKey | None = None,
    ) -> None:
        """Assemble a private key from its parts; prefer `generate_user_keypair`."""
        suite = KeySuite(suite)
        self._suite = suite
        self._x25519 = x25519_key
        self._mlkem = mlkem_key
        if suite is KeySuite.X25519:
            if mlkem_key is not None:
                raise ValueError("an X25519 key has no ML-KEM part")
            self._hpke: _HpkePrivate = x25519_key
            public_raw = x25519_key.public_key().public_bytes_raw()
        else:
            if mlkem_key is None:
                raise ValueError("a hybrid key needs an ML-KEM-768 part")
            self._hpke = hpke.MLKEM768X25519PrivateKey(mlkem_key, x25519_key)
            public_raw = (
                mlkem_key.public_key().public_bytes_raw()
                + x25519_key.public_key().public_bytes_raw()
            )
        self._public = UserPublicKey(suite, public_raw)

    @property
    def suite(self) -> KeySuite:
        """The HPKE suite this key belongs to."""
        return self._suite

    @property
    def hpke_key(self) -> _HpkePrivate:
        """The pyca key object, for use inside this package only."""
        return self._hpke

    def public_key(self) -> UserPublicKey:
        """Return the matching public key."""
        return self._public

    def __repr__(self) -> str:
        """Show the suite and the public fingerprint, never key material."""
        return f"UserPrivateKey({self._suite.name}, {self._public.fingerprint()!r})"


def generate_user_keypair(suite: KeySuite = DEFAULT_SUITE) -> UserPrivateKey:
    """Generate a new key pair; the public half is ``private.public_key()``."""
    suite = KeySuite(suite)
    x_key = x25519.X25519PrivateKey.generate()
    if suite is KeySuite.X25519:
        return UserPrivateKey(suite, x_key)
    return UserPrivateKey(suite, x_key, mlkem.MLKEM768PrivateKey.generate())


def serialize_public_key(public_key: UserPublicKey) -> bytes:
    """Serialize a public key with a header that names its suite."""
    return public_key.to_bytes()


def load_public_key(data: bytes) -> UserPublicKey:
    """Load a public key written by `serialize_public_key`; raises `IntegrityError` if malformed."""
    suite, reader = parse_header(data, Kind.PUBLIC_KEY, set(KeySuite))
    return UserPublicKey(KeySuite(suite), reader.rest(0))


def fingerprint(public_key: UserPublicKey) -> str:
    """Return a fingerprint people can compare aloud or side by side.

    It is 160 bits of SHA-256 over a label, the suite and the public key
    bytes, in base32 and in eight groups of four characters, such as
    ``"MFRG GZDF MZTW Q2LK NNWG 23TP OBYX E43U"``. Showing it lets people
    notice when a server substitutes someone else's public key.
    """
    return public_key.fingerprint()


def unsafe_serialize_private_key(private_key: UserPrivateKey) -> bytes:
    """Serialize a private key in the clear.

    Unsafe: the result is the raw key. Use it only as the plaintext of a
    wrap; never store or log it.
    """
    raw = private_key._x25519.private_bytes_raw()
    if private_key._mlkem is not None:
        raw += private_key._mlkem.private_bytes_raw()
    return encode_header(Kind.PRIVATE_KEY, private_key.suite) + raw


def unsafe_load_private_key(data: bytes) -> UserPrivateKey:
    """Load a private key written by `unsafe_serialize_private_key`.

    Unsafe for the same reason: ``data`` is raw key material. Raises
    `IntegrityError` when it is malformed.
    """
    suite_id, reader = parse_header(data, Kind.PRIVATE_KEY, set(KeySuite))
    suite = KeySuite(suite_id)
    x_raw = reader.take(_X25519_LEN)
    mlkem_seed = reader.take(_MLKEM768_SEED_LEN) if suite is KeySuite.MLKEM768_X25519 else None
    reader.end()
    try:
        x_key = x25519.X25519PrivateKey.from_private_bytes(x_raw)
        m_key = mlkem.MLKEM768PrivateKey.from_seed_bytes(mlkem_seed) if mlkem_seed else None
    except ValueError as exc:
        raise IntegrityError(f"invalid {suite.name} private key") from exc
    return UserPrivateKey(suite, x_key, m_key)
