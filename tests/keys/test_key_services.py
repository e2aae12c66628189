"""Key pairs, the recovery key and password changes, through the key services."""

from __future__ import annotations

import pytest
from django.test import Client

from confide import crypto
from confide.keys import services as keys
from confide.keys.models import RecoveryKey, UserKeyPair
from confide.practice import services as practice_services
from tests.accounts.test_signin import sign_in
from tests.conftest import PASSWORD, Person


@pytest.fixture
def kit(db: None) -> practice_services.CreatedPractice:
    return practice_services.create_practice(
        name="Cedar",
        jurisdiction="US",
        owner_email="olga@example.test",
        owner_password=PASSWORD,
        recovery_threshold=3,
        recovery_shares=5,
    )


def test_every_new_person_gets_a_wrapped_key_pair(alice: Person, bob: Person) -> None:
    for person in (alice, bob):
        pair = UserKeyPair.objects.get(user=person.user)
        assert len(pair.fingerprint) > 20
        private = keys.unlock_private_key(person.user.pk, PASSWORD)
        assert crypto.serialize_public_key(private.public_key()) == bytes(pair.public_key)


def test_the_wrong_password_does_not_unlock_the_key(alice: Person) -> None:
    with pytest.raises(crypto.WrongPasswordError):
        keys.unlock_private_key(alice.user.pk, "not the right password at all")


def test_k_recovery_shares_open_a_persons_key_and_k_minus_1_do_not(kit: practice_services.CreatedPractice) -> None:
    owner = kit.membership.user
    shares = list(kit.recovery_kit.shares)
    assert len(shares) == 5 and RecoveryKey.objects.get().threshold == 3
    recovered = keys.recover_private_key(owner.pk, [shares[4], shares[0], shares[2]])
    assert crypto.serialize_public_key(recovered.public_key()) == bytes(UserKeyPair.objects.get(user=owner).public_key)
    with pytest.raises(crypto.RecoveryError):
        keys.recover_private_key(owner.pk, shares[:2])


def test_shares_are_not_stored_anywhere_in_the_database(kit: practice_services.CreatedPractice) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT kit_id, public_key, fingerprint, encrypted_private_key FROM keys_recoverykey")
        row = cursor.fetchone()
    stored = b"".join(bytes(v) if isinstance(v, (bytes, memoryview)) else str(v).encode() for v in row)
    for share in kit.recovery_kit.shares:
        code = share.split("#", 1)[1].split(" ", 1)[1].replace(" ", "")
        assert code.encode() not in stored


def test_a_recovery_kit_needs_a_sane_threshold(db: None) -> None:
    with pytest.raises(practice_services.PracticeError):
        practice_services.create_practice(
            name="Cedar",
            jurisdiction="US",
            owner_email="o@example.test",
            owner_password=PASSWORD,
            recovery_threshold=4,
            recovery_shares=3,
        )


def test_changing_the_password_rewraps_the_key_and_changes_nothing_else(alice: Person, relaxed: object) -> None:
    before = UserKeyPair.objects.get(user=alice.user)
    client = Client()
    sign_in(client, alice.email, alice.password)
    new_password = "a completely different passphrase"
    response = client.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    after = UserKeyPair.objects.get(user=alice.user)
    assert bytes(after.public_key) == bytes(before.public_key)
    assert bytes(after.recovery_wrap) == bytes(before.recovery_wrap)
    assert bytes(after.password_wrap) != bytes(before.password_wrap)
    keys.unlock_private_key(alice.user.pk, new_password)
    with pytest.raises(crypto.WrongPasswordError):
        keys.unlock_private_key(alice.user.pk, PASSWORD)


def test_a_wrong_old_password_changes_nothing(alice: Person, relaxed: object) -> None:
    before = bytes(UserKeyPair.objects.get(user=alice.user).password_wrap)
    client = Client()
    sign_in(client, alice.email, alice.password)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "wrong wrong wrong wrong",
            "password1": "a completely different passphrase",
            "password2": "a completely different passphrase",
        },
    )
    assert response.status_code == 200
    assert bytes(UserKeyPair.objects.get(user=alice.user).password_wrap) == before
    alice.user.refresh_from_db()
    assert alice.user.check_password(PASSWORD)


def test_password_reset_by_email_is_not_offered(client: Client, alice: Person) -> None:
    page = client.get("/accounts/password/reset/")
    assert page.status_code == 200
    assert b"cannot reset" in page.content
    response = client.post("/accounts/password/reset/", {"email": alice.email})
    assert response.status_code == 405
