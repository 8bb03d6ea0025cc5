"""The API's log keys: what links a request to the booking events it makes.

Every line an HTTP request logs (an unhandled error, a provider error, a refused
webhook) carries its `request_id` (the front door's: API Gateway's or the Function URL's,
else Lambda's) and `function_request_id` (Lambda's, as on its REPORT line), and, on a
booking's routes, the `booking_uid` (from the path, or noted by the view once a new
booking has one). A write to a booking logs one line, "booking committed" or "booking
refused", so the uid found in the stream's and the workers' lines leads back to the
request, and the request to its uid.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.integrations import logs

log = logging.getLogger("penny.api")

READS = frozenset({"GET", "HEAD", "OPTIONS"})
# A uid in a path is the client's input: only something shaped like one is logged.
_UID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def request_keys(request: Any) -> dict[str, str]:
    context = getattr(request, "context", None) or {}
    function_request_id = getattr(getattr(request, "lambda_context", None),
                                  "aws_request_id", None)
    uid = (getattr(request, "uri_params", None) or {}).get("uid")
    return logs.present({
        "request_id": context.get("requestId") or function_request_id,
        "function_request_id": function_request_id,
        "booking_uid": uid if isinstance(uid, str) and _UID.match(uid) else None})


def with_log_keys(request: Any, get_response: Callable[[Any], Response]) -> Response:
    """Chalice middleware for every HTTP route."""
    with logs.scope(**request_keys(request)):
        response = get_response(request)
        route = str((getattr(request, "context", None) or {}).get("resourcePath") or "")
        if request.method not in READS and "bookings" in route.split("/"):
            extra: dict[str, Any] = {"route": f"{request.method} {route}",
                                     "status": response.status_code}
            if response.headers.get("Idempotent-Replayed") == "true":
                extra["replayed"] = True
            ok = response.status_code < 400
            log.info("booking committed" if ok else "booking refused", extra=extra)
        return response
