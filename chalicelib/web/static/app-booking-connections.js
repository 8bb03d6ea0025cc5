// The Bookings view's notice of a broken calendar or video connection (Google Calendar,
// Outlook, Zoom): what it means for bookings, and the way to Connections to reconnect it.
// A booking made meanwhile shows only its note ("the client was told ..."); this says why.
//
// From GET /me/connections (with `destination_provider`: whose calendar new bookings go
// to), read when the view opens knowing nothing of this host, and again when a socket
// opens while it shows (news sent before reached no socket); live, connection.broken and
// connection.repaired (with the grant's scopes) change it with no read. A read that fails keeps what was shown.

import { ApiError, base } from "./api.js";
import { h } from "./app-dom.js";
import { sentence, when } from "./app-connection-words.js";

// For each calendar or video provider: what a broken connection means for bookings.
// `toIt`: new bookings go to this provider's calendar.
const MEANS = {
  google: (toIt) => calendarWords("Google Calendar", "Google Meet", toIt),
  microsoft: (toIt) => calendarWords("Outlook", "Microsoft Teams", toIt),
  zoom: () => "Until then, Zoom bookings get no Zoom link: clients are told you will send it. "
    + "Penny makes the meetings of bookings made meanwhile once you reconnect.",
};

function calendarWords(name, link, toIt) {
  const added = toIt ? `new bookings are not added to ${name} and get no ${link} link: clients `
    + "are told you will send it. Penny adds bookings made meanwhile once you reconnect. Also, " : "";
  return `Until then, ${added}Penny can't see changes to your ${name}, so a time you fill there `
    + "now can still be booked.";
}

// `integrations`: the dashboard's cards (dashboard.py), for each provider's calendar or
// video card and the scopes it needs (a Google connection made for the Docs alone is not
// the calendar's); `zone()`: the host's zone, in which "since" is said.
export function createBrokenNotice(api, box, integrations, zone) {
  let connections = null; // provider -> GET /me/connections entry; null: not known
  let destination; // whose calendar new bookings go to (undefined: not known)
  let heldFor = null; // the host they are of
  let complete = false; // a read answered since the view last forgot them
  let reads = 0;
  let reading = false;

  function cardOf(provider, connection) {
    const card = integrations.find((i) => i.provider === provider && i.group === "calendar");
    if (!card || !connection || !card.scopes || !connection.scopes) return card;
    return card.scopes.every((scope) => connection.scopes.includes(scope)) ? card : null;
  }

  function notice(card, connection) {
    const since = connection.broken_at ? `Since ${when(connection.broken_at, zone())}: ` : "";
    const why = connection.broken_reason ? sentence(connection.broken_reason)
      : `${card.vendor} no longer accepts Penny's access.`;
    return h("div", { class: "notice notice-warning bookings-broken", "data-provider": card.provider },
      h("p", {}, h("strong", {}, `${card.name} needs reconnecting.`), ` ${since}${why}`),
      h("p", {}, MEANS[card.provider](destination === card.provider)),
      h("p", {}, h("a", { class: "button", href: `${base}/app/connections`, "data-link": "" },
        `Reconnect ${card.name} on Connections`)));
  }

  function draw() {
    const broken = [...(connections || new Map()).values()].filter((c) => c.status === "broken"
      && MEANS[c.provider] && cardOf(c.provider, c));
    box.replaceChildren(...broken.map((c) => notice(cardOf(c.provider, c), c)));
  }

  async function load(host) {
    const mine = ++reads;
    reading = true;
    if (host !== heldFor) { // another host signed in on this tab: nothing of the last one
      heldFor = host;
      connections = null;
      destination = undefined;
      complete = false;
      draw();
    }
    try {
      const answer = await api.get("/me/connections");
      if (mine !== reads || host !== heldFor) return;
      connections = new Map(answer.connections.map((c) => [c.provider, c]));
      destination = answer.destination_provider;
      complete = true;
      draw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    } finally {
      if (mine === reads) reading = false;
    }
  }

  // Live news: broken (with why) or repaired, said at once. A read on its way may answer
  // from before the news and undo it: it is made again, and its first answer dropped.
  function heard(event) {
    const news = event.connection;
    if (!news || !MEANS[news.provider] || !["connection.broken", "connection.repaired"].includes(event.type)) return;
    connections = connections || new Map();
    const known = connections.get(news.provider) || { provider: news.provider };
    // The news carries the grant's scopes: one heard before any read still says whether
    // the connection is the calendar's (a Google connection made for the Docs alone is not).
    const scopes = news.scopes || known.scopes;
    connections.set(news.provider, event.type === "connection.broken"
      ? { ...known, scopes, status: "broken", broken_reason: news.reason, broken_at: event.occurred_at }
      : { ...known, scopes, status: news.status, broken_reason: null, broken_at: null });
    draw();
    if (reading) load(heldFor);
  }

  return {
    load,
    heard,
    knows: (host) => complete && host === heldFor,
    forget() { complete = false; }, // news may come unheard: read again when shown
  };
}
