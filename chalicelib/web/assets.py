"""Static files from chalicelib/web/static under content-hashed URLs.

`booking.js` is served as `/static/booking.<hash>.js`, the hash taken from the content
the browser receives, so a deploy never meets a stale cached copy and a hashed URL can
be cached for a year. ES modules import each other by relative name ("./calendar.js");
those imports are rewritten to the hashed names here, so a module's hash changes when
anything it imports changes. Everything is read and hashed once per container, on first
use: no build step.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from chalice import Response

STATIC = Path(__file__).parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
IMMUTABLE = "public, max-age=31536000, immutable"
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])\./([\w-]+\.js)\2""")
_HASHED = re.compile(r"^(?P<stem>[\w-]+)\.(?P<hash>[0-9a-f]{10})(?P<ext>\.\w+)$")


@dataclass(frozen=True)
class Asset:
    name: str  # logical: booking.js
    hashed: str  # served: booking.0123456789.js
    body: str
    content_type: str
    imports: tuple[str, ...]  # logical names of the modules it imports, transitively

    @property
    def etag(self) -> str:
        return f'"{self.hashed}"'


def _build(name: str, done: dict[str, Asset], visiting: frozenset[str]) -> Asset:
    if name in done:
        return done[name]
    if name in visiting:
        raise ValueError(f"import cycle through {name}")
    path = STATIC / name
    body = path.read_text(encoding="utf-8")
    imports: list[str] = []
    if path.suffix == ".js":
        def hashed(match: re.Match[str]) -> str:
            dep = _build(match[3], done, visiting | {name})
            imports.extend([dep.name, *dep.imports])
            return f"{match[1]}{match[2]}./{dep.hashed}{match[2]}"

        body = _IMPORT.sub(hashed, body)
    digest = hashlib.sha256(body.encode()).hexdigest()[:10]
    asset = Asset(name, f"{path.stem}.{digest}{path.suffix}", body, TYPES[path.suffix],
                  tuple(dict.fromkeys(imports)))
    done[name] = asset
    return asset


@lru_cache(maxsize=1)
def assets() -> dict[str, Asset]:
    done: dict[str, Asset] = {}
    for path in sorted(STATIC.iterdir()):
        if path.is_file() and path.suffix in TYPES:
            _build(path.name, done, frozenset())
    return done


def asset_url(base: str, name: str) -> str:
    return f"{base}/static/{assets()[name].hashed}"


def module_preloads(base: str, scripts: Iterable[str]) -> list[str]:
    """Every module the scripts import, so the browser fetches them in parallel."""
    found = dict.fromkeys(dep for s in scripts for dep in assets()[s].imports)
    return [asset_url(base, name) for name in found]


def static_asset(name: str, if_none_match: str | None = None) -> Response:
    """/static/{name}: the hashed name is immutable; a bare or stale one is revalidated."""
    match = _HASHED.match(name)
    logical = f"{match['stem']}{match['ext']}" if match else name
    asset = assets().get(logical)
    if asset is None:
        return Response(body="Not found\n", status_code=404, headers={
            "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})
    cache = IMMUTABLE if name == asset.hashed else "no-cache"
    headers: dict[str, str | list[str]] = {
        "Cache-Control": cache, "ETag": asset.etag, "X-Content-Type-Options": "nosniff"}
    if if_none_match and asset.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(body="", status_code=304, headers=headers)
    return Response(body=asset.body, status_code=200,
                    headers={**headers, "Content-Type": asset.content_type})
