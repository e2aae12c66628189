"""The background sequencer: one thread per process places committed audit events in the log.

With `CONFIDE_AUDIT_SEQUENCER = "background"` (the default), a request only inserts its events
into the pending table and, once they are committed, wakes this thread; the thread drains the
pending table in signed batches (`services.sequence_pending(wait=False)`) off the request path.
Between wake-ups it also looks every `IDLE_SECONDS`, for rows left behind by a process that
died or by another process whose own sequencer found the lock taken. Readers of the log still
sequence first, so nothing they show depends on this thread having run
(docs/adr/0005-batched-audit-appends.md, "Background sequencer").
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from django.db import connection

from confide.audit.errors import AuditAppendError

__all__ = ["GATHER_SECONDS", "IDLE_SECONDS", "BackgroundSequencer"]

logger = logging.getLogger(__name__)

# How long the thread sleeps when nobody wakes it, before it looks for pending rows anyway.
IDLE_SECONDS = 1.5
# Once woken, the thread waits this long before it drains, so that the events of requests
# committing meanwhile share the batch (one signed head, one set of queries) instead of each
# paying for their own.
GATHER_SECONDS = 0.1
# After a failed pass the thread waits this long, doubling on each further failure up to the cap.
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 10.0


class BackgroundSequencer:
    """A daemon thread that runs `drain` when woken (after `gather_seconds`), and every `idle_seconds` anyway.

    The thread is started on the first `wake()` in a process, and again in a forked child (a
    gunicorn worker forked from a master that already had one inherits no running thread). It
    never dies of an exception: a failed pass is logged by exception type (and, for
    `AuditAppendError`, its message, which names no client), its database connection is
    closed, and it tries again after a short back-off.
    """

    def __init__(
        self,
        drain: Callable[[], object],
        *,
        idle_seconds: float = IDLE_SECONDS,
        gather_seconds: float = GATHER_SECONDS,
        first_backoff: float = FIRST_BACKOFF_SECONDS,
        max_backoff: float = MAX_BACKOFF_SECONDS,
    ) -> None:
        self._drain = drain
        self._idle_seconds = idle_seconds
        self._gather_seconds = gather_seconds
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # In a forked child the parent's thread does not exist and its lock may have been held
        # at the fork: start from nothing.
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def wake(self) -> None:
        """Ask the thread to drain the pending table now; start it if this process has none."""
        if self._pid != os.getpid():  # a fork that `register_at_fork` did not see
            self._reset()
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._lock:
                thread = self._thread
                if thread is None or not thread.is_alive():
                    # Fresh events for each thread: one that a timed-out `stop` left running
                    # keeps its own stop event set, and so still ends.
                    self._wake, self._stop = threading.Event(), threading.Event()
                    self._thread = threading.Thread(
                        target=self._run, args=(self._wake, self._stop), name="confide-audit-sequencer", daemon=True
                    )
                    self._thread.start()
        self._wake.set()

    def is_running(self) -> bool:
        """Return whether this process's sequencer thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive() and self._pid == os.getpid()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its current pass (it closes its connection) and wait for it."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._wake.set()
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(timeout)

    def _run(self, wake: threading.Event, stop: threading.Event) -> None:
        failures = 0
        try:
            while not stop.is_set():
                if wake.wait(self._idle_seconds) and self._gather_seconds:
                    stop.wait(self._gather_seconds)
                if stop.is_set():
                    break
                # Cleared before the pass: a commit during it wakes the thread for another one.
                wake.clear()
                try:
                    self._drain()
                except Exception as exc:  # The thread must outlive any failure.
                    failures += 1
                    self._log_failure(exc, failures)
                    _close_connection()
                    stop.wait(min(self._first_backoff * 2 ** (failures - 1), self._max_backoff))
                    wake.set()  # the rows that failed are still pending: try again
                else:
                    failures = 0
        finally:
            _close_connection()

    @staticmethod
    def _log_failure(exc: Exception, failures: int) -> None:
        # An AuditAppendError's message names the cause and never client data; any other
        # exception (a database error may quote row values) is logged by its type alone.
        reason = str(exc) if isinstance(exc, AuditAppendError) else type(exc).__name__
        logger.warning("The background audit sequencer failed (attempt %d), will retry: %s", failures, reason)


def _close_connection() -> None:
    try:
        connection.close()
    except Exception as exc:  # A broken connection may fail to close.
        logger.warning("The background audit sequencer could not close its connection: %s", type(exc).__name__)
