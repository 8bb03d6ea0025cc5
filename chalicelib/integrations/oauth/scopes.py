"""Which scopes each feature asks for, per provider: the narrowest that do the job.

Vendor-free (no SDK is imported here), so the API can list what a provider supports
without loading its OAuth client. A feature a provider lacks is absent from its table;
a feature present with no scopes (Notion) needs none: the user picks pages at consent.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.domain.providers.oauth import Feature

GOOGLE_CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events.owned"
GOOGLE_FREEBUSY = "https://www.googleapis.com/auth/calendar.events.freebusy"
GOOGLE_CALENDAR_LIST = "https://www.googleapis.com/auth/calendar.calendarlist.readonly"

# Google. Calendar: `calendar.events.freebusy` reads only busy blocks (no titles, no
# attendees) on the calendars the host can see, which is all freebusy.query needs, and
# `calendar.events.owned` creates, moves and deletes events (with their Meet link) on the
# calendars the host owns, not on calendars others share with them, and
# `calendar.calendarlist.readonly` lists the host's calendars (ids, names, access roles;
# no events) so the host can pick which ones count and where bookings go: neither of
# the other two covers calendarList.list. Together they are narrower than `calendar.events`
# (every event on every calendar) or `calendar.readonly`.
# Notes: Docs Penny creates (`documents` + `drive.file`: files Penny made or was given).
# `openid email` always: the ID token says which account connected.
GOOGLE: Mapping[Feature, tuple[str, ...]] = {
    Feature.CALENDAR: (GOOGLE_FREEBUSY, GOOGLE_CALENDAR_EVENTS, GOOGLE_CALENDAR_LIST),
    Feature.VIDEO: (GOOGLE_CALENDAR_EVENTS,),  # Meet: conferenceData on the event
    Feature.NOTES: ("https://www.googleapis.com/auth/documents",
                    "https://www.googleapis.com/auth/drive.file"),
    Feature.SIGN_IN: ("profile",),
}
GOOGLE_ALWAYS = ("openid", "email")

# Microsoft (Graph). `Calendars.ReadWrite` is the one delegated permission that reads
# calendarView/getSchedule and writes events; a Teams link rides on the event
# (isOnlineMeeting), so video needs nothing more. msal adds `openid profile
# offline_access` to every request itself (and refuses them from the caller).
MICROSOFT: Mapping[Feature, tuple[str, ...]] = {
    Feature.CALENDAR: ("Calendars.ReadWrite",),
    Feature.VIDEO: ("Calendars.ReadWrite",),
    Feature.SIGN_IN: ("email",),  # the email claim, with xms_edov saying if it is verified
}
MICROSOFT_ALWAYS: tuple[str, ...] = ()

# Zoom: granular scopes, set on the app in the Zoom Marketplace (the authorize request
# names none): create, update and delete the host's own meetings, read one back (a PATCH
# answers 204 with no body, so the join URL is read after a reschedule), and read the
# host's own user (the e-mail the connection is shown with).
ZOOM: Mapping[Feature, tuple[str, ...]] = {
    Feature.VIDEO: ("meeting:write:meeting", "meeting:update:meeting",
                    "meeting:delete:meeting", "meeting:read:meeting", "user:read:user"),
}
ZOOM_ALWAYS: tuple[str, ...] = ()

# Notion has no scopes: the user picks the pages and databases Penny may use at consent.
NOTION: Mapping[Feature, tuple[str, ...]] = {Feature.NOTES: ()}
NOTION_ALWAYS: tuple[str, ...] = ()

TABLES: Mapping[str, tuple[Mapping[Feature, tuple[str, ...]], tuple[str, ...]]] = {
    "google": (GOOGLE, GOOGLE_ALWAYS),
    "microsoft": (MICROSOFT, MICROSOFT_ALWAYS),
    "zoom": (ZOOM, ZOOM_ALWAYS),
    "notion": (NOTION, NOTION_ALWAYS),
}


def scopes_for(provider: str, features: frozenset[Feature]) -> tuple[str, ...]:
    """The scopes `features` need at `provider`, each once, in a stable order; ValueError
    for a feature the provider does not offer."""
    table, always = TABLES[provider]
    missing = sorted(feature.value for feature in features if feature not in table)
    if missing:
        raise ValueError(f"{provider} does not offer {', '.join(missing)} "
                         f"(it offers {', '.join(sorted(f.value for f in table))})")
    asked = [scope for feature in Feature if feature in features for scope in table[feature]]
    return tuple(dict.fromkeys((*always, *asked)))
