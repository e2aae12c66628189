"""`/metrics` (ADR 0022): closed by default, the operator's token opens it, and no label carries data.

The canary test drives the record with a canary in every client field and in paths that match no
route, then reads the whole exposition: no canary, no raw path, no UUID, no e-mail address, and
every label value from the closed sets the metrics module declares.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from confide.ops import metrics
from tests.conftest import Person
from tests.security.world import CANARY, PHONE_CANARY, canary

TOKEN = "operator-metrics-token-" + "x" * 20
UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}", re.I)
SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$")
LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>(?:[^"\\]|\\.)*)"')


@pytest.fixture
def metrics_token(settings: object) -> str:
    settings.CONFIDE_METRICS_TOKEN = TOKEN  # type: ignore[attr-defined]
    return TOKEN


def scrape(client: Client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def labels_of(text: str) -> list[tuple[str, dict[str, str]]]:
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not an exposition line: {line!r}"
        labels = {m["key"]: m["value"] for m in LABEL.finditer(match["labels"] or "")}
        samples.append((match["name"], labels))
    return samples


def _route_names() -> set[str]:
    """Every route name the URL configuration declares, namespaced as Django names them."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: set[str] = set()

    def walk(patterns: list[object], prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(prefix + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_route_name_is_a_closed_label_value(db: None) -> None:
    names = _route_names()
    assert {"client-chart", "healthz", "metrics", "api-v1:create_client"} <= names
    assert not any("/" in name or name == metrics.UNMATCHED for name in names)


def test_metrics_are_closed_without_a_configured_token(client: Client, db: None, alice: Person,
                                                       relaxed: object) -> None:
    from tests.accounts.test_signin import sign_in

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert sign_in(client, alice.email, alice.password).status_code == 302
    assert client.get("/metrics").status_code == 404, "not even the practice owner's session opens it"


def test_only_the_operator_token_opens_the_metrics(client: Client, db: None, metrics_token: str,
                                                    alice: Person, relaxed: object) -> None:
    from tests.accounts.test_signin import sign_in

    assert client.get("/metrics").status_code == 404
    for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, f"Basic {TOKEN}", f"bearer {TOKEN}"):
        assert client.get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 404, wrong
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404
    assert sign_in(client, alice.email, alice.password).status_code == 302
    assert client.get("/metrics").status_code == 404
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    assert "confide_http_request_duration_seconds" in scrape(client)


def test_the_exposition_names_routes_and_the_audit_and_queue_figures(client: Client, db: None,
                                                                     metrics_token: str) -> None:
    client.get("/healthz")
    client.get("/nowhere/at/all")
    text = scrape(client)
    samples = labels_of(text)
    routes = {labels.get("route") for name, labels in samples if name.startswith("confide_http_request")}
    assert {"healthz", "unmatched"} <= routes
    names = {name for name, _ in samples}
    for expected in ("confide_audit_pending_events", "confide_audit_lag_seconds", "confide_task_queue_depth",
                     "confide_outbox_pending_messages", "confide_ready"):
        assert expected in names, expected


def test_refused_sign_ins_are_counted_by_step_and_outcome(client: Client, db: None, metrics_token: str,
                                                          alice: Person) -> None:
    from tests.accounts.test_signin import sign_in

    def failures() -> float:
        for line in scrape(client).splitlines():
            if line.startswith('confide_signin_failures_total{outcome="refused",step="password"}'):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    before = failures()
    assert sign_in(client, alice.email, "not the password at all, sorry").status_code == 400
    assert sign_in(client, "nobody-here@example.test", "not the password at all, sorry").status_code == 400
    assert failures() == before + 2


def test_no_client_data_no_path_and_no_id_in_any_label(client: Client, db: None, metrics_token: str,
                                                       bob: Person, relaxed: object) -> None:
    from tests.accounts.test_signin import sign_in
    from tests.security.test_side_doors import DEMOGRAPHICS

    assert sign_in(client, bob.email, bob.password).status_code == 302
    form = client.get("/clients/new").content.decode()
    primary = re.search(r'<select name="primary_clinician".*?<option value="(\d+)"', form, re.S)
    fields = {**DEMOGRAPHICS, "primary_clinician": primary.group(1) if primary else ""}
    registered = client.post("/clients/new", data=fields)
    assert registered.status_code == 302
    chart = registered["Location"]
    client_id = chart.split("/")[2]
    assert client.post(f"{chart}notes/new", data={
        "kind": "progress", "template": "free", "session_date": "2026-11-20", "body": canary("Note"),
        "unscheduled_reason": "phone", "action": "sign"}).status_code == 302
    assert canary("Note").encode() in client.get(chart).content
    client.post("/clients/", data={"q": canary("Given")})
    # Paths that match no route, holding a canary and ids.
    for path in (f"/clients/{canary('Path')}/", f"/nowhere/{canary('Path')}/{client_id}",
                 f"{chart}notes/{canary('Path')}/", f"/{PHONE_CANARY}"):
        assert client.get(path).status_code == 404
    client.get(f"/clients/{client_id}/notes/new?q={canary('Query')}")
    client.generic("PROPFIND", f"/{canary('Method')}")

    text = scrape(client)
    for secret in (CANARY, CANARY.lower(), PHONE_CANARY, client_id, bob.email, "example.test"):
        assert secret not in text, f"{secret!r} in /metrics"
    assert not UUID.search(text), "an id in /metrics"
    assert "/clients" not in text and "/nowhere" not in text, "a raw path in /metrics"

    route_names = _route_names()
    allowed = {
        "route": route_names | {metrics.UNMATCHED, "unnamed"},
        "method": metrics.METHODS | {"OTHER"},
        "status": {"1xx", "2xx", "3xx", "4xx", "5xx"},
        "step": set(metrics.SIGN_IN_STEPS.values()),
        "outcome": {"refused", "locked"},
        "state": {"ready", "running"},
        "check": {"database", "keys", "audit_sequencer", "worker"},
        "le": None,
    }
    seen_routes = set()
    for name, labels in labels_of(text):
        for key, value in labels.items():
            assert key in allowed, f"an unexpected label {key} on {name}"
            if allowed[key] is not None:
                assert value in allowed[key], f"{name} has {key}={value!r}, outside its closed set"
            if key == "route":
                seen_routes.add(value)
    assert {"client-chart", "note-new", "clients", "client-new", "unmatched"} <= seen_routes
    assert 'method="OTHER"' in text
