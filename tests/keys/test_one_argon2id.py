"""One Argon2id per sign-in (ADR 0022): the password hash and the key wrap share one derivation.

Every test counts the real Argon2id computations (argon2-cffi's `hash_secret_raw`, spied, still
run) behind the sign-in, the refusal, the migration of an account made by an earlier version,
and a password change.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.test import Client

from confide import crypto
from confide.accounts.models import User
from confide.crypto import wraps
from confide.keys import services as keys
from confide.keys.models import UserKeyPair
from confide.keys.passwords import ConfidePasswordHasher
from tests.accounts.test_signin import sign_in
from tests.conftest import Person


class Counter:
    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def argon2(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter()
    real = wraps.hash_secret_raw

    def counted(*args: object, **kwargs: object) -> bytes:
        counter.calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(wraps, "hash_secret_raw", counted)
    return counter


def _algorithm_of(user: User) -> int:
    return crypto.password_wrap_salt(bytes(UserKeyPair.objects.get(user=user).password_wrap))[0]


def _unlocked(client: Client) -> bool:
    """Whether the session holds the unlocked key (the vault cookie was set at sign-in)."""
    return any(name.endswith("confide_vault") for name in client.cookies)


def test_a_sign_in_costs_one_argon2id_and_unlocks_the_key(client: Client, alice: Person, relaxed: object,
                                                          argon2: Counter) -> None:
    user = User.objects.get(pk=alice.user.pk)
    assert user.password.startswith("confide_argon2id$v=2$")
    assert keys.wrap_follows_hash(bytes(UserKeyPair.objects.get(user=user).password_wrap), user.password)
    argon2.calls = 0
    assert sign_in(client, alice.email, alice.password).status_code == 302
    assert argon2.calls == 1
    assert _unlocked(client)
    assert client.get("/clients/").status_code == 200


def test_a_wrong_password_costs_one_argon2id_and_unlocks_nothing(client: Client, alice: Person, relaxed: object,
                                                                 argon2: Counter) -> None:
    assert sign_in(client, alice.email, "quiet harbour lantern but wrong").status_code == 400
    assert argon2.calls == 1
    assert not _unlocked(client)


def test_an_unknown_address_costs_the_same_argon2id(client: Client, alice: Person, argon2: Counter) -> None:
    assert sign_in(client, "nobody@example.test", "quiet harbour lantern but wrong").status_code == 400
    assert argon2.calls == 1, "an unknown address must not answer faster than a known one"


def test_an_account_of_an_earlier_version_moves_over_at_its_next_sign_in(client: Client, alice: Person,
                                                                          relaxed: object, argon2: Counter) -> None:
    user = User.objects.get(pk=alice.user.pk)
    private = keys.unlock_private_key(user.pk, alice.password)
    fingerprint = UserKeyPair.objects.get(user=user).fingerprint
    # As an earlier version stored it: Django's Argon2 hash, and an algorithm-1 wrap with its own salt.
    User.objects.filter(pk=user.pk).update(password=make_password(alice.password, hasher="argon2"))
    UserKeyPair.objects.filter(user=user).update(password_wrap=crypto.wrap_private_key_with_password(
        private, alice.password, owner_id=str(user.pk), params=keys.kdf_params()))
    assert _algorithm_of(user) == 1
    argon2.calls = 0

    assert sign_in(client, alice.email, alice.password).status_code == 302
    # Django's old hash (its own Argon2, not counted here), the new hash (1), the old wrap (1).
    assert argon2.calls == 2
    assert _unlocked(client)
    user.refresh_from_db()
    assert user.password.startswith("confide_argon2id$v=2$")
    assert _algorithm_of(user) == 2
    assert keys.wrap_follows_hash(bytes(UserKeyPair.objects.get(user=user).password_wrap), user.password)
    assert UserKeyPair.objects.get(user=user).fingerprint == fingerprint, "the same key pair, wrapped again"
    assert keys.unlock_private_key(user.pk, alice.password).public_key().key_id == private.public_key().key_id

    again = Client()
    argon2.calls = 0
    assert sign_in(again, alice.email, alice.password).status_code == 302
    assert argon2.calls == 1
    assert _unlocked(again)


def test_a_wrong_password_moves_nothing_over(client: Client, alice: Person, argon2: Counter) -> None:
    user = User.objects.get(pk=alice.user.pk)
    private = keys.unlock_private_key(user.pk, alice.password)
    legacy_hash = make_password(alice.password, hasher="argon2")
    legacy_wrap = crypto.wrap_private_key_with_password(private, alice.password, owner_id=str(user.pk),
                                                        params=keys.kdf_params())
    User.objects.filter(pk=user.pk).update(password=legacy_hash)
    UserKeyPair.objects.filter(user=user).update(password_wrap=legacy_wrap)
    assert sign_in(client, alice.email, "quiet harbour lantern but wrong").status_code == 400
    user.refresh_from_db()
    assert user.password == legacy_hash
    assert bytes(UserKeyPair.objects.get(user=user).password_wrap) == legacy_wrap


def test_a_password_change_keeps_one_argon2id_per_sign_in(client: Client, alice: Person, relaxed: object) -> None:
    assert sign_in(client, alice.email, alice.password).status_code == 302
    new = "cedar window meadow kettle"
    response = client.post("/accounts/password/change/", {"oldpassword": alice.password, "password1": new,
                                                           "password2": new})
    assert response.status_code == 302, response.content[:800]
    user = User.objects.get(pk=alice.user.pk)
    assert keys.wrap_follows_hash(bytes(UserKeyPair.objects.get(user=user).password_wrap), user.password)
    with pytest.raises(crypto.WrongPasswordError):
        keys.unlock_private_key(user.pk, alice.password)
    assert keys.unlock_private_key(user.pk, new)
    assert sign_in(Client(), alice.email, alice.password).status_code == 400
    assert sign_in(Client(), alice.email, new).status_code == 302


def test_production_parameters_keep_64_mib(db: None, settings: object) -> None:
    settings.CONFIDE_KDF_PROFILE = "standard"  # type: ignore[attr-defined]
    encoded = make_password("quiet harbour lantern orchard")
    assert encoded.startswith("confide_argon2id$v=2$m=65536,t=3,p=1$")
    assert check_password("quiet harbour lantern orchard", encoded)
    assert not check_password("quiet harbour lantern orchard!", encoded)


def test_the_hasher_refuses_what_it_did_not_make(db: None) -> None:
    hasher = ConfidePasswordHasher()
    good = hasher.encode("quiet harbour lantern", hasher.salt())
    assert hasher.verify("quiet harbour lantern", good)
    salt_part = good.split("$")[3]
    for bad in ("", "confide_argon2id$v=1$m=8192,t=1,p=1$AAAA$BBBB", good.replace("$v=2$", "$v=3$"),
                good.rsplit("$", 1)[0] + "$" + "A" * 43, good.replace(salt_part, "!!!"),
                good.replace("m=8192", "m=x"), "argon2$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"):
        assert not hasher.verify("quiet harbour lantern", bad), bad
    assert not hasher.verify("", good)
    assert hasher.must_update(good.replace("t=1", "t=2"))
    assert not hasher.must_update(good)
    summary = hasher.safe_summary(good)
    assert summary["algorithm"] == "confide_argon2id" and "*" in summary["hash"]
