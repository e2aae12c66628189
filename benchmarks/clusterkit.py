"""A Confide cluster on this machine: N `confide serve` nodes on one database, HAProxy, the worker.

Used by `scripts/cluster` (start/stop by hand), `benchmarks/bench_cluster.py` and
`tests/server/test_cluster.py`. Every process binds to 127.0.0.1 only. Each node runs in a
process group of its own, so that `kill_node` reaches its gunicorn master and workers with one
SIGKILL, as when a machine dies. HAProxy checks `/readyz` on every node each second and sends
no traffic to a node that fails two checks; a request refused at connect time (a dead node) is
dispatched to another node (`retries`, `option redispatch`): it never reached the dead one, so
nothing is sent twice. A request already sent to a node that dies fails (502): only those.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

HAPROXY_CONFIG = """\
global
    maxconn 4096
    pidfile {state}/haproxy.pid
    log stdout format raw local0 {log_level}

defaults
    mode http
    log global
    option httplog
    # Client address, server, status, termination state, total ms, method: no path, no query.
    log-format "%Ts %ci %s %ST %tsc %Tt %HM"
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # Longer than the load generator keeps a connection idle (1.5 s), so it never races a close.
    timeout http-keep-alive 10s
    # A connection refused by a dead node is tried again on another: the request never left.
    # Never `empty-response` or `all-retryable-errors`: a request a node received and died on
    # may have committed, and must not be sent again.
    retries 3
    option redispatch 1
    retry-on conn-failure
    # A fresh server connection per request, closed after its answer: a kept-alive one that
    # the node (gunicorn closes idle ones after 2 s) or its death closes just as the next
    # request goes out would lose that request; a new connection is refused and redispatched.
    option http-server-close
    http-reuse never

frontend confide
    bind 127.0.0.1:{port}
    option forwardfor
    # Readiness and metrics are for the balancer and the operator, never for the internet.
    http-request deny deny_status 404 if {{ path /metrics }} || {{ path /readyz }}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A dead node refuses the check's connection at once; a busy one (every thread on a sign-in's
    # Argon2id) answers late and must not be taken out for it: a generous check timeout.
    timeout check 10s
    default-server inter 2s fall 2 rise 2
{servers}
"""


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """The processes of one cluster; `state` holds their logs, the HAProxy config and pids."""

    env: dict[str, str]
    state: Path
    ports: list[int]
    lb_port: int
    workers_per_node: int = 1
    # Log each request (client, server, status, termination state, time, method: never the path).
    log_requests: bool = False
    nodes: list[Node] = field(default_factory=list)
    worker: subprocess.Popen[bytes] | None = None
    haproxy: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def start(self, *, with_worker: bool = True, timeout: float = 120) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise RuntimeError("haproxy is not installed (scripts/services installs Debian's package)")
        # The first node applies the migrations; the others start once it answers.
        self.nodes = [Node(f"node{i + 1}", port) for i, port in enumerate(self.ports)]
        self._start_node(self.nodes[0])
        self._wait_ready(self.nodes[0], timeout)
        for node in self.nodes[1:]:
            self._start_node(node)
        for node in self.nodes[1:]:
            self._wait_ready(node, timeout)
        if with_worker:
            log = (self.state / "worker.log").open("ab")
            self.worker = subprocess.Popen([sys.executable, "-m", "confide", "worker"], env=self.env, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
        servers = "\n".join(f"    server {node.name} 127.0.0.1:{node.port} check" for node in self.nodes)
        config = self.state / "haproxy.cfg"
        level = "info" if self.log_requests else "notice"
        config.write_text(HAPROXY_CONFIG.format(state=self.state, port=self.lb_port, servers=servers, log_level=level),
                          encoding="utf-8")
        done = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the HAProxy configuration is refused:\n{done.stderr}")
        log = (self.state / "haproxy.log").open("ab")
        self.haproxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("HAProxy did not answer")
        self._write_pids()

    def _start_node(self, node: Node) -> None:
        log = (self.state / f"{node.name}.log").open("ab")
        node.process = subprocess.Popen(
            [sys.executable, "-m", "confide", "serve", "--host", "127.0.0.1", "--port", str(node.port),
             "--workers", str(self.workers_per_node)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_ready(self, node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"{node.name} exited early; see {self.state / (node.name + '.log')}")
            try:
                if requests.get(f"{node.url}/readyz", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{node.name} did not become ready")

    def _write_pids(self) -> None:
        pids = {node.name: node.process.pid for node in self.nodes if node.process is not None}
        if self.worker is not None:
            pids["worker"] = self.worker.pid
        if self.haproxy is not None:
            pids["haproxy"] = self.haproxy.pid
        (self.state / "pids.json").write_text(json.dumps(pids), encoding="utf-8")

    def kill_node(self, index: int) -> tuple[float, float]:
        """SIGKILL one node's whole process group (master and workers).

        Returns (when the signal was sent, when the node's port first refused a connection):
        until then the kernel still queued connections for the dying node, and requests sent
        in between were delivered to it.
        """
        node = self.nodes[index]
        assert node.process is not None  # noqa: S101 (a started cluster)
        killed_at = time.monotonic()
        os.killpg(node.process.pid, signal.SIGKILL)
        node.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", node.port), timeout=1).close()
            except OSError:
                break
            time.sleep(0.005)
        return killed_at, time.monotonic()

    def haproxy_sees(self, name: str) -> str:
        """What the balancer's log last said about a server (UP/DOWN), from its own log."""
        text = (self.state / "haproxy.log").read_text(encoding="utf-8", errors="replace")
        lines = [line for line in text.splitlines() if f"nodes/{name} is" in line]
        return lines[-1] if lines else ""

    def stop(self) -> None:
        """Stop every process this cluster started: TERM first, then KILL what is left."""
        processes = [p for p in (self.haproxy, self.worker, *(n.process for n in self.nodes)) if p is not None]
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        pids = self.state / "pids.json"
        if pids.exists():
            pids.unlink()


def stop_from_state(state: Path) -> int:
    """Stop a cluster that `scripts/cluster start` left running, by the pids it wrote (its own only)."""
    pids_file = state / "pids.json"
    if not pids_file.exists():
        print(f"No cluster is running from {state}.")
        return 1
    pids: dict[str, int] = json.loads(pids_file.read_text(encoding="utf-8"))
    for name, pid in pids.items():
        try:
            os.killpg(pid, signal.SIGTERM)
            print(f"stopping {name} (process group {pid})")
        except ProcessLookupError:
            print(f"{name} (process group {pid}) was not running")
    deadline = time.monotonic() + 20
    for pid in pids.values():
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    pids_file.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="scripts/cluster", description="Start or stop a Confide cluster here: "
                                     "N nodes on one PostgreSQL behind HAProxy, and the worker.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the nodes, the worker and HAProxy, then return")
    start.add_argument("--data-dir", default=os.environ.get("CONFIDE_DATA_DIR", ""),
                       help="an initialised data directory (confide init); the nodes share its key files")
    start.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""),
                       help="PostgreSQL of the practice (required: SQLite is one machine's)")
    start.add_argument("--nodes", type=int, default=3)
    start.add_argument("--base-port", type=int, default=8101, help="the first node's port; the others follow")
    start.add_argument("--port", type=int, default=8100, help="HAProxy's port (127.0.0.1)")
    start.add_argument("--workers", type=int, default=1, help="gunicorn worker processes per node")
    stop = sub.add_parser("stop", help="stop what `start` started (by the pids it wrote)")
    stop.add_argument("--data-dir", default=os.environ.get("CONFIDE_DATA_DIR", ""))
    args = parser.parse_args(argv)
    if not args.data_dir:
        parser.error("pass --data-dir or set CONFIDE_DATA_DIR")
    data_dir = Path(args.data_dir).expanduser().resolve()
    state = data_dir / "cluster"
    if args.command == "stop":
        return stop_from_state(state)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("a cluster needs PostgreSQL: pass --database-url or set DATABASE_URL")
    if (state / "pids.json").exists():
        parser.error(f"a cluster already runs from {state}; `scripts/cluster stop` first")
    env = {**os.environ, "CONFIDE_DATA_DIR": str(data_dir), "DATABASE_URL": args.database_url,
           "CONFIDE_TRUSTED_PROXY_COUNT": "1"}
    ports = [args.base_port + i for i in range(args.nodes)]
    cluster = Cluster(env=env, state=state, ports=ports, lb_port=args.port, workers_per_node=args.workers)
    try:
        cluster.start()
    except Exception:
        cluster.stop()
        raise
    for node in cluster.nodes:
        print(f"{node.name}: {node.url} (log {state / (node.name + '.log')})")
    print(f"worker: log {state / 'worker.log'}")
    print(f"HAProxy: {cluster.url} (log {state / 'haproxy.log'})")
    print("Stop with: scripts/cluster stop --data-dir " + str(data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
