"""Load benchmark: concurrent clinicians against a real `confide serve`, and a plaintext control.

    PYTHONPATH=src:. .venv/bin/python benchmarks/bench_load.py --db both --clinicians 50 --duration 60

For each database (SQLite in a fresh data directory; PostgreSQL in a scratch database on the
server named by DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres), it:

1. runs `confide init` and seeds the practice through the record services: N clinicians, each
   with a caseload of clients with signed progress notes, a treatment plan, an open episode of
   care, two past sessions and one upcoming, and a small document (every --documents-every-th
   client) (MFA is made optional for the bench practice, so that sign-in is password only);
2. starts `confide serve` with --workers worker processes and, separately, the plaintext control
   (benchmarks/control/: a bare Django view under gunicorn reading the same chart shape from an
   unencrypted copy of the same rows, with no sign-in, keys or audit);
3. drives N simulated clinicians over real HTTP, one thread and one kept-alive connection each,
   each from its own loopback address: sign in (all at once), then a working loop for --duration
   seconds (open the caseload, open a chart, write a progress note with three autosaves, sign
   it), then --chart-duration seconds of chart opens only, against Confide and then against the
   control at the same concurrency;
4. prints throughput and p50/p95/p99 latency per action, the errors, and Confide's chart-open
   throughput as a share of the control's.

There is no think time unless --think is given: every clinician sends the next request as soon as
the last one is answered, so this is the machine at saturation. The load generator runs on the
same machine and takes some of its CPU. Then the client portal: the first client of each of
--portal-clients clinicians has a portal account (seeded through the portal services); they all
sign in at once, sign the consent the portal asks for, and read their home, access-history and
check-in pages for --portal-duration seconds. Exit status 1 if any request failed. Every name
and note is fictional.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from benchmarks.loadkit import (
    PASSWORD,
    Browser,
    TransportError,
    UnexpectedResponseError,
    autosave,
    expect,
    loopback_address,
    portal_sign_in,
    sign,
    sign_consent,
    sign_in,
    start_note,
)
from tests.processes import Server, base_env, free_port, init_practice

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
THREADS = 4  # per worker process, for both servers: `confide serve`'s default
ACTIONS = ["sign in", "open caseload", "open chart", "save note (autosave)", "sign note"]
PORTAL_PAGES = {"open portal home": "/portal/", "open access history": "/portal/access/",
                "open check-in": "/portal/check-in/"}
PORTAL_ACTIONS = ["client sign in", "sign consent", *PORTAL_PAGES]


@dataclass
class Results:
    """Latencies of the answered requests and the failures, per action, for one phase."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_kinds: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, action: str, call: Callable[..., Any], *args: Any) -> Any:
        """Call and time one action; its result, or None (counted as an error) when it failed."""
        start = time.perf_counter()
        try:
            result = call(*args)
        except (UnexpectedResponseError, TransportError, KeyError) as exc:
            with self.lock:
                self.errors[action] += 1
                self.error_kinds[f"{action}: {exc}"] += 1
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies[action].append(elapsed)
        return True if result is None else result


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def print_table(title: str, results: Results, actions: list[str]) -> None:
    print(f"\n{title} ({results.seconds:.1f} s)")
    print(f"{'action':<24} {'done':>7} {'errors':>6} {'per s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8}")
    for action in actions:
        times = results.latencies.get(action, [])
        if not times and not results.errors[action]:
            continue
        if times:
            print(f"{action:<24} {len(times):>7} {results.errors[action]:>6} {len(times) / results.seconds:>8.1f} "
                  f"{statistics.median(times) * 1000:>8.1f} {percentile(times, 0.95) * 1000:>8.1f} "
                  f"{percentile(times, 0.99) * 1000:>8.1f} {max(times) * 1000:>8.1f}")
        else:
            print(f"{action:<24} {0:>7} {results.errors[action]:>6}")
    for kind, count in results.error_kinds.most_common(5):
        print(f"  error: {kind} (x{count})")


def run_threads(count: int, work: Callable[[int], None]) -> float:
    """Run work(0..count-1) in as many threads, started together; the seconds until all finish."""
    barrier = threading.Barrier(count + 1)

    def body(index: int) -> None:
        barrier.wait()
        work(index)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


# ----------------------------------------------------------------------------- phases


def page(browser: Browser, action: str, path: str) -> None:
    expect(action, browser.get(path), 200)


def phase_sign_in(browsers: list[Browser], emails: list[str]) -> Results:
    results = Results()
    results.seconds = run_threads(len(browsers), lambda i: results.timed(
        "sign in", sign_in, browsers[i], emails[i], PASSWORD))
    return results


def phase_workday(browsers: list[Browser], caseloads: list[list[str]], duration: float, think: float) -> Results:
    results = Results()
    deadline = time.monotonic() + duration

    def pause(rng: random.Random) -> None:
        if think:
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    def clinician(index: int) -> None:
        browser, rng, written = browsers[index], random.Random(index), 0
        while time.monotonic() < deadline:
            results.timed("open caseload", page, browser, "open caseload", "/clients/")
            pause(rng)
            client = rng.choice(caseloads[index])
            if not results.timed("open chart", page, browser, "open chart", f"/clients/{client}/"):
                continue
            pause(rng)
            written += 1
            text = f"Session note {written} of clinician {index}.\n\nSubjective: slept better this week."
            draft = results.timed("save note (autosave)", start_note, browser, client, text, today())
            if not draft:
                continue
            for more in range(2):
                pause(rng)
                text += f"\n\nPlan: continue; step {more}."
                if not results.timed("save note (autosave)", autosave, browser, draft, text, today()):
                    break
            else:
                pause(rng)
                results.timed("sign note", sign, browser, draft, text, today())

    results.seconds = run_threads(len(browsers), clinician)
    return results


def phase_charts(browsers: list[Browser], caseloads: list[list[str]], duration: float) -> Results:
    results = Results()
    deadline = time.monotonic() + duration

    def clinician(index: int) -> None:
        browser, rng = browsers[index], random.Random(1000 + index)
        while time.monotonic() < deadline:
            results.timed("open chart", page, browser, "open chart", f"/clients/{rng.choice(caseloads[index])}/")

    results.seconds = run_threads(len(browsers), clinician)
    return results


def phase_portal(browsers: list[Browser], clients: list[dict[str, str]], duration: float) -> Results:
    """Clients sign in to the portal all at once, sign the consent it asks for, then read their pages."""
    results = Results()

    def client(index: int) -> None:
        browser, person = browsers[index], clients[index]
        if not results.timed("client sign in", portal_sign_in, browser, person["email"], PASSWORD):
            return
        if not results.timed("sign consent", sign_consent, browser, person["name"]):
            return
        # Each client reads for `duration` seconds once signed in: sign-in at once (an Argon2id
        # each, ADR 0022) can take longer than the whole reading phase on a small machine.
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            for action, path in PORTAL_PAGES.items():
                results.timed(action, page, browser, action, path)

    results.seconds = run_threads(len(browsers), client)
    return results


# ----------------------------------------------------------------------------- set-up


@contextmanager
def scratch_postgres(server_url: str, count: int) -> Iterator[list[str]]:
    """`count` fresh PostgreSQL databases on the server of `server_url`, dropped afterwards."""
    import psycopg

    parts = urlsplit(server_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    names = [f"confide_load_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [urlunsplit(parts._replace(path=f"/{name}")) for name in names]
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Control:
    """The plaintext control served by gunicorn with the same workers and threads as Confide."""

    def __init__(self, database: str, port: int, workers: int, threads: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFIDE_", "DJANGO_")) and k != "DATABASE_URL"}
        env.update(CONTROL_DATABASE=database, DJANGO_SETTINGS_MODULE="benchmarks.control.settings",
                   PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
        self._log = log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "benchmarks.control.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
             "--no-control-socket"], env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the control exited early:\n{log.read_text()}")
            try:
                if Browser(self.url).get("/healthz").status == 200:
                    return
            except TransportError:
                time.sleep(0.2)
        raise RuntimeError("the control did not come up")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()


def seed(env: dict[str, str], args: argparse.Namespace, control: str, workdir: Path) -> dict[str, Any]:
    password_file = workdir / "bench-password"
    password_file.write_text(PASSWORD, encoding="utf-8")
    env = {**env, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadkit", "seed", "--clinicians", str(args.clinicians), "--caseload",
         str(args.caseload), "--notes", str(args.notes), "--password-file", str(password_file), "--control", control,
         "--portal-clients", str(args.portal_clients), "--documents-every", str(args.documents_every)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"nproc {os.cpu_count()}, load average {load}"


def run(database: str, args: argparse.Namespace) -> tuple[float, float, int]:
    """One full run on one database; returns (Confide chart opens/s, control chart opens/s, errors)."""
    with tempfile.TemporaryDirectory(prefix="confide-load-") as tmp:
        workdir = Path(tmp)
        data_dir = workdir / "data"
        with (scratch_postgres(args.database_url, 2) if database == "postgres" else _sqlite(workdir)) as urls:
            confide_url, control_db = urls[0], str(urls[1])
            env = base_env(data_dir, confide_url, CONFIDE_EMAIL_BACKEND="locmem")
            print(f"\n=== {database}: {args.clinicians} clinicians x {args.caseload} clients x {args.notes} notes; "
                  f"{args.workers} workers x {THREADS} threads; {machine()}", flush=True)
            started = time.perf_counter()
            init_practice(data_dir, env)
            seeded = seed(env, args, control_db, workdir)
            print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
            emails = [c["email"] for c in seeded["clinicians"]]
            caseloads = [c["clients"] for c in seeded["clinicians"]]
            server = Server(env, free_port(), workers=args.workers)
            errors = 0
            try:
                browsers = [Browser(server.url, loopback_address(i), timeout=300) for i in range(args.clinicians)]
                signed_in = phase_sign_in(browsers, emails)
                print_table("Sign-in, all clinicians at once", signed_in, ["sign in"])
                errors += sum(signed_in.errors.values())
                workday = phase_workday(browsers, caseloads, args.duration, args.think)
                print_table(f"Confide on {database}: {args.clinicians} clinicians working"
                            f"{f', think time {args.think} s' if args.think else ', no think time'}",
                            workday, ACTIONS[1:])
                errors += sum(workday.errors.values())
                missing = [a for a in ACTIONS[1:] if not workday.latencies.get(a)]
                if missing:
                    print(f"  not completed even once: {', '.join(missing)}")
                    errors += 1
                charts = phase_charts(browsers, caseloads, args.chart_duration)
                print_table(f"Confide on {database}: chart opens only, {args.clinicians} at once", charts,
                            ["open chart"])
                errors += sum(charts.errors.values())
                alone = phase_charts(browsers[:1], caseloads[:1], min(5.0, args.chart_duration))
                print_table(f"Confide on {database}: chart opens, one clinician alone", alone, ["open chart"])
                errors += sum(alone.errors.values())
                errors += _portal_part(server.url, args, seeded["portal_clients"], database)
            finally:
                log = server.stop()
            if " 500 " in log or "Traceback" in log:
                print("  the server logged errors:\n" + "\n".join(log.splitlines()[-20:]))
                errors += 1
            control = Control(control_db, free_port(), args.workers, THREADS, workdir / "control.log")
            try:
                plain = [Browser(control.url, loopback_address(i)) for i in range(args.clinicians)]
                # Confide's workers are warm from the working loop; warm the control's up the same way.
                phase_charts(plain, caseloads, min(5.0, args.chart_duration))
                control_charts = phase_charts(plain, caseloads, args.chart_duration)
                control_alone = phase_charts(plain[:1], caseloads[:1], min(5.0, args.chart_duration))
            finally:
                control.stop()
            print_table(f"Plaintext control on {database}: chart opens only, {args.clinicians} at once",
                        control_charts, ["open chart"])
            print_table(f"Plaintext control on {database}: chart opens, one client alone", control_alone,
                        ["open chart"])
            errors += sum(control_charts.errors.values()) + sum(control_alone.errors.values())
            ours = len(charts.latencies["open chart"]) / charts.seconds
            theirs = len(control_charts.latencies["open chart"]) / control_charts.seconds
            ratio = ours / theirs if theirs else 0.0
            print(f"\nchart-open throughput on {database}: Confide {ours:.1f}/s, control {theirs:.1f}/s, "
                  f"ratio {ratio:.2f} (goal >= 0.5)")
            print(f"machine after the run: {machine()}")
            return ours, theirs, errors


@contextmanager
def _sqlite(workdir: Path) -> Iterator[list[str | None]]:
    yield [None, str(workdir / "control.sqlite3")]


def _portal_part(url: str, args: argparse.Namespace, clients: list[dict[str, str]], database: str) -> int:
    """The client portal: `--portal-clients` clients at once; returns the number of errors."""
    if not clients:
        print("\nclient portal: no portal clients (--portal-clients 0), so the client part is skipped")
        return 0
    # Addresses after the clinicians', so that each person keeps their own sign-in rate limit.
    browsers = [Browser(url, loopback_address(args.clinicians + i), timeout=300) for i in range(len(clients))]
    results = phase_portal(browsers, clients, args.portal_duration)
    print_table(f"Confide on {database}: client portal, {len(clients)} clients at once "
                f"(sign in, sign the consent, then home, access history and check-in pages)", results, PORTAL_ACTIONS)
    missing = [action for action in PORTAL_ACTIONS if not results.latencies.get(action)]
    if missing:
        print(f"  client portal: not completed even once: {', '.join(missing)}")
    return sum(results.errors.values()) + (1 if missing else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES,
                        help="a PostgreSQL server to make scratch databases on (default: $DATABASE_URL or "
                             f"{DEFAULT_POSTGRES})")
    parser.add_argument("--clinicians", type=int, default=50)
    parser.add_argument("--caseload", type=int, default=20, help="clients per clinician")
    parser.add_argument("--notes", type=int, default=10, help="signed progress notes per client")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the working loop")
    parser.add_argument("--chart-duration", type=float, default=20, help="seconds of chart opens, each server")
    parser.add_argument("--think", type=float, default=0.0, help="mean think time between actions, seconds")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of both servers")
    parser.add_argument("--portal-clients", type=int, default=None,
                        help="clients who use the portal, one per clinician (default: as many as --clinicians)")
    parser.add_argument("--portal-duration", type=float, default=20, help="seconds of the client portal part")
    parser.add_argument("--documents-every", type=int, default=1,
                        help="seed a document for every N-th client (default 1: every client; 0: none)")
    args = parser.parse_args()
    if args.portal_clients is None:
        args.portal_clients = args.clinicians
    args.portal_clients = max(0, min(args.portal_clients, args.clinicians))
    errors = 0
    for database in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        errors += run(database, args)[2]
    print(f"\nerrors: {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
