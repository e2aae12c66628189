"""Confide on 1 node and on 3 nodes behind HAProxy, one PostgreSQL, with one node killed mid-run.

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_cluster.py --clinicians 30 --duration 40

Each run: a fresh practice in a scratch PostgreSQL database (`confide init`, then
`benchmarks.loadkit seed`), a cluster of `benchmarks/clusterkit.py` (the nodes, `confide worker`
and HAProxy health-checking `/readyz`), every clinician signing in through HAProxy, then the
working loop of bench_load (caseload, chart, a note autosaved three times, signed) for
`--duration` seconds. With 3 nodes, node 2 is killed with SIGKILL (its whole process group) at
half time, and the loop goes on against the survivors.

Then, with the cluster stopped, it checks what the issue asks:

* every write the cluster acknowledged is there, with its exact content (a note is at the
  acknowledged version, or at the next one when a save of it was in flight at the kill);
* nothing half-written is visible: every note opens with its author's keys at the version its
  row names, and the audit log holds one event per committed write;
* `confide audit verify` passes;
* every request that failed was in flight at the moment of the kill (sent before it, not answered
  before it): none failed afterwards, while HAProxy took the dead node out.

It prints throughput and p50/p95/p99 per action for 1 and 3 nodes. Exit status 1 if a check fails.
The load generator, the nodes and PostgreSQL share this machine's cores: on 2 cores, 3 nodes
cannot be faster than 1; the point is correctness and no added per-request cost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.bench_load import DEFAULT_POSTGRES, Results, machine, print_table, run_threads, scratch_postgres, today
from benchmarks.clusterkit import Cluster
from benchmarks.loadkit import (
    PASSWORD,
    Browser,
    Draft,
    TransportError,
    UnexpectedResponseError,
    autosave,
    expect,
    loopback_address,
    sign,
    sign_in,
    start_note,
)
from tests.processes import base_env, confide, free_port, init_practice

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ["sign in", "open caseload", "open chart", "save note (autosave)", "sign note"]


@dataclass
class Written:
    """What the cluster acknowledged for one note, and what was in flight when a request failed."""

    draft: Draft
    bodies: dict[int, str] = field(default_factory=dict)
    acknowledged: int = 1
    signed: bool = False
    in_flight: int | None = None
    sign_in_flight: bool = False


@dataclass
class Failure:
    action: str
    started: float
    ended: float
    reason: str


@dataclass
class Run:
    results: Results = field(default_factory=Results)
    notes: list[Written] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, action: str, call: Any, *args: Any) -> Any:
        """Time one action; on failure record when it was sent and when it ended, and return None."""
        started = time.monotonic()
        try:
            result = call(*args)
        except (UnexpectedResponseError, TransportError, KeyError) as exc:
            with self.lock:
                self.failures.append(Failure(action, started, time.monotonic(), str(exc)))
                self.results.errors[action] += 1
                self.results.error_kinds[f"{action}: {exc}"] += 1
            return None
        with self.lock:
            self.results.latencies[action].append(time.monotonic() - started)
        return True if result is None else result


def _page(browser: Browser, action: str, path: str) -> None:
    expect(action, browser.get(path), 200)


def work(run: Run, browsers: list[Browser], caseloads: list[list[str]], duration: float, seed: int = 0) -> None:
    """The working loop: read, write a note in four saves, sign; a failed write abandons its note."""
    deadline = time.monotonic() + duration

    def clinician(index: int) -> None:
        browser, rng, number = browsers[index], random.Random(seed + index), 0
        while time.monotonic() < deadline:
            run.attempt("open caseload", _page, browser, "open caseload", "/clients/")
            client = rng.choice(caseloads[index])
            if not run.attempt("open chart", _page, browser, "open chart", f"/clients/{client}/"):
                continue
            number += 1
            body = f"Cluster note {number} of clinician {index}, version 1."
            draft = run.attempt("save note (autosave)", start_note, browser, client, body, today())
            if not draft:
                continue
            note = Written(draft, {1: body})
            with run.lock:
                run.notes.append(note)
            for version in range(2, 5):
                body = f"Cluster note {number} of clinician {index}, version {version}; plan reviewed."
                note.bodies[version], note.in_flight = body, version
                if not run.attempt("save note (autosave)", autosave, browser, draft, body, today()):
                    break
                note.acknowledged, note.in_flight = version, None
            else:
                body = f"Cluster note {number} of clinician {index}, version 5; signed."
                note.bodies[5], note.in_flight, note.sign_in_flight = body, 5, True
                if run.attempt("sign note", sign, browser, draft, body, today()):
                    note.acknowledged, note.in_flight, note.sign_in_flight, note.signed = 5, None, False, True

    run.results.seconds = run_threads(len(browsers), clinician)


def sign_in_all(run: Run, browsers: list[Browser], emails: list[str]) -> float:
    return run_threads(len(browsers), lambda i: run.attempt("sign in", sign_in, browsers[i], emails[i], PASSWORD))


def kit(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.loadkit", *args], cwd=ROOT, capture_output=True,
                          text=True, check=False, timeout=1800,
                          env={**env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"})
    if done.returncode != 0:
        raise RuntimeError(f"loadkit {args[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def verify(env: dict[str, str], run: Run, password_file: Path, kill: tuple[float, float] | None) -> list[str]:
    """The checks of the module docstring; returns the problems found (empty: all hold)."""
    problems: list[str] = []
    found = kit(env, "check", "--password-file", str(password_file))
    if found["failed"]:
        problems.append(f"{len(found['failed'])} notes do not open at the version their row names")
    notes: dict[str, Any] = found["notes"]
    known: set[str] = set()
    for written in run.notes:
        note_id = written.draft.note_url.rstrip("/").rsplit("/", 1)[-1]
        known.add(note_id)
        stored = notes.get(note_id)
        if stored is None:
            problems.append("an acknowledged note is missing")
            continue
        allowed = {written.acknowledged} | ({written.in_flight} if written.in_flight else set())
        if stored["version"] not in allowed:
            problems.append(f"a note is at version {stored['version']}, acknowledged {written.acknowledged}")
        elif stored["body"] != written.bodies[stored["version"]]:
            problems.append("a note's body is not what was sent for its version")
        if written.signed and stored["status"] != "signed":
            problems.append("an acknowledged signature is missing")
        if not written.signed and stored["status"] == "signed" and not written.sign_in_flight:
            problems.append("a note is signed that nobody signed")
    # The only other notes: a first autosave in flight at the kill (a draft at version 1).
    unknown = [n for note_id, n in notes.items() if note_id not in known]
    first_saves_failed = sum(f.action == "save note (autosave)" and "/notes/autosave" in f.reason
                             for f in run.failures)
    if len(unknown) > first_saves_failed or any(n["version"] != 1 or n["status"] != "draft" for n in unknown):
        problems.append(f"{len(unknown)} unacknowledged notes, more than the failed first saves")
    events = found["events"]
    if events.get("record:note:created", 0) != len(notes):
        problems.append(f"{events.get('record:note:created', 0)} note-created events for {len(notes)} notes")
    if events.get("record:note:updated", 0) != sum(n["version"] - 1 for n in notes.values()):
        problems.append("the note-updated events do not match the versions written")
    if events.get("record:note:signed", 0) != sum(n["status"] == "signed" for n in notes.values()):
        problems.append("the note-signed events do not match the signed notes")
    verified = confide("audit", "verify", env=env, timeout=600)
    if verified.returncode != 0:
        problems.append("confide audit verify failed: " + (verified.stdout + verified.stderr)[-500:])
    for failure in run.failures:
        if kill is None:
            problems.append(f"{failure.action} failed with no node killed: {failure.reason}")
            continue
        killed_at, died_at = kill
        # In flight on the killed node: sent before it was gone (its port refused connections),
        # and not answered before the signal.
        if not (failure.started <= died_at and failure.ended >= killed_at):
            problems.append(f"{failure.action} failed {failure.started - killed_at:+.2f} s from the kill "
                            f"(not in flight at it): {failure.reason}")
    return problems


def one_run(nodes: int, args: argparse.Namespace) -> tuple[Run, list[str]]:
    with tempfile.TemporaryDirectory(prefix="confide-cluster-") as tmp, \
            scratch_postgres(args.database_url, 1) as urls:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        env = base_env(data_dir, urls[0], CONFIDE_EMAIL_BACKEND="locmem", CONFIDE_TRUSTED_PROXY_COUNT="1")
        if args.kdf == "unsafe-test":
            env["CONFIDE_KDF_PROFILE"] = "unsafe-test"
        print(f"\n=== {nodes} node(s) x {args.workers} worker(s), {args.clinicians} clinicians; {machine()}",
              flush=True)
        init_practice(data_dir, env)
        password_file = workdir / "bench-password"
        password_file.write_text(PASSWORD, encoding="utf-8")
        seeded = kit(env, "seed", "--clinicians", str(args.clinicians), "--caseload", str(args.caseload),
                     "--notes", "0", "--password-file", str(password_file), "--documents-every", "0")
        emails = [c["email"] for c in seeded["clinicians"]]
        caseloads = [c["clients"] for c in seeded["clinicians"]]
        cluster = Cluster(env=env, state=workdir / "cluster", ports=[free_port() for _ in range(nodes)],
                          lb_port=free_port(), workers_per_node=args.workers, log_requests=True)
        run: Run = Run()
        kill: tuple[float, float] | None = None
        try:
            cluster.start()
            browsers = [Browser(cluster.url, loopback_address(i), timeout=120) for i in range(args.clinicians)]
            signing_in = Results()
            signing_in.seconds = sign_in_all(run, browsers, emails)
            signing_in.latencies["sign in"] = run.results.latencies.pop("sign in", [])
            signing_in.errors["sign in"] = run.results.errors.pop("sign in", 0)
            print_table(f"{nodes} node(s): sign-in, all at once", signing_in, ["sign in"])
            if nodes > 1:
                def killer() -> None:
                    nonlocal kill
                    time.sleep(args.duration / 2)
                    kill = cluster.kill_node(1)
                    print(f"killed {cluster.nodes[1].name} (kill -9 of its process group) at half time; its port "
                          f"refused connections {kill[1] - kill[0]:.3f} s later", flush=True)

                threading.Thread(target=killer, daemon=True).start()
            work(run, browsers, caseloads, args.duration)
            print_table(f"{nodes} node(s): working loop, {args.duration:.0f} s", run.results, ACTIONS[1:])
            logs = "\n".join(p.read_text(errors="replace") for p in cluster.state.glob("node*.log"))
            balancer = (cluster.state / "haproxy.log").read_text(errors="replace")
            served = Counter(line.split()[2] for line in balancer.splitlines()
                             if len(line.split()) == 7 and line.split()[2].startswith("node"))
            print("answered per node (HAProxy's log): " + ", ".join(f"{k} {v}" for k, v in sorted(served.items())))
            if args.keep_logs:
                kept = Path(args.keep_logs) / f"{nodes}-nodes"
                kept.mkdir(parents=True, exist_ok=True)
                for log in cluster.state.glob("*.log"):
                    (kept / log.name).write_text(log.read_text(errors="replace"), encoding="utf-8")
        finally:
            cluster.stop()
        problems = verify(env, run, password_file, kill)
        if "Traceback" in logs:
            problems.append("a node logged a traceback")
        acknowledged = sum(n.acknowledged for n in run.notes)
        print(f"acknowledged note saves: {acknowledged}; failed requests: {len(run.failures)}"
              + (" (all in flight at the kill)" if kill and not any("from the kill" in p for p in problems)
                 else ""))
        return run, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES,
                        help="the PostgreSQL server to make scratch databases on")
    parser.add_argument("--clinicians", type=int, default=30)
    parser.add_argument("--caseload", type=int, default=5)
    parser.add_argument("--duration", type=float, default=40, help="seconds of the working loop")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn worker processes per node")
    parser.add_argument("--nodes", default="1,3", help="cluster sizes to run, comma-separated")
    parser.add_argument("--kdf", choices=["standard", "unsafe-test"], default="standard",
                        help="Argon2id parameters (unsafe-test only for a quick correctness run)")
    parser.add_argument("--keep-logs", default="", help="a directory to copy the node and HAProxy logs to")
    args = parser.parse_args(argv)
    summary: list[tuple[int, Run]] = []
    failed = False
    for nodes in (int(n) for n in args.nodes.split(",")):
        run, problems = one_run(nodes, args)
        summary.append((nodes, run))
        for problem in problems:
            print(f"  CHECK FAILED: {problem}")
        failed |= bool(problems)
        if not problems:
            print("  checks: acknowledged writes kept, nothing half-written, audit verify passes, "
                  "failures only in flight at the kill")
    print(f"\n{'nodes':>5} {'requests/s':>11} {'chart p50 ms':>13} {'chart p99 ms':>13} {'save p99 ms':>12}")
    for nodes, run in summary:
        lat = run.results.latencies
        total = sum(len(v) for v in lat.values())
        charts, saves = sorted(lat.get("open chart", [0])), sorted(lat.get("save note (autosave)", [0]))
        print(f"{nodes:>5} {total / max(run.results.seconds, 1e-9):>11.1f} {charts[len(charts) // 2] * 1000:>13.1f} "
              f"{charts[min(len(charts) - 1, int(len(charts) * 0.99))] * 1000:>13.1f} "
              f"{saves[min(len(saves) - 1, int(len(saves) * 0.99))] * 1000:>12.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
