"""The Notion half of the sandbox's control surface for tests (ProviderSandbox mixes it
in): the seeded database, a second data source, un-sharing, a page gone for good, and
what Penny wrote (pages as `GET /v1/pages/{id}` answers them, their blocks). Faults,
delays and call counters are the shared ones: `fail_next_api_calls("notion", ...)`,
`set_api_delay("notion", ...)`, `api_calls("notion", "pages.create")` (CalendarControl)."""

from __future__ import annotations

from typing import Any

from sandbox import notion_objects as objects
from sandbox.notion import NotionProvider
from sandbox.notion_store import NotionStore, seeded_schema
from sandbox.notion_values import plain, schema_property
from sandbox.provider import FakeProvider


class NotionControl:
    providers: dict[str, FakeProvider]

    def _notion(self) -> NotionProvider:
        provider = self.providers["notion"]
        assert isinstance(provider, NotionProvider)
        return provider

    def _notion_store(self, account: str | None) -> tuple[NotionStore, str]:
        provider = self._notion()
        accounts = provider.server.accounts
        account_id = next(iter(accounts)) if account is None else \
            next(a.id for a in accounts.values() if account in (a.id, a.email))
        provider.store.workspace(account_id)
        return provider.store, account_id

    def notion_connect(self, account: str | None = None) -> dict[str, str]:
        """The host allows Penny on the consent page (without a browser): the token
        answer's `access_token` and `refresh_token`, for the API and for a refresh."""
        provider = self._notion()
        _, account_id = self._notion_store(account)
        client = next(iter(provider.server.clients.values()))
        request = provider.server.begin(client.client_id, client.redirect_uris[0], (), None,
                                        None, None, None, {"owner": "user"})
        _, code = provider.server.decide(request.id, True, account_id)
        assert code is not None
        issued = provider.server.exchange_code(client.client_id, code, request.redirect_uri,
                                               None)
        return {"access_token": issued.access_token,
                "refresh_token": issued.refresh_token or ""}

    def notion_database_id(self, account: str | None = None) -> str:
        """The id of the account's seeded database "Client notes" (default: the first
        seeded account's), the one a host shares with Penny."""
        store, account_id = self._notion_store(account)
        return store.workspace(account_id)[0].id

    def notion_data_sources(self, database_id: str | None = None) -> list[dict[str, Any]]:
        """The database's data sources, as `GET /v1/data_sources/{id}` answers them."""
        store, _ = self._notion_store(None)
        with store.lock:
            db = store.databases[database_id or self.notion_database_id()]
            return [objects.data_source(store.sources[s], "sandbox", db.in_trash)
                    for s in db.source_ids]

    def notion_add_data_source(self, name: str = "Second source",
                               database_id: str | None = None,
                               properties: dict[str, str] | None = None) -> str:
        """Another data source in the database (the host adds one in Notion), with these
        properties (name -> type) or the seeded ones; its id."""
        store, _ = self._notion_store(None)
        schema = seeded_schema() if properties is None else {
            n: schema_property(n, kind) for n, kind in properties.items()}
        return store.add_source(database_id or self.notion_database_id(), name, schema).id

    def notion_share(self, shared: bool, database_id: str | None = None) -> None:
        """Share the database with Penny's integration again, or un-share it: then it,
        its data sources and their pages answer 404 object_not_found."""
        store, _ = self._notion_store(None)
        with store.lock:
            store.databases[database_id or self.notion_database_id()].shared = shared

    def notion_trash_database(self, in_trash: bool = True,
                              database_id: str | None = None) -> None:
        """The host deletes the database in Notion (or restores it): it and its data
        sources answer `in_trash: true`, and making or editing a page in it is refused
        with Notion's 400 "Can't edit block that is archived"."""
        store, _ = self._notion_store(None)
        with store.lock:
            store.databases[database_id or self.notion_database_id()].in_trash = in_trash

    def notion_pages(self, data_source_id: str | None = None) -> list[dict[str, Any]]:
        """Pages in one data source (default: every data source of the seeded database),
        oldest first, those in the trash too, as `GET /v1/pages/{id}` answers them."""
        store, _ = self._notion_store(None)
        provider = self._notion()
        with store.lock:
            sources = [data_source_id] if data_source_id else \
                store.databases[self.notion_database_id()].source_ids
            return [objects.page(p, store.sources[p.source_id], provider.base_url)
                    for s in sources for p in store.pages_in(s)]

    def notion_trash(self, page_id: str, in_trash: bool = True) -> None:
        """The host moves a page to the trash in Notion (or restores it)."""
        store, _ = self._notion_store(None)
        with store.lock:
            store.pages[page_id].in_trash = in_trash

    def notion_page_gone(self, page_id: str, still_listed: bool = True) -> None:
        """The host deletes a page for good (emptying Notion's trash) or moves it where
        Penny's integration cannot see it: the page and its blocks answer 404
        object_not_found. `still_listed`: the data source's query lists it a while yet
        (Notion's index lags), so Penny finds it by its Booking and the edit after 404s."""
        store, _ = self._notion_store(None)
        with store.lock:
            page = store.pages[page_id]
            page.gone, page.still_listed = True, still_listed

    def notion_host_adds_bullet(self, page_id: str, text: str,
                                after: str | None = None) -> None:
        """The host clicks after the page's last bullet (or after the block `after`),
        presses Enter and types: a bullet of their own there (made by them, not Penny's
        integration)."""
        store, _ = self._notion_store(None)
        with store.lock:
            store.append(store.pages[page_id], objects.block_specs([{
                "type": "bulleted_list_item", "bulleted_list_item": {
                    "rich_text": [{"type": "text", "text": {"content": text}}]}}]), "host",
                after)

    def notion_blocks(self, page_id: str) -> list[dict[str, Any]]:
        """The page's blocks, in order, as `GET /v1/blocks/{id}/children` lists them."""
        store, _ = self._notion_store(None)
        with store.lock:
            return [objects.block(b) for b in store.live_children(page_id)]

    def notion_texts(self, page_id: str) -> list[tuple[str, str]]:
        """The page's blocks as (type, plain text): `("bulleted_list_item", "E-mail: ...")`."""
        return [(b["type"], plain(b[b["type"]]["rich_text"])) for b in self.notion_blocks(page_id)]
