"""A small cluster, for correctness (not timing): 3 nodes behind HAProxy, one killed with kill -9.

benchmarks/bench_cluster.py at test size: four clinicians sign in through HAProxy, write notes
(four saves each, then sign), node 2 dies mid-run (SIGKILL to its process group). The checks are
the benchmark's own: every acknowledged write kept with its content, nothing half-written (every
note opens at its version; one audit event per committed write), `confide audit verify` passes,
and every failed request was in flight on the dead node. Then, on the surviving nodes: a person
signed in through one node uses their unlocked key through another, `/readyz` and `/metrics`
are not reachable through the balancer, and the audit sequencer still places new events.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time

import pytest

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(shutil.which("haproxy") is None, reason="needs Debian's haproxy (scripts/services)"),
              pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="a cluster needs PostgreSQL")]


def test_three_nodes_lose_nothing_when_one_is_killed() -> None:
    from benchmarks.bench_cluster import one_run

    args = argparse.Namespace(database_url=os.environ["DATABASE_URL"], clinicians=4, caseload=1, duration=12.0,
                              workers=1, kdf="unsafe-test", keep_logs="")
    run, problems = one_run(3, args)
    assert problems == []
    assert len(run.notes) >= 4, "every clinician had notes acknowledged"
    assert sum(len(v) for v in run.results.latencies.values()) > 40


def test_keys_sessions_and_the_sequencer_across_nodes(tmp_path: object) -> None:
    from pathlib import Path

    import requests
    from benchmarks.bench_cluster import kit
    from benchmarks.clusterkit import Cluster
    from benchmarks.loadkit import PASSWORD, Browser, expect, sign_in, start_note

    from tests.processes import base_env, confide, free_port, init_practice, scratch_database

    root = Path(str(tmp_path))
    with scratch_database() as database_url:
        env = base_env(root / "data", database_url, CONFIDE_KDF_PROFILE="unsafe-test", CONFIDE_EMAIL_BACKEND="locmem",
                       CONFIDE_TRUSTED_PROXY_COUNT="1", CONFIDE_METRICS_TOKEN="t" * 32)
        init_practice(root / "data", env)
        (root / "pw").write_text(PASSWORD, encoding="utf-8")
        seeded = kit(env, "seed", "--clinicians", "1", "--caseload", "1", "--notes", "0", "--password-file",
                     str(root / "pw"), "--documents-every", "0")
        clinician = seeded["clinicians"][0]
        cluster = Cluster(env=env, state=root / "cluster", ports=[free_port() for _ in range(3)], lb_port=free_port())
        try:
            cluster.start()
            # Signed in (key unlocked) through node 1; the same cookies work on nodes 2 and 3.
            browser = Browser(cluster.nodes[0].url, "127.0.7.1")
            sign_in(browser, clinician["email"], PASSWORD)
            client = clinician["clients"][0]
            for node in cluster.nodes[1:]:
                browser.base_url = node.url
                browser.close()
                expect("open chart", browser.get(f"/clients/{client}/"), 200)
            draft = start_note(browser, client, "Written on node 3.", "2026-11-20")
            browser.base_url = cluster.nodes[0].url
            browser.close()
            assert "Written on node 3." in expect("open note", browser.get(draft.note_url), 200).text
            # The balancer keeps readiness and metrics to itself and the operator.
            assert requests.get(f"{cluster.url}/readyz", timeout=10).status_code == 404
            assert requests.get(f"{cluster.url}/metrics", headers={"Authorization": "Bearer " + "t" * 32},
                                timeout=10).status_code == 404
            assert requests.get(f"{cluster.nodes[0].url}/metrics", headers={"Authorization": "Bearer " + "t" * 32},
                                timeout=10).status_code == 200
            # Kill node 1 (it may hold the sequencer's lock); the others place new events.
            cluster.kill_node(0)
            browser.base_url = cluster.url
            browser.close()
            expect("open chart", browser.get(f"/clients/{client}/"), 200)
            assert requests.get(f"{cluster.nodes[1].url}/readyz", timeout=10).status_code == 200
            # The chart open's audit event is placed by a surviving node's sequencer, unasked.
            deadline = time.monotonic() + 20
            pending = None
            while time.monotonic() < deadline:
                scraped = requests.get(f"{cluster.nodes[1].url}/metrics", timeout=10,
                                       headers={"Authorization": "Bearer " + "t" * 32}).text
                pending = next(float(line.split()[1]) for line in scraped.splitlines()
                               if line.startswith("confide_audit_pending_events "))
                if pending == 0:
                    break
                time.sleep(0.5)
            assert pending == 0
        finally:
            cluster.stop()
        assert confide("audit", "verify", env=env, timeout=300).returncode == 0
