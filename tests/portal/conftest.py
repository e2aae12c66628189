"""Fixtures of the portal tests: a consent document the test can change, and a client with an account.

`ChangeableConsent` stands in for `confide.consent` in these unit tests so that a test can change
the practice's consent text at will; tests/portal/test_consent_integration.py and the browser
test use the real module.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.core import mail

from confide.portal import documents, services
from confide.portal.models import ClientAccount
from confide.records.models import Client
from tests.conftest import PASSWORD, Person
from tests.records import conftest as records_conftest
from tests.records.conftest import vault_of

CLIENT_PASSWORD = "meadow copper violin harbour"
client_record = records_conftest.client_record  # bob's fictional client, shared with the record tests


@dataclass(frozen=True)
class _Section:
    heading: str
    paragraphs: list[str]
    citations: list[Any]


@dataclass(frozen=True)
class _Text:
    title: str
    sections: list[_Section]
    fingerprint: str


@dataclass(frozen=True)
class _SignatureInfo:
    signed_name: str
    signed_at: datetime
    version: int
    document_hash: str


@dataclass
class ChangeableConsent:
    """A fake `confide.consent`: the text is `paragraphs`; the PDF lists what it was given."""

    paragraphs: list[str] = field(default_factory=lambda: ["We keep what you say private."])
    broken: bool = False
    SignatureInfo: type = _SignatureInfo

    def build_consent_document(self, practice: Any) -> _Text:
        if self.broken:
            raise RuntimeError("no pack chosen")
        canonical = "\n".join(self.paragraphs)
        return _Text("Consent to care", [_Section("Privacy", list(self.paragraphs), [])],
                     hashlib.sha256(canonical.encode()).hexdigest())

    def render_consent_pdf(self, text: Any, signature: Any = None) -> bytes:
        lines = [text.title, text.fingerprint]
        if signature is not None:
            lines += [signature.signed_name, str(signature.version), signature.document_hash]
        return ("%PDF-fake\n" + "\n".join(lines)).encode()


@pytest.fixture
def consent(monkeypatch: pytest.MonkeyPatch) -> ChangeableConsent:
    fake = ChangeableConsent()
    monkeypatch.setattr(documents, "_consent_module", lambda: fake)
    return fake


def invitation_link() -> str:
    [message] = [m for m in mail.outbox if "secure portal" in m.subject]
    found = re.findall(r"https?://\S+", str(message.body))
    assert len(found) == 1
    return found[0]


@pytest.fixture
def client_account(bob: Person, client_record: Client, consent: ChangeableConsent) -> ClientAccount:
    """Bob's client, invited by bob, with a portal account (password CLIENT_PASSWORD)."""
    issued = services.invite_client(vault_of(bob), client_record.public_id, email="wq.portal@example.test")
    token = issued.link.rstrip("/").rsplit("/", 1)[1]
    mail.outbox.clear()
    return services.accept_client_invitation(token=token, email="wq.portal@example.test", password=CLIENT_PASSWORD)


def client_vault_of(account: ClientAccount) -> Any:
    return services.client_vault(account, CLIENT_PASSWORD)


__all__ = ["CLIENT_PASSWORD", "PASSWORD", "client_vault_of", "invitation_link"]
