"""`confide worker`: run background tasks (e-mail, notifications, reminders) from the database queue."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from confide.cli.common import start


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the worker until stopped (SIGTERM or Ctrl-C finish the current task first)."""
    start(args.data_dir)
    # The worker loop imports Django models, which exist only after `start` set Django up.
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
