"""`/healthz`, `/readyz` and `/metrics` (ADR 0022; docs/operators.md, "Health and metrics").

`/metrics` is closed by default: it answers 404 until the operator sets `CONFIDE_METRICS_TOKEN`,
and then only to `Authorization: Bearer <that token>`. Loopback-only would not do: behind a load
balancer or TLS proxy on the same machine every request from the internet arrives from loopback.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from confide.ops import health, metrics


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database work, no data."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 503 when this node cannot serve; cluster-wide trouble is `degraded` (200)."""
    checks = health.readiness()
    node_down = any(not check.ok and check.node for check in checks)
    degraded = any(not check.ok for check in checks)
    lines = ["not ready" if node_down else "degraded" if degraded else "ready"]
    lines += [f"{check.name}: {'ok' if check.ok else 'failing'}{' (' + check.reason + ')' if check.reason else ''}"
              for check in checks]
    return HttpResponse("\n".join(lines) + "\n", status=503 if node_down else 200,
                        content_type="text/plain; charset=utf-8")


def _authorized(request: HttpRequest) -> bool:
    token = str(getattr(settings, "CONFIDE_METRICS_TOKEN", "") or "")
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {token}"
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition, for the operator's token only (404 to anyone else: nothing to find)."""
    if not _authorized(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)
