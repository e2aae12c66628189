"""`confide witness serve`: the C2SP tlog-witness add-checkpoint protocol, over real HTTP.

The witness runs as a separate process (as an owner would run it at home); the log is an
in-memory Confide log whose checkpoints and proofs are sent as add-checkpoint bodies. Rollback,
truncation and forks must be refused, consistent growth cosigned; cosignatures are checked with
the independent reference implementation.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from confide.auditlog import AuditEvent, MemoryLog, Outcome, checkpoint_verifier, generate_signing_key
from confide.auditlog.witnessing import AddCheckpoint
from tests.auditlog import c2sp_reference as ref
from tests.processes import free_port

ORIGIN = "harbour.example/confide-audit-log"
WHEN = datetime(2026, 12, 3, tzinfo=UTC)


def _event(number: int) -> AuditEvent:
    return AuditEvent("record:note:read", WHEN, f"user:{number}", "TREAT", Outcome.SUCCESS, client_id="cli_a")


def _log(size: int, key=None):  # type: ignore[no-untyped-def]
    log = MemoryLog(key or generate_signing_key(), origin=ORIGIN)
    for number in range(size):
        log.append(_event(number), WHEN)
    return log


@pytest.fixture
def keyed_log() -> MemoryLog:
    return _log(0)


@pytest.fixture
def witness(tmp_path: Path, keyed_log: MemoryLog) -> Iterator[tuple[int, str]]:
    port = free_port()
    vkey = checkpoint_verifier(ORIGIN, keyed_log._signing_key.public_key()).to_text()
    process = subprocess.Popen(
        [sys.executable, "-m", "confide", "witness", "serve", "--state-dir", str(tmp_path / "w"), "--host",
         "127.0.0.1", "--port", str(port), "--log", vkey, "--name", "witness.example/owner"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.readline()
    witness_vkey = process.stdout.readline().split(": ", 1)[1].strip()
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            break
        except OSError:
            time.sleep(0.05)
    yield port, witness_vkey
    process.terminate()
    process.wait(timeout=10)


def _post(port: int, body: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/add-checkpoint", body=body.encode())
    response = connection.getresponse()
    return response.status, response.getheader("Content-Type") or "", response.read().decode()


def _body(log: MemoryLog, old: int) -> str:
    head = log.latest_head()
    assert head is not None
    proof = log.consistency_proof(old) if old else []
    return AddCheckpoint(old, tuple(proof), head.to_text()).to_text()


def test_the_witness_cosigns_consistent_growth(keyed_log: MemoryLog, witness: tuple[int, str]) -> None:
    port, witness_vkey = witness
    for number in range(5):
        keyed_log.append(_event(number), WHEN)
    status, _, cosig = _post(port, _body(keyed_log, 0))
    assert status == 200
    head = keyed_log.latest_head()
    assert head is not None
    assert ref.check_cosignature(head.to_text() + cosig, witness_vkey) > 0
    for number in range(5, 12):
        keyed_log.append(_event(number), WHEN)
    status, _, cosig = _post(port, _body(keyed_log, 5))
    assert status == 200
    head = keyed_log.latest_head()
    assert head is not None
    ref.check_cosignature(head.to_text() + cosig, witness_vkey)


def test_the_witness_refuses_a_rollback_and_a_fork(keyed_log: MemoryLog, witness: tuple[int, str]) -> None:
    port, _ = witness
    for number in range(8):
        keyed_log.append(_event(number), WHEN)
    assert _post(port, _body(keyed_log, 0))[0] == 200
    # A rolled-back copy of the same log (same key): 5 entries. Its old size does not match.
    rolled_back = _log(5, keyed_log._signing_key)
    status, content_type, text = _post(port, _body(rolled_back, 0))
    assert (status, content_type, text) == (409, "text/x.tlog.size", "8\n")
    rolled_head = rolled_back.latest_head()
    assert rolled_head is not None
    status, _, _ = _post(port, AddCheckpoint(8, (), rolled_head.to_text()).to_text())
    assert status == 400, "an old size above the checkpoint's is refused"
    # A fork: a different history of 10 entries signed with the log's key.
    fork = MemoryLog(keyed_log._signing_key, origin=ORIGIN)
    for number in range(10):
        fork.append(_event(100 + number), WHEN)
    assert _post(port, _body(fork, 8))[0] == 422


def test_the_witness_refuses_unknown_logs_and_bad_signatures(witness: tuple[int, str]) -> None:
    port, _ = witness
    stranger = MemoryLog(generate_signing_key(), origin="elsewhere.example/log")
    stranger.append(_event(1), WHEN)
    assert _post(port, _body(stranger, 0))[0] == 404
    impostor = _log(3)  # our origin, another key
    assert _post(port, _body(impostor, 0))[0] == 403
    assert _post(port, "not a body")[0] == 400


# ----------------------------------------------------------------------------- Confide asks its witnesses


@pytest.fixture
def practice_witness(tmp_path: Path, db: None, settings: object) -> Iterator[tuple[int, str]]:
    from confide.audit import proofs, services

    services.record_event("auth:session:created", actor_id="user:1", purpose="SYSADMIN", outcome="success")
    services.sequence_pending(wait=True)
    vkey = proofs.log_verifier_key(services.current_signing_key().public_key).to_text()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "confide", "witness", "serve", "--state-dir", str(tmp_path / "pw"), "--host",
         "127.0.0.1", "--port", str(port), "--log", vkey, "--name", "witness.example/owner"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.readline()
    witness_vkey = process.stdout.readline().split(": ", 1)[1].strip()
    settings.CONFIDE_AUDIT_WITNESSES = [f"http://127.0.0.1:{port}/add-checkpoint {witness_vkey}"]  # type: ignore[attr-defined]
    yield port, witness_vkey
    process.terminate()
    process.wait(timeout=10)


def test_publishing_asks_the_witnesses_and_a_rollback_is_refused(
    practice_witness: tuple[int, str], tmp_path: Path
) -> None:
    import io

    from confide.audit import commands, services
    from confide.audit.models import Cosignature, LogEntry, LogNode
    from confide.auditlog import LogIntegrityError
    from tests.audit.conftest import append

    out = io.StringIO()
    assert commands.run_publish(tmp_path / "heads", out) == 0
    assert "witness.example/owner: cosigned" in out.getvalue()
    append(6)
    out = io.StringIO()
    assert commands.run_publish(tmp_path / "heads", out) == 0, out.getvalue()
    newest = Cosignature.objects.order_by("-size").first()
    assert newest is not None
    _, witness_vkey = practice_witness
    assert ref.check_cosignature(newest.checkpoint, witness_vkey) > 0
    size = newest.size
    # Roll the log back to an older copy (the cosignature table kept by someone else survives).
    cut = size - 4
    LogEntry.objects.filter(position__gte=cut).delete()
    for level in range(8):
        LogNode.objects.filter(level=level, index__gte=cut >> level).delete()
    out = io.StringIO()
    assert commands.run_publish(tmp_path / "heads2", out) == 1
    assert "REFUSED" in out.getvalue() and "rolled back" in out.getvalue()
    with pytest.raises(LogIntegrityError):
        services.verify_stored_log()
