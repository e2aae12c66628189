"""`confide audit publish --email`: the signed tree head mailed to the practice owners."""

from __future__ import annotations

import email
import email.policy
import io
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from confide.audit import commands, services
from confide.audit.models import PublishedHead
from confide.auditlog import SignedTreeHead
from confide.notifications.models import OutgoingMail
from tests.audit.conftest import CLIENT, append
from tests.conftest import Person
from tests.processes import free_port


def head_in(body: str) -> SignedTreeHead:
    text = body.split("-----BEGIN TREE HEAD-----\n")[1].split("-----END TREE HEAD-----")[0]
    return services.read_head_text(text)


def smtp_mailer(port: int) -> dict[str, Any]:
    options = {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 5}
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}


def publish(*, email_it: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    code = commands.run_publish(None, out, email=email_it)
    return code, out.getvalue()


def test_the_head_is_mailed_to_the_owners_only(
    alice: Person, bob: Person, settings: Any, mailoutbox: list[Any]
) -> None:
    settings.CONFIDE_AUDIT_HEAD_EMAIL = True
    append(3)
    code, output = publish()
    assert code == 0 and "E-mailed the tree head to 1 practice owner(s)" in output
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [alice.user.email]
    head = head_in(message.body)
    assert head.message() == services.latest_head().message()  # type: ignore[union-attr]
    assert f"(size {head.size})" in message.subject
    assert CLIENT not in message.body and CLIENT not in message.subject
    assert PublishedHead.objects.get().published_to == "e-mail to 1 owner(s)"


def test_the_mailed_head_verifies_the_log_later(
    alice: Person, settings: Any, mailoutbox: list[Any], tmp_path: Any
) -> None:
    settings.CONFIDE_AUDIT_HEAD_EMAIL = True
    append(4)
    publish()
    saved = tmp_path / "head.txt"
    saved.write_text(head_in(mailoutbox[0].body).to_text(), encoding="utf-8")
    append(2)
    out = io.StringIO()
    assert commands.run_verify([saved], [], out) == 0, out.getvalue()
    from tests.audit.conftest import sql

    sql("DELETE FROM audit_entry WHERE position >= 3")
    out = io.StringIO()
    assert commands.run_verify([saved], [], out) == 1
    assert "First bad position: 3" in out.getvalue()


def test_mailing_is_refused_unless_enabled(alice: Person, settings: Any, mailoutbox: list[Any]) -> None:
    settings.CONFIDE_AUDIT_HEAD_EMAIL = False
    append(1)
    with pytest.raises(Exception, match="CONFIDE_AUDIT_HEAD_EMAIL"):
        publish()
    assert mailoutbox == [] and not PublishedHead.objects.exists()


def test_an_empty_log_or_no_owner_is_a_clear_error(db: None, settings: Any, mailoutbox: list[Any]) -> None:
    settings.CONFIDE_AUDIT_HEAD_EMAIL = True
    with pytest.raises(Exception, match="empty"):
        publish()
    append(1)
    with pytest.raises(Exception, match="no active practice owner"):
        publish()
    assert mailoutbox == []


def test_an_unreachable_mail_server_leaves_the_head_queued_for_a_retry(alice: Person, settings: Any) -> None:
    settings.CONFIDE_AUDIT_HEAD_EMAIL = True
    settings.MAILERS = smtp_mailer(free_port())  # nothing listens there
    append(1)
    publish()
    [row] = OutgoingMail.objects.filter(kind="audit-head")
    assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1 and row.last_error


class _Handler:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default))
        )
        return "250 OK"


def test_the_head_goes_out_over_real_smtp(alice: Person, settings: Any) -> None:
    handler = _Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.CONFIDE_AUDIT_HEAD_EMAIL = True
        settings.MAILERS = smtp_mailer(controller.port)
        append(2)
        assert publish()[0] == 0
    finally:
        controller.stop()
    [(recipients, message)] = handler.messages
    assert recipients == [alice.user.email]
    latest = services.latest_head()
    assert latest is not None
    assert head_in(message.get_content().replace("\r\n", "\n")).message() == latest.message()
