from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.hosts import make_host


def test_visitor_books_a_listed_slot_and_it_disappears(api: Api) -> None:
    make_host(api)
    slots = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    assert slots.status == 200, slots.json
    first = slots.json["slots"]["2026-11-24"][0]["start"]
    assert first == "2026-11-24T14:00:00+00:00"
    r = api.post("/hosts/alice/intro/bookings", f.booking(first))
    assert r.status == 201, r.json
    again = api.get("/hosts/alice/intro/slots?start=2026-11-24&end=2026-11-24&timeZone=UTC")
    assert first not in [s["start"] for s in again.json["slots"]["2026-11-24"]]
