"""Builders for request bodies, so tests state only what matters to them."""

from __future__ import annotations

from typing import Any

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def signup(slug: str = "alice", **overrides: Any) -> dict[str, Any]:
    return {"email": f"{slug}@example.com", "password": "correct horse battery",
            "slug": slug, "display_name": slug.title(), "timezone": "America/New_York",
            **overrides}


def weekdays(*ranges: tuple[str, str], days: tuple[str, ...] = WEEKDAYS[:5],
             overrides: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"weekly": {d: [{"start": a, "end": b} for a, b in ranges] for d in days},
            "overrides": overrides or []}


def event_type(slug: str = "intro", **overrides: Any) -> dict[str, Any]:
    return {"slug": slug, "title": slug.title(), "duration_minutes": 30,
            "location": {"kind": "google_meet"}, **overrides}


def booking(start: str, **overrides: Any) -> dict[str, Any]:
    return {"start": start, "attendee": {"name": "Bo Booker", "email": "bo@example.com",
                                         "timezone": "Europe/London"}, **overrides}


def profile(slug: str = "alice", **overrides: Any) -> dict[str, Any]:
    return {"slug": slug, "display_name": slug.title(), "timezone": "America/New_York",
            **overrides}


def question(qid: str = "topic", kind: str = "text", **overrides: Any) -> dict[str, Any]:
    return {"id": qid, "label": qid.title(), "type": kind, **overrides}
