"""The sandbox page's calendar part: each calendar's events (what Penny created marked,
with its conference link, and a Delete button as the person's own app has), Zoom's
meetings, and the "Add a busy event" form a person uses to make a host busy (each
notifies like any other change)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from html import escape
from typing import Any

from sandbox.calendar_model import Calendar, CalendarEvent
from sandbox.model import Account


def _row(event: CalendarEvent, action: str) -> str:
    when = (f"{event.start:%Y-%m-%d} (all day)" if event.all_day
            else f"{event.start:%Y-%m-%d %H:%M}-{event.end:%H:%M} UTC")
    notes = [n for n in (
        f"weekly, {event.weekly or 'no end'} times" if event.weekly is not None else "",
        "free" if event.show_as in ("free", "workingElsewhere") else event.show_as,
        "declined" if event.declined else "", "cancelled" if event.cancelled else "",
        "by Penny" if event.created_by_app else "") if n]
    link = f'<a href="{escape(event.link)}">{escape(event.link)}</a>' if event.link else ""
    delete = (f'<form method="post" action="{escape(action)}">'
              f'<input type="hidden" name="action" value="delete-event">'
              f'<input type="hidden" name="calendar" value="{escape(event.calendar_id)}">'
              f'<input type="hidden" name="event" value="{escape(event.id)}">'
              f'<button type="submit">Delete</button></form>')
    return (f"<tr><td>{escape(when)}</td><td>{escape(event.title)}</td>"
            f"<td>{escape(', '.join(notes))}</td><td>{link}</td><td>{delete}</td></tr>")


def calendars(sections: Sequence[tuple[Account, Calendar, list[CalendarEvent]]],
              action: str) -> str:
    parts = []
    for account, calendar, events in sections:
        rows = "".join(_row(e, action) for e in sorted(events, key=lambda e: e.start))
        parts.append(
            f"<h3>{escape(account.email)}: {escape(calendar.name)}"
            f"{' (primary)' if calendar.primary else ''} <code>{escape(calendar.id)}</code></h3>"
            f"<table><tr><th>when</th><th>title</th><th></th><th>link</th><th></th></tr>"
            f"{rows or '<tr><td colspan=5>No events.</td></tr>'}</table>")
    accounts = {a.id: a for a, _, _ in sections}
    options = "".join(f'<option value="{escape(a.id)}">{escape(a.email)}</option>'
                      for a in accounts.values())
    today = date.today().isoformat()
    return (f"<h2>Calendars</h2>{''.join(parts)}<h2>Add a busy event</h2>"
            f'<form method="post" action="{escape(action)}">'
            f'<input type="hidden" name="action" value="add-event">'
            f'<label>Account <select name="account">{options}</select></label> '
            f'<label>Date <input type="date" name="date" value="{today}" required></label> '
            f'<label>Start <input type="time" name="start" value="09:00" required></label> '
            f'<label>End <input type="time" name="end" value="10:00" required></label> '
            f'<label>Title <input name="title" value="Busy"></label> '
            f'<button type="submit">Add a busy event</button></form>'
            f"<p>Times are UTC; the event goes on the account's primary calendar.</p>")


def busy_event_times(form: Any) -> tuple[datetime, datetime]:
    """The form's date, start and end as UTC instants (ValueError when malformed)."""
    day = date.fromisoformat(form.get("date", ""))
    start = datetime.combine(day, time.fromisoformat(form.get("start", "")), UTC)
    end = datetime.combine(day, time.fromisoformat(form.get("end", "")), UTC)
    if end <= start:
        raise ValueError("the end must be after the start")
    return start, end


def meetings(items: Sequence[dict[str, Any]]) -> str:
    rows = "".join(f"<tr><td><code>{m['id']}</code></td><td>{escape(str(m['topic']))}</td>"
                   f"<td>{escape(str(m.get('start_time', '')))}</td><td>{m['duration']} min</td>"
                   f"<td><a href=\"{escape(m['join_url'])}\">{escape(m['join_url'])}</a></td></tr>"
                   for m in items)
    return (f"<h2>Meetings</h2><table><tr><th>id</th><th>topic</th><th>start</th>"
            f"<th>duration</th><th>join URL</th></tr>"
            f"{rows or '<tr><td colspan=5>No meetings.</td></tr>'}</table>")
