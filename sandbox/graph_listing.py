"""Graph's listings in the fake: one page of `$top` items (the API's own page size
without it) from `$skip`, with the `@odata.nextLink` to the next, which names the real
host (https://graph.microsoft.com) as Graph does; and a calendar's events (`GET
.../events`), those its `$filter` keeps (graph_extended_properties.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from sandbox.calendar_model import CalendarEvent
from sandbox.graph_events import preferred_zone, render
from sandbox.graph_extended_properties import BadFilter, event_filter
from sandbox.graph_wire import GRAPH, context, graph_error
from sandbox.model import Account
from sandbox.wire import json_response

Item = TypeVar("Item")


def page_of(request: Request, found: Sequence[Item], page_size: int
            ) -> tuple[Sequence[Item], dict[str, Any]]:
    """The request's page of `found`, and the nextLink field (none on the last page).
    ValueError: a `$skip` or `$top` that is not a number."""
    args = {key.lower(): value for key, value in request.args.items()}
    skip, top = int(args.get("$skip", 0)), int(args.get("$top", page_size))
    more: dict[str, Any] = {}
    if skip + top < len(found):
        query = urlencode({**dict(request.args.items()), "$skip": skip + top}, safe="$")
        more["@odata.nextLink"] = f"{GRAPH}{request.path.removeprefix('/microsoft')}?{query}"
    return found[skip:skip + top], more


def list_events(events: Sequence[CalendarEvent], owner: Account, request: Request,
                page_size: int) -> Response:
    """A calendar's events (single ones and series masters, not occurrences), oldest
    first, those the `$filter` keeps; a filter the fake cannot read is Graph's 400."""
    try:
        keeps = event_filter(request.args.get("$filter"))
    except BadFilter as bad:
        return graph_error(400, "BadRequest", str(bad))
    kept = [e for e in events if keeps(e)]  # the store's order: oldest first
    try:
        found, more = page_of(request, kept, page_size)
    except ValueError as exc:
        return graph_error(400, "ErrorInvalidParameter", str(exc))
    zone_name = preferred_zone(request.headers.get("Prefer"))
    return json_response({**context(f"users('{owner.id}')/events"), "value": [
        render(e, owner, zone_name, master=e.weekly is not None) for e in found], **more})
