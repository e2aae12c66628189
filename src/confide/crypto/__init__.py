"""Confide's cryptographic core: safe recipes over pyca/cryptography.

Application code uses only what this module exports. It seals record
fields under per-client scope keys (`seal_field`, `open_field`), wraps
scope keys to people's HPKE key pairs (`wrap_key_to`, `unwrap_key`), wraps
private keys under passwords, session secrets and access tokens, and
splits the practice recovery key into a k-of-n paper kit, and encrypts
backup archives to an offline backup key pair (`seal_archive`, `open_archive`).

Every failure raises a subclass of `CryptoError`. The package imports
nothing from Django or the rest of Confide.
"""

from __future__ import annotations

from confide.crypto.archive import ArchiveReader, ArchiveWriter, open_archive, seal_archive
from confide.crypto.context import Scope, SealContext, WrapContext
from confide.crypto.derive import derive_scope_key, keyed_digest, turn_rest_password
from confide.crypto.errors import (
    CryptoError,
    IntegrityError,
    RecoveryError,
    RecoveryShareError,
    WrongKeyError,
    WrongPasswordError,
    WrongSecretError,
)
from confide.crypto.keyring import Keyring, keyring_for, unwrap_key_from_keyring, wrap_key_to_keyring
from confide.crypto.keys import (
    DEFAULT_SUITE,
    KeySuite,
    ScopeKey,
    UserPrivateKey,
    UserPublicKey,
    fingerprint,
    generate_user_keypair,
    load_public_key,
    serialize_public_key,
    unsafe_load_private_key,
    unsafe_serialize_private_key,
)
from confide.crypto.recipes import (
    new_secret,
    open_field,
    reseal_field,
    seal_field,
    sealed_key_id,
    unwrap_key,
    wrap_key_to,
)
from confide.crypto.recovery import (
    RecoveryKit,
    RecoveryShare,
    combine_recovery_shares,
    create_recovery_kit,
    open_recovery_private_key,
    parse_recovery_share,
)
from confide.crypto.release import link_key_from_token, open_packet_key, seal_packet_key
from confide.crypto.wraps import (
    KdfParams,
    PasswordDerivation,
    SecretPurpose,
    derive_password,
    password_derivations,
    password_wrap_salt,
    unwrap_private_key_from,
    unwrap_private_key_with_password,
    unwrap_private_key_with_secret,
    wrap_private_key_to,
    wrap_private_key_with_derivation,
    wrap_private_key_with_password,
    wrap_private_key_with_secret,
)

__all__ = [
    "DEFAULT_SUITE",
    "ArchiveReader",
    "ArchiveWriter",
    "CryptoError",
    "IntegrityError",
    "KdfParams",
    "KeySuite",
    "Keyring",
    "PasswordDerivation",
    "RecoveryError",
    "RecoveryKit",
    "RecoveryShare",
    "RecoveryShareError",
    "Scope",
    "ScopeKey",
    "SealContext",
    "SecretPurpose",
    "UserPrivateKey",
    "UserPublicKey",
    "WrapContext",
    "WrongKeyError",
    "WrongPasswordError",
    "WrongSecretError",
    "combine_recovery_shares",
    "create_recovery_kit",
    "derive_password",
    "derive_scope_key",
    "fingerprint",
    "generate_user_keypair",
    "keyed_digest",
    "keyring_for",
    "link_key_from_token",
    "load_public_key",
    "new_secret",
    "open_archive",
    "open_field",
    "open_packet_key",
    "open_recovery_private_key",
    "parse_recovery_share",
    "password_derivations",
    "password_wrap_salt",
    "reseal_field",
    "seal_archive",
    "seal_field",
    "seal_packet_key",
    "sealed_key_id",
    "serialize_public_key",
    "turn_rest_password",
    "unsafe_load_private_key",
    "unsafe_serialize_private_key",
    "unwrap_key",
    "unwrap_key_from_keyring",
    "unwrap_private_key_from",
    "unwrap_private_key_with_password",
    "unwrap_private_key_with_secret",
    "wrap_key_to",
    "wrap_key_to_keyring",
    "wrap_private_key_to",
    "wrap_private_key_with_derivation",
    "wrap_private_key_with_password",
    "wrap_private_key_with_secret",
]
