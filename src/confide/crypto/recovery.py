"""The practice recovery kit: a recovery key pair whose private key is split k-of-n.

How it works:

1. A recovery HPKE key pair is generated. Scope keys (and users' private
   keys) are wrapped to its public key like to any other member.
2. A random 32-byte recovery secret is drawn. HKDF-SHA256 derives an
   AES-256-GCM key from it, under which the recovery private key is
   encrypted (kind 5)::

       header(5) | kit id(4) | threshold(1) | share count(1) | nonce(12)
       | ciphertext | tag(16)

3. The secret is split with Shamir's scheme (PyCryptodome, over GF(2^128)).
   That implementation takes 16-byte secrets only, so each half of the
   secret is split with the same threshold and share count, and share ``i``
   carries share ``i`` of both halves.
4. Each share is printed as one line of text for the paper recovery kit::

       CONFIDE-RECOVERY-1 3-of-5 #2 ABCD EFGH ... (16 groups)

   The base32 code holds the kit id, the two 16-byte share values and a
   4-byte checksum over everything on the line, so a typing mistake is
   reported for that share before any combining is tried.

Shamir's scheme has no integrity check of its own: combining too few or
mismatched shares silently yields a wrong secret. The AEAD tag on the
encrypted private key is what detects that, and `RecoveryError` is raised.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from Crypto.Protocol.SecretSharing import Shamir
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.crypto.errors import IntegrityError, RecoveryError, RecoveryShareError
from confide.crypto.format import (
    NONCE_LEN,
    TAG_LEN,
    Kind,
    encode_fields,
    encode_header,
    parse_header,
)
from confide.crypto.keys import (
    DEFAULT_SUITE,
    KeySuite,
    UserPrivateKey,
    UserPublicKey,
    generate_user_keypair,
    unsafe_load_private_key,
    unsafe_serialize_private_key,
)

__all__ = [
    "MAX_SHARES",
    "SHARE_PREFIX",
    "RecoveryKit",
    "RecoveryShare",
    "combine_recovery_shares",
    "create_recovery_kit",
    "open_recovery_private_key",
    "parse_recovery_share",
]

SHARE_PREFIX = "CONFIDE-RECOVERY-1"
MAX_SHARES = 255
RECOVERY_SECRET_LEN = 32

_ALGORITHM = 1
_KIT_ID_LEN = 4
_HALF_LEN = 16
_CHECKSUM_LEN = 4
_CODE_LEN = 64
_GROUP = 4
_KEY_LABEL = b"confide/recovery-kit/private-key-wrap/v1"
_CHECKSUM_LABEL = b"confide/recovery-share/checksum/v1"
# Digits that people write for the letters they resemble; base32 has no 0, 1 or 8.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})
_THRESHOLD_RE = re.compile(r"([0-9]{1,3})-OF-([0-9]{1,3})")
_INDEX_RE = re.compile(r"#([0-9]{1,3})")


@dataclass(frozen=True, slots=True)
class RecoveryShare:
    """One parsed share of a recovery kit. ``value`` is secret and never shown."""

    threshold: int
    share_count: int
    index: int
    kit_id: bytes
    value: bytes = field(repr=False)

    def to_text(self) -> str:
        """Return the printable line for the paper kit."""
        payload = self.kit_id + self.value + self._checksum()
        code = base64.b32encode(payload).decode("ascii")
        groups = " ".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))
        return f"{SHARE_PREFIX} {self.threshold}-of-{self.share_count} #{self.index} {groups}"

    def _checksum(self) -> bytes:
        """Return the 4-byte checksum over every field of the share."""
        data = encode_fields(
            _CHECKSUM_LABEL,
            bytes((self.threshold, self.share_count, self.index)),
            self.kit_id,
            self.value,
        )
        return hashlib.sha256(data).digest()[:_CHECKSUM_LEN]


@dataclass(frozen=True, slots=True)
class RecoveryKit:
    """A new recovery kit: the public key, the encrypted private key and the shares.

    Store ``public_key`` and ``encrypted_private_key`` with the practice;
    print each of ``shares`` for a different person and then discard them.
    """

    kit_id: str
    threshold: int
    share_count: int
    public_key: UserPublicKey
    encrypted_private_key: bytes = field(repr=False)
    shares: tuple[str, ...] = field(repr=False)


def _check_threshold(threshold: int, share_count: int) -> None:
    """Require 2 <= threshold <= share_count <= MAX_SHARES."""
    if type(threshold) is not int or type(share_count) is not int:
        raise TypeError("threshold and share_count must be ints")
    if not 2 <= threshold <= share_count <= MAX_SHARES:
        raise ValueError(
            f"need 2 <= threshold <= share_count <= {MAX_SHARES}, got {threshold}-of-{share_count}"
        )


def _wrap_key(secret: bytes, kit_id: bytes) -> bytes:
    """Derive the key that encrypts the recovery private key from the recovery secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=kit_id, info=_KEY_LABEL).derive(secret)


def _split_secret(
    secret: bytes, threshold: int, share_count: int, kit_id: bytes
) -> list[RecoveryShare]:
    """Split a 32-byte secret as two 16-byte halves with the same threshold."""
    first = Shamir.split(threshold, share_count, secret[:_HALF_LEN])
    second = Shamir.split(threshold, share_count, secret[_HALF_LEN:])
    shares = []
    for (index, value_a), (index_b, value_b) in zip(first, second, strict=True):
        if index != index_b:
            raise RuntimeError("Shamir returned shares in an unexpected order")
        shares.append(RecoveryShare(threshold, share_count, index, kit_id, value_a + value_b))
    return shares


def create_recovery_kit(
    threshold: int, share_count: int, *, suite: KeySuite = DEFAULT_SUITE
) -> RecoveryKit:
    """Create a recovery key pair and split its private key ``threshold``-of-``share_count``.

    Any ``threshold`` of the printed shares open the encrypted private key
    with `open_recovery_private_key`; fewer reveal nothing about it.
    """
    _check_threshold(threshold, share_count)
    private_key = generate_user_keypair(suite)
    secret = os.urandom(RECOVERY_SECRET_LEN)
    kit_id = os.urandom(_KIT_ID_LEN)
    header = encode_header(Kind.RECOVERY_PRIVATE_KEY, _ALGORITHM)
    header += kit_id + bytes((threshold, share_count))
    nonce = os.urandom(NONCE_LEN)
    ciphertext = AESGCM(_wrap_key(secret, kit_id)).encrypt(
        nonce, unsafe_serialize_private_key(private_key), header
    )
    shares = _split_secret(secret, threshold, share_count, kit_id)
    return RecoveryKit(
        kit_id=kit_id.hex().upper(),
        threshold=threshold,
        share_count=share_count,
        public_key=private_key.public_key(),
        encrypted_private_key=header + nonce + ciphertext,
        shares=tuple(share.to_text() for share in shares),
    )


def parse_recovery_share(text: str, *, position: int | None = None) -> RecoveryShare:
    """Parse one share line and check its checksum.

    Letters may be typed in either case, with any spacing, and the digits
    0, 1 and 8 are read as the letters O, I and B. Raises
    `RecoveryShareError`, naming the share, when the line is malformed or a
    character was mistyped. ``position`` is the share's place in the list
    the operator entered, used in error messages.
    """
    if not isinstance(text, str):
        raise TypeError("a recovery share must be a str")
    tokens = text.split()
    if not tokens or not tokens[0].upper().startswith("CONFIDE-RECOVERY-"):
        raise RecoveryShareError(
            f"a share starts with {SHARE_PREFIX!r}; this line does not", position=position
        )
    if tokens[0].upper() != SHARE_PREFIX:
        raise RecoveryShareError(
            f"unsupported recovery kit version {tokens[0]!r}; expected {SHARE_PREFIX!r}",
            position=position,
        )
    threshold_match = _THRESHOLD_RE.fullmatch(tokens[1].upper()) if len(tokens) > 1 else None
    index_match = _INDEX_RE.fullmatch(tokens[2]) if len(tokens) > 2 else None
    if threshold_match is None or index_match is None or len(tokens) < 4:
        raise RecoveryShareError(
            f"expected '{SHARE_PREFIX} <k>-of-<n> #<number> <code>'", position=position
        )
    threshold, share_count = int(threshold_match[1]), int(threshold_match[2])
    index = int(index_match[1])
    label = f"share #{index}"
    try:
        _check_threshold(threshold, share_count)
    except ValueError:
        raise RecoveryShareError(
            f"{label} says {threshold}-of-{share_count}, which no kit uses", position=position
        ) from None
    if not 1 <= index <= share_count:
        raise RecoveryShareError(
            f"{label} is out of range for a {threshold}-of-{share_count} kit", position=position
        )
    code = "".join(tokens[3:]).upper().replace("-", "").translate(_LOOKALIKES)
    if len(code) != _CODE_LEN:
        raise RecoveryShareError(
            f"the code of {label} has {len(code)} characters; it should have {_CODE_LEN}",
            position=position,
        )
    try:
        payload = base64.b32decode(code)
    except binascii.Error:
        raise RecoveryShareError(
            f"the code of {label} has characters outside A-Z and 2-7", position=position
        ) from None
    kit_id = payload[:_KIT_ID_LEN]
    value = payload[_KIT_ID_LEN : _KIT_ID_LEN + 2 * _HALF_LEN]
    checksum = payload[_KIT_ID_LEN + 2 * _HALF_LEN :]
    share = RecoveryShare(threshold, share_count, index, kit_id, value)
    if not hmac.compare_digest(share._checksum(), checksum):
        raise RecoveryShareError(
            f"{label} fails its checksum, so a character was mistyped or misread; "
            "compare it with the printed kit",
            position=position,
        )
    return share


def _parse_shares(shares: Sequence[str | RecoveryShare]) -> list[RecoveryShare]:
    """Parse shares and check that they belong together and are enough."""
    if isinstance(shares, str):
        raise TypeError("pass a list of shares, not a single string")
    parsed = [
        share if isinstance(share, RecoveryShare) else parse_recovery_share(share, position=pos)
        for pos, share in enumerate(shares, start=1)
    ]
    if not parsed:
        raise RecoveryError("no recovery shares were given")
    first = parsed[0]
    seen: set[int] = set()
    for pos, share in enumerate(parsed, start=1):
        if share.kit_id != first.kit_id:
            raise RecoveryError(
                f"the shares come from different recovery kits: share 1 is from kit "
                f"{first.kit_id.hex().upper()}, share {pos} from kit {share.kit_id.hex().upper()}"
            )
        if (share.threshold, share.share_count) != (first.threshold, first.share_count):
            raise RecoveryError(
                f"share {pos} says {share.threshold}-of-{share.share_count}, "
                f"share 1 says {first.threshold}-of-{first.share_count}"
            )
        if share.index in seen:
            raise RecoveryError(f"share #{share.index} was entered more than once")
        seen.add(share.index)
    if len(parsed) < first.threshold:
        raise RecoveryError(
            f"this kit needs {first.threshold} shares to recover; {len(parsed)} given"
        )
    return parsed


def _combine_shares(shares: Sequence[RecoveryShare]) -> bytes:
    """Interpolate the secret from the shares given, without any check.

    With fewer shares than the threshold this returns a wrong secret
    rather than failing; only the AEAD tag can tell.
    """
    first = Shamir.combine([(s.index, s.value[:_HALF_LEN]) for s in shares])
    second = Shamir.combine([(s.index, s.value[_HALF_LEN:]) for s in shares])
    return first + second


def combine_recovery_shares(shares: Sequence[str | RecoveryShare]) -> bytes:
    """Combine at least ``threshold`` shares of one kit into the 32-byte recovery secret.

    The shares are checked one by one (checksums) and together (same kit,
    no duplicates, enough of them), but the secret itself cannot be
    verified without the encrypted private key: prefer
    `open_recovery_private_key`, which does verify it.
    """
    parsed = _parse_shares(shares)
    # PyCryptodome asks for exactly the threshold number of shares.
    return _combine_shares(parsed[: parsed[0].threshold])


def _parse_blob(encrypted_private_key: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """Split the encrypted recovery key into kit id, header, nonce and ciphertext."""
    try:
        _, reader = parse_header(encrypted_private_key, Kind.RECOVERY_PRIVATE_KEY, {_ALGORITHM})
        kit_id = reader.take(_KIT_ID_LEN)
        reader.take(2)
        header = reader.consumed
        nonce = reader.take(NONCE_LEN)
        ciphertext = reader.rest(TAG_LEN)
    except IntegrityError as exc:
        raise RecoveryError(f"the encrypted recovery key is damaged: {exc}") from exc
    return kit_id, header, nonce, ciphertext


def _open_with_secret(encrypted_private_key: bytes, secret: bytes) -> UserPrivateKey:
    """Decrypt the recovery private key with a candidate secret."""
    kit_id, header, nonce, ciphertext = _parse_blob(encrypted_private_key)
    try:
        plaintext = AESGCM(_wrap_key(secret, kit_id)).decrypt(nonce, ciphertext, header)
    except InvalidTag:
        raise RecoveryError(
            "the shares did not recover this kit's key: too few shares, shares from "
            "another kit, or the encrypted recovery key was altered"
        ) from None
    return unsafe_load_private_key(plaintext)


def open_recovery_private_key(
    encrypted_private_key: bytes, shares: Sequence[str | RecoveryShare]
) -> UserPrivateKey:
    """Recover the practice recovery private key from at least ``threshold`` shares.

    Raises `RecoveryShareError` naming the share when one is mistyped, and
    `RecoveryError` when the shares are too few, from another kit, or do
    not open the encrypted key.
    """
    kit_id, _, _, _ = _parse_blob(encrypted_private_key)
    parsed = _parse_shares(shares)
    if parsed[0].kit_id != kit_id:
        raise RecoveryError(
            f"the shares belong to recovery kit {parsed[0].kit_id.hex().upper()}, "
            f"but this key belongs to kit {kit_id.hex().upper()}"
        )
    # PyCryptodome asks for exactly the threshold number of shares.
    secret = _combine_shares(parsed[: parsed[0].threshold])
    return _open_with_secret(encrypted_private_key, secret)
