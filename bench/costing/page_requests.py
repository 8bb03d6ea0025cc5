"""Pages as the month fetches them: a page's HTML (a page that does not answer with one
fails the run), and the static files each page pulls in, found by crawling it."""

from __future__ import annotations

import re

from bench.costing.harness import Harness
from bench.costing.sample_host import Host

STATIC_REF = re.compile(r"""["'(](/[^"'()\s]*?/static/[^"'()\s]+|/static/[^"'()\s]+)["')]""")


class PageRequests:
    """The month's page requests, and the assets its pages link."""

    harness: Harness
    booking_assets: list[str]
    dashboard_assets: list[str]

    def _page(self, path: str, headers: dict[str, str] | None = None) -> str:
        """A page's HTML; a page that does not answer with one fails the run."""
        status, headers, html = self.harness.http("GET", path, headers=headers)
        if status != 200 or "html" not in headers.get("Content-Type", "").lower():
            raise RuntimeError(f"GET {path}: {status} {headers.get('Content-Type')}")
        return html

    def _probe_pages(self, host: Host) -> None:
        """The static assets each page pulls in."""
        self.booking_assets = self._crawl(self._page(f"/{host.slug}/intro"))
        self.dashboard_assets = self._crawl(self._page("/app"))
        self.harness.pump()

    def _crawl(self, html: str) -> list[str]:
        """The static files a page links, and what they link in turn (a stylesheet's
        `url(...)`); one that does not answer fails the run."""
        found: list[str] = []
        todo = list(STATIC_REF.findall(html))
        while todo:
            path = todo.pop(0)
            if path in found:
                continue
            status, _, body = self.harness.http("GET", path)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
            found.append(path)
            todo += STATIC_REF.findall(body)
        return found
