"""`/healthz` and `/readyz` (ADR 0022): what each says, and when a node must get no traffic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from confide.audit.models import PendingEvent
from confide.notifications import opskey
from confide.notifications.worker import beat


def test_healthz_answers_without_touching_the_database(client: Client, db: None) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert len(queries) == 0
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ready_when_every_check_passes(client: Client, db: None) -> None:
    beat("worker-test")
    response = client.get("/readyz")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert lines[0] == "ready"
    assert set(lines[1:]) == {"database: ok", "keys: ok", "audit_sequencer: ok", "worker: ok"}


def test_a_stopped_worker_degrades_the_cluster_but_keeps_the_node_in(client: Client, db: None) -> None:
    response = client.get("/readyz")  # no heartbeat was ever written
    assert response.status_code == 200, "the worker is the cluster's: taking every node out would be an outage"
    text = response.content.decode()
    assert text.startswith("degraded\n")
    assert "worker: failing (no heartbeat in" in text


def test_a_stale_heartbeat_is_a_stopped_worker(client: Client, db: None, settings: object) -> None:
    from confide.notifications.models import WorkerHeartbeat

    WorkerHeartbeat.objects.create(worker_id="old", beat_at=timezone.now() - dt.timedelta(minutes=10))
    assert "worker: failing" in client.get("/readyz").content.decode()


def test_audit_events_waiting_too_long_degrade_readiness(client: Client, db: None) -> None:
    beat("worker-test")
    PendingEvent.objects.create(entry=b"\x00", tag="test:lag", actor_id="user:1",
                                occurred_at=timezone.now() - dt.timedelta(minutes=5))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "audit_sequencer: failing (events wait longer than the limit)" in response.content.decode()


def test_an_unreadable_key_takes_the_node_out(client: Client, db: None, settings: object,
                                              tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "operations-key"
    broken.write_text("not a key file", encoding="utf-8")
    monkeypatch.setattr(opskey, "_cached", None)
    settings.CONFIDE_OPERATIONS_KEY_FILE = str(broken)  # type: ignore[attr-defined]
    response = client.get("/readyz")
    assert response.status_code == 503
    text = response.content.decode()
    assert text.startswith("not ready\n")
    assert "keys: failing (the operations key cannot be read)" in text
    assert str(tmp_path) not in text, "the answer names no file"


def test_a_lost_database_takes_the_node_out(client: Client, db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db.utils import OperationalError

    def refuse(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused (host 10.0.0.9)")

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", refuse)
        response = client.get("/readyz")
    assert response.status_code == 503
    text = response.content.decode()
    assert "database: failing (OperationalError)" in text
    assert "10.0.0.9" not in text, "the error's own text (which may quote values) is not shown"


def test_readyz_and_healthz_take_only_get(client: Client, db: None) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
