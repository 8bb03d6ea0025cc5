"""The checks a cookie-authenticated change passes besides its cookies: it comes from a
page of Penny's own origin (Origin, and Sec-Fetch-Site when sent), and it carries the
session's CSRF token in `X-CSRF-Token` (checked by services/sessions.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import CrossOriginError
from chalicelib.functions.session_cookies import forwarded_proto

CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_origin(request: Any, public_base_url: str) -> None:
    """CrossOriginError unless the request says it comes from a page of Penny's origin."""
    headers = request.headers
    site = headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        raise CrossOriginError(f"requests from a {site} page may not use the session")
    origin = headers.get("origin")
    if not origin or origin == "null":
        raise CrossOriginError("a cookie-session request must send its Origin")
    if origin.rstrip("/") not in _allowed_origins(headers, public_base_url):
        raise CrossOriginError(f"origin {origin} may not use this session")


def _allowed_origins(headers: Any, public_base_url: str) -> set[str]:
    public = urlsplit(public_base_url)
    allowed = {f"{public.scheme}://{public.netloc}"}
    if headers.get("host"):
        # The Origin a page served by this very host sends; a cross-site page sends its own.
        allowed.add(f"{forwarded_proto(headers) or 'http'}://{headers['host']}")
    return allowed
