"""A browser's view of the API for functional tests: a cookie jar and its own headers.

Like a page of Penny's own origin, it sends Origin, keeps the cookies the API sets
(honouring Max-Age=0 and the refresh cookie's Path) and reads the CSRF cookie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.functional.conftest import Api, Response

ORIGIN = "http://penny.test"  # the settings fixture's public URL


@dataclass
class Cookie:
    value: str
    attributes: dict[str, str]  # lower-cased names; flags map to ""


def parse_set_cookie(header: str) -> tuple[str, Cookie]:
    first, *rest = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    attributes = {}
    for part in rest:
        key, _, val = part.partition("=")
        attributes[key.lower()] = val
    return name, Cookie(value, attributes)


def set_cookies(r: Response) -> dict[str, Cookie]:
    raw = r.headers.get("Set-Cookie") or []
    return dict(parse_set_cookie(h) for h in ([raw] if isinstance(raw, str) else raw))


@dataclass
class Browser:
    api: Api
    origin: str | None = ORIGIN
    host: str | None = None
    jar: dict[str, Cookie] = field(default_factory=dict)
    csrf_header: bool = True

    def call(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> Response:
        sent = {name: cookie.value for name, cookie in self.jar.items()
                if path.startswith(cookie.attributes.get("path", "/"))}
        all_headers: dict[str, str] = {}
        if sent:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in sent.items())
        if self.origin:
            all_headers["Origin"] = self.origin
        if self.host:
            all_headers["Host"] = self.host
        csrf = self.csrf_cookie
        if self.csrf_header and csrf and method not in ("GET", "HEAD"):
            all_headers["X-CSRF-Token"] = csrf
        r = self.api.call(method, path, body, headers={**all_headers, **(headers or {})})
        for name, cookie in set_cookies(r).items():
            if cookie.attributes.get("max-age") == "0":
                self.jar.pop(name, None)
            else:
                self.jar[name] = cookie
        return r

    @property
    def csrf_cookie(self) -> str | None:
        for name in ("__Host-penny_csrf", "penny_csrf"):
            if name in self.jar:
                return self.jar[name].value
        return None

    def get(self, path: str, **kw: Any) -> Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.call("PUT", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.call("DELETE", path, **kw)
