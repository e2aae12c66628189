"""`confide audit verify` against someone with write access to the database.

Each test tampers with the stored rows by plain SQL, as an attacker would, and expects the
verifier to fail and name the first bad position.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from confide.audit import commands, services, signing
from confide.audit.models import LogEntry
from confide.auditlog import encode_entry, hash_leaf, public_key_to_text
from confide.auditlog.events import AuditEvent
from tests.audit.conftest import append, row, sql, verify

SIZE = 12


@pytest.fixture
def log(db: None) -> None:
    append(SIZE)


def first_bad_position(output: str) -> str:
    return output.split("First bad position: ")[1].split("\n")[0]


def save_head(path: Path) -> Path:
    head = services.latest_head()
    assert head is not None
    path.write_text(head.to_text(), encoding="utf-8")
    return path


def test_an_untouched_log_verifies(log: None) -> None:
    code, output = verify()
    assert code == 0 and f"intact: {SIZE} entries" in output


def test_an_empty_log_verifies(db: None) -> None:
    assert verify()[0] == 0


def test_an_edited_entry_is_found(log: None) -> None:
    entry = bytearray(row(5)["entry"])
    entry[-1] ^= 1
    sql("UPDATE audit_entry SET entry = %s WHERE position = 5", (bytes(entry),))
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "5"
    assert "does not match its stored leaf hash" in output


def test_an_edited_entry_with_a_recomputed_leaf_hash_is_found(log: None) -> None:
    """The attacker recomputes the hash too; only the signed heads, which they cannot redo, give it away."""
    forged = AuditEvent.at_microseconds("record:note:read", 0, "user:8", "TREAT", "success")
    entry = encode_entry(forged)
    sql("UPDATE audit_entry SET entry = %s, leaf_hash = %s WHERE position = 4", (entry, hash_leaf(entry)))
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "4"


def test_a_deleted_row_is_found(log: None) -> None:
    sql("DELETE FROM audit_entry WHERE position = 6")
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "6"
    assert "missing" in output


def test_two_swapped_entries_are_found(log: None) -> None:
    two, eight = row(2), row(8)
    for position, other in ((2, eight), (8, two)):
        sql(
            "UPDATE audit_entry SET entry = %s, leaf_hash = %s WHERE position = %s",
            (other["entry"], other["leaf_hash"], position),
        )
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "2"


def test_an_inserted_row_is_found(log: None) -> None:
    """A forged row slid in at position 3, the later rows moved up by one, hashes recomputed."""
    rows = [row(position) for position in range(SIZE)]
    sql("DELETE FROM audit_entry WHERE position >= 3")
    forged = encode_entry(AuditEvent.at_microseconds("record:note:read", 0, "user:8", "TREAT", "success"))
    shifted = [{**rows[3], "entry": forged, "leaf_hash": hash_leaf(forged)}, *rows[3:]]
    for offset, values in enumerate(shifted):
        values = {**values, "position": 3 + offset}
        LogEntry.objects.create(**values)
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "3"


def test_a_row_added_at_the_end_is_found(log: None) -> None:
    forged = encode_entry(AuditEvent.at_microseconds("record:note:read", 0, "user:8", "TREAT", "success"))
    LogEntry.objects.create(**{**row(SIZE - 1), "position": SIZE, "entry": forged, "leaf_hash": hash_leaf(forged)})
    code, output = verify()
    assert code == 1 and first_bad_position(output) == str(SIZE)


def test_a_wrong_signature_is_found(log: None) -> None:
    signature = bytearray(row(SIZE - 1)["signature"])
    signature[0] ^= 0x80
    sql("UPDATE audit_entry SET signature = %s WHERE position = %s", (bytes(signature), SIZE - 1))
    code, output = verify()
    assert code == 1 and first_bad_position(output) == str(SIZE - 1)
    assert "not authentic" in output


def test_a_truncated_log_is_caught_against_a_saved_head(log: None, tmp_path: Path) -> None:
    saved = save_head(tmp_path / "head.txt")
    sql("DELETE FROM audit_entry WHERE position >= 9")
    sql('DELETE FROM audit_node WHERE ("index" + 1) * (1 << level) > 9')
    assert verify()[0] == 0, "a clean truncation is invisible without a head kept outside"
    code, output = verify(saved)
    assert code == 1 and first_bad_position(output) == "9"
    assert "entries were removed" in output


def test_a_log_truncated_and_regrown_is_caught_against_a_saved_head(log: None, tmp_path: Path) -> None:
    saved = save_head(tmp_path / "head.txt")
    sql("DELETE FROM audit_entry WHERE position >= 9")
    sql('DELETE FROM audit_node WHERE ("index" + 1) * (1 << level) > 9')
    append(5)
    code, output = verify(saved)
    assert code == 1
    assert "differ from what the signed tree head" in output


def test_heads_in_the_head_directory_are_checked_without_being_named(log: None, settings: Any, tmp_path: Path) -> None:
    settings.CONFIDE_AUDIT_HEAD_DIR = str(tmp_path / "heads")
    services.publish_head()
    sql("DELETE FROM audit_entry WHERE position >= 10")
    code, output = verify()
    assert code == 1 and first_bad_position(output) == "10"


def test_a_saved_head_with_a_bad_signature_is_refused(log: None, tmp_path: Path) -> None:
    text = save_head(tmp_path / "head.txt").read_text()
    lines = text.splitlines()
    # The checkpoint's signature line: keep the name and 4-byte key hash, replace the signature.
    dash, name, blob = lines[-1].split(" ")
    raw = base64.b64decode(blob)
    lines[-1] = f"{dash} {name} " + base64.b64encode(raw[:4] + bytes(64)).decode()
    (tmp_path / "bad.txt").write_text("\n".join(lines) + "\n")
    code, output = verify(tmp_path / "bad.txt")
    assert code == 1 and "not valid" in output


def test_a_log_signed_by_another_key_is_refused(log: None, settings: Any) -> None:
    """Replacing the key file (instead of rotating it) leaves the old heads unverifiable."""
    path = Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)
    path.unlink()
    services._key_cache.clear()
    signing.ensure_signing_key_file(path)
    code, output = verify()
    assert code == 1 and "unknown key" in output


def test_a_database_key_is_not_trusted(log: None, settings: Any, tmp_path: Path) -> None:
    """Someone who can write the database can register a key; verify must not believe it."""
    old = signing.load_signing_key_file(Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE))
    settings.CONFIDE_AUDIT_SIGNING_KEY_FILE = tmp_path / "attacker-key"
    services._key_cache.clear()
    sql("DELETE FROM audit_entry")
    sql("DELETE FROM audit_node")
    append(3)  # a whole new history, signed by the attacker's key and registered in the database
    settings.CONFIDE_AUDIT_SIGNING_KEY_FILE = tmp_path / "the-real-key"
    Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE).write_text(signing._render(old.private_key, ()), encoding="ascii")
    services._key_cache.clear()
    code, output = verify()
    assert code == 1 and "unknown key" in output


def test_a_rotated_key_keeps_old_heads_verifiable(log: None, settings: Any, tmp_path: Path) -> None:
    saved = save_head(tmp_path / "head.txt")
    signing.rotate_signing_key(Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE))
    append(3)
    assert verify(saved)[0] == 0
    sql("UPDATE audit_entry SET entry = %s WHERE position = 1", (row(2)["entry"],))
    code, output = verify(saved)
    assert code == 1 and first_bad_position(output) == "1", "bisection still reads the old key's heads"


def test_it_verifies_with_a_public_key_instead_of_the_key_file(log: None, settings: Any) -> None:
    path = Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)
    public = public_key_to_text(signing.load_signing_key_file(path).public_key)
    path.unlink()
    services._key_cache.clear()
    settings.PRODUCTION = True  # so that the missing file is not simply created again
    assert verify(public_keys=(public,))[0] == 0


def test_head_prints_the_latest_signed_head(log: None) -> None:
    import io

    out = io.StringIO()
    assert commands.run_head(out) == 0
    assert out.getvalue() == services.latest_head().to_text()  # type: ignore[union-attr]
