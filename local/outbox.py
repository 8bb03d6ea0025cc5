"""What Penny sent by e-mail on this machine: the messages the embedded AWS (moto's SES)
kept, since no e-mail leaves it. `make run` shows them at {aws}/_outbox (and as JSON at
/_outbox.json), so a developer can open a password reset link; the tests read them here.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

PATH = "/_outbox"


@dataclass(frozen=True)
class SentMail:
    to: tuple[str, ...]
    source: str
    subject: str
    body: str


def sent_mail(region: str) -> list[SentMail]:
    """Every e-mail sent through (moto's) SES in `region`, oldest first."""
    return [SentMail(tuple(m.destinations.get("ToAddresses", ())), m.source, m.subject,
                     m.body)
            for m in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
            if hasattr(m, "subject")]  # raw messages: Penny sends none


def _page(mails: list[SentMail]) -> str:
    rows = "".join(
        f"<article><h2>{html.escape(m.subject)}</h2><p>To {html.escape(', '.join(m.to))}, "
        f"from {html.escape(m.source)}</p><pre>{html.escape(m.body)}</pre></article>"
        for m in reversed(mails)) or "<p>Nothing sent yet.</p>"
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>Outbox · Penny local"
            "</title><h1>E-mail Penny sent (newest first)</h1>"
            "<p>The local stack's SES keeps these: nothing leaves this machine.</p>"
            f"{rows}</html>")


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OutboxPages:
    """The outbox at /_outbox (HTML) and /_outbox.json, in front of the embedded AWS."""

    def __init__(self, app: WSGIApp, region: str) -> None:
        self._app = app
        self._region = region

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in (PATH, f"{PATH}.json"):
            return self._app(environ, start_response)
        mails = sent_mail(self._region)
        if path.endswith(".json"):
            body, kind = json.dumps([asdict(m) for m in mails]), "application/json"
        else:
            body, kind = _page(mails), "text/html; charset=utf-8"
        start_response("200 OK", [("Content-Type", kind), ("Cache-Control", "no-store")])
        return [body.encode()]
