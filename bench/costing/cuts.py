"""What-ifs on a measured sample, priced without simulating again: the cuts the report
names for the dominant costs, each a change someone could make to Penny."""

from __future__ import annotations

from dataclasses import replace

from bench.costing.sample import Sample

STATIC = "GET /static/{name}"
PING = "$default"
POST = "execute-api.PostToConnection"


def static_assets_off_lambda(sample: Sample) -> Sample:
    """Static files served by a CDN (CloudFront, say), never reaching the function."""
    kept = [r for r in sample.invocations if r.label != STATIC]
    served = len(sample.invocations) - len(kept)
    return replace(sample, invocations=kept,
                   front_door_requests=sample.front_door_requests - served)


def quieter_pings(sample: Sample, every_minutes: float = 9.0) -> Sample:
    """The dashboard pings every `every_minutes` (API Gateway's idle timeout is 10) and
    the server no longer answers: a message from the client alone keeps it open."""
    pings = [r for r in sample.invocations if r.label == PING]
    keep = round(len(pings) * sample.ping_minutes / every_minutes)
    quiet = [replace(r, requests=tuple(q for q in r.requests if q != POST))
             for r in pings[:keep]]
    others = [r for r in sample.invocations if r.label != PING]
    pongs = sum(r.requests.count(POST) for r in pings)
    return replace(sample, invocations=others + quiet,
                   ws_inbound_units=sample.ws_inbound_units - len(pings) + keep,
                   ws_outbound_units=sample.ws_outbound_units - pongs)
