"""When a text under a key id the container's ring lacks was sealed under a retired key
(the connection is broken) or under a key newer than the ring (a rotation rolling out: try
again), told from when it was sealed and when the container read its ring."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.connections import sealed_under_retired_key

RING_READ = datetime.fromisoformat("2026-03-02T09:00:00+00:00")
NOW = datetime.fromisoformat("2026-03-02T10:00:00+00:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_text_sealed_before_the_container_read_its_ring_was_under_a_retired_key() -> None:
    assert sealed_under_retired_key(at("2026-03-02T08:54:59+00:00"), RING_READ, NOW)


def test_a_text_sealed_after_the_container_read_its_ring_is_under_a_newer_key() -> None:
    assert not sealed_under_retired_key(at("2026-03-02T09:30:00+00:00"), RING_READ, NOW)


def test_a_text_sealed_within_five_minutes_before_the_ring_was_read_counts_as_newer() -> None:
    # The sealing Lambda's clock may be that far behind this one's.
    assert not sealed_under_retired_key(at("2026-03-02T08:55:00+00:00"), RING_READ, NOW)


def test_a_text_sealed_more_than_a_day_ago_was_under_a_retired_key_whatever_the_ring() -> None:
    sealed = at("2026-03-01T09:59:59+00:00")
    assert sealed_under_retired_key(sealed, None, NOW)
    assert sealed_under_retired_key(sealed, at("2026-02-28T00:00:00+00:00"), NOW)


def test_a_text_sealed_within_the_day_under_a_ring_read_before_is_under_a_newer_key() -> None:
    assert not sealed_under_retired_key(at("2026-03-01T10:00:00+00:00"), None, NOW)
    assert not sealed_under_retired_key(at("2026-03-01T10:00:00+00:00"),
                                        at("2026-03-01T09:00:00+00:00"), NOW)


def test_a_text_whose_sealing_time_was_not_recorded_is_never_taken_for_retired() -> None:
    assert not sealed_under_retired_key(None, RING_READ, NOW)
    assert not sealed_under_retired_key(None, None, NOW)
