"""Shared fixtures: the named people of every test.

alice owns the practice, bob is a clinician in it, carol a supervisor, dana at the front desk,
and charlie owns another practice and has no access to alice's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value, yield_hotp_counters_from_time

from confide.accounts.models import User
from confide.keys import services as keys
from confide.practice import services
from confide.practice.models import Membership, Practice, Role

PASSWORD = "correct horse battery staple lantern"


@dataclass
class Person:
    user: User
    password: str

    @property
    def email(self) -> str:
        return self.user.email


def make_practice(owner_email: str, name: str = "Quiet Harbour Counselling") -> Membership:
    return services.create_practice(
        name=name, jurisdiction="US-CA", owner_email=owner_email, owner_password=PASSWORD, owner_name="",
        # Most tests name alice as a primary clinician; tests of owners who do not treat turn it off.
        owner_is_clinician=True,
    ).membership


def add_member(practice: Practice, email: str, role: Role) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD)
    Membership.objects.create(practice=practice, user=user, role=role)
    keys.provision_user_keys(user.pk, practice.pk, PASSWORD)
    return user


def enrol_totp(user: User, secret: str = "JBSWY3DPEHPK3PXP") -> str:
    """Give the user a TOTP authenticator; returns the secret."""
    TOTP.activate(user, secret)
    return secret


def recovery_codes(person: Person) -> list[str]:
    """Give the person recovery codes and read them, as they would on the page (their key unlocked)."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from confide.accounts.mfa_secrets import unsealing_with

    with unsealing_with(keys.unlock_private_key(person.user.pk, person.password)):
        return list(RecoveryCodes.activate(person.user).generate_codes())


def totp_code(secret: str) -> str:
    counter = next(iter(yield_hotp_counters_from_time()))
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def alice(db: None) -> Person:
    return Person(make_practice("alice@example.test").user, PASSWORD)


@pytest.fixture
def practice(alice: Person) -> Practice:
    return alice.user.membership.practice


@pytest.fixture
def bob(practice: Practice) -> Person:
    return Person(add_member(practice, "bob@example.test", Role.CLINICIAN), PASSWORD)


@pytest.fixture
def carol(practice: Practice) -> Person:
    return Person(add_member(practice, "carol@example.test", Role.SUPERVISOR), PASSWORD)


@pytest.fixture
def dana(practice: Practice) -> Person:
    return Person(add_member(practice, "dana@example.test", Role.FRONT_DESK), PASSWORD)


@pytest.fixture
def charlie(db: None) -> Person:
    return Person(make_practice("charlie@example.test", name="Elsewhere Therapy").user, PASSWORD)


@pytest.fixture
def relaxed(practice: Practice) -> Practice:
    """Alice's practice with MFA optional, for tests about other things."""
    practice.mfa_required = False
    practice.save()
    return practice


__all__ = ["PASSWORD", "Authenticator", "Person", "enrol_totp", "recovery_codes", "totp_code"]
