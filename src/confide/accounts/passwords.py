"""Password validators beyond Django's, following NIST SP 800-63B-4.

No composition rules (no "one digit and one symbol"): length and a blocklist do the work.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# Passwords up to this length are accepted; NIST asks for at least 64. The cap only keeps
# a multi-megabyte "password" from tying up an Argon2 worker.
MAX_PASSWORD_LENGTH = 1024
# The shortest password accepted (settings.AUTH_PASSWORD_VALIDATORS uses it; forms quote it).
MIN_PASSWORD_LENGTH = 15

# Words that anyone attacking a Confide practice would try first.
CONTEXT_WORDS = ("confide", "therapy", "therapist", "counseling", "counselling", "psychotherapy", "password")


class MaximumLengthValidator:
    """Rejects absurdly long passwords with a clear message."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(f"Use at most {MAX_PASSWORD_LENGTH} characters.", code="password_too_long")

    def get_help_text(self) -> str:
        return f"Up to {MAX_PASSWORD_LENGTH} characters; spaces and any characters are welcome."


class PredictablePasswordValidator:
    """Rejects passwords an attacker's word lists and patterns would guess early.

    zxcvbn holds the common-password, name and word lists and the keyboard, sequence and
    repetition patterns attackers start with; a password it can guess in fewer than
    10^10 attempts is refused. This is a blocklist check, not a composition rule:
    "quiet harbour lantern" passes, "Password123456789!" does not.
    """

    min_guesses_log10 = 10.0
    # zxcvbn refuses longer input; the first 72 characters decide whether a password is predictable.
    checked_length = 72

    def validate(self, password: str, user: Any = None) -> None:
        inputs = list(CONTEXT_WORDS)
        email = getattr(user, "email", "") or ""
        inputs.extend(part for part in email.replace("@", ".").split(".") if part)
        result = zxcvbn(password[: self.checked_length], user_inputs=inputs)
        if result["guesses_log10"] < self.min_guesses_log10:
            raise ValidationError(
                "This password is too easy to guess: it is common or follows a predictable pattern. "
                "Try a few unrelated words.",
                code="password_predictable",
            )

    def get_help_text(self) -> str:
        return "Common passwords and predictable patterns are refused; a few unrelated words work well."
