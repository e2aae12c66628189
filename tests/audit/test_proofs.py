"""Proofs for everyone: `confide audit checkpoint`/`consistency` and the API's checkpoint,
consistency and entries endpoints, each checked with the independent reference implementation
(tests/auditlog/c2sp_reference.py), never with Confide's own verifier."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from django.test import Client

from confide.audit import commands, proofs, services
from confide.audit.models import LogEntry, LogNode
from tests.api.conftest import token_of
from tests.audit.conftest import append
from tests.auditlog import c2sp_reference as ref
from tests.conftest import Person


def _get(person: Person, path: str) -> Any:
    return Client().get(path, headers={"Authorization": f"Bearer {token_of(person)}"})


def _checkpoint_text() -> str:
    out = io.StringIO()
    assert commands.run_checkpoint(out) == 0
    return out.getvalue()


def _vkey() -> str:
    out = io.StringIO()
    commands.run_checkpoint(out, verifier_key=True)
    return out.getvalue().strip()


def test_the_checkpoint_command_prints_a_c2sp_checkpoint_the_reference_verifies(db: None, settings: Any) -> None:
    settings.CONFIDE_AUDIT_ORIGIN = "harbour.example/confide-audit-log"
    append(5)
    text = _checkpoint_text()
    origin, size, root = ref.read_checkpoint(ref.open_note(text, _vkey()))
    assert origin == "harbour.example/confide-audit-log"
    assert size == LogEntry.objects.count()
    assert root == services.latest_head().root_hash  # type: ignore[union-attr]


def test_consistency_from_a_saved_checkpoint_verifies_with_the_reference(db: None, tmp_path: Path) -> None:
    append(3)
    saved = tmp_path / "old.txt"
    saved.write_text(_checkpoint_text(), encoding="utf-8")
    append(9)
    out = io.StringIO()
    assert commands.run_consistency(saved, out) == 0
    old_size, proof, new_note = ref.parse_add_checkpoint_body(out.getvalue())
    _, old_n, old_root = ref.read_checkpoint(ref.open_note(saved.read_text(), _vkey()))
    _, new_n, new_root = ref.read_checkpoint(ref.open_note(new_note, _vkey()))
    assert (old_size, new_n) == (old_n, LogEntry.objects.count())
    ref.verify_consistency(old_n, new_n, old_root, new_root, proof)


def test_consistency_fails_after_a_rollback(db: None, tmp_path: Path) -> None:
    append(6)
    saved = tmp_path / "old.txt"
    saved.write_text(_checkpoint_text(), encoding="utf-8")
    # Roll back: the newest rows vanish (a restored older copy).
    newest = LogEntry.objects.order_by("-position").first()
    assert newest is not None
    cut = newest.position - 2
    LogEntry.objects.filter(position__gte=cut).delete()
    LogNode.objects.all().delete()
    out = io.StringIO()
    assert commands.run_consistency(saved, out) == 1
    assert "does NOT extend" in out.getvalue()


def test_a_damaged_subtree_hash_is_refused_not_served(db: None) -> None:
    append(8)
    head = proofs.newest_checkpoint()
    assert head is not None
    node = LogNode.objects.filter(level=1).order_by("index").first()
    assert node is not None
    LogNode.objects.filter(level=1, index=node.index).update(hash=bytes(32))
    from confide.auditlog import LogIntegrityError

    old = next(size for size in range(2, head.size) if proofs.signed_head_at(size) is not None)
    try:
        proof = proofs.consistency_between(old, head)
    except LogIntegrityError:
        return
    # If the damaged node was not on this proof's path, the proof must still verify.
    ref.verify_consistency(old, head.size, proofs.signed_head_at(old).root_hash, head.root_hash, proof)  # type: ignore[union-attr]


def test_the_api_serves_checkpoint_and_consistency_to_staff(bob: Person, relaxed: object) -> None:
    append(4)
    first = _get(bob, "/api/v1/audit-log/checkpoint").json()
    append(7)
    second = _get(bob, "/api/v1/audit-log/checkpoint").json()
    body = _get(bob, f"/api/v1/audit-log/consistency?old_size={first['tree_size']}").json()
    _, n1, r1 = ref.read_checkpoint(ref.open_note(first["checkpoint"], first["verifier_key"]))
    _, n2, r2 = ref.read_checkpoint(ref.open_note(body["checkpoint"], second["verifier_key"]))
    ref.verify_consistency(n1, n2, r1, r2, [base64.b64decode(p) for p in body["proof"]])


def test_the_api_refuses_a_size_beyond_the_log(bob: Person, relaxed: object) -> None:
    append(2)
    response = _get(bob, "/api/v1/audit-log/consistency?old_size=999999")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert _get(bob, "/api/v1/audit-log/consistency?old_size=-1").status_code == 422


def test_entries_come_with_bytes_that_hash_to_proven_leaves_for_owners_only(
    alice: Person, bob: Person, relaxed: object
) -> None:
    append(6)
    assert _get(bob, "/api/v1/audit-log/entries?start=0&end=3").status_code == 404
    body = _get(alice, "/api/v1/audit-log/entries?start=1&end=4").json()
    cp = _get(alice, "/api/v1/audit-log/checkpoint").json()
    _, size, root = ref.read_checkpoint(ref.open_note(body["checkpoint"], cp["verifier_key"]))
    assert [e["leaf_index"] for e in body["entries"]] == [1, 2, 3]
    for entry in body["entries"]:
        leaf = ref.leaf_hash(base64.b64decode(entry["entry"]))
        assert base64.b64encode(leaf).decode() == entry["leaf_hash"]
        ref.verify_inclusion(
            entry["leaf_index"], size, leaf, [base64.b64decode(p) for p in entry["inclusion_proof"]], root
        )
    reads = LogEntry.objects.filter(tag="audit:log:read", actor_id=f"user:{alice.user.pk}").count()
    assert reads >= 1, "reading the entries is itself logged"
    assert _get(alice, "/api/v1/audit-log/entries?start=4&end=2").status_code == 422
    assert _get(alice, "/api/v1/audit-log/entries?start=0&end=5000").status_code == 422
