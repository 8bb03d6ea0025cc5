"""HTML responses under a strict Content-Security-Policy, shared by every page of Penny.

Contract (the booking pages and the host dashboard both use it):

    html_page(template, context=None, *, title, description, base, data=None,
              scripts=(), styles=("base.css",), connect_src=(), script_src=(),
              frame_src=(), status=200, cache="no-cache", headers=None) -> chalice.Response
        `template` is a file in chalicelib/web/templates/ in string.Template syntax
        (`$name` / `${name}`, `$$` for a dollar). Every context value is str()-ed and
        HTML-escaped, unless it is a `Markup`; a missing key raises KeyError.
        `description` is the page's meta description (what a search result or a link
        preview shows), one or two plain sentences. The result
        becomes the <body> of templates/layout.html, whose <body> carries
        `data-base="<base>"`: JS reads `document.body.dataset.base` and builds every URL
        from it (`${base}/hosts/...`). `data` maps element ids to JSON-serialisable
        values, rendered as `<script type="application/json" id="...">` (never executed,
        so CSP-safe; read with `JSON.parse(el.textContent)`): first paint needs no
        extra request. `scripts` / `styles` are names of files in static/ ("app.js",
        "app.css"), linked under content-hashed URLs, one request each: a script is
        an ES module served with its relative imports (`import {x} from "./y.js"`)
        inlined (assets.py, bundles.py), and the styles are one stylesheet, the files
        concatenated in order; the favicon is a data: URI. `connect_src` adds origins
        to connect-src, e.g. the WebSocket origin "wss://abc.execute-api.eu-west-1.amazonaws.com";
        `script_src` and `frame_src` add another site's script and frames to one page
        (the pay page's Razorpay Checkout), and no other. `headers` override the
        defaults.
    static_asset(name, if_none_match=None) -> chalice.Response
        The /static/{name} route: long immutable caching for a current hashed name,
        no-cache for a bare or stale one, ETag + 304.
    asset_url(base, name) -> str       the hashed URL of a static file (a script's bundle)
    base_path(request) -> str          the prefix the app is served under: "" on a Lambda
                                       Function URL, "/api" on API Gateway's stage
    not_found_page(base, heading=..., message=...) -> chalice.Response   a friendly 404
    message_page(base, heading, message, status) -> chalice.Response     any other status

Every HTML response carries: CSP default-src 'none'; script-src 'self' [+ script_src];
style-src 'self'; img-src 'self' data:; connect-src 'self' [+ connect_src]; [frame-src
frame_src;] form-action 'self'; base-uri 'none'; frame-ancestors 'none';
X-Content-Type-Options: nosniff; Referrer-Policy: no-referrer (secret tokens travel in
page URLs). No inline script or style may appear in a template: use classes, the
`hidden` attribute and static files.

Page routes are declared in chalicelib/routes/pages.py with `@page(path, name)`, not
`route(...)`, so they stay out of /openapi.json; the view imports this module inside its body.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any

from chalice import Response

from chalicelib.functions.http import base_path
from chalicelib.web.assets import asset_url, icon_uri, static_asset, stylesheet_name

__all__ = ["Markup", "asset_url", "base_path", "html_page", "message_page", "not_found_page",
           "static_asset"]

TEMPLATES = Path(__file__).parent / "templates"
# JSON inside <script type="application/json">: nothing in it may close the element or
# open a comment, and U+2028/2029 are escaped for older parsers.
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


class Markup(str):
    """Trusted HTML: inserted into a template as is, not escaped."""


def content_security_policy(connect_src: Sequence[str] = (), script_src: Sequence[str] = (),
                            frame_src: Sequence[str] = ()) -> str:
    connect = " ".join(("'self'", *connect_src))
    scripts = " ".join(("'self'", *script_src))
    # Frames only where a page names their origin (the pay page's Razorpay Checkout).
    frames = f"frame-src {' '.join(frame_src)}; " if frame_src else ""
    return (f"default-src 'none'; script-src {scripts}; style-src 'self'; "
            f"img-src 'self' data:; connect-src {connect}; {frames}form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def security_headers(connect_src: Sequence[str] = (), script_src: Sequence[str] = (),
                     frame_src: Sequence[str] = ()) -> dict[str, str]:
    return {"Content-Security-Policy": content_security_policy(connect_src, script_src,
                                                               frame_src),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin"}


@lru_cache(maxsize=32)
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(template: str, context: Mapping[str, object]) -> str:
    values = {key: value if isinstance(value, Markup) else html.escape(str(value))
              for key, value in context.items()}
    return _template(template).substitute(values)


def json_script(element_id: str, value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return f'<script type="application/json" id="{html.escape(element_id)}">{text}</script>'


def _head(base: str, scripts: Sequence[str], styles: Sequence[str]) -> str:
    links = [f'<link rel="stylesheet" href="{html.escape(url)}">'
             for url in ([asset_url(base, stylesheet_name(styles))] if styles else [])]
    links += [f'<script type="module" src="{html.escape(asset_url(base, s))}"></script>'
              for s in scripts]
    return "\n  ".join(links)


def html_page(template: str, context: Mapping[str, object] | None = None, *, title: str,
              description: str, base: str, data: Mapping[str, Any] | None = None,
              scripts: Sequence[str] = (),
              styles: Sequence[str] = ("base.css",), connect_src: Sequence[str] = (),
              script_src: Sequence[str] = (), frame_src: Sequence[str] = (),
              status: int = 200, cache: str = "no-cache",
              headers: Mapping[str, str] | None = None) -> Response:
    body = render(template, {"base": base, **(context or {})})
    blocks = "".join(json_script(key, value) for key, value in (data or {}).items())
    page = render("layout.html", {
        "title": title, "description": " ".join(description.split()), "base": base,
        "icon": icon_uri(),
        "head": Markup(_head(base, scripts, styles)), "body": Markup(body),
        "data": Markup(blocks)})
    return Response(body=page, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": cache,
        **security_headers(connect_src, script_src, frame_src), **(headers or {})})


def message_page(base: str, heading: str, message: str, status: int) -> Response:
    return html_page("message.html", {"heading": heading, "message": message},
                     title=f"{heading} · Penny", description=message, base=base,
                     status=status, cache="no-store")


def not_found_page(base: str, heading: str = "Page not found",
                   message: str = "This link does not lead anywhere.") -> Response:
    return message_page(base, heading, message, 404)
