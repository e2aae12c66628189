"""Password validators beyond Django's, following NIST SP 800-63B-4.

No composition rules (no "one digit and one symbol"): length and a blocklist do the work.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

# Passwords up to this length are accepted; NIST asks for at least 64. The cap only keeps
# a multi-megabyte "password" from tying up an Argon2 worker.
MAX_PASSWORD_LENGTH = 1024

# Words that anyone attacking a Confide practice would try first.
CONTEXT_WORDS = ("confide", "therapy", "therapist", "counseling", "counselling", "psychotherapy", "password")


class MaximumLengthValidator:
    """Rejects absurdly long passwords with a clear message."""

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                f"Use at most {MAX_PASSWORD_LENGTH} characters.", code="password_too_long"
            )

    def get_help_text(self) -> str:
        return f"Up to {MAX_PASSWORD_LENGTH} characters; spaces and any characters are welcome."


class ContextBlocklistValidator:
    """Rejects passwords that are mostly a context word, or one character repeated.

    A passphrase that merely contains a word ("quiet-harbour-confide-lantern") is fine;
    "confideconfide123" is not.
    """

    def validate(self, password: str, user: Any = None) -> None:
        lowered = password.lower()
        if len(set(lowered)) <= 3:
            raise ValidationError("This password repeats too few characters.", code="password_repetitive")
        for word in CONTEXT_WORDS:
            remainder = lowered.replace(word, "")
            if word in lowered and len(set(remainder)) <= 4:
                raise ValidationError(
                    "This password is built around a word attackers try first.", code="password_context"
                )

    def get_help_text(self) -> str:
        return "Avoid passwords built around words such as the product's name."
