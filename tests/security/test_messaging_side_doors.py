"""Messaging's side doors (issue 16): a canary in a message, the client's name and the clinician's
name never leave through SMTP (a real aiosmtpd server), Web Push (a local fake push service), the
logs, the task table, the database or a URL. They appear only inside the sealed message and on
the signed-in pages meant to show them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from py_vapid import Vapid

from confide.accounts.models import User
from confide.messaging import digest, reminders
from confide.messaging import services as messaging
from confide.notifications import push
from confide.notifications.models import StaffNotificationPreference
from confide.notifications.worker import drain
from confide.portal import services as portal
from confide.records import care, services
from tests.conftest import PASSWORD, Person
from tests.notifications.smtp import smtp_server
from tests.processes import free_port
from tests.records.conftest import vault_of
from tests.security.test_side_doors import Capture, captured_logs  # noqa: F401 (the shared log fixture)

MESSAGE_CANARY = "Zqx7msgcanaryZqx"
CLIENT_NAME = "Zqx7Clientnamecanary"
CLINICIAN_NAME = "Zqx7Doctornamecanary"
EVERYWHERE = (MESSAGE_CANARY, CLIENT_NAME, CLINICIAN_NAME)


class _PushService(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _PushService.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
        self.send_response(201)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def push_service() -> Iterator[str]:
    _PushService.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _PushService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def _subscription(base: str, name: str) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"endpoint": f"{base}/push/{name}",
            "keys": {"p256dh": base64.urlsafe_b64encode(key).decode().rstrip("="),
                     "auth": base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")}}


def _vapid_key() -> str:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid.private_pem().decode()


def _database_text() -> str:
    """Every value of every table, as text (bytes decoded loosely), so nothing hides in a column."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names come from the schema)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


@pytest.mark.django_db(transaction=False)
def test_messages_notifications_and_reminders_leak_nothing(alice: Person, bob: Person, relaxed: object,
                                                           captured_logs: Capture, push_service: str) -> None:  # noqa: F811
    User.objects.filter(pk=bob.user.pk).update(display_name=CLINICIAN_NAME)
    tasks = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with smtp_server() as (inbox, port), override_settings(
            TASKS=tasks, CONFIDE_VAPID_PRIVATE_KEY=_vapid_key(), CONFIDE_PUSH_ALLOW_HTTP=True,
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                 "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}):
        client = services.create_client(vault_of(bob), services.Demographics(
            given_name=CLIENT_NAME, family_name=CLIENT_NAME, email="canary.client@example.test"))
        issued = portal.invite_client(vault_of(bob), client.public_id, email="canary.client@example.test")
        account = portal.accept_client_invitation(token=issued.link.rstrip("/").rsplit("/", 1)[1],
                                                  email="canary.client@example.test", password=PASSWORD)
        push.subscribe(account.user_id, _subscription(push_service, "client"))
        push.subscribe(bob.user.pk, _subscription(push_service, "clinician"))

        # Through the pages, as the people would: the client writes, the therapist reads and replies.
        browser = HttpClient()
        browser.post("/accounts/login/", {"login": "canary.client@example.test", "password": PASSWORD})
        seen: list[str] = []
        for method, path, data in (("get", "/portal/messages/", None),
                                   ("post", "/portal/messages/", {"text": f"help {MESSAGE_CANARY}"})):
            response = getattr(browser, method)(path, data) if data else getattr(browser, method)(path)
            seen += [path, response.get("Location", ""), *response.headers.values()]
            assert response.status_code in (200, 302)
        staff = HttpClient()
        staff.post("/accounts/login/", {"login": bob.email, "password": PASSWORD})
        chart_messages = f"/clients/{client.public_id}/messages/"
        page = staff.get(chart_messages)
        assert MESSAGE_CANARY.encode() in page.content and page["Cache-Control"] == "no-store"
        reply = staff.post(chart_messages, {"text": f"reply {MESSAGE_CANARY}"})
        seen += [chart_messages, reply.get("Location", ""), *reply.headers.values()]
        message = messaging.read_as_staff(vault_of(bob), client.public_id)[0].message
        filed = staff.post(f"/clients/{client.public_id}/messages/{message.public_id}/file")
        seen += [filed.get("Location", "")]
        assert MESSAGE_CANARY.encode() in HttpClient.get(browser, "/portal/messages/").content

        # The digest, a reminder with the format, and the worker sending everything.
        StaffNotificationPreference.objects.filter(user=bob.user).update(quiet_start=0, quiet_end=0)
        digest.send_due_digests()
        reminders.choose(account, channel="email", contact="canary.client@example.test", include_format=True)
        care.create_appointment(vault_of(bob), client.public_id, starts_at=timezone.now() + dt.timedelta(hours=2),
                                duration_minutes=50, modality="video")
        reminders.send_due_reminders()
        tasks_table = [json.dumps([t.args_kwargs, t.return_value, t.traceback, t.exception_class_path])
                       for t in DBTaskResult.objects.all()]
        assert drain() >= 5
        tasks_table += [json.dumps([t.args_kwargs, t.return_value, t.traceback, t.exception_class_path])
                        for t in DBTaskResult.objects.all()]
        assert all(t.status == "SUCCESSFUL" for t in DBTaskResult.objects.all())

        subjects = [str(m["Subject"]) for m in inbox.messages]
        assert digest.CLIENT_SUBJECT in subjects and digest.STAFF_SUBJECT in subjects
        assert "Appointment reminder" in subjects
        assert {p["path"] for p in _PushService.received} == {"/push/client", "/push/clinician"}
        assert all(p["body"] == b"" for p in _PushService.received)  # a push carries nothing at all

        channels = {
            "smtp": "\n".join(raw.decode("latin-1") for raw in inbox.raw),
            "push": "\n".join(json.dumps({**p, "body": p["body"].decode("latin-1")}) for p in _PushService.received),
            # The test's own SMTP server logs what it receives (logger mail.log); Confide's logs are the rest.
            "logs": "\n".join(line for line in captured_logs.lines if not line.startswith("mail.log")),
            "task table": "\n".join(tasks_table),
            "urls and headers": "\n".join(seen),
        }
        for channel, text in channels.items():
            for secret in EVERYWHERE:
                assert secret not in text, f"{secret} leaked through {channel}"
        # Staff display names are kept in clear by design (accounts); client data and message text never.
        stored = _database_text()
        for secret in (MESSAGE_CANARY, CLIENT_NAME):
            assert secret not in stored, f"{secret} is in the database in clear"
        assert "canary.client@example.test" not in channels["task table"]
