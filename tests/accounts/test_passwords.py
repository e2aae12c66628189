"""The password policy follows NIST SP 800-63B-4: length and a blocklist, no composition rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from confide.accounts.models import User


@pytest.mark.parametrize(
    "password",
    [
        "fourteen chars",  # 14 characters: one short
        "password1234567890",  # on the common-password list
        "aaaaaaaaaaaaaaaaaaaa",  # one character repeated
        "confideconfide123",  # built around the product's name
        "x" * 1025,  # absurdly long
    ],
)
def test_it_rejects_weak_passwords(db: None, password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, User(email="alice@example.test"))


@pytest.mark.parametrize(
    "password",
    [
        "quiet harbour lantern",  # lower case only: no composition rules
        "fifteen chars!!",  # exactly 15
        "orchard-confide-violet-sparrow",  # contains a context word but is not built around it
        "Grüße aus Köln, 日本語の庭",  # any characters are welcome
        "harbour lantern orchard " * 30,  # long passphrases are fine
    ],
)
def test_it_accepts_long_passwords_without_composition_rules(db: None, password: str) -> None:
    validate_password(password, User(email="alice@example.test"))


def test_passwords_are_hashed_with_argon2id(db: None) -> None:
    user = User.objects.create_user(email="hash@example.test", password="quiet harbour lantern")
    assert user.password.startswith("confide_argon2id$v=2$"), "Argon2id, shared with the key wrap (ADR 0022)"
