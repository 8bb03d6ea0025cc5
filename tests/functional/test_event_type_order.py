"""The order a host lists their event types in: chosen with PUT /me/event-types/order,
shown by the dashboard's list, the public profile (API and page); new ones go last. The
order rides on the profile item the config Query reads anyway: no read is added to the
public pages."""

from __future__ import annotations

import re
from typing import Any

from tests.functional import factories as f
from tests.functional.conftest import Api
from tests.functional.dynamodb_requests import recorded
from tests.functional.hosts import make_host


def _host_with(api: Api, *slugs: str) -> str:
    """Alice with `intro` and the event types `slugs`, made in that order."""
    token = make_host(api, "alice")
    for slug in slugs:
        r = api.post("/me/event-types", f.event_type(slug), token=token)
        assert r.status == 201, r.json
    return token


def _listed(api: Api, token: str) -> tuple[list[str], int]:
    answer = api.get("/me/event-types", token=token).json
    return [et["slug"] for et in answer["event_types"]], answer["order_version"]


def _ids(api: Api, token: str) -> dict[str, str]:
    listed = api.get("/me/event-types", token=token).json["event_types"]
    return {et["slug"]: et["id"] for et in listed}


def _order(api: Api, token: str, *slugs: str, **extra: Any) -> Any:
    ids = _ids(api, token)
    return api.put("/me/event-types/order", {"ids": [ids[s] for s in slugs], **extra},
                   token=token)


def _profile_page_slugs(api: Api) -> list[str]:
    html = api.get("/alice").body.decode()
    return re.findall(r'class="event-link" href="[^"]*/alice/([a-z0-9-]+)"', html)


def test_new_event_types_go_last_though_no_order_was_chosen(api: Api) -> None:
    token = _host_with(api, "zoom-chat", "advice")

    slugs, _ = _listed(api, token)

    assert slugs == ["intro", "zoom-chat", "advice"]
    assert _profile_page_slugs(api) == ["intro", "zoom-chat", "advice"]


def test_the_chosen_order_is_shown_by_the_list_the_public_profile_and_its_page(
        api: Api) -> None:
    token = _host_with(api, "advice", "zoom-chat")

    r = _order(api, token, "zoom-chat", "intro", "advice")

    assert r.status == 200, r.json
    ids = _ids(api, token)
    assert r.json["ids"] == [ids["zoom-chat"], ids["intro"], ids["advice"]]
    assert _listed(api, token)[0] == ["zoom-chat", "intro", "advice"]
    public = api.get("/hosts/alice").json["event_types"]
    assert [et["slug"] for et in public] == ["zoom-chat", "intro", "advice"]
    assert _profile_page_slugs(api) == ["zoom-chat", "intro", "advice"]


def test_an_event_type_made_after_an_order_was_chosen_goes_last(api: Api) -> None:
    token = _host_with(api, "advice")
    assert _order(api, token, "advice", "intro").status == 200

    api.post("/me/event-types", f.event_type("aaa"), token=token)

    assert _listed(api, token)[0] == ["advice", "intro", "aaa"]


def test_the_order_is_kept_through_a_slug_change_and_an_event_types_save(api: Api) -> None:
    token = _host_with(api, "advice")
    assert _order(api, token, "advice", "intro").status == 200
    ids = _ids(api, token)

    assert api.put("/me/profile", f.profile("alice-b"), token=token).status == 200
    read = api.get(f"/me/event-types/{ids['advice']}", token=token).json
    body = {k: v for k, v in read.items() if k not in ("id", "version")}
    body["location"] = {"kind": "google_meet"}
    assert api.put(f"/me/event-types/{ids['advice']}", {**body, "slug": "aaa-advice"},
                   token=token).status == 200

    assert _listed(api, token)[0] == ["aaa-advice", "intro"]
    public = api.get("/hosts/alice-b").json["event_types"]
    assert [et["slug"] for et in public] == ["aaa-advice", "intro"]


def test_an_order_naming_an_id_that_is_not_one_of_the_hosts_is_refused(api: Api) -> None:
    token = _host_with(api, "advice")
    bob = make_host(api, "bob")
    bobs = _ids(api, bob)["intro"]
    ids = _ids(api, token)

    r = api.put("/me/event-types/order", {"ids": [ids["advice"], ids["intro"], bobs]},
                token=token)

    assert r.status == 400, r.json
    assert (r.code, r.json["error"]["field"]) == ("unknown_event_type", "ids.2")
    assert "not one of your event types" in r.json["error"]["message"]
    assert _listed(api, token)[0] == ["intro", "advice"]


def test_an_order_leaving_an_event_type_out_is_refused_naming_it(api: Api) -> None:
    token = _host_with(api, "advice", "zoom-chat")

    r = _order(api, token, "zoom-chat", "intro")

    assert r.status == 400, r.json
    assert (r.code, r.json["error"]["field"]) == ("event_type_missing", "ids")
    assert "Advice" in r.json["error"]["message"]
    assert _listed(api, token)[0] == ["intro", "advice", "zoom-chat"]


def test_an_order_naming_an_event_type_twice_is_refused(api: Api) -> None:
    token = _host_with(api, "advice")

    r = _order(api, token, "advice", "intro", "advice")

    assert r.status == 400, r.json
    assert r.code == "validation_error"
    assert r.json["error"]["field"] == "ids.2"


def test_an_order_that_is_no_list_of_ids_is_refused_as_input(api: Api) -> None:
    token = _host_with(api)

    for body in ({}, {"ids": "intro"}, {"ids": [7]}, {"ids": [], "version": -1}):
        r = api.put("/me/event-types/order", body, token=token)
        assert r.status == 400, (body, r.json)
        assert r.json["error"]["code"], body


def test_an_order_with_the_version_read_is_made_and_answers_the_next(api: Api) -> None:
    token = _host_with(api, "advice")
    _, version = _listed(api, token)

    r = _order(api, token, "advice", "intro", version=version)

    assert r.status == 200, r.json
    assert r.json["version"] == version + 1
    assert _listed(api, token) == (["advice", "intro"], version + 1)


def test_an_order_with_an_older_version_is_refused_with_the_order_as_it_is(
        api: Api) -> None:
    token = _host_with(api, "advice", "zoom-chat")
    _, version = _listed(api, token)
    saved = _order(api, token, "zoom-chat", "advice", "intro", version=version)
    assert saved.status == 200, saved.json

    with recorded() as requests:
        refused = _order(api, token, "advice", "intro", "zoom-chat", version=version)
        writes = requests.take().get("UpdateItem")

    assert refused.status == 409, refused.json
    assert refused.code == "event_type_order_changed"
    assert "elsewhere" in refused.json["error"]["message"]
    assert refused.json["current"] == saved.json
    assert writes is None
    assert _listed(api, token)[0] == ["zoom-chat", "advice", "intro"]


def test_an_order_read_before_an_event_type_was_made_elsewhere_is_refused_as_changed(
        api: Api) -> None:
    token = _host_with(api, "advice")
    _, version = _listed(api, token)
    ids = _ids(api, token)
    api.post("/me/event-types", f.event_type("zoom-chat"), token=token)  # another tab

    r = api.put("/me/event-types/order",
                {"ids": [ids["advice"], ids["intro"]], "version": version}, token=token)

    assert r.status == 409, r.json
    assert r.code == "event_type_order_changed"
    assert [_ids(api, token)[s] for s in ("intro", "advice", "zoom-chat")] == \
        r.json["current"]["ids"]


def test_an_order_without_a_version_is_the_last_writers(api: Api) -> None:
    token = _host_with(api, "advice")
    assert _order(api, token, "advice", "intro").status == 200

    r = _order(api, token, "intro", "advice")

    assert r.status == 200, r.json
    assert _listed(api, token)[0] == ["intro", "advice"]


def test_a_deleted_event_type_leaves_the_order_of_the_others(api: Api) -> None:
    token = _host_with(api, "advice", "zoom-chat")
    assert _order(api, token, "zoom-chat", "intro", "advice").status == 200

    assert api.delete(f"/me/event-types/{_ids(api, token)['intro']}", token=token).status == 204

    assert _listed(api, token)[0] == ["zoom-chat", "advice"]
    assert _order(api, token, "advice", "zoom-chat").status == 200


def test_the_profile_page_and_api_read_the_hosts_config_once_in_the_chosen_order(
        api: Api) -> None:
    token = _host_with(api, "advice")
    assert _order(api, token, "advice", "intro").status == 200

    with recorded() as requests:
        page = api.get("/alice")
        page_reads = requests.take()
        public = api.get("/hosts/alice")
        api_reads = requests.take()

    assert page.status == public.status == 200
    assert page_reads == api_reads == {"Query": 1}


def test_a_deleted_event_types_id_leaves_the_stored_order(api: Api) -> None:
    from chalicelib.store.items import HostItem

    token = _host_with(api, "advice")
    ids = _ids(api, token)
    host_id = api.get("/me/profile", token=token).json["id"]

    assert api.delete(f"/me/event-types/{ids['advice']}", token=token).status == 204

    assert HostItem.get(f"HOST#{host_id}", "PROFILE").event_order == [ids["intro"]]
