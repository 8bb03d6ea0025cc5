"""The host's sign-in as the dashboard holds it: the browser's cookie session (each cookie
to its path, the Origin, the CSRF token), and the bearer tokens of what stands in for the
dashboard elsewhere (an open dashboard's socket, its reloads)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

from bench.costing.harness import Harness
from bench.costing.sample_host import Host
from bench.costing.stack_names import PUBLIC_URL


class DashboardSession:
    """A host's dashboard requests, signed in."""

    harness: Harness

    def _browser(self, host: Host, method: str, path: str, body: Any = None) -> Any:
        """A dashboard request as the browser sends it: the session's cookies (each to
        its path), the page's Origin and, for a change, the CSRF token; the cookies it
        sets are kept."""
        h = self.harness
        route = path.split("?")[0]
        headers = {"origin": PUBLIC_URL, "sec-fetch-site": "same-origin", "cookie": "; ".join(
            f"{name}={value}" for name, (value, at) in host.jar.items() if route.startswith(at))}
        if method != "GET":
            headers["x-csrf-token"] = host.csrf
        status, answer = h.http_json(method, path, body=body, headers=headers)
        for line in h.last_cookies:
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    host.jar[name] = (morsel.value, morsel["path"] or "/")
                else:
                    host.jar.pop(name, None)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        return answer

    def _refresh(self, host: Host) -> None:
        tokens = self.harness.json("POST", "/auth/refresh", body={"refresh_token": host.refresh})
        host.access, host.refresh = tokens["access_token"], tokens["refresh_token"]

    def _open_dashboard(self, host: Host) -> str:
        with self.harness.unmetered():
            return self.harness.ws_connect({"token": self._fresh_access(host)})

    def _fresh_access(self, host: Host) -> str:
        with self.harness.unmetered():
            self._refresh(host)
        return host.access
