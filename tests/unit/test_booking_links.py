"""The attendee's secret links (chalicelib/services/links.py): two nested capabilities.

The cancel link can do everything (view, .ics, reschedule, cancel); the reschedule link
can be forwarded and never cancels. A token is an HMAC of the booking uid, never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from chalicelib.services.links import BookingLinks, LinkPurpose

LINKS = BookingLinks("unit-test-link-secret", "https://penny.test")
CANCEL, RESCHEDULE = LinkPurpose.CANCEL, LinkPurpose.RESCHEDULE


def test_a_token_is_the_truncated_hmac_of_purpose_and_uid() -> None:
    mac = hmac.new(b"unit-test-link-secret", b"cancel:b-1", hashlib.sha256).digest()[:24]

    assert LINKS.token("b-1", CANCEL) == base64.urlsafe_b64encode(mac).decode().rstrip("=")
    assert len(LINKS.token("b-1", CANCEL)) == 32


def test_tokens_differ_by_purpose_booking_and_secret() -> None:
    other_secret = BookingLinks("another-secret", "https://penny.test")

    assert len({LINKS.token("b-1", CANCEL), LINKS.token("b-1", RESCHEDULE),
                LINKS.token("b-2", CANCEL), other_secret.token("b-1", CANCEL)}) == 4


def test_a_token_says_which_link_of_its_booking_it_is() -> None:
    assert LINKS.purpose_of("b-1", LINKS.token("b-1", CANCEL)) is CANCEL
    assert LINKS.purpose_of("b-1", LINKS.token("b-1", RESCHEDULE)) is RESCHEDULE


@pytest.mark.parametrize("token", ["", "nope", "é", "\udcff", "x" * 32])
def test_anything_else_is_no_link_and_never_an_error(token: str) -> None:
    assert LINKS.purpose_of("b-1", token) is None
    assert LINKS.allows("b-1", token, CANCEL, RESCHEDULE) is False


def test_another_bookings_token_is_no_link_to_this_one() -> None:
    assert LINKS.purpose_of("b-2", LINKS.token("b-1", CANCEL)) is None


def test_a_link_allows_only_the_purposes_asked_about() -> None:
    move = LINKS.token("b-1", RESCHEDULE)

    assert LINKS.allows("b-1", move, RESCHEDULE) is True
    assert LINKS.allows("b-1", move, CANCEL) is False
    assert LINKS.allows("b-1", move) is False


def test_the_cancel_link_holder_gets_every_link() -> None:
    cancel, move = LINKS.token("b-1", CANCEL), LINKS.token("b-1", RESCHEDULE)

    assert LINKS.urls("b-1") == LINKS.urls("b-1", CANCEL) == {
        "view": f"https://penny.test/booking/b-1?token={cancel}",
        "ics": f"https://penny.test/bookings/b-1/invite.ics?token={cancel}",
        "cancel": f"https://penny.test/booking/b-1/cancel?token={cancel}",
        "reschedule": f"https://penny.test/booking/b-1/reschedule?token={move}"}
    assert LINKS.tokens("b-1") == {"cancel_token": cancel, "reschedule_token": move}


def test_the_reschedule_link_holder_never_gets_the_cancel_link() -> None:
    move = LINKS.token("b-1", RESCHEDULE)

    assert LINKS.urls("b-1", RESCHEDULE) == {
        "view": f"https://penny.test/booking/b-1?token={move}",
        "ics": f"https://penny.test/bookings/b-1/invite.ics?token={move}",
        "reschedule": f"https://penny.test/booking/b-1/reschedule?token={move}"}
    assert LINKS.tokens("b-1", RESCHEDULE) == {"reschedule_token": move}
