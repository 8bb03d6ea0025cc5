"""Crawlers in the month: the public pages they fetch, and the assets of the share that
run the booking page's script."""

from __future__ import annotations

from collections.abc import Callable

from bench.costing.harness import Harness
from bench.costing.sample_host import Host
from bench.costing.scenario import Scenario

BOT_AGENT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


class BotVisits:
    """A host's month of bots, weighted in the part "bots"."""

    harness: Harness
    booking_assets: list[str]
    _page: Callable[..., str]

    def _bots(self, host: Host, s: Scenario) -> None:
        """Crawlers fetch the public pages; a share of them run the booking page's script."""
        h = self.harness
        pages = [f"/{host.slug}", f"/{host.slug}/intro", f"/{host.slug}/session"]
        bot = {"user-agent": BOT_AGENT}
        with h.weighted("bots", s.bot_views_per_host / len(pages)):
            for path in pages:
                self._page(path, bot)
        # The month's slots came with the page: a bot running its script asks for none.
        rendered = s.bot_views_per_host * s.bot_render_share
        with h.weighted("bots", rendered * s.asset_miss_rate):
            for path in self.booking_assets:
                h.http("GET", path, headers=bot)
