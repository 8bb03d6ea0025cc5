// The host's platforms: the cards of the Connections page and the welcome steps, and the
// way back from a provider's consent page.
//
// Whether a provider is set up on this Penny comes with the page (dashboard.py); the
// host's own state comes from GET /me/connections, read when either view opens and after
// each change. Connect asks the API for the provider's consent URL (the answer also sets
// the cookie the callback checks) and sends the whole window there; the way back says how
// it went (app-connection-news.js). Stripe and Razorpay connect their own ways
// (app-payments.js).
//
// This module reads the list and carries out the cards' actions. What is known, and what
// a card shows of it: app-connection-model.js; the cards: app-connection-cards.js; the
// words: app-connection-words.js; the welcome steps and the Connections page, which show
// the cards: app-connection-pages.js.

import { ApiError } from "./api.js";
import { $, h, toast } from "./app-dom.js";
import { toProvider } from "./app-provider-trip.js";
import { createCardLists } from "./app-connection-cards.js";
import { createConnectionModel } from "./app-connection-model.js";
import { createConnectionNews, takeConnectReturn } from "./app-connection-news.js";
import { brokenBecause, names } from "./app-connection-words.js";
import { createRazorpayDialog, takeStripeReturn } from "./app-payments.js";

// `onLoaded(connections, connected)` hears each GET /me/connections answer, with the
// integrations connected and working (the Calendars section shows while a calendar
// provider is connected). `cardDetail(integration, connection, connected)` may give an
// element to show under a card on the Connections page (where notes go: app-notes.js);
// the same element each time, so what it holds survives a redraw. `zone()`: the host's
// zone, in which the cards say when a connection was made, tested or broke.
const WELCOME_GROUP = "penny.welcome.group";

export function createConnections(api, integrations,
  { onLoaded = () => {}, cardDetail = () => null, zone = () => null } = {}) {
  const model = createConnectionModel(integrations, zone);
  let generation = 0;
  let newest = Promise.resolve(); // the newest read of the list (load)
  const dialog = $("#disconnect-dialog");
  const banner = $("#connections-status");
  const returned = takeConnectReturn();
  const fromStripe = { view: takeStripeReturn() };
  const razorpay = createRazorpayDialog(api, {
    onConnected: razorpayConnected, onClosed: () => focusCard("razorpay", "webhook"),
  });
  const lists = createCardLists(integrations, model, { cardDetail, act });
  const { redraw, focusCard } = lists;
  const news = createConnectionNews(model, { api, integrations, say, redraw, load });

  // A message about a connection: in the Connections page's status line while it is
  // shown (it stays until the next one), otherwise as a toast. Both are live regions.
  function say(headline, detail, kind = "info") {
    if (banner.closest("[hidden]")) return toast(headline, { detail, kind });
    banner.replaceChildren(h("p", { class: `notice notice-${kind}` }, h("strong", {}, headline), " ", detail));
  }

  // ---- talking to the API ------------------------------------------------------------

  // Read the list; resolves once the newest read begun by then has ended. A read that a
  // newer one overtook (the socket's catch-up as the page opens) waits for that one: what
  // comes after `await load()` (the way back's "… is connected") must see the list.
  function load() {
    const mine = ++generation;
    newest = (async () => {
      try {
        const answer = await api.get("/me/connections");
        if (mine !== generation) return newest;
        model.connections = new Map(answer.connections.map((c) => [c.provider, c]));
        model.loaded = true;
        redraw();
        onLoaded(answer.connections, model.connectedIntegrations());
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (mine !== generation) return newest;
        if (error.status !== 401) say("Could not load your connections.", error.message, "warning");
      }
      return undefined;
    })();
    return newest;
  }

  function act(action, integration, button) {
    if (integration.provider === "razorpay" && (action === "connect" || action === "reconnect")) {
      return razorpay.open(button);
    }
    if (action === "webhook") return razorpay.open(button, model.webhookOf(integration.provider));
    if (action === "connect" || action === "reconnect") return connect(integration, button);
    if (action === "disconnect") return confirmDisconnect(integration);
    if (action === "test") return test(integration, button);
    return null;
  }

  // The way back comes to the view the card was pressed on: the welcome steps (at the
  // card's step, remembered for this tab) or the Connections page.
  async function connect(integration, button) {
    const fromWelcome = Boolean(button.closest('[data-view="welcome"]'));
    if (fromWelcome) sessionStorage.setItem(WELCOME_GROUP, integration.group);
    const refused = await toProvider(button, () => api.post(`/me/connections/${integration.provider}`,
      { features: [integration.feature], return_to: fromWelcome ? "welcome" : "connections" }));
    if (!refused) return;
    say(`Could not connect ${integration.name}`, refused.message, "warning");
    load();
  }

  function confirmDisconnect(integration) {
    const vendor = integration.vendor;
    // One connection serves every card of its provider: they go together.
    const others = model.servedBy(integration.provider).filter((i) => i !== integration);
    const along = others.length
      ? ` This disconnects ${names(others)} too: Penny has one ${vendor} connection for ${others.length > 1 ? "them all" : "both"}.`
      : "";
    $("#disconnect-title").textContent = `Disconnect ${integration.name}?`;
    $("#disconnect-summary").textContent = integration.group === "payments"
      ? `Penny stops taking payments with your ${vendor} account and forgets it here; the account stays yours at ${vendor}. Paid event types cannot be booked until you connect Stripe or Razorpay again. Bookings already paid stay paid.`
      : `Penny asks ${vendor} to revoke its access, so the tokens it holds stop working, then deletes them. Bookings already made stay where they are.${along} You can connect again at any time.`;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "confirm") return focusCard(integration.id, "disconnect");
      try {
        await api.del(`/me/connections/${integration.provider}`);
        model.tested.delete(integration.provider);
        model.webhooks.delete(integration.provider);
        say(`${integration.name} is disconnected`, integration.group === "payments"
          ? `Penny no longer takes payments with your ${vendor} account.`
          : `Penny revoked its access at ${vendor} and deleted the tokens.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        say(`Could not disconnect ${integration.name}`, error.message, "warning");
      }
      await load();
      focusCard(integration.id, "connect");
    }, { once: true });
  }

  async function test(integration, button) {
    const provider = integration.provider;
    const hadFocus = document.activeElement === button;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const answer = await api.post(`/me/connections/${provider}/test`);
      model.connections.set(provider, { ...model.connections.get(provider), ...answer });
      if (answer.status === "connected") {
        model.tested.set(provider, new Date().toISOString());
        say(`${integration.name} works`, `Penny reached ${integration.vendor}${answer.account ? ` as ${answer.account}` : ""} just now.`);
      } else {
        news.sayChecked(integration, answer);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "connection_broken") {
        // Marked broken now, so the live connection.broken that follows says nothing twice.
        model.connections.set(provider, { ...model.connections.get(provider), status: "broken", broken_reason: error.message });
        say(`${integration.name} stopped working`, brokenBecause(error.message, integration.vendor), "warning");
      } else {
        say(`Could not test ${integration.name}`, error.message, "warning");
      }
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
    redraw();
    if (hadFocus) focusCard(integration.id, "test");
    await load();
  }

  // ---- Razorpay's dialog -------------------------------------------------------------

  function razorpayConnected(answer) {
    model.connections.set("razorpay", answer);
    model.webhooks.set("razorpay", answer.webhook_url);
    model.tested.delete("razorpay");
    redraw();
    say("Razorpay is connected", "One more step at Razorpay: add the webhook the dialog shows, so Penny hears of each payment.");
    load();
  }

  // Live news of a connection: broken (the card turns Broken, with Reconnect), or
  // repaired (a reconnect, new keys, a late refresh that went through: the card shows the
  // connection as it now is). Either way the list is read again for the rest.
  function onEvent(event) {
    const change = event.connection;
    if (!change) return;
    if (event.type === "connection.broken") news.broke(change);
    else if (event.type === "connection.repaired") news.repaired(change);
    else return;
    load();
  }

  // What the way back from a provider said, once, on the view it came back to; back
  // from Stripe's onboarding, how the account stands now.
  async function sayReturn(view) {
    const back = returned && returned.view === view && !returned.said ? returned : null;
    if (back) {
      back.said = true;
      news.sayReturn(back);
    }
    if (fromStripe.view === view) {
      fromStripe.view = null;
      await news.checkStripe();
    }
  }

  return {
    // `details`: the cards show what cardDetail gives (on one mount only: an element
    // is in one place at a time).
    mount(name, list, group, { details = false } = {}) {
      lists.mount(name, list, group, details);
    },
    load,
    onEvent,
    // The group of cards (a welcome step) whose card was pressed before the way back to
    // the welcome steps; null when this is no such way back.
    welcomeReturn() {
      const provider = fromStripe.view === "welcome" ? "stripe"
        : returned && returned.view === "welcome" && !returned.said ? returned.provider : null;
      if (!provider) return null;
      const remembered = sessionStorage.getItem(WELCOME_GROUP);
      sessionStorage.removeItem(WELCOME_GROUP);
      const cards = model.cardsOf(provider);
      return remembered || (cards.length ? cards[0].group : null);
    },
    async enterWelcome() {
      await load();
      await sayReturn("welcome");
    },
    // The Connections page opened: a fresh status line, fresh states, and what the
    // provider's redirect said, if this is the way back from one.
    async enterPage() {
      banner.replaceChildren();
      await load();
      await sayReturn("connections");
    },
  };
}
