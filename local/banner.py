"""What `make run` prints once the stack is up: where to click, the demo login, the
providers set up, how to pay in the sandbox and a first booking to try."""

from __future__ import annotations

from local.seed import EMAIL, PASSWORD, SLUG, Demo


def set_up_providers() -> str:
    """The providers set up for this run (PENNY_PROVIDERS from the shell), for the banner."""
    from chalicelib import bootstrap

    available = sorted(bootstrap.environment_settings().providers.available)
    if not available:
        return 'none set up: each platform says "not available" (PENNY_PROVIDERS)'
    return f"{', '.join(available)} (PENNY_PROVIDERS)"


def _paid_lines(api_url: str, demo: Demo, sandbox_url: str) -> str:
    """How to pay in the sandbox: no real money moves, and only the signed webhook the
    sandbox then sends confirms the booking."""
    if not demo.paid_event_types:
        return ("\n  Paid bookings    none seeded: your PENNY_PROVIDERS has no sandbox Stripe or "
                "Razorpay\n")
    from chalicelib import bootstrap

    hold = bootstrap.environment_settings().payment_hold_seconds // 60
    return f"""
Paid bookings (the sandbox's checkout pages: no real money moves):

  {api_url}/{SLUG}/consult      USD 150.00 with Stripe: on its checkout page
      card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined
  {api_url}/{SLUG}/consult-in   INR 1,500.00 with Razorpay: its Pay button pays
  A booking holds its time for {hold} minutes; once paid, the sandbox's signed webhook
  confirms it. What was paid and sent: {sandbox_url}/stripe/_sandbox
  and {sandbox_url}/razorpay/_sandbox
"""


def banner(api_url: str, ws_url: str, demo: Demo, providers: str, sandbox_url: str,
           aws_url: str) -> str:
    start = demo.first_slot or "<a slot start from the slots URL>"
    return f"""
Penny is running locally.

  Booking page     {api_url}/{SLUG}/intro      (open it in a browser)
  Dashboard        {api_url}/app             (log in as the demo host, below)
  API              {api_url}   (as the Lambda Function URL serves it)
  WebSocket        {ws_url}/?token=<access token>
  OpenAPI          {api_url}/openapi.json
  Demo profile     {demo.profile_url}
  Slots (7 days)   {demo.slots_url}
  Demo login       {EMAIL} / {PASSWORD}   (POST {api_url}/auth/login)
  Providers        {providers}
  Provider sandbox {sandbox_url}   (fake Google, Microsoft, Zoom, Notion, Stripe,
                   Razorpay, Gemini: what Penny did there)
  Sent e-mail      {aws_url}/_outbox   (password reset links: "Forgot password?"
                   on the login page; nothing leaves this machine)
  Client notes     connect Notion on the dashboard's Connections page (the sandbox
                   shares its "Client notes" database); the demo host is premium, so
                   each booking also gets a Gemini brief (the sandbox's, offline)
{_paid_lines(api_url, demo, sandbox_url)}
Book the first free intro call:

  curl -sS -X POST '{demo.booking_url}' \\
    -H 'Content-Type: application/json' -H 'Idempotency-Key: try-me-1' \\
    -d '{{"start": "{start}",
         "attendee": {{"name": "Ada Client", "email": "ada@example.com",
                      "timezone": "Europe/London"}},
         "answers": {{"topic": "Getting started"}}}}'

Press Ctrl-C to stop.
"""
