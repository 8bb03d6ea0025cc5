"""Words for values the pages show: locations, durations, prices, times in a zone."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from chalicelib.domain.currencies import minor_digits
from chalicelib.domain.event_types import LocationKind, Price, call_note
from chalicelib.domain.wall_clock import hhmm

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥"}


def location_note(location: LocationKind, details: str | None = None,
                  shown: bool = True, phone: str | None = None) -> str:
    """Where the meeting happens, as the attendee's pages say it. A video meeting's link
    (or who sends it) has a line of its own: manage.py's `video_line`, video.js.
    `details`: the host's (an address, a number), for a meeting that is not a video
    call; `shown` says whether the page shows them beside the note (the booking's own
    page does) or not (the public booking page, before and after booking: they are in
    the booker's invite and on their booking's page). `phone`: a phone call's number to
    call, the client's (Booking.phone)."""
    if location.is_video:
        return f"{location.label} video call"
    if details and details.strip():
        if shown:
            return f"{location.label}:"
        return f"{location.label}: the details are in your calendar invite and on your " \
            "booking's page."
    if location is LocationKind.PHONE:
        return call_note(phone)
    return "In person: the host will confirm the address."


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def price_label(price: Price | None) -> str:
    if price is None or price.amount_minor == 0:
        return "Free"
    exponent = minor_digits(price.currency)
    amount = price.amount_minor / 10**exponent
    number = f"{amount:,.{exponent}f}"
    symbol = _SYMBOLS.get(price.currency)
    return f"{symbol}{number}" if symbol else f"{number} {price.currency}"


def hours_label(hours: int) -> str:
    return "1 hour" if hours == 1 else f"{hours} hours"


def refund_policy(hours_before: int) -> str:
    """The event type's refund rule, as the visitor reads it before paying."""
    if hours_before <= 0:
        return "Full refund if you cancel before the meeting starts."
    return (f"Full refund if you cancel at least {hours_label(hours_before)} before; "
            "no refund after that.")


def day_label(moment: datetime, zone: str) -> str:
    """'Tuesday, 24 November 2026': the day `moment` falls on in `zone`."""
    a = moment.astimezone(ZoneInfo(zone))
    return f"{a:%A}, {a.day} {a:%B %Y}"


def when_label(start: datetime, end: datetime, zone: str) -> str:
    """'Tuesday, 24 November 2026, 09:00 to 09:30 (America/New_York)', with an en dash."""
    tz = ZoneInfo(zone)
    a, b = start.astimezone(tz), end.astimezone(tz)
    return (f"{day_label(start, zone)}, {hhmm(a)}\N{EN DASH}{hhmm(b)} "
            f"({zone.replace('_', ' ')})")


def time_element(label: str, start: datetime, zone: str, end: datetime | None = None,
                 clock: bool = False) -> str:
    """`label` as a <time> the page's script rewrites in the visitor's locale and clock
    (clock.js `localizeTimes`): a range with `end`, a time of day with `clock`, else a
    day. The label is what shows without the script."""
    until = f' data-end="{escape(end.isoformat())}"' if end is not None else ""
    kind = " data-clock" if clock else ""
    return (f'<time datetime="{escape(start.isoformat())}" data-zone="{escape(zone)}"'
            f"{until}{kind}>{escape(label)}</time>")


def clock_label(moment: datetime, zone: str) -> str:
    """'14:32': the time of day `moment` is in `zone`."""
    return hhmm(moment.astimezone(ZoneInfo(zone)))
