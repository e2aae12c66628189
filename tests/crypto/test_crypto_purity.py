"""The cryptographic core stays pure: vetted libraries only, nothing of the app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import confide.crypto

PACKAGE = Path(confide.crypto.__file__).parent
ALLOWED_ROOTS = {
    # The standard library modules the core uses.
    "__future__",
    "base64",
    "binascii",
    "collections",
    "contextlib",
    "contextvars",
    "dataclasses",
    "enum",
    "hashlib",
    "hmac",
    "os",
    "re",
    "struct",
    "typing",
    "unicodedata",
    # Vetted cryptography: pyca for everything, argon2-cffi for Argon2id and
    # PyCryptodome for Shamir secret sharing only.
    "cryptography",
    "argon2",
    "Crypto",
}


def imported_modules(path: Path) -> set[str]:
    """Return every module name imported by the file at ``path``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_core_imports_only_vetted_libraries_and_itself() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for name in imported_modules(path):
            if name.startswith("confide."):
                assert name.startswith("confide.crypto"), f"{path.name} imports {name}"
            else:
                assert name.split(".")[0] in ALLOWED_ROOTS, f"{path.name} imports {name}"


def test_pycryptodome_is_used_for_shamir_only() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] == "Crypto":
                assert name == "Crypto.Protocol.SecretSharing", f"{path.name} imports {name}"


def test_importing_the_core_loads_no_django() -> None:
    code = (
        "import sys, confide.crypto; "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'django' "
        "or (m.startswith('confide.') and not m.startswith('confide.crypto'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(PACKAGE.parent.parent)},
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_name_exists_and_is_documented() -> None:
    for name in confide.crypto.__all__:
        assert hasattr(confide.crypto, name), name
        assert getattr(confide.crypto, name).__doc__, f"{name} has no docstring"
