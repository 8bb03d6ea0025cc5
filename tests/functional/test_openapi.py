"""GET /openapi.json describes exactly the routes Chalice serves, as valid OpenAPI 3.1."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from typing import Any

import pytest

import app as app_module
from chalicelib.functions.edge import edge_paths
from tests.functional import factories as f
from tests.functional.conftest import Api

REF_PREFIX = "#/components/schemas/"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def doc(api: Api) -> dict[str, Any]:
    r = api.get("/openapi.json")
    assert r.status == 200, r.body
    return dict(r.json)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                yield path, method, op


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_document_is_openapi_3_1_served_as_json(api: Api) -> None:
    r = api.get("/openapi.json")

    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json["openapi"] == "3.1.0"
    assert r.json["info"]["title"]
    assert r.json["info"]["version"]
    assert r.json["servers"] == [{"url": "http://penny.test"}]


def test_every_chalice_route_is_documented_with_the_same_methods(doc: dict[str, Any]) -> None:
    # Pages (HTML, static files) and the edge (webhooks, OAuth callbacks: docs/api.md)
    # are not part of the JSON API the document describes.
    outside = app_module.PAGE_PATHS | edge_paths(app_module.app)
    served = {(path, method.lower()) for path, methods in app_module.app.routes.items()
              if path not in outside for method in methods}
    documented = {(path, method) for path, method, _ in operations(doc)}

    assert documented == served


def test_path_parameters_match_the_route_template(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        in_path = [p["name"] for p in op["parameters"] if p["in"] == "path"]
        assert in_path == re.findall(r"{(\w+)}", path), (method, path)
        assert all(p["required"] for p in op["parameters"] if p["in"] == "path")


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for _, _, op in operations(doc)]

    assert len(ids) == len(set(ids))


def test_every_schema_reference_resolves(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    found = list(refs(doc))

    assert found
    for ref in found:
        assert ref.startswith(REF_PREFIX), ref
        assert ref.removeprefix(REF_PREFIX) in schemas, ref


def test_request_bodies_and_json_responses_carry_a_schema(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        if "requestBody" in op:
            assert op["requestBody"]["content"]["application/json"]["schema"], (method, path)
        for status, response in op["responses"].items():
            for media in response.get("content", {}).values():
                assert media["schema"], (method, path, status)


def test_error_responses_point_at_the_error_schema(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"{REF_PREFIX}ErrorResponse"}, (method, path, status)


def test_authenticated_routes_declare_bearer_or_cookie_auth_and_401(
        doc: dict[str, Any]) -> None:
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert {k: (v["in"], v["name"]) for k, v in schemes.items() if k != "bearerAuth"} == {
        "sessionCookie": ("cookie", "__Host-penny_access"),
        "refreshCookie": ("cookie", "__Secure-penny_refresh"),
        "csrfToken": ("header", "X-CSRF-Token")}
    for path, method, op in operations(doc):
        if path.startswith("/me/"):
            cookie = {"sessionCookie": []} if method == "get" else {
                "sessionCookie": [], "csrfToken": []}
            assert op.get("security") == [{"bearerAuth": []}, cookie], (method, path)
            assert "401" in op["responses"], (method, path)
            assert ("403" in op["responses"]) == (method != "get"), (method, path)
        elif (path, method) in {("/auth/session/refresh", "post"), ("/auth/session", "delete")}:
            assert op.get("security") == [{"refreshCookie": [], "csrfToken": []}]
            assert "403" in op["responses"], (method, path)
        else:
            assert "security" not in op, (method, path)


def test_routes_with_a_body_document_413_and_415(doc: dict[str, Any]) -> None:
    for path, method, op in operations(doc):
        if "requestBody" in op:
            assert {"400", "413", "415"} <= set(op["responses"]), (method, path)


def test_documented_success_status_matches_what_the_route_returns(doc: dict[str, Any]) -> None:
    success = {(path, method): sorted(s for s in op["responses"] if int(s) < 400)
               for path, method, op in operations(doc)}

    assert success[("/auth/signup", "post")] == ["201"]
    assert success[("/me/event-types", "post")] == ["201"]
    assert success[("/hosts/{host}/{event}/bookings", "post")] == ["201"]
    assert success[("/auth/logout", "post")] == ["204"]
    assert success[("/me/event-types/{event_type_id}", "delete")] == ["204"]
    assert success[("/me/profile", "get")] == ["200"]


@pytest.mark.skipif(importlib.util.find_spec("openapi_spec_validator") is None,
                    reason="openapi-spec-validator is not installed")
def test_document_passes_the_openapi_spec_validator(doc: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(doc)


def response_schema(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The documented body schema, made resolvable on its own against the components."""
    response = doc["paths"][path][method]["responses"][str(status)]
    return {**response["content"]["application/json"]["schema"],
            "components": doc["components"]}


def test_live_responses_match_their_documented_schemas(api: Api, doc: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")

    signup = api.post("/auth/signup", f.signup("alice"))
    token = signup.json["access_token"]
    api.put("/me/schedule", f.weekdays(("09:00", "17:00")), token=token)
    created = api.post("/me/event-types", f.event_type("intro"), token=token)
    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24")
    booking = api.post("/hosts/alice/intro/bookings", f.booking("2026-11-24T14:00:00Z"))
    conflict = api.post("/me/event-types", f.event_type("intro"), token=token)
    calls = [
        ("/auth/signup", "post", signup),
        ("/me/profile", "get", api.get("/me/profile", token=token)),
        ("/me/schedule", "get", api.get("/me/schedule", token=token)),
        ("/me/event-types", "post", created),
        ("/me/event-types", "get", api.get("/me/event-types", token=token)),
        ("/hosts/{host}", "get", api.get("/hosts/alice")),
        ("/hosts/{host}/{event}", "get", api.get("/hosts/alice/intro")),
        ("/hosts/{host}/{event}/slots", "get", slots),
        ("/hosts/{host}/{event}/bookings", "post", booking),
        ("/me/bookings", "get", api.get("/me/bookings", token=token)),
        ("/me/connections", "get", api.get("/me/connections", token=token)),
        ("/me/event-types", "post", conflict),
        ("/me/profile", "get", api.get("/me/profile")),
    ]

    for path, method, r in calls:
        assert str(r.status) in doc["paths"][path][method]["responses"], (path, method, r.status)
        validator = jsonschema.Draft202012Validator(response_schema(doc, path, method, r.status))
        errors = [e.message for e in validator.iter_errors(r.json)]
        assert errors == [], (path, method, r.status, errors)
