"""Fake Google Docs v1 and Drive v3, beside the fake Calendar under Google's prefix: what
Penny's client notes need, at Google's own paths (a client's `api_endpoint` is the
prefix for Docs, the prefix + `/drive/v3/` for Drive).

Drive (google_docs_drive.py): files.create (folders, Google Docs, with one parent and
appProperties), files.list (`q` as google_docs_query.py reads it, `orderBy`, pages),
files.get and files.update (name, description, trashed, appProperties,
addParents/removeParents).
Docs: documents.create (a title), documents.get (with the named ranges) and
documents.batchUpdate (the requests google_docs_wire.apply does, all or none, with
createNamedRange's reply). Every call carries a bearer token of a live
grant, holds a scope the discovery document accepts for the method (else Google's 403
ACCESS_TOKEN_SCOPE_INSUFFICIENT) and passes the ApiGate (counted by method name, e.g.
`files.list`, `documents.batchUpdate`; faults in each API's own error shape). What the
token sees is drive.file's rule (google_docs_store.py). `fields` cuts any answer down;
Drive's default answer is `kind,id,name,mimeType`, as Google's.

`/_sandbox/docs/<id>`, each file's `webViewLink`, shows a doc (or a folder) as the host
would read it in Google Docs, without a token.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from sandbox import google_docs_pages as pages
from sandbox.api_gate import ApiGate
from sandbox.google_calendar import unauthenticated
from sandbox.google_docs_body import Invalid
from sandbox.google_docs_drive import DriveFiles
from sandbox.google_docs_query import BadQuery, parse_fields, select
from sandbox.google_docs_store import (
    DOCUMENT,
    DriveFile,
    DriveStore,
    Viewer,
    new_revision,
)
from sandbox.google_docs_wire import (
    Refused,
    apply,
    docs_error,
    document,
    drive_error,
    fault,
)
from sandbox.grants import AuthorizationServer
from sandbox.model import Refusal
from sandbox.wire import bearer_token, html_response, json_response

DRIVE_DEFAULT = parse_fields("kind,id,name,mimeType")
LIST_DEFAULT = parse_fields("kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)")
_SERVICES = {"docs": "docs.googleapis.com", "drive": "drive.googleapis.com"}

# (who asks, the JSON body, the query parameters) -> the answer, every field of it
Handler = Callable[[Viewer, dict[str, Any], dict[str, str]], dict[str, Any]]


@functools.cache
def method_scopes() -> dict[str, frozenset[str]]:
    """The scopes each method accepts, from the client library's discovery documents."""
    found: dict[str, frozenset[str]] = {}
    for name, resource in (("docs.v1", "documents"), ("drive.v3", "files")):
        path = resources.files("googleapiclient.discovery_cache") / "documents" / f"{name}.json"
        methods = json.loads(path.read_text(encoding="utf-8"))["resources"][resource]["methods"]
        found.update({f"{resource}.{method}": frozenset(spec.get("scopes", ()))
                      for method, spec in methods.items()})
    return found


class GoogleDocsApi:
    def __init__(self, server: AuthorizationServer, gate: ApiGate,
                 granted: Callable[[tuple[str, ...]], str], base_url: str) -> None:
        self.server, self.gate, self._granted, self.base_url = server, gate, granted, base_url
        self.store = DriveStore()
        self.drive = DriveFiles(self.store, base_url)

    def rules(self) -> list[Rule]:
        return [
            Rule("/drive/v3/files", endpoint=self._files, methods=["GET", "POST"]),
            Rule("/drive/v3/files/<file_id>", endpoint=self._file, methods=["GET", "PATCH"]),
            Rule("/v1/documents", endpoint=self._create_document, methods=["POST"]),
            Rule("/v1/documents/<document_id>:batchUpdate", endpoint=self._batch_update,
                 methods=["POST"]),
            Rule("/v1/documents/<document_id>", endpoint=self._get_document, methods=["GET"]),
            Rule("/_sandbox/docs/<file_id>", endpoint=self._view, methods=["GET"]),
        ]

    # -- the gate every call passes ------------------------------------------------------

    def _serve(self, request: Request, method: str, handle: Handler,
               default: Any = None) -> Response:
        api = "docs" if method.startswith("documents.") else "drive"
        try:
            grant = self.server.resolve(bearer_token(request) or "")
        except Refusal:
            self.gate.enter(f"{method} (refused)")
            return unauthenticated()
        scopes = frozenset(self._granted(grant.scopes).split())
        accepted = method_scopes()[method]
        if not accepted & scopes:
            self.gate.enter(f"{method} (refused)")
            return _scope_refusal(api, method, accepted)
        found = self.gate.enter(method)
        if found is not None:
            return fault(api, found)
        viewer = Viewer(grant.account.id, grant.client_id, scopes)
        fields = request.args.get("fields")
        try:
            try:
                selection = parse_fields(fields) if fields else default
            except BadQuery:
                message = f"Invalid field selection {fields}"
                raise (docs_error(400, message) if api == "docs" else
                       drive_error(400, "invalidParameter", message, "fields")) from None
            body: Any = {}
            if request.method in ("POST", "PATCH") and request.get_data():
                body = request.get_json(silent=True, force=True)
                if not isinstance(body, dict):
                    raise (docs_error(400, "Invalid JSON payload received.") if api == "docs"
                           else drive_error(400, "parseError", "Parse Error"))
            with self.store.lock:
                answer = handle(viewer, body, dict(request.args.items()))
        except Refused as refused:
            return refused.response
        return json_response(select(answer, selection))

    # -- Drive -------------------------------------------------------------------------

    def _files(self, request: Request) -> Response:
        if request.method == "POST":
            return self._serve(request, "files.create", self.drive.create, DRIVE_DEFAULT)
        return self._serve(request, "files.list", self.drive.list, LIST_DEFAULT)

    def _file(self, request: Request, file_id: str) -> Response:
        def handle(viewer: Viewer, body: dict[str, Any], args: dict[str, str]) -> dict[str, Any]:
            if request.method == "PATCH":
                return self.drive.update(file_id, viewer, body, args)
            return self.drive.get(file_id, viewer)
        return self._serve(request, "files.update" if request.method == "PATCH"
                           else "files.get", handle, DRIVE_DEFAULT)

    # -- Docs --------------------------------------------------------------------------

    def _create_document(self, request: Request) -> Response:
        def handle(viewer: Viewer, body: dict[str, Any], args: dict[str, str]) -> dict[str, Any]:
            # Google takes the title alone: content sent along is ignored.
            return document(self.store.add(viewer.account_id,
                                           str(body.get("title") or "Untitled document"),
                                           DOCUMENT, None, viewer.app))
        return self._serve(request, "documents.create", handle)

    def _get_document(self, request: Request, document_id: str) -> Response:
        return self._serve(request, "documents.get",
                           lambda viewer, *_: document(self._document(document_id, viewer)))

    def _document(self, document_id: str, viewer: Viewer) -> DriveFile:
        found = self.store.files.get(document_id)
        if found is None or found.owner != viewer.account_id:
            raise docs_error(404, "Requested entity was not found.")
        if not self.store.visible(found, viewer, docs_api=True):
            raise docs_error(403, "The caller does not have permission")
        if found.body is None:
            raise docs_error(400, "This operation is not supported for this document")
        return found

    def _batch_update(self, request: Request, document_id: str) -> Response:
        def handle(viewer: Viewer, body: dict[str, Any], args: dict[str, str]) -> dict[str, Any]:
            found = self._document(document_id, viewer)
            assert found.body is not None
            asked = body.get("requests")
            if not isinstance(asked, list) or not asked:
                raise docs_error(400, "Must specify at least one request.")
            if found.typed_during_writes:
                # The host typed since Penny read the doc (google_docs_type_during_writes).
                found.typed_during_writes -= 1
                found.overtaken.add(found.revision)
                found.host_types("The host typed this while Penny wrote.")
            control = body.get("writeControl") or {}
            required, target = control.get("requiredRevisionId"), control.get("targetRevisionId")
            if required is not None and required != found.revision:
                raise docs_error(400, f"The required revision ID '{required}' does not match "
                                 "the latest revision.", grpc="FAILED_PRECONDITION")
            if target is not None and target not in found.revisions:
                raise docs_error(400, f"Invalid target revision ID '{target}'.")
            if target in found.overtaken:
                raise docs_error(400, f"The target revision ID '{target}' is too far behind "
                                 "the latest revision. Retrieve the latest revision of the "
                                 "document and try again.", grpc="FAILED_PRECONDITION")
            work, replies = found.body.copy(), []
            for number, item in enumerate(asked):
                kinds = [k for k, v in (item.items() if isinstance(item, dict) else ())
                         if v is not None]
                if len(kinds) != 1:
                    raise docs_error(400, f"Invalid requests[{number}]: exactly one kind "
                                     "of request must be set.")
                try:
                    replies.append(apply(work, kinds[0], item[kinds[0]]))
                except (Invalid, TypeError, ValueError) as exc:
                    raise docs_error(400, f"Invalid requests[{number}].{kinds[0]}: "
                                     f"{exc}") from None
            # The sandbox applies a stale targetRevisionId's edits as they are: it does
            # not transform them against the collaborator changes since.
            found.body = work
            found.revisions.append(new_revision())
            found.touched()
            return {"documentId": found.id, "replies": replies,
                    "writeControl": {"requiredRevisionId": found.revision}}
        return self._serve(request, "documents.batchUpdate", handle)

    # -- the host's view -------------------------------------------------------------

    def _view(self, request: Request, file_id: str) -> Response:
        with self.store.lock:
            found = self.store.files.get(file_id)
            if found is None:
                return html_response(pages.missing(file_id), 404)
            inside = [f for f in self.store.files.values() if file_id in f.parents]
            return html_response(pages.view(found, self.store.trashed(found),
                                            sorted(inside, key=lambda f: f.order),
                                            self.base_url))

    def section(self) -> str:
        """The Docs part of the sandbox page: every account's folders and docs."""
        with self.store.lock:
            listed = sorted((f for f in self.store.files.values() if f.parents),
                            key=lambda f: f.order)
            return pages.section(listed, self.store.trashed, self.base_url)


def _scope_refusal(api: str, method: str, accepted: frozenset[str]) -> Response:
    error: dict[str, Any] = {
        "code": 403, "message": "Request had insufficient authentication scopes.",
        "status": "PERMISSION_DENIED",
        "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                     "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", "domain": "googleapis.com",
                     "metadata": {"service": _SERVICES[api], "method": method}}]}
    if api == "drive":
        error["errors"] = [{"message": "Insufficient Permission", "domain": "global",
                            "reason": "insufficientPermissions"}]
    return json_response({"error": error}, 403, {
        "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", '
                            'error="insufficient_scope", scope="'
                            + " ".join(sorted(accepted)) + '"'})
