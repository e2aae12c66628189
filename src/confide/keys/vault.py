"""The vault: a person's unlocked private key for one request, and the scope keys it opens.

A `Vault` is built per request (from the session, a personal access token, or the recovery kit)
and dropped with it; unwrapped keys are cached on the object, never longer. Services take a
vault as an explicit argument: without a wrap for a key the vault cannot open it, whatever any
permission check said.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from confide import crypto
from confide.keys.models import KeyWrap, PersonalAccessToken, RecoveryKey, ScopeKeyVersion, UserKeyPair

Scope = ScopeKeyVersion.Scope


class NoKeyError(Exception):
    """The person holds no wrap for the key this needs: treat as "not found"."""


class VaultLockedError(Exception):
    """The person is signed in but their private key is not unlocked in this session."""


def recipient_id(user_id: int | None, practice_id: int) -> str:
    """The recipient label bound into a wrap: a person, or the practice recovery key."""
    return f"user:{user_id}" if user_id is not None else f"recovery:{practice_id}"


def wrap_context(version: ScopeKeyVersion, practice_id: int, user_id: int | None) -> crypto.WrapContext:
    """What a wrap of `version` to `user_id` (None: recovery) is bound to."""
    return crypto.WrapContext(practice_id=str(practice_id), client_id=str(version.client.public_id),
                              scope=crypto.Scope(version.scope), recipient_id=recipient_id(user_id, practice_id))


def public_key_of(user_id: int) -> crypto.UserPublicKey:
    """A person's public key."""
    return crypto.load_public_key(bytes(UserKeyPair.objects.get(user_id=user_id).public_key))


def recovery_public_key(practice_id: int) -> crypto.UserPublicKey:
    """The practice recovery key's public half."""
    return crypto.load_public_key(bytes(RecoveryKey.objects.get(practice_id=practice_id).public_key))


class EmergencyAccess(Protocol):
    """Break-glass access, provided by `confide.oversight` (this module imports nothing of it).

    Emergency-access holders get every admin and clinical scope key wrapped to them in wraps kept
    apart from `KeyWrap`, so that holding them grants nothing by itself: a vault opens them only
    for the clients of the holder's live break-glass sessions.
    """

    def active_clients(self, user_id: int) -> frozenset[int]:
        """The client pks this person has a live break-glass session for."""

    def emergency_wrap(self, user_id: int, key_id: str) -> tuple[bytes, ScopeKeyVersion] | None:
        """This person's emergency wrap of a key version, if there is one."""

    def key_created(self, version: ScopeKeyVersion, key: crypto.ScopeKey) -> None:
        """Wrap a new scope key version to the emergency-access holders."""

    def key_opened(self, version: ScopeKeyVersion, key: crypto.ScopeKey) -> None:
        """Wrap an existing key version to holders who lack it (catch-up after a designation)."""


_emergency: EmergencyAccess | None = None


def register_emergency_access(provider: EmergencyAccess | None) -> None:
    """Install the break-glass provider (called once from the oversight app's `ready`)."""
    global _emergency
    _emergency = provider


def emergency_recipient_id(user_id: int) -> str:
    """The recipient label bound into an emergency wrap: never valid as an ordinary wrap."""
    return f"emergency:{user_id}"


# Access checks remembered inside `remembering_checks()`, keyed by the vault's identity (stable
# while the block runs, because the caller keeps the vault alive) and what was checked.
_CHECKS: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("confide_remembered_checks", default=None)


@contextmanager
def remembering_checks() -> Iterator[dict[tuple[Any, ...], Any]]:
    """Within the block, answer each `Vault.holds` question once and remember the answer.

    For read-only work made of several reads of the same client (a chart page), which would
    otherwise ask the database the same question for every part. Never around a grant, a
    revocation or a key rotation: a change made inside the block would not be seen by answers
    already remembered. Yields the memo, which callers may use for their own lookups (keyed by
    a tuple whose first item names them). Nested blocks share the outer memo.
    """
    memo = _CHECKS.get()
    if memo is not None:
        yield memo
        return
    memo = {}
    token = _CHECKS.set(memo)
    try:
        yield memo
    finally:
        _CHECKS.reset(token)


def remembered_checks() -> dict[tuple[Any, ...], Any] | None:
    """The memo of the enclosing `remembering_checks()` block, or None outside one."""
    return _CHECKS.get()


@dataclass
class Vault:
    """One person's keys for the length of one request (or one CLI command)."""

    user_id: int | None
    practice_id: int
    private_key: crypto.UserPrivateKey
    _keys: dict[str, crypto.ScopeKey] = field(default_factory=dict, repr=False)
    _keyring: crypto.Keyring | None = field(default=None, repr=False)
    _emergency_clients: frozenset[int] | None = field(default=None, repr=False)
    # Wraps already read this request, by key id: `holds` reads the wrap it finds, so that opening
    # that key next needs no second query.
    _wraps: dict[str, KeyWrap] = field(default_factory=dict, repr=False)

    @property
    def emergency_client_ids(self) -> frozenset[int]:
        """Clients this person may open under a live break-glass session (looked up once per request)."""
        if self._emergency_clients is None:
            self._emergency_clients = (_emergency.active_clients(self.user_id)
                                       if _emergency is not None and self.user_id is not None else frozenset())
        return self._emergency_clients

    def _emergency_key(self, key_id: str) -> crypto.ScopeKey | None:
        """Open an emergency wrap, only for a client under a live break-glass session."""
        if _emergency is None or self.user_id is None or not self.emergency_client_ids:
            return None
        found = _emergency.emergency_wrap(self.user_id, key_id)
        if found is None or found[1].client_id not in self.emergency_client_ids:
            return None
        blob, version = found
        context = crypto.WrapContext(practice_id=str(self.practice_id), client_id=str(version.client.public_id),
                                     scope=crypto.Scope(version.scope),
                                     recipient_id=emergency_recipient_id(self.user_id))
        return crypto.unwrap_key(self.private_key, blob, context)

    @property
    def keyring(self) -> crypto.Keyring:
        """This person's keyring key, derived once per request from the private key."""
        if self._keyring is None:
            self._keyring = crypto.keyring_for(self.private_key)
        return self._keyring

    def _open_wrap(self, wrap_pk: int, blob: bytes, keyring_blob: bytes | None,
                   context: crypto.WrapContext, pending: list[tuple[int, bytes]]) -> crypto.ScopeKey:
        """Open a wrap through the keyring when possible; otherwise HPKE, and queue a keyring wrap."""
        if keyring_blob is not None and self.user_id is not None:
            try:
                return crypto.unwrap_key_from_keyring(self.keyring, bytes(keyring_blob), context)
            except crypto.CryptoError:
                pass  # a keyring from an earlier key pair, or an altered copy: use the HPKE wrap
        key = crypto.unwrap_key(self.private_key, bytes(blob), context)
        if self.user_id is not None:
            pending.append((wrap_pk, crypto.wrap_key_to_keyring(self.keyring, key, context)))
        return key

    @staticmethod
    def _save_keyring_wraps(pending: list[tuple[int, bytes]]) -> None:
        for wrap_pk, keyring_blob in pending:
            KeyWrap.objects.filter(pk=wrap_pk).update(keyring_blob=keyring_blob)

    @property
    def person_id(self) -> int:
        """The signed-in person's user id (the recovery vault has none)."""
        if self.user_id is None:
            raise NoKeyError
        return self.user_id

    def _recipient_filter(self) -> dict[str, Any]:
        return {"recipient_id": self.user_id} if self.user_id is not None else {"recipient__isnull": True}

    def key_by_id(self, key_id: str) -> crypto.ScopeKey:
        """Unwrap the scope key version `key_id`, or raise `NoKeyError`."""
        cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        wrap = self._wraps.get(key_id)
        if wrap is None:
            wrap = (KeyWrap.objects.select_related("key_version__client")
                    .filter(key_version__key_id=key_id, **self._recipient_filter()).first())
        if wrap is None:
            emergency = self._emergency_key(key_id)
            if emergency is None:
                raise NoKeyError
            self._keys[key_id] = emergency
            return emergency
        pending: list[tuple[int, bytes]] = []
        ring = None if wrap.keyring_blob is None else bytes(wrap.keyring_blob)
        key = self._open_wrap(wrap.pk, bytes(wrap.blob), ring,
                              wrap_context(wrap.key_version, self.practice_id, self.user_id), pending)
        self._save_keyring_wraps(pending)
        if _emergency is not None and wrap.key_version.scope != Scope.PRIVATE:
            _emergency.key_opened(wrap.key_version, key)
        self._keys[key_id] = key
        return key

    def key_for_blob(self, blob: bytes) -> crypto.ScopeKey:
        """The key a sealed field needs (after a rotation it may be an older version)."""
        return self.key_by_id(crypto.sealed_key_id(blob).hex())

    def _current_wrap(self, client_id: int, scope: str, author_id: int | None) -> KeyWrap | None:
        """This person's wrap of the current key of a scope, in one query (None: they hold none).

        The wrap is remembered by key id, so that opening the key afterwards reads nothing more.
        Which version is current is looked up every time: a rotation earlier in the same
        request must be seen.
        """
        memo = _CHECKS.get()
        if memo is not None and scope != Scope.PRIVATE:
            # A read page asks about several scopes of one client: one query answers them all.
            memo_key = ("current-wraps", id(self), client_id)
            wraps = memo.get(memo_key)
            if wraps is None:
                wraps = memo[memo_key] = self._current_shared_wraps(client_id)
            wrap = wraps.get(scope)
        else:
            wrap = (KeyWrap.objects.select_related("key_version__client")
                    .filter(key_version=Subquery(_current_versions(client_id, scope, author_id).values("pk")[:1]),
                            **self._recipient_filter()).first())
        if wrap is not None:
            self._wraps[wrap.key_version.key_id] = wrap
        return wrap

    def _current_shared_wraps(self, client_id: int) -> dict[str, KeyWrap]:
        """This person's wraps of the current key of every shared scope of a client, by scope.

        The same answer as `_current_wrap` per scope, in one query: a wrap counts only when no
        newer unretired version of its scope exists (ordered as `_current_versions` orders).
        Written in SQL because it runs on every chart open, and building this query through the
        ORM cost ten times more than running it. The model objects carry only the columns read
        here; any other field loads on access, as a deferred field does.
        """
        recipient = "w.recipient_id IS NULL" if self.user_id is None else "w.recipient_id = %s"
        params: list[Any] = [client_id, Scope.PRIVATE] + ([] if self.user_id is None else [self.user_id])
        with connection.cursor() as cursor:
            cursor.execute(_SHARED_WRAPS_SQL.format(recipient=recipient), params)
            rows = cursor.fetchall()
        client_model = ScopeKeyVersion._meta.get_field("client").related_model
        wraps: dict[str, KeyWrap] = {}
        for wrap_id, blob, keyring_blob, recipient_id, version_id, scope, key_id, public_id, practice_id in rows:
            version = loaded_instance(ScopeKeyVersion, id=version_id, client_id=client_id, scope=scope, key_id=key_id)
            version.client = loaded_instance(client_model, id=client_id, public_id=uuid.UUID(str(public_id)),
                                     practice_id=practice_id)
            wrap = loaded_instance(KeyWrap, id=wrap_id, key_version_id=version_id, recipient_id=recipient_id, blob=blob,
                           keyring_blob=keyring_blob)
            wrap.key_version = version
            wraps[scope] = wrap
        return wraps

    def current_key(self, client_id: int, scope: str, author_id: int | None = None) -> crypto.ScopeKey:
        """The key that seals new writes to `scope` of a client; `NoKeyError` without a wrap."""
        wrap = self._current_wrap(client_id, scope, author_id)
        if wrap is not None:
            return self.key_by_id(wrap.key_version.key_id)
        # No wrap of their own: only a break-glass session can open it (`key_by_id` checks).
        version = current_version(client_id, scope, author_id)
        if version is None:
            raise NoKeyError
        return self.key_by_id(version.key_id)

    def holds(self, client_id: int, scope: str, author_id: int | None = None) -> bool:
        """True when this person holds a wrap of the current key of that scope (one query).

        Inside `remembering_checks()` the answer is remembered for the rest of the block.
        """
        memo = _CHECKS.get()
        if memo is None:
            return self._holds(client_id, scope, author_id)
        memo_key = ("holds", id(self), client_id, scope, author_id)
        held = memo.get(memo_key)
        if held is None:
            held = memo[memo_key] = self._holds(client_id, scope, author_id)
        return bool(held)

    def _holds(self, client_id: int, scope: str, author_id: int | None) -> bool:
        if self._current_wrap(client_id, scope, author_id) is not None:
            return True
        if scope == Scope.PRIVATE or _emergency is None or self.user_id is None \
                or client_id not in self.emergency_client_ids:
            return False
        version = current_version(client_id, scope, author_id)
        return version is not None and _emergency.emergency_wrap(self.user_id, version.key_id) is not None

    def adopt_rows(self, rows: Iterable[tuple[int, str, bytes | memoryview, bytes | memoryview | None, Any]],
                   scope: str) -> None:
        """Unwrap (wrap id, key id, wrap blob, keyring blob, client) rows of one scope into the cache.

        The caseload uses it with plain rows instead of model instances: building hundreds of
        model objects per request costs more than the decryption.
        """
        recipient = recipient_id(self.user_id, self.practice_id)
        pending: list[tuple[int, bytes]] = []
        for wrap_pk, key_id, blob, keyring_blob, client in rows:
            if key_id in self._keys:
                continue
            context = crypto.WrapContext(practice_id=str(self.practice_id), client_id=str(client.public_id),
                                         scope=crypto.Scope(scope), recipient_id=recipient)
            self._keys[key_id] = self._open_wrap(wrap_pk, bytes(blob),
                                                 None if keyring_blob is None else bytes(keyring_blob),
                                                 context, pending)
        self._save_keyring_wraps(pending)


# This person's wraps of the newest unretired version of each shared scope of one client (see
# `Vault._current_shared_wraps`); `{recipient}` is the recipient condition.
_SHARED_WRAPS_SQL = """
SELECT w.id, w.blob, w.keyring_blob, w.recipient_id, v.id, v.scope, v.key_id, c.public_id, c.practice_id
FROM keys_keywrap w
JOIN keys_scopekeyversion v ON v.id = w.key_version_id
JOIN records_client c ON c.id = v.client_id
WHERE v.client_id = %s AND v.retired_at IS NULL AND v.scope <> %s AND {recipient}
AND NOT EXISTS (
    SELECT 1 FROM keys_scopekeyversion n
    WHERE n.client_id = v.client_id AND n.scope = v.scope AND n.retired_at IS NULL
    AND (n.created_at > v.created_at OR (n.created_at = v.created_at AND n.id > v.id)))
"""


def loaded_instance(model: Any, **values: Any) -> Any:
    """A model instance as the ORM loads it from a row holding only `values` (the rest deferred)."""
    fields = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(connection.alias, fields, [values[name] for name in fields])


def _current_versions(client_id: int, scope: str, author_id: int | None) -> QuerySet[ScopeKeyVersion]:
    """The unretired versions of a scope key, newest first (normally there is exactly one)."""
    query = ScopeKeyVersion.objects.filter(client_id=client_id, scope=scope, retired_at__isnull=True)
    if scope == Scope.PRIVATE:
        query = query.filter(author_id=author_id)
    return query.order_by("-created_at", "-pk")


def current_version(client_id: int, scope: str, author_id: int | None = None) -> ScopeKeyVersion | None:
    """The newest unretired version of a scope key."""
    return _current_versions(client_id, scope, author_id).select_related("client").first()


def create_scope_key(client: Any, scope: str, holders: Iterable[int], *, author_id: int | None = None,
                     ) -> tuple[ScopeKeyVersion, crypto.ScopeKey]:
    """Create a new scope key version for a client, wrapped to `holders` and the recovery key.

    Earlier versions of the same scope are retired: they keep opening what they sealed.
    Only public keys are needed, so anyone may create a key for others.
    """
    key = crypto.ScopeKey.generate()
    with transaction.atomic():
        query = ScopeKeyVersion.objects.filter(client=client, scope=scope, retired_at__isnull=True)
        if scope == Scope.PRIVATE:
            query = query.filter(author_id=author_id)
        query.update(retired_at=timezone.now())
        version = ScopeKeyVersion.objects.create(client=client, scope=scope, author_id=author_id,
                                                 key_id=key.key_id.hex())
        practice_id = client.practice_id
        wraps = [KeyWrap(key_version=version, recipient_id=None,
                         blob=crypto.wrap_key_to(recovery_public_key(practice_id), key,
                                                 wrap_context(version, practice_id, None)))]
        for user_id in sorted(set(holders)):
            wraps.append(KeyWrap(key_version=version, recipient_id=user_id,
                                 blob=crypto.wrap_key_to(public_key_of(user_id), key,
                                                         wrap_context(version, practice_id, user_id))))
        KeyWrap.objects.bulk_create(wraps)
        if _emergency is not None and scope != Scope.PRIVATE:
            _emergency.key_created(version, key)
    return version, key


def grant_versions(vault: Vault, versions: Iterable[ScopeKeyVersion], user_id: int) -> int:
    """Wrap every given key version the vault can open to `user_id`; returns how many were wrapped."""
    public = public_key_of(user_id)
    count = 0
    for version in versions:
        if version.wraps.filter(recipient_id=user_id).exists():
            continue
        key = vault.key_by_id(version.key_id)
        KeyWrap.objects.create(key_version=version, recipient_id=user_id,
                               blob=crypto.wrap_key_to(public, key, wrap_context(version, vault.practice_id, user_id)))
        count += 1
    return count


# ----------------------------------------------------------------------------- unlocking


def vault_from_password(user_id: int, practice_id: int, password: str) -> Vault:
    """Unlock with the password (sign-in, the unlock page). Raises `crypto.WrongPasswordError`."""
    pair = UserKeyPair.objects.get(user_id=user_id)
    private = crypto.unwrap_private_key_with_password(bytes(pair.password_wrap), password, owner_id=str(user_id))
    return Vault(user_id=user_id, practice_id=practice_id, private_key=private)


def vault_from_recovery(practice_id: int, shares: list[str]) -> Vault:
    """Unlock the practice recovery key with k shares (CLI recovery). Raises `crypto.RecoveryError`."""
    recovery = RecoveryKey.objects.get(practice_id=practice_id)
    private = crypto.open_recovery_private_key(bytes(recovery.encrypted_private_key), shares)
    return Vault(user_id=None, practice_id=practice_id, private_key=private)


def seal_session_key(vault: Vault) -> tuple[str, bytes]:
    """Wrap the private key under a fresh session secret: (blob for the session, secret for the cookie)."""
    assert vault.user_id is not None  # noqa: S101  (the recovery vault never lives in a web session)
    secret = crypto.new_secret()
    blob = crypto.wrap_private_key_with_secret(vault.private_key, secret, purpose=crypto.SecretPurpose.SESSION,
                                               owner_id=str(vault.user_id))
    return base64.b64encode(blob).decode("ascii"), secret


def vault_from_session(user_id: int, practice_id: int, session_blob: str, secret: bytes, *,
                       emergency_holder: bool | None = None) -> Vault:
    """Reopen the private key from the session blob and the cookie secret.

    `emergency_holder=False`, when the caller already knows the person is no emergency-access
    holder, spares the per-request look-up of break-glass sessions (a non-holder has none).
    """
    private = crypto.unwrap_private_key_with_secret(base64.b64decode(session_blob), secret,
                                                    purpose=crypto.SecretPurpose.SESSION, owner_id=str(user_id))
    vault = Vault(user_id=user_id, practice_id=practice_id, private_key=private)
    if emergency_holder is False:
        vault._emergency_clients = frozenset()
    return vault


TOKEN_PREFIX = "cfd_"  # noqa: S105  (a public prefix, not a secret)


def _token_parts(token: str) -> tuple[str, bytes]:
    if not token.startswith(TOKEN_PREFIX):
        raise NoKeyError
    try:
        secret = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX):] + "==")
    except (ValueError, TypeError):
        raise NoKeyError from None
    if len(secret) != 32:
        raise NoKeyError
    return hashlib.sha256(b"confide/pat/lookup\0" + secret).hexdigest(), secret


def create_access_token(vault: Vault, name: str) -> str:
    """Create a personal access token that unlocks this person's key for the API. Shown once."""
    assert vault.user_id is not None  # noqa: S101
    secret = secrets.token_bytes(32)
    token = TOKEN_PREFIX + base64.urlsafe_b64encode(secret).decode("ascii").rstrip("=")
    lookup, _ = _token_parts(token)
    PersonalAccessToken.objects.create(
        user_id=vault.user_id, name=name[:100], lookup_hash=lookup,
        private_key_wrap=crypto.wrap_private_key_with_secret(
            vault.private_key, secret, purpose=crypto.SecretPurpose.PERSONAL_ACCESS_TOKEN, owner_id=str(vault.user_id)),
    )
    return token


def vault_from_token(token: str) -> tuple[PersonalAccessToken, Vault]:
    """Find a live token and unlock its owner's key. Raises `NoKeyError` for anything else."""
    lookup, secret = _token_parts(token)
    record = (PersonalAccessToken.objects.select_related("user__membership")
              .filter(lookup_hash=lookup, revoked_at__isnull=True, user__is_active=True).first())
    if record is None:
        raise NoKeyError
    try:
        private = crypto.unwrap_private_key_with_secret(bytes(record.private_key_wrap), secret,
                                                        purpose=crypto.SecretPurpose.PERSONAL_ACCESS_TOKEN,
                                                        owner_id=str(record.user_id))
    except crypto.CryptoError:
        # A wrap that does not open with its own token was altered: the token is no good.
        raise NoKeyError from None
    PersonalAccessToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
    return record, Vault(user_id=record.user_id, practice_id=record.user.membership.practice_id, private_key=private)
