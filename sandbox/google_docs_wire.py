"""The fake Docs v1 and Drive v3 wire: error bodies in each API's own shape, the answers
to injected faults, a Document as `documents.get` answers it, and what one request of a
`documents.batchUpdate` does to a body.

Drive answers errors in Google's classic shape, `{"error": {"code", "message",
"errors": [{"domain", "reason", "message", "location"?, "locationType"?}]}}`; Docs in
the newer one, `{"error": {"code", "message", "status"}}` (google.rpc.Status), with
`details` where Google adds an ErrorInfo. 401 and the missing-scope 403 come from
Google's front end and carry both (sandbox/google_docs.py).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox.api_gate import Fault
from sandbox.google_docs_body import NAMED_STYLES, Body, Invalid
from sandbox.google_docs_store import DriveFile
from sandbox.wire import json_response

_GRPC = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
         404: "NOT_FOUND", 409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
         502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}
_DOCS_FAULTS = {400: "Request contains an invalid argument.",
                403: "The caller does not have permission",
                404: "Requested entity was not found.",
                429: "Quota exceeded for quota metric 'Write requests' and limit 'Write "
                     "requests per minute per user' of service 'docs.googleapis.com'.",
                500: "Internal error encountered.",
                503: "The service is currently unavailable.",
                504: "The request timed out. Please try again."}
_DRIVE_FAULTS = {400: ("badRequest", "Bad Request"),
                 403: ("insufficientFilePermissions",
                       "The user does not have sufficient permissions for this file."),
                 404: ("notFound", "File not found."),
                 429: ("rateLimitExceeded", "Rate Limit Exceeded")}
_PRESETS = frozenset({"BULLET_DISC_CIRCLE_SQUARE", "BULLET_DIAMONDX_ARROW3D_SQUARE",
                      "BULLET_CHECKBOX", "BULLET_ARROW_DIAMOND_DISC", "BULLET_STAR_CIRCLE_SQUARE",
                      "BULLET_ARROW3D_CIRCLE_SQUARE", "BULLET_LEFTTRIANGLE_DIAMOND_DISC",
                      "BULLET_DIAMONDX_HOLLOWDIAMOND_SQUARE", "BULLET_DIAMOND_CIRCLE_SQUARE",
                      "NUMBERED_DECIMAL_ALPHA_ROMAN", "NUMBERED_DECIMAL_ALPHA_ROMAN_PARENS",
                      "NUMBERED_DECIMAL_NESTED", "NUMBERED_UPPERALPHA_ALPHA_ROMAN",
                      "NUMBERED_UPPERROMAN_UPPERALPHA_DECIMAL",
                      "NUMBERED_ZERODECIMAL_ALPHA_ROMAN"})


class Refused(Exception):
    """A request the API refuses: its answer is ready."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def drive_error(status: int, reason: str, message: str, location: str | None = None,
                domain: str = "global", headers: dict[str, str] | None = None) -> Refused:
    item: dict[str, Any] = {"domain": domain, "reason": reason, "message": message}
    if location:
        item.update(location=location, locationType="parameter")
    return Refused(json_response({"error": {"code": status, "message": message,
                                            "errors": [item]}}, status, headers))


def not_found(file_id: str) -> Refused:
    return drive_error(404, "notFound", f"File not found: {file_id}.", "fileId")


def docs_error(code: int, message: str, headers: dict[str, str] | None = None,
               grpc: str | None = None, **more: Any) -> Refused:
    return Refused(json_response({"error": {"code": code, "message": message,
                                            "status": grpc or _GRPC.get(code, "UNKNOWN"),
                                            **more}}, code, headers))


def fault(api: str, found: Fault) -> Response:
    headers = {"Retry-After": str(found.retry_after)} if found.retry_after else {}
    if api == "docs":
        details: list[dict[str, Any]] = [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "RATE_LIMIT_EXCEEDED",
             "domain": "googleapis.com", "metadata": {"service": "docs.googleapis.com"}}]
        message = _DOCS_FAULTS.get(found.status, "Internal error encountered.")
        if found.status == 429:
            return docs_error(429, message, headers, details=details).response
        return docs_error(found.status, message, headers).response
    reason, message = _DRIVE_FAULTS.get(found.status, ("backendError", "Backend Error"))
    return drive_error(found.status, reason, message, headers=headers,
                       domain="usageLimits" if found.status == 429 else "global").response


def document(file: DriveFile) -> dict[str, Any]:
    """The Document resource (its first tab's body, as without includeTabsContent)."""
    assert file.body is not None
    answer: dict[str, Any] = {
        "title": file.name, "documentId": file.id, "revisionId": file.revision,
        "suggestionsViewMode": "SUGGESTIONS_INLINE",
        "body": {"content": file.body.content()},
        "documentStyle": {"pageSize": {"height": {"magnitude": 792, "unit": "PT"},
                                       "width": {"magnitude": 612, "unit": "PT"}},
                          "marginTop": {"magnitude": 72, "unit": "PT"},
                          "marginBottom": {"magnitude": 72, "unit": "PT"},
                          "marginLeft": {"magnitude": 72, "unit": "PT"},
                          "marginRight": {"magnitude": 72, "unit": "PT"}}}
    lists, named = file.body.lists_json(), file.body.named_json()
    if lists:
        answer["lists"] = lists
    if named:
        answer["namedRanges"] = named
    return answer


# -- documents.batchUpdate -------------------------------------------------------------


def apply(body: Body, kind: str, spec: Any) -> dict[str, Any]:
    """Apply one request of a batch, and its reply (Invalid: Google refuses it, and so
    the batch)."""
    if not isinstance(spec, dict):
        raise Invalid(f"{kind} must be an object.")
    if kind == "createNamedRange":
        start, end = _range(spec)
        made = body.create_named_range(str(spec.get("name") or ""), start, end)
        return {"createNamedRange": {"namedRangeId": made}}
    if kind == "deleteNamedRange":
        if spec.get("tabsCriteria") not in (None, {}, {"tabIds": ["t.0"]}):
            raise Invalid(f"The tabs {spec['tabsCriteria']} do not exist.")
        body.delete_named_range(spec.get("namedRangeId"), spec.get("name"))
        return {}
    if kind == "insertText":
        if "endOfSegmentLocation" in spec:
            _segment(spec["endOfSegmentLocation"] or {})
            index = body.end() - 1
        else:
            location = spec.get("location") or {}
            _segment(location)
            index = int(location.get("index", 0))
        body.insert_text(index, str(spec.get("text") or ""))
        return {}
    start, end = _range(spec)
    if kind == "deleteContentRange":
        body.delete_range(start, end)
    elif kind == "createParagraphBullets":
        preset = spec.get("bulletPreset")
        if preset not in _PRESETS:
            raise Invalid(f"Invalid value at 'bullet_preset': {preset!r}.")
        body.create_bullets(start, end, str(preset))
    elif kind == "deleteParagraphBullets":
        body.delete_bullets(start, end)
    elif kind == "updateParagraphStyle":
        fields = [f.strip() for f in str(spec.get("fields") or "").split(",") if f.strip()]
        if not fields:
            raise Invalid("At least one field must be listed in 'fields'.")
        named = (spec.get("paragraphStyle") or {}).get("namedStyleType")
        if "namedStyleType" in fields or "*" in fields:
            named = named or "NORMAL_TEXT"
            if named not in NAMED_STYLES:
                raise Invalid(f"Invalid value at 'paragraph_style.named_style_type': {named}.")
            body.set_style(start, end, named)
        # Alignment, spacing and the rest of a paragraph style are not kept.
    else:
        raise Invalid(f"the sandbox does not do {kind} (it does insertText, "
                      "deleteContentRange, createParagraphBullets, deleteParagraphBullets, "
                      "updateParagraphStyle, createNamedRange and deleteNamedRange).")
    return {}


def _range(spec: dict[str, Any]) -> tuple[int, int]:
    found = spec.get("range")
    if not isinstance(found, dict):
        raise Invalid("range must be set.")
    _segment(found)
    return int(found.get("startIndex", 0)), int(found.get("endIndex", 0))


def _segment(where: dict[str, Any]) -> None:
    if where.get("segmentId"):
        raise Invalid("the sandbox has no headers, footers or footnotes: leave segmentId "
                      "empty.")
    if where.get("tabId") not in (None, "", "t.0"):
        raise Invalid(f"The tab with ID {where['tabId']} does not exist.")
