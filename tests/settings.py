"""Settings for the test suite: Confide's own settings with a throwaway data directory.

The environment decides the database: unset DATABASE_URL for SQLite, or point it at PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("CONFIDE_MODE", "test")
os.environ.setdefault("CONFIDE_DATA_DIR", tempfile.mkdtemp(prefix="confide-test-"))
os.environ.setdefault("CONFIDE_SECRET_KEY", "test-secret-key-" + "k3y" * 20)
os.environ.setdefault("CONFIDE_EMAIL_BACKEND", "locmem")
os.environ.setdefault("CONFIDE_KDF_PROFILE", "unsafe-test")

from confide.settings import *  # noqa: F403

# Confide's hasher, as in production, with the unsafe-test KDF profile (8 MiB, one pass) set
# above; Django's Argon2 (test-sized) second, as earlier versions' hashes are (ADR 0022).
PASSWORD_HASHERS = ["confide.keys.passwords.ConfidePasswordHasher", "tests.hashers.FastArgon2PasswordHasher"]

# The test database lives on disk, like production SQLite (WAL mode), so tests can copy it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Tests run inside a transaction that never commits, so events are placed in the log at once;
# tests/audit/test_batched_appends.py and tests/audit/test_background_sequencer.py cover the
# after-commit and background paths, and the server tests run `confide serve`'s default.
CONFIDE_AUDIT_SEQUENCER = "inline"

# Tasks run at once in the suite, so a test sees the e-mail its action queued (through the outbox
# and its `deliver`, as the worker would send it). tests/notifications use the database queue and
# a real worker (the `database_queue` fixture and the subprocess tests).
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
