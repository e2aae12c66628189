"""Prometheus metrics: what they are, and the rule that no label ever carries data (ADR 0022).

Labels take values from closed sets only: the *name* of the matched route (`client-chart`, never
`/clients/<uuid>/`), the HTTP method from a fixed list, the status class (`2xx`), the sign-in step
and outcome. A path that matches no route is `unmatched`. No id, no path, no address and no
client data is ever a label value; `tests/ops/test_metrics.py` checks the whole exposition.

Request metrics live in the process that served the request. Under `confide serve` (several
gunicorn processes) they go through prometheus-client's multiprocess mode
(`PROMETHEUS_MULTIPROC_DIR`, set by `serve`), so one scrape sums every process. The audit and
queue figures are read from the database at scrape time, so every node reports the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from confide.notifications.outbox import pending_count as outbox_pending
from confide.ops.health import audit_lag, readiness

__all__ = ["CONTENT_TYPE", "MetricsMiddleware", "exposition", "route_label"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# The routes whose refusals count as sign-in failures, by route name, and the step each is.
SIGN_IN_STEPS = {"account_login": "password", "mfa_authenticate": "second_factor", "vault-unlock": "unlock"}

# The process's own registry: request metrics. Multiprocess mode writes them to files instead.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "confide_http_request_duration_seconds", "Time to answer a request, by route name.",
    ["route", "method", "status"], registry=REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
SIGN_IN_FAILURES = Counter(
    "confide_signin_failures", "Refused sign-in steps (wrong password or code, or locked out).",
    ["step", "outcome"], registry=REGISTRY,
)


def route_label(request: HttpRequest) -> str:
    """The matched route's name (namespaced as Django names it), or `unmatched`."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None) if match is not None else None
    if not name or not isinstance(name, str):
        return UNMATCHED
    # A route without a name has its view's dotted path as view_name: still no data, but keep
    # the label set closed to what urls.py declares.
    return name if getattr(match, "url_name", None) else "unnamed"


def _method_label(request: HttpRequest) -> str:
    method = (request.method or "").upper()
    return method if method in METHODS else "OTHER"


class MetricsMiddleware:
    """Times every request and counts refused sign-in steps, by route name only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_label(request)
        status = f"{response.status_code // 100}xx"
        REQUEST_SECONDS.labels(route, _method_label(request), status).observe(time.perf_counter() - started)
        step = SIGN_IN_STEPS.get(route)
        if step is not None and request.method == "POST" and response.status_code in (400, 429):
            SIGN_IN_FAILURES.labels(step, "locked" if response.status_code == 429 else "refused").inc()
        return response


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time: the same on every node."""

    def collect(self) -> Iterator[Metric]:
        lag = audit_lag()
        yield GaugeMetricFamily("confide_audit_pending_events",
                                "Committed audit events not yet placed in the ordered log.", value=lag.pending)
        yield GaugeMetricFamily("confide_audit_lag_seconds",
                                "How long the oldest pending audit event has waited.", value=lag.oldest_seconds)
        queue = GaugeMetricFamily("confide_task_queue_depth", "Background tasks by state.", labels=["state"])
        for state, count in _task_counts().items():
            queue.add_metric([state], count)
        yield queue
        yield GaugeMetricFamily("confide_outbox_pending_messages", "Messages waiting to be sent.",
                                value=outbox_pending())
        ready = GaugeMetricFamily("confide_ready", "Whether each readiness check passes (1) or fails (0).",
                                  labels=["check"])
        for check in readiness():
            ready.add_metric([check.name], 1.0 if check.ok else 0.0)
        yield ready


def _task_counts() -> dict[str, int]:
    return {"ready": DBTaskResult.objects.ready().count(), "running": DBTaskResult.objects.running().count()}


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The text exposition: this node's request metrics (every process) and the database gauges."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _Forward(Collector):
    def __init__(self, source: CollectorRegistry) -> None:
        self._source = source

    def collect(self) -> Iterator[Metric]:
        yield from self._source.collect()
