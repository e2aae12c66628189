"""`/metrics` on a real `confide serve` with several worker processes (prometheus-client's
multiprocess mode): one scrape counts the requests every process answered."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.processes import Server, base_env, free_port, init_practice, scratch_database

TOKEN = "serve-metrics-token-" + "y" * 24


@pytest.mark.server
def test_one_scrape_sums_every_worker_process(tmp_path: Path) -> None:
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url, CONFIDE_KDF_PROFILE="unsafe-test", CONFIDE_METRICS_TOKEN=TOKEN)
        init_practice(data_dir, env)
        server = Server(env, free_port(), workers=2)
        try:
            session = requests.Session()
            for _ in range(40):
                assert session.get(f"{server.url}/healthz", timeout=10).status_code == 200
            assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200
            assert requests.get(f"{server.url}/metrics", timeout=10).status_code == 404
            scraped = requests.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
            assert scraped.status_code == 200
            counts = [float(line.rsplit(" ", 1)[1]) for line in scraped.text.splitlines()
                      if line.startswith("confide_http_request_duration_seconds_count{")
                      and 'route="healthz"' in line]
            # The start-up probes of tests/processes.py count too, so at least the 40 sent here.
            assert sum(counts) >= 40, scraped.text[:2000]
            assert "confide_audit_pending_events" in scraped.text
            metric_files = list((data_dir / "metrics" / str(server.port)).glob("*.db"))
            assert metric_files, "the worker processes write their metrics under the data directory"
        finally:
            output = server.stop()
        assert "Traceback" not in output, output[-3000:]
