"""Text messages through a provider interface. Confide ships no real provider, only a test double.

`CONFIDE_SMS_PROVIDER` chooses: `none` (the default; SMS reminders cannot be chosen) or `test`,
which appends each message as one JSON line to `CONFIDE_SMS_TEST_FILE` (or keeps it in memory),
so tests can read what a phone would have shown. A real provider implements `SmsProvider`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from django.conf import settings


class SmsUnavailableError(Exception):
    """No SMS provider is configured."""


class SmsProvider(Protocol):
    """What an SMS provider does: send one text, idempotently for one reference."""

    def send(self, *, to: str, text: str, reference: str) -> None: ...


class RecordingSmsProvider:
    """The test double: records messages instead of sending them (a reference is kept once)."""

    sent: list[dict[str, str]] = []

    def send(self, *, to: str, text: str, reference: str) -> None:
        entry = {"to": to, "text": text, "reference": reference}
        target = settings.CONFIDE_SMS_TEST_FILE
        if target:
            with Path(target).open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry) + "\n")
        else:
            RecordingSmsProvider.sent.append(entry)


class NoSmsProvider:
    def send(self, *, to: str, text: str, reference: str) -> None:
        raise SmsUnavailableError("No SMS provider is configured.")


def available() -> bool:
    """Whether clients may choose SMS reminders."""
    return bool(settings.CONFIDE_SMS_PROVIDER != "none")


def provider() -> SmsProvider:
    """The configured provider."""
    if settings.CONFIDE_SMS_PROVIDER == "test":
        return RecordingSmsProvider()
    return NoSmsProvider()
