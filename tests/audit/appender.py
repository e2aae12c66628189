"""A child process that appends audit events in a loop, for the crash tests.

Run: python -m tests.audit.appender COUNT   (with CONFIDE_DATA_DIR and DATABASE_URL set)
It prints each position once its transaction has committed, so the parent knows how far it got.
"""

from __future__ import annotations

import os
import sys

import django


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    django.setup()
    from confide.audit.services import record_event

    for number in range(count):
        recorded = record_event(
            "record:note:read",
            actor_id=f"user:{number % 5}",
            purpose="TREAT",
            outcome="success",
            client_id=f"client-{number % 17}",
            sealed_detail=os.urandom(48),
        )
        sys.stdout.write(f"{recorded.position}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
