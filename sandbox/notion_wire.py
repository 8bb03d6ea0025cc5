"""The wire every call of the fake Notion API shares: the version it speaks, the
bearer token of a live grant, the ApiGate's faults as Notion's errors, the JSON body,
and the answer with its request id (sandbox/notion_api.py names the routes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox import notion_objects as objects
from sandbox.api_gate import ApiGate, Fault
from sandbox.grants import AuthorizationServer
from sandbox.model import Refusal
from sandbox.notion_store import NotionError, NotionStore, Page, invalid
from sandbox.notion_values import Invalid
from sandbox.wire import bearer_token, json_response

VERSION = "2025-09-03"
ARCHIVED = "Can't edit block that is archived. You must unarchive the block before editing."
_FAULTS = {401: ("unauthorized", "API token is invalid."),
           403: ("restricted_resource", "API token does not have access to this resource."),
           409: ("conflict_error", "Conflict occurred while saving. Please try again."),
           429: ("rate_limited", "You have been rate limited. Please try again in a few "
                 "minutes."),
           502: ("bad_gateway", "Notion encountered an issue while attempting to complete "
                 "this request. Please try again."),
           503: ("service_unavailable", "Notion is unavailable, try again later."),
           504: ("gateway_timeout", "Notion timed out while attempting to complete this "
                 "request. Please try again later.")}


@dataclass(frozen=True)
class Call:
    account_id: str
    bot: str                               # the integration's bot user: authors what it makes
    body: dict[str, Any]
    args: dict[str, Any]


def error_response(error: NotionError, headers: dict[str, str] | None = None) -> Response:
    return json_response(objects.error_body(error), error.status, headers)


def _fault(fault: Fault) -> Response:
    code, message = _FAULTS.get(fault.status, ("internal_server_error", "Unexpected error "
                                               "occurred."))
    if fault.status == 400:
        code, message = "validation_error", "body failed validation (injected by a test)."
    headers = {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
    return error_response(NotionError(fault.status, code, message), headers)


def path_id(raw: str, name: str = "id") -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise invalid(f'path failed validation: path.{name} should be a valid uuid, instead '
                      f'was `"{raw}"`.') from None



class NotionWire:
    """What each group of calls serves through (NotionApi sets the fields)."""

    server: AuthorizationServer
    gate: ApiGate
    store: NotionStore
    base_url: str
    bot_id: Callable[[str], str]

    def _serve(self, request: Request, name: str,
               handle: Callable[[Call], dict[str, Any]]) -> Response:
        version = request.headers.get("Notion-Version")
        if version is None:
            return error_response(NotionError(400, "missing_version", "Notion-Version header "
                                              "failed validation: Notion-Version header should "
                                              "be defined, instead was `undefined`."))
        if version != VERSION:
            return error_response(invalid(f"Notion-Version header failed validation: the "
                                          f"sandbox speaks {VERSION} only, not `{version}`."))
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            self.gate.enter(f"{name} (refused)")
            return error_response(NotionError(401, "unauthorized", "API token is invalid."))
        fault = self.gate.enter(name)
        if fault is not None:
            return _fault(fault)
        body: Any = {}
        if request.method in ("POST", "PATCH") and request.get_data():
            body = request.get_json(silent=True, force=True)
            if not isinstance(body, dict):
                return error_response(NotionError(400, "invalid_json",
                                                  "Error parsing JSON body."))
        self.store.workspace(grant.account.id)
        call = Call(grant.account.id, self.bot_id(grant.id), body, dict(request.args.items()))
        try:
            with self.store.lock:
                answer = handle(call)
        except Invalid as exc:
            return error_response(invalid(str(exc)))
        except NotionError as exc:
            return error_response(exc)
        return json_response({**answer, "request_id": str(uuid.uuid4())})

    def _page_answer(self, page: Page) -> dict[str, Any]:
        return objects.page(page, self.store.sources[page.source_id], self.base_url)
