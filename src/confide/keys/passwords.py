"""One Argon2id per sign-in: the password hasher and the key wrap share one derivation (ADR 0022).

Django's hasher and the private key's password wrap used to run Argon2id each, with their own
salts: two 64-100 MiB computations per sign-in. Now the hasher stores a *verifier* and the wrap
uses a *key-encryption key*, both split by HKDF-SHA256 from one Argon2id output over the same
salt and parameters (`crypto.derive_password`). Inside `crypto.password_derivations()` (a sign-in,
a password change) the second use finds the first's derivation and computes nothing.

The stored hash::

    confide_argon2id$v=2$m=<KiB>,t=<passes>,p=<lanes>$<salt, base64>$<verifier, base64>

The wrap follows the hash: `wrap_for_hash` wraps under the derivation of the hash's own salt and
parameters. An account still on Django's Argon2 hash, or whose wrap has another salt, is moved
over at its next sign-in (`accounts.forms.LoginForm`): Django re-hashes with this hasher (the
first in PASSWORD_HASHERS), then the key is wrapped again under that hash's derivation.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash

from confide import crypto
from confide.keys.services import ALGORITHM, _b64, _unb64, encode_hash, kdf_params, parse_hash


class ConfidePasswordHasher(BasePasswordHasher):
    """Argon2id (the key-wrap parameters, 64 MiB by default) storing an HKDF verifier."""

    algorithm = ALGORITHM

    def salt(self) -> str:
        return _b64(os.urandom(16))

    def encode(self, password: str, salt: str) -> str:
        derivation = crypto.derive_password(password, salt=_unb64(salt), params=kdf_params())
        return encode_hash(derivation)

    def verify(self, password: str, encoded: str) -> bool:
        parsed = parse_hash(encoded)
        if parsed is None or not password:
            return False
        salt, params, verifier = parsed
        derivation = crypto.derive_password(password, salt=salt, params=params)
        return hmac.compare_digest(derivation.verifier, verifier)

    def must_update(self, encoded: str) -> bool:
        parsed = parse_hash(encoded)
        return parsed is None or parsed[1] != kdf_params()

    def harden_runtime(self, password: str, encoded: str) -> None:
        """The parameters are the only work factor and must_update re-hashes: nothing to even out."""

    def decode(self, encoded: str) -> dict[str, Any]:
        parsed = parse_hash(encoded)
        if parsed is None:
            raise ValueError("not a Confide password hash")
        salt, params, verifier = parsed
        return {"algorithm": ALGORITHM, "salt": _b64(salt), "hash": _b64(verifier), "memory_cost": params.memory_kib,
                "time_cost": params.iterations, "parallelism": params.parallelism}

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {"algorithm": ALGORITHM, "memory cost": decoded["memory_cost"], "time cost": decoded["time_cost"],
                "parallelism": decoded["parallelism"], "salt": mask_hash(decoded["salt"]),
                "hash": mask_hash(decoded["hash"])}
