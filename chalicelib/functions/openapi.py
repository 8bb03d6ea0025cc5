"""The OpenAPI 3.1 document, generated from the registered routes and pydantic models.

Routes and schemas have one source each (the `route(...)` calls of chalicelib/routes/ and
functions/schemas/), so the document cannot drift from what the API does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from chalicelib.functions.http import OPERATIONS, Operation

REF = "#/components/schemas/{model}"
ERROR_TEXT = {400: "Invalid request", 401: "Missing, invalid or expired token",
              403: "Cookie session used cross-origin or without its CSRF token",
              404: "Not found (or not yours)", 409: "Conflicts with the current state",
              410: "A one-time link that was used, has expired or was replaced",
              413: "Body too large", 415: "Body must be application/json",
              422: "Understood but not possible",
              429: "Too many attempts: wait Retry-After seconds, then try again",
              503: "The provider could not be reached: try again later"}


def _schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    from pydantic import BaseModel
    from pydantic.json_schema import JsonSchemaMode, models_json_schema

    from chalicelib.functions import schemas

    names = {o.body for o in OPERATIONS if o.body} | {o.response for o in OPERATIONS if o.response}
    names.add("ErrorResponse")
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [
        (getattr(schemas, n), "validation" if n.endswith(("In", "Request")) else "serialization")
        for n in sorted(names)]
    keys, top = models_json_schema(models, ref_template=REF)
    refs = {model.__name__: schema for (model, _), schema in keys.items()}
    return refs, top.get("$defs", {})


def _query_parameters(model_name: str) -> list[dict[str, Any]]:
    from chalicelib.functions import schemas

    schema = getattr(schemas, model_name).model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema["properties"].items()]


def _error_responses(op: Operation) -> dict[str, Any]:
    codes = set(op.errors)
    if op.body:
        codes |= {400, 413, 415}
    if op.auth:
        codes.add(401)
        if op.method not in ("GET", "HEAD"):
            codes.add(403)  # with the cookie session: CSRF token and Origin
    if op.query:
        codes.add(400)
    responses: dict[str, Any] = {
        str(code): {"description": ERROR_TEXT[code], "content": {"application/json": {
            "schema": {"$ref": REF.format(model="ErrorResponse")}}}} for code in sorted(codes)}
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {
            "description": "Seconds to wait before trying again", "required": True,
            "schema": {"type": "integer", "minimum": 1}}}
    return responses


def _operation(op: Operation, refs: dict[str, Any]) -> dict[str, Any]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 100}}
              for name in re.findall(r"{(\w+)}", op.path)]
    if op.query:
        params += _query_parameters(op.query)
    params += [{"name": h, "in": "header", "required": False,
                "schema": {"type": "string", "pattern": r"^[\x21-\x7e]{1,255}$"}}
               for h in op.headers]
    success: dict[str, Any] = {"description": "OK"}
    if op.status == 204:
        success = {"description": "Done, no content"}
    elif op.produces != "application/json":
        success["content"] = {op.produces: {"schema": {"type": "string"}}}
    elif op.response:
        success["content"] = {"application/json": {"schema": refs[op.response]}}
    else:
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    out: dict[str, Any] = {
        "operationId": op.name, "summary": op.summary, "tags": [op.tag],
        "parameters": params,
        "responses": {str(op.status): success, **_error_responses(op)},
    }
    if op.body:
        out["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": refs[op.body]}}}
    if op.auth:
        cookie: dict[str, list[str]] = {"sessionCookie": []} if op.method in ("GET", "HEAD") else {
            "sessionCookie": [], "csrfToken": []}
        out["security"] = [{"bearerAuth": []}, cookie]
    elif op.security:
        out["security"] = [{name: [] for name in op.security}]
    return out


# The dashboard's cookie names carry __Host-/__Secure- prefixes; over plain http to a
# loopback host (the local stack) they are unprefixed (functions/browser_session.py).
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "__Host-penny_access",
                      "description": "The dashboard's httpOnly session cookie, set by "
                                     "/auth/session; changes also need csrfToken and "
                                     "a same-origin Origin header."},
    "refreshCookie": {"type": "apiKey", "in": "cookie", "name": "__Secure-penny_refresh",
                      "description": "The dashboard's httpOnly refresh cookie, sent only "
                                     "to /auth/session."},
    "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                  "description": "The session's CSRF token: the __Host-penny_csrf cookie, "
                                 "also returned as csrf_token by /auth/session."},
}


@lru_cache(maxsize=4)
def document(server_url: str) -> dict[str, Any]:
    refs, defs = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Penny booking API", "version": "1.0.0",
                 "description": "Booking links that never double-book. Errors are "
                                "`{\"error\": {\"code\", \"message\", \"field\"}}`."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }
