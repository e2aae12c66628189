"""`confide worker`: runs the database task queue, says it is alive, and runs the periodic jobs.

One loop, one thread: claim the next ready task (django-tasks-db's locking claim, so several
workers can share the queue), run it, and between tasks write the heartbeat, queue again what a
dead worker left (`outbox.sweep`) and run the periodic jobs other contexts registered
(`PERIODIC_JOBS`: digests, reminders, the messaging period).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from confide.notifications import outbox
from confide.notifications.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Jobs run about once a minute by the worker; contexts append theirs in AppConfig.ready().
PERIODIC_JOBS: list[Callable[[], object]] = []


class WorkerLostError(Exception):
    """The worker running this task stopped before finishing it; the outbox sends it again."""


@dataclass(frozen=True)
class WorkerStatus:
    alive: bool
    last_beat: dt.datetime | None
    pending: int


def worker_status() -> WorkerStatus:
    """Whether a worker wrote its heartbeat recently, and how many messages wait."""
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    window = dt.timedelta(seconds=3 * settings.CONFIDE_WORKER_HEARTBEAT_SECONDS)
    alive = last is not None and last > timezone.now() - window
    return WorkerStatus(alive=alive, last_beat=last, pending=outbox.pending_count())


def beat(name: str) -> None:
    WorkerHeartbeat.objects.update_or_create(worker_id=name[:64], defaults={"beat_at": timezone.now()})


def fail_lost_tasks() -> int:
    """Mark tasks still `RUNNING` long after their lease as failed: their worker died."""
    cutoff = timezone.now() - dt.timedelta(seconds=2 * settings.CONFIDE_WORKER_LEASE_SECONDS)
    lost = list(DBTaskResult.objects.running().filter(started_at__lt=cutoff))
    for result in lost:
        result.set_failed(WorkerLostError("worker lost"))
    return len(lost)


def _claim(name: str) -> DBTaskResult[..., object] | None:
    ready = DBTaskResult.objects.ready().filter(backend_name="default")
    try:
        with exclusive_transaction(ready.db):
            result = ready.get_locked()
            if result is not None:
                result.claim(name)
            return result
    except OperationalError as exc:
        if is_locked_database_exception(exc):
            return None
        raise


def run_periodic_jobs() -> None:
    """Run every registered periodic job once; a failing job is logged by class name and skipped."""
    for job in PERIODIC_JOBS:
        try:
            job()
        except Exception as exc:
            logger.warning("Periodic job %s failed: %s", getattr(job, "__name__", "job"), type(exc).__name__)


class ConfideWorker:
    """The worker loop. `burst=True` stops when no task is ready (for tests and cron)."""

    def __init__(self, *, interval: float = 1.0, burst: bool = False, max_tasks: int | None = None) -> None:
        self.interval = interval
        self.burst = burst
        self.max_tasks = max_tasks
        self.name = outbox.worker_id()
        os.environ["CONFIDE_WORKER_ID"] = self.name
        self.running = True
        self.ran = 0
        self._runner = Worker(queue_names=["*"], interval=interval, batch=burst, backend_name="default",
                              startup_delay=False, max_tasks=max_tasks, worker_id=self.name,
                              excluded_queue_names=[])

    def stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("Worker %s stopping after the current task", self.name)
        self.running = False

    def run(self) -> int:
        """Work until stopped; returns how many tasks ran."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("Worker %s started", self.name)
        last_beat = last_sweep = last_jobs = -1e9
        try:
            while self.running:
                close_old_connections()
                now = time.monotonic()
                if now - last_beat >= settings.CONFIDE_WORKER_HEARTBEAT_SECONDS:
                    beat(self.name)
                    last_beat = now
                if now - last_sweep >= min(30.0, settings.CONFIDE_WORKER_LEASE_SECONDS):
                    outbox.sweep()
                    fail_lost_tasks()
                    last_sweep = now
                if now - last_jobs >= settings.CONFIDE_WORKER_JOBS_SECONDS:
                    run_periodic_jobs()
                    last_jobs = now
                result = _claim(self.name)
                if result is not None:
                    self._runner.run_task(result)
                    self.ran += 1
                    if self.max_tasks is not None and self.ran >= self.max_tasks:
                        break
                    continue
                if self.burst:
                    break
                time.sleep(self.interval)
        finally:
            WorkerHeartbeat.objects.filter(worker_id=self.name[:64]).delete()
            logger.info("Worker %s stopped after %d task(s)", self.name, self.ran)
        return self.ran


def drain(max_rounds: int = 100) -> int:
    """Run every ready task in this process until none is left (tests and `--burst`)."""
    worker = ConfideWorker(burst=True)
    ran = 0
    for _ in range(max_rounds):
        result = _claim(worker.name)
        if result is None:
            break
        worker._runner.run_task(result)
        ran += 1
    return ran
