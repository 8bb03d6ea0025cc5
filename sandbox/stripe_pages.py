"""The fake Stripe's HTML: the hosted Checkout page, the Connect onboarding page an Account
Link opens, the pages for a checkout that is over, and the sandbox page. Plain forms, no
script, labelled fields, so headless Chromium, a screen reader and `requests` all work."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from sandbox.stripe_webhooks import StripeDelivery
from sandbox.stripe_wire import money

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:40rem;padding:0 1rem}
.banner{background:#fff3cd;border:1px solid #e0c36a;padding:.3rem .6rem;font-size:.85rem}
label{display:block;margin:.8rem 0 .2rem}input{font-size:1rem;padding:.3rem;width:100%}
button{font-size:1rem;padding:.5rem 1.4rem;margin:1rem 1rem 0 0}.error{color:#a00}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left;font-size:.85rem}code{font-size:.85rem;overflow-wrap:anywhere}"""

DECLINED_CARD = "4000000000000002"  # Stripe's test card that is always declined


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"'
            f' content="width=device-width,initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><main>"
            f'<p class="banner">Stripe sandbox: a local fake, no money moves.</p>{body}'
            f"</main></body></html>")


def checkout(session: dict[str, Any], items: Sequence[dict[str, Any]], seller: str,
             action: str, cancel: str, error: str | None = None) -> str:
    lines = "".join(f"<li>{escape(item['description'])} &times; {item['quantity']}</li>"
                    for item in items)
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    email = session.get("customer_email") or ""
    return _page(f"Pay {seller}", f"""
<h1>Pay {escape(seller)}</h1>
<ul>{lines}</ul>
<p>Total due: <strong>{escape(money(session["amount_total"], session["currency"]))}</strong></p>
{alert}
<form method="post" action="{escape(action)}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" value="{escape(email)}">
<label for="name">Name on card</label>
<input id="name" name="name" autocomplete="cc-name">
<label for="card">Card number</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number"
 value="4242 4242 4242 4242" aria-describedby="card-hint">
<p id="card-hint">A test card: 4242 4242 4242 4242 pays, {DECLINED_CARD} is declined.</p>
<button type="submit">Pay {escape(money(session["amount_total"], session["currency"]))}</button>
</form>
<p><a href="{escape(cancel)}">Cancel and go back</a></p>""")


def over(title: str, detail: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(detail)}</p>")


def paid(session_id: str) -> str:
    return over("Payment received", f"Checkout Session {session_id} is paid. (It set no "
                "success_url, so Stripe shows this page.)")


def onboarding(found: dict[str, Any], action: str) -> str:
    who = found["business_profile"]["name"] or found["email"] or found["id"]
    return _page("Set up payments", f"""
<h1>Set up payments for {escape(who)}</h1>
<p>Penny asks you to finish your Stripe account <code>{escape(found["id"])}</code> so that
bookings can be paid to it. The real Stripe asks for your business, identity and bank
details here; the sandbox only asks whether you are done.</p>
<form method="post" action="{escape(action)}">
<button type="submit" name="decision" value="complete">Complete onboarding</button>
<button type="submit" name="decision" value="later">Not now</button>
</form>""")


def control(base_url: str, accounts: Sequence[dict[str, Any]], revoked: set[str],
            sessions: Sequence[dict[str, Any]], refunds: Sequence[dict[str, Any]],
            deliveries: Sequence[StripeDelivery], endpoints: Sequence[str],
            calls: dict[str, int], disputes: Sequence[dict[str, Any]] = ()) -> str:
    def state(a: dict[str, Any]) -> str:
        if a["id"] in revoked:
            return "disconnected Penny</td><td>"
        return (("ready" if a["charges_enabled"] else "not onboarded")
                + f'</td><td><form method="post" action="{escape(base_url)}/_sandbox/accounts/'
                f'{escape(a["id"])}/revoke"><button>Disconnect Penny</button></form>')

    acct = "".join(f"<tr><td><code>{escape(a['id'])}</code></td><td>{escape(a['email'] or '')}"
                   f"</td><td>{state(a)}</td></tr>" for a in accounts)
    sess = "".join(f"<tr><td><code>{escape(s['id'])}</code></td><td>{escape(s['status'])} / "
                   f"{escape(s['payment_status'])}</td><td>"
                   f"{escape(money(s['amount_total'], s['currency']))}</td><td>"
                   f"{escape((s.get('metadata') or {}).get('booking_uid', ''))}</td><td>"
                   + (f'<form method="post" action="{escape(base_url)}/_sandbox/payments/'
                      f'{escape(s["payment_intent"])}/refund"><button>Refund in the '
                      "dashboard</button></form>"
                      f'<form method="post" action="{escape(base_url)}/_sandbox/payments/'
                      f'{escape(s["payment_intent"])}/dispute"><button>Dispute it (the '
                      "client's bank)</button></form>" if s.get("payment_intent") else "")
                   + "</td></tr>" for s in sessions)
    back = "".join(
        f"<tr><td><code>{escape(r['id'])}</code></td><td>{escape(r['status'])}</td><td>"
        f"{escape(money(r['amount'], r['currency']))}</td><td>"
        + (f'<form method="post" action="{escape(base_url)}/_sandbox/refunds/'
           f'{escape(r["id"])}/fail"><button>Fail it (the card is closed)</button></form>'
           if r["status"] == "succeeded" else "")
        + "</td></tr>" for r in refunds)
    argued = "".join(
        f"<tr><td><code>{escape(d['id'])}</code></td><td>{escape(d['status'])}</td><td>"
        f"{escape(d['reason'])}</td><td>"
        + (f'<form method="post" action="{escape(base_url)}/_sandbox/disputes/'
           f'{escape(d["id"])}/close">' + "".join(
               f'<button name="status" value="{v}">{label}</button>' for v, label in
               (("won", "Won"), ("lost", "Lost"), ("warning_closed", "Closed (inquiry)")))
           + "</form>" if d["status"] not in ("won", "lost", "warning_closed") else "")
        + "</td></tr>" for d in disputes)
    sent = "".join(f"<tr><td><code>{escape(d.event_id)}</code></td><td>{escape(d.event_type)}"
                   f"</td><td>{d.attempt}</td><td>{d.status or escape(d.error or '')}</td></tr>"
                   for d in reversed(deliveries))
    call = "".join(f"<li><code>{escape(k)}</code>: {v}</li>" for k, v in sorted(calls.items()))
    hooks = ", ".join(f"<code>{escape(u)}</code>" for u in endpoints) or "none registered"
    return _page("Stripe sandbox", f"""
<h1>Stripe: what Penny did here</h1>
<p>Base URL <code>{escape(base_url)}</code>; webhook endpoints: {hooks}.</p>
<h2>Connected accounts</h2><table><tr><th>account</th><th>email</th><th>status</th><th></th>
</tr>{acct or '<tr><td colspan="4">None yet.</td></tr>'}</table>
<h2>Checkout Sessions</h2><table><tr><th>session</th><th>status</th><th>amount</th>
<th>booking</th><th></th></tr>{sess or '<tr><td colspan="5">None yet.</td></tr>'}</table>
<h2>Refunds</h2><table><tr><th>refund</th><th>status</th><th>amount</th><th></th></tr>
{back or '<tr><td colspan="4">None yet.</td></tr>'}</table>
<h2>Disputes</h2><table><tr><th>dispute</th><th>status</th><th>reason</th><th></th></tr>
{argued or '<tr><td colspan="4">None yet.</td></tr>'}</table>
<h2>Webhook attempts</h2><table><tr><th>event</th><th>type</th><th>attempt</th>
<th>answer</th></tr>{sent or '<tr><td colspan="4">None yet.</td></tr>'}</table>
<h2>API calls</h2><ul>{call or "<li>None yet.</li>"}</ul>""")
