"""An account made by 'Sign in with Google/Microsoft' takes its display name from the ID
token's `name`, which the provider's user chose: held to the checks every other name
gets (domain/text.py name_problem: no control or bidi-override characters, something
visible), else the address's local part."""
from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.domain.providers.oauth import Identity
from chalicelib.domain.text import name_problem
from tests.functional.conftest import Api


def test_a_provider_name_with_a_bidi_override_does_not_become_the_public_display_name(
        api: Api) -> None:
    spoof = "Support \u202eknaB tsurT"  # renders as "Support Trust Bank"
    assert name_problem(spoof) is not None  # a form could never set it

    signed = bootstrap.services().sign_in.sign_in(
        Identity("google", "sub-123", "ada@example.com", True, spoof), "UTC", "203.0.113.9")
    assert signed.created is not None

    page = api.get(f"/hosts/{signed.created.slug}").json
    assert name_problem(page["display_name"]) is None, page["display_name"]
