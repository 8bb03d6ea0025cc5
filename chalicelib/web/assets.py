"""Static files from chalicelib/web/static under content-hashed URLs, one request each.

A page needs one script, one stylesheet and no favicon request (each request is a paid
Lambda invocation):

- a script is served as a bundle: `booking.js` with every module it imports inlined
  (bundles.py), at `/static/booking.<hash>.js`, the hash taken from the bundle, so it
  changes when any module in it changes;
- a page's stylesheets are concatenated in order into one, named after them:
  ("base.css", "booking.css") is `/static/base~booking.<hash>.css`;
- the favicon is inlined into the page as a `data:` URI (the CSP allows img-src data:).

A hashed URL can be cached for a year, and a deploy never meets a stale copy. Everything
is read, bundled, minified and hashed once per container, on first use: no build step.

Minified: comments and the whitespace between tokens are taken out (rjsmin, rcssmin,
which keep strings, regular expressions and the line breaks a statement may end on;
template literals are set aside first and put back as written, since rjsmin minifies
one nested in another's `${}` as code: js_templates.py). The sources are written to be
read, comments and all; the bytes sent are billed per GB: a cache miss of the booking
page's script is 10.5 KB gzipped as written and 7.4 KB minified.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from chalice import Response

from chalicelib.web.bundles import bundle

STATIC = Path(__file__).parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"
JOIN = "~"  # between the stems of a combined stylesheet's name
_HASHED = re.compile(r"^(?P<stem>[\w~-]+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.\w+)$")


@dataclass(frozen=True)
class Asset:
    name: str  # logical: booking.js
    hashed: str  # served: booking.0123456789.js
    body: str
    content_type: str
    parts: tuple[str, ...]  # the files it is made of: modules bundled, stylesheets joined

    @property
    def etag(self) -> str:
        return f'"{self.hashed}"'


def _asset(name: str, body: str, parts: Sequence[str]) -> Asset:
    stem, suffix = name.rsplit(".", 1)
    digest = hashlib.sha256(body.encode()).hexdigest()[:10]
    return Asset(name, f"{stem}.{digest}.{suffix}", body, TYPES[f".{suffix}"], tuple(parts))


def _read(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def minified(name: str, body: str) -> str:
    """A script or stylesheet as it is sent: without comments and needless whitespace."""
    if name.endswith(".js"):
        aside = _SetAside(name, body)
        return aside.put_back(_jsmin(aside.source))
    if name.endswith(".css"):
        import rcssmin

        return str(rcssmin.cssmin(body))
    return body


def _jsmin(body: str) -> str:
    import rjsmin

    return str(rjsmin.jsmin(body))


class _SetAside:
    """A module with each outermost template literal replaced by a mark (a template of
    its own that rjsmin keeps), to be put back as written once minified."""

    def __init__(self, name: str, body: str) -> None:
        from chalicelib.web.js_templates import outermost_templates

        spans = outermost_templates(body)
        stem = re.sub(r"\W", "-", name)
        self.marks = {f"`penny-template-{stem}-{n}`": body[start:end]
                      for n, (start, end) in enumerate(spans)}
        if any(mark in body for mark in self.marks):
            raise ValueError(f"{name} holds the minifier's own template marks")
        parts, last = [], 0
        for mark, (start, end) in zip(self.marks, spans, strict=True):
            parts += [body[last:start], mark]
            last = end
        self.source = "".join([*parts, body[last:]])

    def put_back(self, minified: str) -> str:
        return _put_back(minified, self.marks)


_MARK = re.compile(r"`penny-template-[\w-]+-\d+`")


def _put_back(minified: str, marks: dict[str, str]) -> str:
    """Every mark replaced by its template, in one pass."""
    return _MARK.sub(lambda found: marks[found.group()], minified)


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    """Every file in static/; a script is its bundle, minified with its modules' template
    literals set aside (each module scanned once, however many bundles hold it)."""
    modules: dict[str, _SetAside] = {}

    def set_aside(name: str) -> str:
        if name not in modules:
            modules[name] = _SetAside(name, _read(name))
        return modules[name].source

    done: dict[str, Asset] = {}
    for path in sorted(STATIC.iterdir()):
        if not (path.is_file() and path.suffix in TYPES):
            continue
        if path.suffix == ".js":
            body, parts = bundle(path.name, set_aside)
            small = _put_back(_jsmin(body), {mark: template for part in parts
                                             for mark, template in modules[part].marks.items()})
        else:
            body, parts = _read(path.name), [path.name]
            small = minified(path.name, body)
        done[path.name] = _asset(path.name, small, parts)
    return done


def stylesheet_name(styles: Sequence[str]) -> str:
    """The one stylesheet a page links for its `styles`, in order."""
    return JOIN.join(s.removesuffix(".css") for s in styles) + ".css"


@lru_cache(maxsize=16)
def _find(name: str) -> Asset | None:
    if name in assets():
        return assets()[name]
    stems = name.removesuffix(".css").split(JOIN)
    files = [f"{stem}.css" for stem in stems]
    if not name.endswith(".css") or len(set(files)) != len(files) or len(files) < 2 \
            or not all(f in assets() for f in files):
        return None
    return _asset(name, "\n".join(assets()[f].body for f in files), files)


def asset_url(base: str, name: str) -> str:
    """The hashed URL of a static file, or of a combined stylesheet_name(...)."""
    asset = _find(name)
    if asset is None:
        raise KeyError(name)
    return f"{base}/static/{asset.hashed}"


@lru_cache(maxsize=1)
def icon_uri() -> str:
    return "data:image/svg+xml," + quote(_read("favicon.svg").strip(), safe=" /:=,;'()")


def static_asset(name: str, if_none_match: str | None = None) -> Response:
    """/static/{name}: the hashed name is immutable; a bare or stale one is revalidated."""
    match = _HASHED.match(name)
    logical = f"{match['stem']}{match['ext']}" if match else name
    asset = _find(logical)
    if asset is None:
        return Response(body="Not found\n", status_code=404, headers={
            "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})
    cache = IMMUTABLE if name == asset.hashed else "no-cache"
    headers: dict[str, str | list[str]] = {
        "Cache-Control": cache, "ETag": asset.etag, "X-Content-Type-Options": "nosniff"}
    # Weak comparison (RFC 9110 13.1.2): a gzip-encoded answer carried W/"..." (its bytes
    # differ), and the browser sends that back.
    if if_none_match and asset.etag in {tag.strip().removeprefix("W/")
                                        for tag in if_none_match.split(",")}:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200,
                    headers={**headers, "Content-Type": asset.content_type})
