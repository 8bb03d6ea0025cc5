"""What on a host's own calendars keeps a slot off the booking page: one rule for every
provider.

Adapters describe each event of Google Calendar or Outlook in these terms (an
`ExternalEvent`) and the rule below decides; no adapter decides "busy" on its own, so
Google and Outlook can never disagree about the same kind of event:

- cancelled: free;
- declined by the host: free;
- shown as free (Google `transparency: transparent`; Graph `showAs` `free` or
  `workingElsewhere`), all day or not (a holiday on a shared calendar): free;
- anything else (busy, tentative, out of office, unknown; Google's `transparency`
  absent or opaque), all day or not: busy.

A calendar the provider could not read inside an otherwise successful answer (Google's
`calendars[id].errors`) is *unknown*: `CalendarBusy.unknown` says so, and unknown is
never free. One the provider says the host can no longer read at all (deleted, or no
longer shared: Google's `notFound`, Graph's 404, or its 403 while the host's own
calendar answers) is *gone* (`CalendarBusy.gone`, the reason): it holds nothing, and is
taken out of the host's calendars (services/calendar_gone.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.timerange import TimeRange, merge


class ShownAs(StrEnum):
    """How the event shows the host's time (Graph's `showAs`; Google: transparency)."""

    BUSY = "busy"
    TENTATIVE = "tentative"
    OUT_OF_OFFICE = "oof"
    WORKING_ELSEWHERE = "workingElsewhere"
    FREE = "free"
    UNKNOWN = "unknown"


FREE_KINDS = frozenset({ShownAs.FREE, ShownAs.WORKING_ELSEWHERE})


@dataclass(frozen=True)
class ExternalEvent:
    """One event (or one occurrence of a recurring one) on a host's calendar."""

    when: TimeRange
    shown_as: ShownAs = ShownAs.BUSY
    all_day: bool = False
    declined: bool = False       # the host's own response is "declined"
    cancelled: bool = False


def blocks(event: ExternalEvent) -> bool:
    """Whether the event keeps the host busy: the one rule (see the table above)."""
    if event.cancelled or event.declined:
        return False
    return event.shown_as not in FREE_KINDS


def google_shown_as(transparency: str | None) -> ShownAs:
    """Google has no `showAs`: `transparency: transparent` is "show me as available"."""
    return ShownAs.FREE if transparency == "transparent" else ShownAs.BUSY


def graph_shown_as(show_as: str | None) -> ShownAs:
    """Graph's `showAs`; a value Penny does not know is busy (unknown is never free)."""
    try:
        return ShownAs(show_as or "busy")
    except ValueError:
        return ShownAs.UNKNOWN


@dataclass(frozen=True)
class CalendarBusy:
    """One calendar's busy time over a window, as read: merged ranges, or `unknown`
    when the provider could not read that calendar (then the whole window is busy), or
    `gone` (why) when the provider says the host can no longer read it at all."""

    calendar_id: str
    window: TimeRange
    ranges: tuple[TimeRange, ...] = ()
    unknown: bool = False
    gone: str | None = None

    def busy(self) -> list[TimeRange]:
        return [self.window] if self.unknown else list(self.ranges)


def busy_of(calendar_id: str, window: TimeRange,
            events: Iterable[ExternalEvent]) -> CalendarBusy:
    """The calendar's busy time in `window` from its events, clipped and merged."""
    inside = [TimeRange(max(e.when.start, window.start), min(e.when.end, window.end))
              for e in events if blocks(e) and e.when.overlaps(window)]
    return CalendarBusy(calendar_id, window, tuple(merge(inside)))
