"""Crash safety: kill -9 `confide serve` during a burst of note saves, restart, and find nothing lost.

Clinicians write progress notes over HTTP as the browser does (the first autosave creates the
draft, later autosaves save new versions, the Sign button saves and signs) while the whole server
(master and workers, one process group) is killed with SIGKILL. After a restart:

* every save that was acknowledged is there and opens with its exact content: the note is at the
  acknowledged version, or at the next one if a save of it was in flight at the kill, and its body
  is what was sent for that version;
* nothing half-written is visible: every note in the database opens with its author's keys at the
  version its row names, and the audit log holds exactly one event per write that committed
  (created, updated and signed events match the rows);
* `confide audit verify` passes.
"""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from benchmarks.loadkit import (
    PASSWORD,
    Browser,
    Draft,
    TransportError,
    UnexpectedResponseError,
    autosave,
    loopback_address,
    sign,
    sign_in,
    start_note,
)

from tests.processes import Server, base_env, confide, free_port, init_practice, scratch_database

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4
SESSION_DATE = "2026-11-20"


class KillableServer(Server):
    """`confide serve` in a process group of its own, so that one SIGKILL reaches the master and every worker."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 2) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = Path(env["CONFIDE_DATA_DIR"]).parent / f"serve-{port}.log"
        self._log_handle = self.log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "confide", "serve", "--port", str(port), "--workers", str(workers)],
            env=env, stdout=self._log_handle, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_up()

    def kill_group(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self._log_handle.close()


@dataclass
class Written:
    """What the server acknowledged for one note, and what was in flight when it died."""

    draft: Draft
    bodies: dict[int, str] = field(default_factory=dict)
    acknowledged: int = 1
    signed: bool = False
    in_flight: int | None = None  # the version a save without an answer would have written
    sign_in_flight: bool = False


@dataclass
class Writer:
    browser: Browser
    notes: list[Written] = field(default_factory=list)
    saves: int = 0
    starting: bool = False  # the first autosave of a new note was sent and not answered
    ended_by: str = ""


def _write_until_cut_off(writer: Writer, client: str, number: int, stop: threading.Event) -> None:
    """Write notes back to back until the server stops answering."""
    browser = writer.browser
    try:
        while not stop.is_set():
            number += 1
            body = f"Crash note {number} version 1; client settled, plan unchanged."
            writer.starting = True
            draft = start_note(browser, client, body, SESSION_DATE)
            writer.starting = False
            note = Written(draft, {1: body})
            writer.notes.append(note)
            writer.saves += 1
            for version in range(2, 5):
                body = f"Crash note {number} version {version}; reviewed the sleep diary together."
                note.bodies[version], note.in_flight = body, version
                autosave(browser, draft, body, SESSION_DATE)
                note.acknowledged, note.in_flight = version, None
                writer.saves += 1
            body = f"Crash note {number} version 5; signed after the session."
            note.bodies[5], note.in_flight, note.sign_in_flight = body, 5, True
            sign(browser, draft, body, SESSION_DATE)
            note.acknowledged, note.in_flight, note.sign_in_flight, note.signed = 5, None, False, True
            writer.saves += 1
    except TransportError as exc:
        writer.ended_by = str(exc)
    except UnexpectedResponseError as exc:  # reported by the test below
        writer.ended_by = f"unexpected: {exc}"


@pytest.fixture
def practice(tmp_path: Path) -> Iterator[tuple[dict[str, str], dict[str, Any], Path]]:
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url, CONFIDE_EMAIL_BACKEND="locmem")
        init_practice(data_dir, env)
        password_file = tmp_path / "bench-password"
        password_file.write_text(PASSWORD, encoding="utf-8")
        seeded = _kit(env, "seed", "--clinicians", str(WRITERS), "--caseload", "1", "--notes", "0",
                      "--password-file", str(password_file))
        yield env, seeded, password_file


def _kit(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadkit", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=600,
                          env={**env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"})
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_acknowledged_note_saves_survive_kill_9_of_the_server(
        practice: tuple[dict[str, str], dict[str, Any], Path]) -> None:
    env, seeded, password_file = practice
    clinicians = seeded["clinicians"]
    server = KillableServer(env, free_port())
    writers = [Writer(Browser(server.url, loopback_address(i), timeout=30)) for i in range(WRITERS)]
    for writer, clinician in zip(writers, clinicians, strict=True):
        sign_in(writer.browser, clinician["email"], PASSWORD)
    stop = threading.Event()
    threads = [threading.Thread(target=_write_until_cut_off, args=(w, c["clients"][0], 100 * i, stop))
               for i, (w, c) in enumerate(zip(writers, clinicians, strict=True))]
    for thread in threads:
        thread.start()
    # Mid-burst: once every writer has had saves acknowledged, and while they keep saving.
    deadline = time.monotonic() + 120
    while min(w.saves for w in writers) < 6 and time.monotonic() < deadline and all(t.is_alive() for t in threads):
        time.sleep(0.05)
    server.kill_group()
    for thread in threads:
        thread.join(timeout=60)
    stop.set()
    assert all(not t.is_alive() for t in threads)
    assert all(w.ended_by and not w.ended_by.startswith("unexpected") for w in writers), \
        [w.ended_by for w in writers]
    assert min(w.saves for w in writers) >= 6, "every writer had saves acknowledged before the kill"

    restarted = Server(env, free_port())
    try:
        found = _kit(env, "check", "--password-file", str(password_file))
        # Every note row opens at the version it names: no body from another version, nothing torn.
        assert found["failed"] == []
        notes: dict[str, Any] = found["notes"]
        known: set[str] = set()
        for writer in writers:
            for written in writer.notes:
                note_id = written.draft.note_url.rstrip("/").rsplit("/", 1)[-1]
                known.add(note_id)
                assert note_id in notes, "an acknowledged note is missing"
                stored = notes[note_id]
                allowed = {written.acknowledged} | ({written.in_flight} if written.in_flight else set())
                assert stored["version"] in allowed
                assert stored["body"] == written.bodies[stored["version"]]
                if written.signed:
                    assert stored["status"] == "signed"
                elif stored["status"] == "signed":
                    assert written.sign_in_flight and stored["version"] == 5
        # The only other notes: a first autosave in flight at the kill, at most one per writer.
        unknown = [n for note_id, n in notes.items() if note_id not in known]
        assert len(unknown) <= sum(w.starting for w in writers)
        assert all(n["version"] == 1 and n["status"] == "draft" for n in unknown)
        # Each write committed together with its audit event, or neither did.
        events = found["events"]
        assert events.get("record:note:created", 0) == len(notes)
        assert events.get("record:note:updated", 0) == sum(n["version"] - 1 for n in notes.values())
        assert events.get("record:note:signed", 0) == sum(n["status"] == "signed" for n in notes.values())

        # Through the restarted server, each writer's acknowledged notes open with their content.
        for writer, clinician in zip(writers, clinicians, strict=True):
            browser = Browser(restarted.url, loopback_address(WRITERS + clinicians.index(clinician)))
            sign_in(browser, clinician["email"], PASSWORD)
            for written in writer.notes:
                page = browser.get(written.draft.note_url)
                assert page.status == 200
                note_id = written.draft.note_url.rstrip("/").rsplit("/", 1)[-1]
                assert html.escape(notes[note_id]["body"]) in page.text
    finally:
        log = restarted.stop()
    assert "Traceback" not in log

    verified = confide("audit", "verify", env=env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
