// The host's platforms: the cards of the Connections page and the welcome steps, and the
// way back from a provider's consent page.
//
// Whether a provider is set up on this Penny comes with the page (dashboard.py); the
// host's own state comes from GET /me/connections, read when either view opens and after
// each change. Connect asks the API for the provider's consent URL (the answer also sets
// the cookie the callback checks) and sends the whole window there. The provider sends
// the browser back to /oauth/<provider>/callback, which redirects to this page with
// ?connected=<provider> or ?provider=<provider>&error=<code>: the page says it in words
// and takes it off the URL, so a reload or a bookmark does not say it again. Stripe and
// Razorpay connect their own ways (app-payments.js).
//
// One Google connection serves two cards, Google Calendar and Google Docs, each Connect
// asking for its own scopes (incremental consent keeps the others). A card that names
// `scopes` (dashboard.py) counts the connection as its own only when it holds them: a
// Google connection made for the calendar alone leaves Google Docs "Not connected", and
// one made for the Docs alone leaves Google Calendar so.

import { ApiError } from "./api.js";
import { $, fromTemplate, h, takeReturn, toProvider, toast, uniqueId } from "./app-dom.js";
import { PAYMENT_ASKS, createRazorpayDialog, takeStripeReturn } from "./app-payments.js";

export const GROUPS = [
  { id: "calendar", title: "Calendars and video", lead: "Penny checks your calendars for conflicts and adds each booking with a video link." },
  { id: "notes", title: "Notes", lead: "After each booking, Penny can save the client's answers as notes." },
  { id: "payments", title: "Payments", lead: "Take payment when a client books a paid event type." },
];

// What Connect asks the provider for: only what the feature needs (incremental consent).
const ASKS = {
  calendar: (vendor) => `Penny asks ${vendor} for your calendar only.`,
  video: (vendor) => `Penny asks ${vendor} only to create meetings for your bookings.`,
  notes: (vendor) => `Penny asks ${vendor} only for the pages you share with it.`,
};
// ... where one card's ask is not its feature's (Google's notes are Docs, not pages).
const ASKS_OF = {
  google_docs: "Penny asks Google to write Google Docs, and to see in your Drive only the files it makes.",
};

// The callback's error codes (chalicelib/functions/connections.py), in plain words.
const RETURN_ERRORS = {
  consent_declined: (vendor) => `You said no on ${vendor}'s page, so nothing was connected. You can connect whenever you like.`,
  provider_rejected: (vendor) => `${vendor} refused the connection, so nothing was connected. Try again, and check the account you choose at ${vendor}.`,
  provider_unavailable: (vendor) => `${vendor} could not be reached to finish connecting, so nothing was connected. Try again in a minute.`,
  scopes_declined: (vendor, missing) => `You did not tick every box on ${vendor}'s page, so nothing was connected: Penny was not allowed to ${permissions(missing)}. Connect again and leave every box ticked.`,
  no_refresh_token: (vendor) => `${vendor} gave Penny access for an hour only, so nothing was connected (it would have stopped working). Connect again; if this happens again, remove Penny from the apps connected to your ${vendor} account first.`,
  validation_error: (vendor) => `${vendor} sent back an answer Penny could not use, so nothing was connected. Try again.`,
};

// What each feature's permissions let Penny do (the callback's `missing`), in words.
const PERMISSIONS = {
  calendar: "see when you are busy and put bookings in your calendar",
  video: "add video links to your bookings",
  notes: "write notes documents",
};
const permissions = (missing) => {
  const said = missing.filter((f) => Object.hasOwn(PERMISSIONS, f)).map((f) => PERMISSIONS[f]);
  return said.length ? said.join(", or ") : "do all it needs";
};

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const when = (iso) => WHEN.format(new Date(iso));
const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);
// "Google Calendar", "Google Calendar and Google Docs".
const names = (list) => list.map((i) => i.name).join(" and ");
// Why a connection broke, and what to do, said once (the API's reason may say it already).
const brokenBecause = (reason, vendor) => {
  const why = sentence(reason || `${vendor} no longer accepts Penny's access`);
  return /reconnect/i.test(why) ? why : `${why} Reconnect ${vendor} to use it again.`;
};

// `onLoaded(connections, connected)` hears each GET /me/connections answer, with the
// integrations connected and working (the Calendars section shows while a calendar
// provider is connected). `cardDetail(integration, connection, connected)` may give an
// element to show under a card on the Connections page (where notes go: app-notes.js);
// the same element each time, so what it holds survives a redraw.
export function createConnections(api, integrations, { onLoaded = () => {}, cardDetail = () => null } = {}) {
  let connections = new Map(); // provider -> GET /me/connections entry
  let loaded = false;
  let generation = 0;
  let newest = Promise.resolve(); // the newest read of the list (load)
  const tested = new Map(); // provider -> when a Test last found it working
  const webhooks = new Map(); // provider -> the webhook URL Penny gave when it was connected
  const mounts = new Map(); // name -> { list, group, details }
  const dialog = $("#disconnect-dialog");
  const banner = $("#connections-status");
  const returned = takeConnectReturn();
  const fromStripe = { pending: takeStripeReturn() };
  const razorpay = createRazorpayDialog(api, {
    onConnected: razorpayConnected, onClosed: () => focusCard("razorpay", "webhook"),
  });

  // ---- what a card shows ---------------------------------------------------------------

  // The host's connection as far as it serves `integration`: none when the card needs
  // scopes the connection does not hold (Google connected for the calendar alone, seen
  // from the Google Docs card), whatever its state, so the card never shows a Broken or
  // Connected that is not its own.
  function connectionFor(integration) {
    const connection = connections.get(integration.provider);
    const needs = integration.scopes || [];
    if (!connection || !needs.length || connection.status === "not_available") return connection;
    const granted = new Set(connection.scopes || []);
    return needs.every((scope) => granted.has(scope)) ? connection : undefined;
  }

  function connectedIntegrations() {
    return integrations.filter((i) => {
      const connection = i.feature && connectionFor(i);
      return connection && connection.status === "connected";
    });
  }

  // The cards a provider's connection serves (Google: Calendar, Docs or both), to name
  // it in a message; a broken one counts, a card whose scopes it lacks does not.
  function servedBy(provider) {
    return integrations.filter((i) => {
      const connection = i.feature && i.provider === provider && connectionFor(i);
      return connection && ["connected", "broken", "pending"].includes(connection.status);
    });
  }

  const cardsOf = (provider) => integrations.filter((i) => i.feature && i.provider === provider);

  function stateOf(integration) {
    const connection = connectionFor(integration);
    if (integration.status === "not_available" || (connection && connection.status === "not_available")) {
      return {
        badge: integration.connectable ? "Not available on this Penny" : "Not set up on this Penny",
        note: `Whoever runs this Penny can set up ${integration.vendor} (see “Providers” in docs/deploy.md).`,
        actions: integration.connectable ? [["connect", "Connect", { disabled: true }]] : [],
      };
    }
    // Not the host's to connect (the brief): what it does for them, in words.
    if (!integration.connectable) return { badge: "Set up on this Penny", kind: "ok", note: integration.note, actions: [] };
    if (!loaded) return { badge: "Checking…", note: "", actions: [["connect", "Connect", { disabled: true }]] };
    const vendor = integration.vendor;
    const payments = integration.group === "payments";
    if (connection && connection.status === "connected") {
      const account = connection.account ? ` ${integration.provider === "notion" ? "to" : "as"} ${connection.account}` : "";
      const since = connection.connected_at ? ` since ${when(connection.connected_at)}` : "";
      const checked = tested.has(integration.provider) ? ` Tested ${when(tested.get(integration.provider))}: it works.` : "";
      const goesTo = payments ? ` Clients' payments go to your ${vendor} account.` : "";
      const actions = [["test", "Test", { label: `Test ${integration.name} connection` }],
        ["disconnect", "Disconnect", { kind: "button-danger" }]];
      if (webhookOf(integration.provider)) actions.splice(1, 0, ["webhook", "Webhook steps", { label: `Webhook steps for ${integration.name}` }]);
      return {
        badge: "Connected", kind: "ok", note: `${sentence(`Connected${account}${since}`)}${goesTo}${checked}`,
        scopes: payments ? [] : connection.scopes, actions,
      };
    }
    if (connection && connection.status === "pending") {
      // A Stripe account whose set-up at Stripe is not finished: Connect goes back there.
      return {
        badge: "Setup unfinished", kind: "warning",
        note: `${vendor} has your account, but it cannot take payments until you finish setting it up on ${vendor}.`,
        actions: [["connect", `Finish setting up on ${vendor}`, { kind: "button-primary", label: `Finish setting up on ${vendor}` }],
          ["disconnect", "Disconnect", { kind: "button-danger" }]],
      };
    }
    if (connection && connection.status === "broken") {
      const since = connection.broken_at ? `Since ${when(connection.broken_at)}: ` : "";
      return {
        badge: "Broken", kind: "warning", note: `${since}${brokenBecause(connection.broken_reason, vendor)}`,
        actions: [["reconnect", "Reconnect", { kind: "button-primary" }],
          ["disconnect", "Disconnect", { kind: "button-danger" }]],
      };
    }
    return {
      badge: "Not connected",
      note: payments ? PAYMENT_ASKS[integration.provider] : ASKS_OF[integration.id] || ASKS[integration.feature](vendor),
      actions: [["connect", "Connect", { kind: "button-primary" }]],
    };
  }

  function card(integration, details) {
    const item = fromTemplate("tpl-integration");
    const statusId = uniqueId(`integration-${integration.id}`);
    const shown = stateOf(integration);
    item.dataset.integration = integration.id;
    $(".integration-name", item).textContent = integration.name;
    $(".integration-purpose", item).textContent = integration.purpose;
    $(".integration-status", item).id = statusId;
    const badge = $(".integration-badge", item);
    badge.textContent = shown.badge;
    if (shown.kind) badge.className = `badge badge-${shown.kind} integration-badge`;
    $(".integration-note", item).textContent = shown.note;
    if (shown.scopes && shown.scopes.length) {
      $(".integration-status", item).after(h("details", { class: "integration-scopes" },
        h("summary", {}, "Access granted"),
        h("ul", {}, shown.scopes.map((scope) => h("li", {}, h("code", {}, scope))))));
    }
    const detail = details && loaded ? cardDetail(integration, connectionFor(integration), connectedIntegrations()) : null;
    if (detail) item.append(detail);
    const actions = $(".integration-actions", item);
    if (!shown.actions.length) actions.remove();
    for (const [action, text, options] of shown.actions) {
      actions.append(h("button", {
        type: "button", class: `button ${options.kind || ""}`.trim(), disabled: Boolean(options.disabled),
        "aria-label": options.label || `${text} ${integration.name}`, "aria-describedby": statusId,
        "data-action": action, onclick: (event) => act(action, integration, event.currentTarget),
      }, text));
    }
    return item;
  }

  // Draw a list again, keeping the keyboard where it was: on the same card's button for
  // the same action, or that card's first button when the action is gone (Disconnect
  // became Connect), or on a card's detail, which moves to the new card.
  function draw(list, group, details) {
    const active = document.activeElement;
    const from = list.contains(active) && active.closest(".integration");
    list.replaceChildren(...integrations.filter((i) => i.group === group).map((i) => card(i, details)));
    if (from && active.isConnected && !active.dataset.action) active.focus();
    else if (from) focusCard(from.dataset.integration, active.dataset.action);
  }

  function focusCard(id, action) {
    for (const { list } of mounts.values()) {
      const item = list.isConnected && list.querySelector(`[data-integration="${id}"]`);
      if (!item || item.closest("[hidden]")) continue;
      const button = item.querySelector(`button[data-action="${action}"]:not(:disabled)`) ||
        item.querySelector("button:not(:disabled)");
      if (button) button.focus();
      return;
    }
  }

  function redraw() {
    for (const { list, group, details } of mounts.values()) if (list.isConnected) draw(list, group, details);
  }

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
        connections = new Map(answer.connections.map((c) => [c.provider, c]));
        loaded = true;
        redraw();
        onLoaded(answer.connections, connectedIntegrations());
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
    if (action === "webhook") return razorpay.open(button, webhookOf(integration.provider));
    if (action === "connect" || action === "reconnect") return connect(integration, button);
    if (action === "disconnect") return confirmDisconnect(integration);
    if (action === "test") return test(integration, button);
    return null;
  }

  async function connect(integration, button) {
    const refused = await toProvider(button, () =>
      api.post(`/me/connections/${integration.provider}`, { features: [integration.feature] }));
    if (!refused) return;
    say(`Could not connect ${integration.name}`, refused.message, "warning");
    load();
  }

  function confirmDisconnect(integration) {
    const vendor = integration.vendor;
    // One connection serves every card of its provider: they go together.
    const others = servedBy(integration.provider).filter((i) => i !== integration);
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
        tested.delete(integration.provider);
        webhooks.delete(integration.provider);
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
      connections.set(provider, { ...connections.get(provider), ...answer });
      if (answer.status === "connected") {
        tested.set(provider, new Date().toISOString());
        say(`${integration.name} works`, `Penny reached ${integration.vendor}${answer.account ? ` as ${answer.account}` : ""} just now.`);
      } else {
        sayChecked(integration, answer);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "connection_broken") {
        // Marked broken now, so the live connection.broken that follows says nothing twice.
        connections.set(provider, { ...connections.get(provider), status: "broken", broken_reason: error.message });
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

  // ---- payment providers -------------------------------------------------------------

  // What a check of a payment account found that is not "works" (pending, broken).
  function sayChecked(integration, answer) {
    const vendor = integration.vendor;
    if (answer.status === "pending") {
      say(`Finish setting up on ${vendor}`, `${vendor} has your account, but it cannot take payments yet. Press “Finish setting up on ${vendor}” to go on where you left off.`, "warning");
    } else {
      say(`${integration.name} stopped working`, brokenBecause(answer.broken_reason, vendor), "warning");
    }
  }

  // Back from Stripe's onboarding: Penny asks Stripe how the account stands.
  async function checkStripe() {
    const integration = integrations.find((i) => i.provider === "stripe");
    try {
      const answer = await api.post("/me/connections/stripe/test");
      connections.set("stripe", { ...connections.get("stripe"), ...answer });
      redraw();
      if (answer.status === "connected") {
        say("Stripe is connected", `Clients' payments go to your Stripe account${answer.account ? ` (${answer.account})` : ""}.`);
      } else {
        sayChecked(integration, answer);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say("Could not check your Stripe account", error.message, "warning");
    }
    await load();
  }

  // The webhook Razorpay must call: from the connections list when it says so, else as
  // connecting told it (until the page is loaded again).
  function webhookOf(provider) {
    const connection = connections.get(provider);
    return (connection && connection.status === "connected" &&
      (connection.webhook_url || webhooks.get(provider))) || null;
  }

  function razorpayConnected(answer) {
    connections.set("razorpay", answer);
    webhooks.set("razorpay", answer.webhook_url);
    tested.delete("razorpay");
    redraw();
    say("Razorpay is connected", "One more step at Razorpay: add the webhook the dialog shows, so Penny hears of each payment.");
    load();
  }

  // ---- coming back from the provider, and live news ------------------------------------

  function takeConnectReturn() {
    const query = takeReturn("connections", ["connected", "provider"]);
    const provider = query && (query.get("connected") || query.get("provider"));
    if (!provider) return null;
    const missing = (query.get("missing") || "").split(",").filter(Boolean);
    return { provider, error: query.get("connected") ? null : (query.get("error") || "error"), missing };
  }

  // The way back says only the provider: the cards it names are those its connection
  // serves now ("Google Calendar and Google Docs are connected"). A refusal names the
  // card only when the provider has one (which Google card was pressed is not known).
  function sayReturn({ provider, error, missing }) {
    const cards = cardsOf(provider);
    const vendor = cards.length ? cards[0].vendor : "The provider";
    if (!error) {
      const served = servedBy(provider);
      const shown = served.length ? served : cards.slice(0, 1);
      const connection = connections.get(provider);
      const account = connection && connection.account ? ` as ${connection.account}` : "";
      const headline = shown.length ? `${names(shown)} ${shown.length > 1 ? "are" : "is"} connected` : "The platform is connected";
      return say(headline, `Penny is connected to ${vendor}${account}.`);
    }
    const words = Object.hasOwn(RETURN_ERRORS, error) ? RETURN_ERRORS[error] : null;
    const headline = cards.length === 1 ? `${cards[0].name} is not connected`
      : cards.length ? `Connecting ${vendor} did not finish` : "The platform is not connected";
    say(headline, words ? words(vendor, missing) : "Connecting did not finish, so nothing was connected. Try again.", "warning");
  }

  // Live news of a connection: broken (the card turns Broken, with Reconnect), or
  // repaired (a reconnect, new keys, a late refresh that went through: the card shows the
  // connection as it now is). Either way the list is read again for the rest.
  function onEvent(event) {
    const news = event.connection;
    if (!news) return;
    if (event.type === "connection.broken") broke(news);
    else if (event.type === "connection.repaired") repaired(news);
    else return;
    load();
  }

  function broke(broken) {
    const known = connections.get(broken.provider);
    const toldAlready = known && known.status === "broken";
    connections.set(broken.provider, { ...known, status: "broken", broken_reason: broken.reason });
    redraw();
    // Heard before the list was read: its scopes are not known, so its first card.
    const served = known ? servedBy(broken.provider) : cardsOf(broken.provider).slice(0, 1);
    if (served.length && !toldAlready) {
      toast(`${names(served)} stopped working`, {
        kind: "warning", detail: brokenBecause(broken.reason, served[0].vendor),
      });
    }
  }

  function repaired(news) {
    const known = connections.get(news.provider);
    if (!known) return; // heard before the list was read: the read shows it
    const wasBroken = known.status === "broken";
    connections.set(news.provider, { ...known, status: news.status, broken_reason: null, broken_at: null });
    redraw();
    // Said where it was shown broken (a Stripe account made again shows its unfinished
    // set-up, which the card says); a tab that had read it working already just shows it.
    const served = wasBroken ? servedBy(news.provider) : [];
    if (served.length && news.status === "connected") {
      toast(`${names(served)} ${served.length > 1 ? "work" : "works"} again`, {
        detail: `Penny can use ${served[0].vendor} again.`,
      });
    }
  }

  return {
    // `details`: the cards show what cardDetail gives (on one mount only: an element
    // is in one place at a time).
    mount(name, list, group, { details = false } = {}) {
      mounts.set(name, { list, group, details });
      draw(list, group, details);
    },
    load,
    onEvent,
    // The Connections page opened: a fresh status line, fresh states, and what the
    // provider's redirect said, if this is the way back from one.
    async enterPage() {
      banner.replaceChildren();
      await load();
      const back = returned && !returned.said ? returned : null;
      if (back) {
        back.said = true;
        sayReturn(back);
      }
      if (fromStripe.pending) {
        fromStripe.pending = false;
        await checkStripe();
      }
    },
  };
}

// ---- the welcome steps -----------------------------------------------------------------

export function initWelcome(connections, { go }) {
  let step = 0;
  const steps = [...document.querySelectorAll("#welcome-steps li")];
  const panel = $("#welcome-panel");
  const back = $("#welcome-back");
  const next = $("#welcome-next");

  function show() {
    const group = GROUPS[step];
    steps.forEach((item, i) => {
      if (i === step) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    const list = h("ul", { class: "integrations" });
    panel.replaceChildren(
      h("h2", { id: "welcome-step-title", tabindex: "-1" }, `Step ${step + 1} of ${GROUPS.length}: ${group.title}`),
      h("p", { class: "lead" }, group.lead),
      list);
    connections.mount("welcome", list, group.id);
    back.hidden = step === 0;
    next.textContent = step === GROUPS.length - 1 ? "Finish: set your hours" : "Next";
  }

  back.addEventListener("click", () => {
    step = Math.max(0, step - 1);
    show();
    $("#welcome-step-title").focus();
  });
  next.addEventListener("click", () => {
    if (step === GROUPS.length - 1) return go("availability");
    step += 1;
    show();
    $("#welcome-step-title").focus();
    return null;
  });
  return {
    enter() {
      step = 0;
      show();
      connections.load();
    },
  };
}

// ---- the Connections page --------------------------------------------------------------

export function initConnectionsPage(connections, live) {
  for (const group of GROUPS) connections.mount(group.id, $(`#connections-${group.id}`), group.id, { details: true });
  $("#live-reconnect").addEventListener("click", () => live.reconnectNow());
  return { enter() { connections.enterPage(); } };
}
