"""What-ifs on a measured sample, priced without simulating again: the cuts the report
names for the dominant costs, each a change someone could make to Penny."""

from __future__ import annotations

from dataclasses import replace

from bench.costing.sample import Sample

STATIC = "GET /static/{name}"


def static_assets_off_lambda(sample: Sample) -> Sample:
    """Static files served by a CDN (CloudFront, say), never reaching the function."""
    return replace(sample, invocations=[r for r in sample.invocations if r.label != STATIC])
