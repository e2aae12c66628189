"""A child process that appends audit events in a loop, for the crash tests.

Run: python -m tests.audit.appender COUNT   (with CONFIDE_DATA_DIR and DATABASE_URL set)
It prints each event's position once its transaction has committed and the event was placed in
the log right after (one process, so its own after-commit sequencing places it), so the parent
knows how far it got.
"""

from __future__ import annotations

import os
import sys

import django


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "confide.settings")
    # It reports positions, so it places its own events right after each commit (a served
    # worker leaves that to its background sequencer: ADR 0005).
    os.environ.setdefault("CONFIDE_AUDIT_SEQUENCER", "after-commit")
    django.setup()
    from confide.audit.models import LogEntry
    from confide.audit.services import record_event

    for number in range(count):
        record_event(
            "record:note:read",
            actor_id=f"user:{number % 5}",
            purpose="TREAT",
            outcome="success",
            client_id=f"client-{number % 17}",
            sealed_detail=os.urandom(48),
        )
        position = LogEntry.objects.order_by("-position").values_list("position", flat=True).first()
        sys.stdout.write(f"{position}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
