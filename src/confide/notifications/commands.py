"""`confide worker`: run background tasks (e-mail, notifications, reminders) from the database queue."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the worker until stopped (SIGTERM or Ctrl-C finish the current task first)."""
    # The CLI configures Django only after parsing, so these imports wait until then.
    from confide.cli import CommandError

    if not args.data_dir or not Path(args.data_dir).expanduser().is_dir():
        raise CommandError("No data directory: pass --data-dir or set CONFIDE_DATA_DIR (run `confide init` first).")
    os.environ["CONFIDE_DATA_DIR"] = str(Path(args.data_dir).expanduser().resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    import django

    django.setup()
    from confide.notifications.worker import ConfideWorker

    worker = ConfideWorker(interval=args.interval, burst=args.burst, max_tasks=args.max_tasks)
    ran = worker.run()
    if args.burst:
        print(f"Ran {ran} task(s).")  # noqa: T201
    return 0


def add_worker_commands(sub: Any, data_dir_arg: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register `confide worker`."""
    p_worker = sub.add_parser(
        "worker", help="run background tasks (e-mail, reminders) from the database queue",
        description="Run Confide's background tasks from the database queue: every e-mail and text message, "
                    "notification digests, appointment reminders and the messaging period. Run one or more "
                    "beside `confide serve`; without a worker, tasks wait in the queue.")
    data_dir_arg(p_worker)
    p_worker.add_argument("--interval", type=float, default=1.0,
                          help="seconds to wait when the queue is empty (default 1)")
    p_worker.add_argument("--burst", action="store_true", help="exit when no task is ready")
    p_worker.add_argument("--max-tasks", type=int, default=None, help="exit after this many tasks")
    p_worker.set_defaults(func=cmd_worker)
