"""Background tasks (Django's tasks framework, stored by django-tasks-db in the database).

Task arguments are opaque ids only: the task table shows which row to work on, never what is in it.
"""

from __future__ import annotations

import os
import socket

from django.tasks import task

from confide.notifications import outbox, push


def worker_id() -> str:
    """This process's name as a worker: host and process id (set by `confide worker`)."""
    return os.environ.get("CONFIDE_WORKER_ID") or f"{socket.gethostname()[:40]}-{os.getpid()}"


@task()
def deliver_mail(outbox_id: str) -> str:
    """Send one outbox row (idempotent: a row already sent is not sent again)."""
    return outbox.deliver(outbox_id, holder=worker_id())


@task()
def deliver_push(subscription_id: str) -> str:
    """Send one empty Web Push to one subscription."""
    return push.deliver(subscription_id)
