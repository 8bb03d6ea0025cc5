"""The sandbox's HTML: the consent page, error pages, each provider's control page, the
landing page. Plain forms and no script, so headless Chromium and `requests` both work."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from html import escape

from sandbox.model import Account, AuthRequest, Event, Grant

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.3rem .6rem;font-size:.85rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;vertical-align:top;font-size:.9rem}button{font-size:1rem;padding:.4rem 1.2rem}
code{font-size:.85rem;overflow-wrap:break-word}"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
            f"{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
            f'<p class="banner">Provider sandbox: a local fake, not the real vendor.</p>'
            f"{body}</main></body></html>")


def consent(vendor: str, question: str, action: str, request: AuthRequest,
            accounts: Sequence[Account], tickable: frozenset[str] = frozenset()) -> str:
    """`tickable`: the scopes the user may untick (Google's granular consent), each a
    checkbox ticked at first; the others are listed, granted with the rest."""
    choices = "".join(
        f'<label><input type="radio" name="account" value="{escape(a.id)}"'
        f'{" checked" if i == 0 else ""}> {escape(a.name)} &lt;{escape(a.email)}&gt;</label><br>'
        for i, a in enumerate(accounts))
    scopes = "".join(
        f'<li><label><input type="checkbox" name="scope" value="{escape(s)}" checked> '
        f"<code>{escape(s)}</code></label></li>" if s in tickable
        else f"<li><code>{escape(s)}</code></li>" for s in request.scopes)
    return _page(f"{vendor}: {question}", f"""
<h1>{escape(question)}</h1>
<p>Penny (client <code>{escape(request.client_id)}</code>) asks {escape(vendor)} for access.</p>
<form method="post" action="{escape(action)}">
<input type="hidden" name="request" value="{escape(request.id)}">
<fieldset><legend>Signed in as</legend>{choices}</fieldset>
<h2>Penny will be able to</h2><ul>{scopes or "<li>(no scopes named)</li>"}</ul>
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</form>""")


def form_post(action: str, params: dict[str, str]) -> str:
    """OAuth 2.0 Form Post Response Mode: the authorization response as an auto-submitted
    form (the script submits it; without script, the button does)."""
    fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                     for k, v in params.items())
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Working...'
            f'</title></head><body onload="document.forms[0].submit()"><form method="post" '
            f'action="{escape(action)}">{fields}<noscript><button type="submit">Continue'
            f"</button></noscript></form></body></html>")


def error(vendor: str, title: str, detail: str) -> str:
    return _page(f"{vendor}: {title}",
                 f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>")


def _when(at: float | None) -> str:
    return "" if at is None else time.strftime("%H:%M:%S", time.localtime(at))


def control(vendor: str, base_url: str, client_ids: Iterable[str], grants: Sequence[Grant],
            events: Sequence[Event], token_requests: int, revoke_action: str,
            extra: str = "", api_calls: dict[str, int] | None = None) -> str:
    rows = "".join(f"""<tr><td><code>{escape(g.id)}</code></td><td>{escape(g.account.email)}</td>
<td>{"<br>".join(f"<code>{escape(s)}</code>" for s in g.scopes)}</td><td>{_when(g.created_at)}</td>
<td>{g.code_exchanges}</td><td>{g.refreshes}</td><td>{g.refused_refreshes}</td>
<td>{"revoked " + _when(g.revoked_at) if g.revoked_at else "active"}</td><td>{"" if g.revoked_at
else f'<form method="post" action="{escape(revoke_action)}"><input type="hidden" name="grant" '
     f'value="{escape(g.id)}"><button type="submit">Revoke</button></form>'}</td></tr>"""
                   for g in grants)
    log = "".join(
        f"<li>{_when(e.at)} <code>{escape(e.grant_id or '-')}</code> {escape(e.text)}</li>"
        for e in reversed(events))
    return _page(f"{vendor} sandbox", f"""
<h1>{escape(vendor)}: what Penny did here</h1>
<p>Base URL <code>{escape(base_url)}</code>; clients {", ".join(
        f"<code>{escape(c)}</code>" for c in client_ids)}; token requests: {token_requests}.</p>
<h2>Grants</h2><table><tr><th>grant</th><th>account</th><th>scopes</th><th>given</th>
<th>code exchanges</th><th>refreshes</th><th>refused</th><th>status</th><th></th></tr>
{rows or '<tr><td colspan="9">No grant yet.</td></tr>'}</table>
<p>Revoke simulates the user removing Penny's access at the vendor: the next refresh fails
with <code>invalid_grant</code>.</p>{extra}{_calls(api_calls or {})}
<h2>Events</h2><ul>{log or "<li>None yet.</li>"}</ul>""")


def _calls(counts: dict[str, int]) -> str:
    if not counts:
        return ""
    items = "".join(f"<li><code>{escape(k)}</code>: {v}</li>" for k, v in sorted(counts.items()))
    return f"<h2>API calls</h2><ul>{items}</ul>"


def landing(providers: Sequence[tuple[str, str, str, Sequence[Account]]]) -> str:
    items = "".join(
        f'<li><a href="{escape(base)}/_sandbox">{escape(title)}</a> <code>{escape(base)}</code>'
        f'<ul>{"".join(f"<li>{escape(a.name)} &lt;{escape(a.email)}&gt;</li>" for a in accounts)}'
        f"</ul></li>" for _, title, base, accounts in providers)
    return _page("Provider sandbox",
                 f"<h1>Provider sandbox</h1><p>Fake OAuth servers for Penny, with their "
                 f"seeded accounts:</p><ul>{items}</ul>")
