"""Where key files live: apart from the data they protect (ADR 0013).

Confide reads three key files: the secret key (`secret_key`: sessions, CSRF, keyed hashes), the
audit signing key (`audit-signing-key`) and the address key (`address-key`: portal sign-in
look-ups and the sealed copy of a client's e-mail address). Each is found at its own
`CONFIDE_<NAME>_FILE` path when that is set (systemd credentials: `LoadCredential=` with
`CONFIDE_SECRET_KEY_FILE=%d/secret_key`), else in `CONFIDE_KEY_DIR`, else, for installations
made before this existed, in the data directory. In production a system check refuses a key file
inside the directory that holds the SQLite database or the file store, unless
`CONFIDE_ALLOW_KEYS_IN_DATA_DIR` acknowledges it: a copy of the data must not carry its keys.

This module reads only the environment, so the command line can use it before Django starts.
"""

from __future__ import annotations

import os
from pathlib import Path

KEY_DIR_ENV = "CONFIDE_KEY_DIR"
SECRET_KEY_NAME = "secret_key"  # noqa: S105  (a file name, not a secret)
AUDIT_SIGNING_KEY_NAME = "audit-signing-key"
ADDRESS_KEY_NAME = "address-key"


def key_dir(data_dir: Path) -> Path:
    """`CONFIDE_KEY_DIR`, or the data directory when it is not set."""
    configured = os.environ.get(KEY_DIR_ENV, "")
    return Path(configured).expanduser().resolve() if configured else Path(data_dir)


def key_file(name: str, env_var: str, data_dir: Path) -> Path:
    """The path of one key file: its own `*_FILE` variable, else `<key dir>/<name>`."""
    configured = os.environ.get(env_var, "")
    return Path(configured).expanduser() if configured else key_dir(data_dir) / name


def is_inside(path: Path, directory: Path) -> bool:
    """Whether `path` is `directory` or lies somewhere below it (symbolic links resolved)."""
    resolved, parent = Path(path).expanduser().resolve(), Path(directory).expanduser().resolve()
    return resolved == parent or parent in resolved.parents
