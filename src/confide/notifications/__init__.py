"""Talking outside the session: the outbox, the background worker, notifications and reminders."""
