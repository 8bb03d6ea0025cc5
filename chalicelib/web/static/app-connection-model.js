// What the dashboard knows of the host's connections (the newest GET /me/connections
// answer, and what this page did since: a Test that worked, the webhook Razorpay was
// given) and what each card shows from it (app-connections.js reads and changes it).
//
// One Google connection serves two cards, Google Calendar and Google Docs, each Connect
// asking for its own scopes (incremental consent keeps the others). A card that names
// `scopes` (dashboard.py) counts the connection as its own only when it holds them: a
// Google connection made for the calendar alone leaves Google Docs "Not connected", and
// one made for the Docs alone leaves Google Calendar so.

import { ASKS, ASKS_OF, brokenBecause, sentence, when } from "./app-connection-words.js";
import { PAYMENT_ASKS } from "./app-payments.js";

export function createConnectionModel(integrations, zone = () => null) {
  const model = {
    connections: new Map(), // provider -> GET /me/connections entry
    loaded: false,
    tested: new Map(), // provider -> when a Test last found it working
    webhooks: new Map(), // provider -> the webhook URL Penny gave when it was connected
    connectionFor, connectedIntegrations, servedBy, cardsOf, stateOf, webhookOf,
  };

  // The host's connection as far as it serves `integration`: none when the card needs
  // scopes the connection does not hold (Google connected for the calendar alone, seen
  // from the Google Docs card), whatever its state, so the card never shows a Broken or
  // Connected that is not its own.
  function connectionFor(integration) {
    const connection = model.connections.get(integration.provider);
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

  function cardsOf(provider) {
    return integrations.filter((i) => i.feature && i.provider === provider);
  }

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
    if (!model.loaded) return { badge: "Checking…", note: "", actions: [["connect", "Connect", { disabled: true }]] };
    const vendor = integration.vendor;
    const payments = integration.group === "payments";
    if (connection && connection.status === "connected") {
      const account = connection.account ? ` ${integration.provider === "notion" ? "to" : "as"} ${connection.account}` : "";
      const since = connection.connected_at ? ` since ${when(connection.connected_at, zone())}` : "";
      const checked = model.tested.has(integration.provider) ? ` Tested ${when(model.tested.get(integration.provider), zone())}: it works.` : "";
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
      const since = connection.broken_at ? `Since ${when(connection.broken_at, zone())}: ` : "";
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

  // The webhook Razorpay must call: from the connections list when it says so, else as
  // connecting told it (until the page is loaded again).
  function webhookOf(provider) {
    const connection = model.connections.get(provider);
    return (connection && connection.status === "connected" &&
      (connection.webhook_url || model.webhooks.get(provider))) || null;
  }

  return model;
}
