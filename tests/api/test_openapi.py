"""The OpenAPI document: served without a token, listing every endpoint with bearer authentication."""

from __future__ import annotations

from tests.api.conftest import Api

ENDPOINTS = {
    ("post", "/api/v1/clients"),
    ("get", "/api/v1/clients"),
    ("post", "/api/v1/clients/search"),
    ("get", "/api/v1/clients/{client_id}"),
    ("post", "/api/v1/clients/{client_id}/notes"),
    ("get", "/api/v1/clients/{client_id}/notes"),
    ("get", "/api/v1/clients/{client_id}/notes/{note_id}"),
    ("get", "/api/v1/clients/{client_id}/access-log"),
    ("get", "/api/v1/clients/{client_id}/care-team"),
    ("get", "/api/v1/clients/{client_id}/export"),
    ("post", "/api/v1/clients/{client_id}/care-team"),
    ("delete", "/api/v1/clients/{client_id}/care-team"),
    ("get", "/api/v1/clients/{client_id}/messages"),
    ("post", "/api/v1/clients/{client_id}/messages"),
    ("post", "/api/v1/clients/{client_id}/messages/{message_id}/file"),
    ("delete", "/api/v1/clients/{client_id}/care-team/{user_id}"),
    ("get", "/api/v1/audit-log/checkpoint"),
    ("get", "/api/v1/audit-log/entries"),
    ("get", "/api/v1/audit-log/consistency"),
    ("get", "/api/v1/health"),
}


def test_the_openapi_document_lists_every_endpoint(anonymous: Api) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    schema = response.json()
    assert schema["info"]["title"] == "Confide API"
    listed = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert listed == ENDPOINTS


def test_every_endpoint_but_health_requires_a_bearer_token(anonymous: Api) -> None:
    schema = anonymous.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            secured = operation.get("security") == [{"TokenAuth": []}]
            assert secured == (path != "/api/v1/health"), (method, path)


def test_ids_are_documented_as_uuids_and_dates_as_dates(anonymous: Api) -> None:
    schema = anonymous.get("/openapi.json").json()
    parameters = schema["paths"]["/api/v1/clients/{client_id}"]["get"]["parameters"]
    assert parameters[0]["schema"]["format"] == "uuid"
    note_in = schema["components"]["schemas"]["NoteIn"]["properties"]
    assert note_in["session_date"]["format"] == "date"
    assert note_in["kind"]["enum"] == ["progress", "psychotherapy"]
