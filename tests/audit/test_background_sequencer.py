"""The background sequencer (docs/adr/0005-batched-audit-appends.md, "Background sequencer").

A request records its events with one INSERT into the pending table; this process's sequencer
thread, woken by the commit, places them in the signed log. These tests commit for real (the
thread has its own connection and sees only committed rows), on SQLite (the test database is a
file) and on PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from confide.audit import services
from confide.audit.checks import check_sequencer_mode
from confide.audit.models import LogEntry, PendingEvent
from confide.audit.sequencer import BackgroundSequencer
from confide.audit.store import insert_pending
from confide.auditlog import Outcome, PurposeOfUse, encode_entry
from tests.audit.conftest import CLIENT, sql, verify

pytestmark = pytest.mark.django_db(transaction=True)

# Generous: the thread runs on a shared machine. Nothing here asserts on speed.
TIMEOUT = 10.0
# Tables and functions only the sequencer touches; a request must reach none of them.
SEQUENCING = ("audit_entry", "audit_node", "audit_signing_key", "audit_log_head", "pg_advisory", "pg_try_advisory")


@pytest.fixture(autouse=True)
def _background(settings: Any, transactional_db: None) -> Iterator[None]:
    settings.CONFIDE_AUDIT_SEQUENCER = "background"
    services._background_sequencer.stop()
    yield
    # Before the tables are flushed, and so that no connection outlives the test database.
    services._background_sequencer.stop()
    assert not services._background_sequencer.is_running()


def record(client_id: str = CLIENT) -> None:
    services.record_event(
        "record:note:read",
        actor_id="user:7",
        purpose=PurposeOfUse.TREATMENT,
        outcome=Outcome.SUCCESS,
        client_id=client_id,
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.02)


def all_placed(count: int) -> Callable[[], bool]:
    return lambda: not PendingEvent.objects.exists() and LogEntry.objects.count() == count


def test_an_event_read_outside_a_transaction_costs_the_request_one_insert() -> None:
    with CaptureQueriesContext(connection) as captured:
        record()
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 1 and statements[0].startswith('INSERT INTO "audit_pending"'), statements
    # The single statement committed by itself: no transaction is left open on this connection.
    assert connection.get_autocommit() and not connection.in_atomic_block
    if connection.vendor == "sqlite":
        assert not connection.connection.in_transaction
    else:
        from psycopg.pq import TransactionStatus

        assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    wait_until(all_placed(1), "the background thread placed the event")
    assert services._background_sequencer.is_running()
    code, output = verify()
    assert code == 0 and "intact: 1 entries" in output


def test_events_of_a_committed_action_are_placed_and_the_action_does_no_sequencing() -> None:
    record()
    wait_until(all_placed(1), "the first event was placed")
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        record()
        record()
    statements = [query["sql"] for query in captured.captured_queries]
    assert sum(sql_text.startswith('INSERT INTO "audit_pending"') for sql_text in statements) == 2
    assert not [sql_text for sql_text in statements if any(name in sql_text for name in SEQUENCING)], statements
    wait_until(all_placed(3), "the committed events were placed")
    code, output = verify()
    assert code == 0 and "intact: 3 entries" in output


def test_an_event_of_a_rolled_back_action_never_reaches_the_log() -> None:
    def failing_action() -> None:
        with transaction.atomic():
            record()
            raise RuntimeError("the action failed")

    with pytest.raises(RuntimeError):
        failing_action()
    record()  # wakes the thread; only this event exists
    wait_until(all_placed(1), "the committed event was placed")
    assert LogEntry.objects.get().actor_id == "user:7"


def test_many_requests_in_several_threads_are_all_placed_in_a_log_that_verifies() -> None:
    from django.db import connections

    def requests() -> None:
        try:
            for _ in range(10):
                record()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=requests) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    wait_until(all_placed(30), "every event was placed")
    assert list(LogEntry.objects.order_by("position").values_list("position", flat=True)) == list(range(30))
    code, output = verify()
    assert code == 0 and "intact: 30 entries" in output


def test_rows_left_pending_by_another_process_are_placed_without_a_wake_up() -> None:
    record()  # starts this process's thread
    wait_until(all_placed(1), "the first event was placed")
    # A process that died after its commit (or whose own sequencer lost the lock) left a row.
    event = services.new_event("record:note:read", actor_id="user:8", purpose="TREAT", outcome="success")
    with transaction.atomic():
        insert_pending([(encode_entry(event), event)])
    wait_until(all_placed(2), "the periodic pass placed the row")


def test_the_thread_survives_a_log_that_cannot_grow_and_places_the_events_once_it_is_repaired(
    caplog: pytest.LogCaptureFixture,
) -> None:
    record()
    record()
    wait_until(all_placed(2), "the first events were placed")
    with connection.cursor() as cursor:
        cursor.execute('SELECT hash FROM audit_node WHERE level = 1 AND "index" = 0')
        saved = cursor.fetchone()
    assert saved is not None, "two events make a level-1 node"
    with caplog.at_level(logging.WARNING, logger="confide.audit.sequencer"):
        sql('DELETE FROM audit_node WHERE level = 1 AND "index" = 0')
        record()  # the request succeeds: its event is committed in the pending table
        wait_until(lambda: "background audit sequencer failed" in caplog.text, "the failure was logged")
    assert "refuses to grow" in caplog.text and CLIENT not in caplog.text
    assert services._background_sequencer.is_running(), "the thread outlives the failure"
    assert PendingEvent.objects.count() == 1
    sql('INSERT INTO audit_node (level, "index", hash) VALUES (1, 0, %s)', (bytes(saved[0]),))
    wait_until(all_placed(3), "the retry placed the event")  # no new request: the back-off retries
    code, output = verify()
    assert code == 0 and "intact: 3 entries" in output


def test_an_unexpected_error_is_logged_without_its_message_and_the_thread_goes_on(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = services.sequence_pending
    calls = []

    def failing_once(*, wait: bool = True) -> int:
        calls.append(wait)
        if len(calls) == 1:
            raise RuntimeError(f"a message that quotes client {CLIENT}")
        return real(wait=wait)

    monkeypatch.setattr(services, "sequence_pending", failing_once)
    with caplog.at_level(logging.WARNING, logger="confide.audit.sequencer"):
        record()
        wait_until(all_placed(1), "the event was placed after the failure")
    assert calls[0] is False, "the thread never waits for another sequencer"
    assert "background audit sequencer failed (attempt 1), will retry: RuntimeError" in caplog.text
    assert CLIENT not in caplog.text


def test_a_forked_child_starts_its_own_thread() -> None:
    ran = threading.Event()
    sequencer = BackgroundSequencer(ran.set, idle_seconds=60)
    try:
        sequencer.wake()
        assert ran.wait(TIMEOUT) and sequencer.is_running()
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads running
            pid = os.fork()
        if pid == 0:  # the child: the parent's thread does not exist here
            status = 1
            try:
                ran.clear()
                inherited = sequencer.is_running()
                sequencer.wake()
                if not inherited and ran.wait(TIMEOUT) and sequencer.is_running():
                    status = 0
                    os.write(write_end, b"ok")
            finally:
                os._exit(status)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        assert os.read(read_end, 2) == b"ok" and status == 0
        os.close(read_end)
    finally:
        sequencer.stop()
    assert not sequencer.is_running()


def test_a_stopped_sequencer_starts_again_on_the_next_wake_up() -> None:
    passes: list[int] = []
    sequencer = BackgroundSequencer(lambda: passes.append(1), idle_seconds=60)
    sequencer.wake()
    wait_until(lambda: len(passes) == 1, "the first pass ran")
    sequencer.stop()
    assert not sequencer.is_running()
    sequencer.wake()
    wait_until(lambda: len(passes) == 2, "a new thread ran a pass")
    sequencer.stop()


def test_an_unknown_sequencer_mode_is_refused_before_anything_is_written(settings: Any) -> None:
    settings.CONFIDE_AUDIT_SEQUENCER = "sometimes"
    [error] = check_sequencer_mode()
    assert error.id == "confide.E102" and "'sometimes'" in error.msg
    with pytest.raises(ImproperlyConfigured, match="CONFIDE_AUDIT_SEQUENCER"):
        record()
    assert not PendingEvent.objects.exists()
    settings.CONFIDE_AUDIT_SEQUENCER = "after-commit"
    assert check_sequencer_mode() == []
