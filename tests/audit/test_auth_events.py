"""Sign-ins, failures, sign-outs and MFA changes are on the record, and no typed address is."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from confide.audit.models import LogEntry
from confide.auditlog import Outcome, decode_entry
from tests.conftest import Person, enrol_totp, totp_code

LOGIN = "/accounts/login/"


def events() -> list[tuple[str, str, Outcome]]:
    """The sign-in and MFA events in the log (setting up the practice writes others)."""
    decoded = (decode_entry(bytes(entry)) for entry in LogEntry.objects.values_list("entry", flat=True))
    return [(event.tag, event.actor_id, event.outcome) for event in decoded if event.tag.startswith("auth:")]


def stored_text() -> bytes:
    """Every byte the log holds about its entries, index columns included."""
    parts: list[bytes] = []
    for values in LogEntry.objects.values_list("entry", "tag", "actor_id", "client_id"):
        parts += [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in values]
    return b"\n".join(parts).lower()


def test_a_sign_in_is_logged(client: Client, alice: Person, relaxed: object) -> None:
    client.post(LOGIN, {"login": alice.email, "password": alice.password})
    assert events() == [("auth:signin:succeeded", f"user:{alice.user.pk}", Outcome.SUCCESS)]


def test_a_failed_sign_in_names_the_account_but_not_the_address(client: Client, alice: Person) -> None:
    client.post(LOGIN, {"login": alice.email.upper(), "password": "not the password at all, sorry"})
    assert events() == [("auth:signin:failed", f"user:{alice.user.pk}", Outcome.FAILURE)]
    assert b"alice" not in stored_text() and b"example.test" not in stored_text()


def test_a_failed_sign_in_for_no_account_is_logged_as_unknown(client: Client, alice: Person) -> None:
    client.post(LOGIN, {"login": "mallory@example.test", "password": "guessing guessing guessing"})
    assert events() == [("auth:signin:failed", "unknown", Outcome.FAILURE)]
    assert b"mallory" not in stored_text()


def test_a_sign_out_is_logged(client: Client, alice: Person, relaxed: object) -> None:
    client.post(LOGIN, {"login": alice.email, "password": alice.password})
    client.post("/accounts/logout/")
    assert [tag for tag, _, _ in events()] == ["auth:signin:succeeded", "auth:signout:succeeded"]


def test_a_sign_in_that_cannot_be_logged_does_not_sign_in(
    alice: Person, relaxed: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from confide.audit import services, signals

    def fail(*args: Any, **kwargs: Any) -> None:
        raise services.AuditAppendError("the audit log could not be written")

    monkeypatch.setattr(signals, "record_event", fail)
    client = Client(raise_request_exception=False)
    response = client.post(LOGIN, {"login": alice.email, "password": alice.password})
    assert response.status_code == 500
    assert client.get("/").status_code == 302, "no session survives an unlogged sign-in"


def test_a_wrong_second_factor_is_logged(client: Client, alice: Person) -> None:
    secret = enrol_totp(alice.user)
    client.post(LOGIN, {"login": alice.email, "password": alice.password})
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    client.post("/accounts/2fa/authenticate/", {"code": wrong})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert [tag for tag, _, _ in events()] == ["auth:mfa_totp:added", "auth:mfa:failed", "auth:signin:succeeded"]


def test_adding_and_removing_an_authenticator_is_logged(client: Client, bob: Person, relaxed: object) -> None:
    client.post(LOGIN, {"login": bob.email, "password": bob.password})
    client.post("/accounts/reauthenticate/", {"password": bob.password})
    page = client.get("/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    assert client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)}).status_code == 302
    added = [tag for tag, actor, _ in events() if tag.startswith("auth:mfa")]
    assert "auth:mfa_totp:added" in added
    client.post("/accounts/2fa/totp/deactivate/", {})
    removed = [(tag, actor) for tag, actor, _ in events() if tag.endswith(":removed")]
    assert ("auth:mfa_totp:removed", f"user:{bob.user.pk}") in removed
