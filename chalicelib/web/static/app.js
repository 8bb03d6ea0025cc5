// The host dashboard: session, routing between views, live updates.
//
// Every URL is built on the base the page was served under (document.body.dataset.base:
// "" on a Function URL, "/api" on API Gateway's stage), and each view is a real URL
// (/app/bookings, /app/profile, ...) so reload, back and forward work.

import { ApiError, base } from "./api.js";
import { createApi } from "./app-api.js";
import { HIDDEN_CLOSE_MS, createLive } from "./app-live.js";
import { $, $$, busy, checkForm, clearErrors, fillTimeZones, showError, showLinkStart, slugify, toast } from "./app-dom.js";
import { initAvailability } from "./app-availability.js";
import { initBookings } from "./app-bookings.js";
import { initCalendars } from "./app-calendars.js";
import { initConnectionsPage, initWelcome } from "./app-connection-pages.js";
import { createConnections } from "./app-connections.js";
import { disputeClosedToast } from "./app-dispute-closed.js";
import { initEventTypes } from "./app-event-types.js";
import { initIdentities } from "./app-identities.js";
import { initNotes } from "./app-notes.js";
import { initProfile } from "./app-profile.js";
import { initSignIn } from "./app-sign-in.js";
import { hasUnsavedChanges, mayLeave } from "./app-unsaved.js";
import { detectZone } from "./clock.js";

const config = JSON.parse(document.getElementById("penny-dashboard").textContent);
const PUBLIC_SECTIONS = ["login", "signup"];
const TITLES = {
  login: "Log in", signup: "Create your account", welcome: "Connect your tools",
  bookings: "Bookings", "event-types": "Event types", availability: "Availability",
  profile: "Profile", connections: "Connections",
};

const state = {
  profile: null,
  publicUrl: (config.publicUrl || location.origin + base).replace(/\/$/, ""),
  integrations: config.integrations, // what each platform is, for the event type editor
  paymentMinimums: config.paymentMinimums, // vendor -> currency ("*": any other) -> least minor units
  bookingLink(eventSlug) {
    return `${this.publicUrl}/${this.profile.slug}/${eventSlug}`;
  },
};

const api = createApi(base, { onSignedOut: signedOut });
state.api = api;

const live = createLive(api, config.websocketUrl, {
  onEvent: (event) => liveEvent(event),
  onStatus: (status) => liveStatus(status),
  // A socket opened (app-live.js): what came before it reached no socket of this tab, so
  // what the host is looking at is read again: the bookings list, or the connections (the
  // cards, or the event type editor's locations: one that broke meanwhile turns Broken,
  // one repaired meanwhile works again, as connection.broken and .repaired would do).
  onReconnected: () => {
    views.bookings.refresh();
    if (state.profile && ["connections", "welcome"].includes(currentSection())) connections.load();
    if (state.profile && currentSection() === "event-types") views["event-types"].catchUp();
  },
});

const calendars = initCalendars(api);
const notes = initNotes(api);
const connections = createConnections(api, config.integrations, {
  onLoaded: (list, connected) => {
    calendars.connectionsChanged(list, connected);
    notes.connectionsChanged(list, connected);
  },
  cardDetail: (integration, connection, connected) => notes.cardDetail(integration, connection, connected),
});
const connectionsPage = initConnectionsPage(connections, live);
const signIn = initSignIn(api, config.signIn || []);
const profile = initProfile(state);
const identities = initIdentities(api, config.signIn || []);

const views = {
  bookings: initBookings(state),
  "event-types": initEventTypes(state),
  availability: initAvailability(state),
  profile: { enter() { profile.enter(); identities.enter(); } },
  welcome: initWelcome(connections, { go }),
  connections: { enter() { calendars.enter(); notes.enter(); connectionsPage.enter(); } },
  login: signIn.login,
  signup: initSignupView(),
};

// ---- routing ----------------------------------------------------------------------------

function currentSection() {
  const rest = location.pathname.slice(base.length);
  const match = rest.match(/^\/app(?:\/([a-z-]+))?\/?$/);
  return match && match[1] ? match[1] : "";
}

function go(section, { replace = false } = {}) {
  const url = `${base}/app/${section}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render({ focus: true });
}

let shownPath = location.pathname; // the address of the view on screen

function render({ focus = false } = {}) {
  let section = currentSection();
  const signedIn = Boolean(state.profile);
  if (!signedIn && !PUBLIC_SECTIONS.includes(section)) section = "login";
  else if (signedIn && (PUBLIC_SECTIONS.includes(section) || !views[section])) section = "bookings";
  if (section !== currentSection()) history.replaceState(null, "", `${base}/app/${section}`);
  shownPath = location.pathname;

  $("#dash-loading").hidden = true;
  $("#dash-nav").hidden = !signedIn;
  $("#dash-account").hidden = !signedIn;
  for (const view of $$("[data-view]")) view.hidden = view.dataset.view !== section;
  for (const link of $$("#dash-nav a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  showCurrentLink();
  document.title = `${TITLES[section]} · Penny`;
  views[section].enter();
  if (focus) {
    const heading = $(`[data-view="${section}"] h1`);
    if (heading) heading.focus();
  }
}

// On a phone the nav is one row that scrolls sideways: bring the current section into it
// (only the row scrolls; the page stays where it is).
function showCurrentLink() {
  const nav = $("#dash-nav");
  const current = $('a[aria-current="page"]', nav);
  if (!current || nav.scrollWidth <= nav.clientWidth) return;
  const link = current.getBoundingClientRect();
  const row = nav.getBoundingClientRect();
  nav.scrollLeft += (link.left + link.right) / 2 - (row.left + row.right) / 2;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0 ||
      event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (!mayLeave()) return;
  history.pushState(null, "", link.getAttribute("href"));
  render({ focus: true });
});
window.addEventListener("popstate", () => {
  // Back or Forward has changed the address already: to stay, the view's is put back.
  if (mayLeave()) render({ focus: true });
  else history.pushState(null, "", shownPath);
});
// Closing or reloading the tab, or going to another site (a provider's consent page): the
// browser asks, in its own words.
window.addEventListener("beforeunload", (event) => {
  if (!hasUnsavedChanges()) return;
  event.preventDefault();
  event.returnValue = "";
});

// ---- session ----------------------------------------------------------------------------

async function signedIn(profile, next) {
  state.profile = profile;
  $("#dash-host").textContent = profile.display_name;
  live.start();
  go(next, { replace: true });
}

function signedOut() {
  if (!state.profile) return;
  state.profile = null;
  live.stop();
  toast("Your session has ended. Please log in again.", { kind: "warning" });
  go("login", { replace: true });
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  if (!checkForm(form)) return;
  await busy($("button[type=submit]", form), async () => {
    try {
      await api.post("/auth/session", { email: form.email.value.trim(), password: form.password.value });
      const profile = await api.get("/me/profile");
      form.reset();
      await signedIn(profile, "bookings");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form, error.code === "invalid_credentials" ? { message: error.message } : error);
    }
  });
});

function initSignupView() {
  const form = $("#signup-form");
  const zone = detectZone();
  let slugEdited = false;
  fillTimeZones(form.timezone, zone);
  showLinkStart($("#signup-slug-prefix"), `${state.publicUrl}/`);
  form.display_name.addEventListener("input", () => {
    if (!slugEdited) form.slug.value = slugify(form.display_name.value);
  });
  form.slug.addEventListener("input", () => { slugEdited = true; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        const session = await api.post("/auth/session/signup", {
          display_name: form.display_name.value.trim(), email: form.email.value.trim(),
          password: form.password.value, slug: form.slug.value.trim(),
          timezone: form.timezone.value,
        });
        form.reset();
        await signedIn(session.host, "welcome");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error);
      }
    });
  });
  return { enter() { clearErrors(form); } };
}

$("#logout").addEventListener("click", async (event) => {
  if (!mayLeave()) return;
  await busy(event.currentTarget, async () => {
    // Live updates stop first: ending the session closes this login's sockets from the
    // server, and a socket that drops while still wanted reconnects (a ticket request
    // that would meet a 401 from a session just ended).
    live.stop();
    try {
      await api.del("/auth/session");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
    state.profile = null;
    toast("You are logged out.");
    go("login", { replace: true });
  });
});

// ---- live updates -----------------------------------------------------------------------

const LIVE_LABELS = {
  live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…",
  offline: "Offline", unavailable: "Live updates off", paused: "Paused",
};
let countdown = null;

function liveStatus(status) {
  const pill = $("#live-pill");
  pill.dataset.state = status.state;
  $("#live-label").textContent = LIVE_LABELS[status.state];
  clearInterval(countdown);
  const detail = $("#live-detail");
  const describe = () => {
    if (status.state === "live") return "On. New bookings, payments, cancellations, notes and briefs appear as they happen.";
    if (status.state === "connecting") return "Connecting to live updates…";
    if (status.state === "unavailable") return "Live updates are not configured on this server. Reload the bookings list to see changes.";
    if (status.state === "offline") return "Live updates are off.";
    // Not an error: the socket was closed on purpose, and coming back reopens it.
    if (status.state === "paused") return `Paused: this tab was in the background for ${HIDDEN_CLOSE_MS / 60000} minutes. Live updates resume, and the bookings list catches up, when you come back to it.`;
    const seconds = Math.max(0, Math.ceil((status.retryAt - Date.now()) / 1000));
    return `Live updates dropped. Trying again in ${seconds} s (attempt ${status.attempt}).`;
  };
  detail.textContent = describe();
  // Nothing to reconnect while live, nor where the server has no live updates.
  $("#live-reconnect").hidden = ["live", "unavailable"].includes(status.state);
  if (status.state === "reconnecting") {
    countdown = setInterval(() => { detail.textContent = describe(); }, 1000);
  }
}

const seen = new Set();

// In the host's zone, as the bookings list shows times (the browser's may differ).
function when(startIso) {
  const zone = (state.profile && state.profile.timezone) || undefined;
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: zone,
  }).format(new Date(startIso));
}

function announce(event) {
  const b = event.booking;
  const at = when(b.start);
  const who = b.attendee_name;
  switch (event.type) {
    case "booking.created":
      return b.status === "pending_payment"
        ? [`New booking awaiting payment: ${b.event_title}`, `${who}, ${at}`]
        : [`New booking: ${b.event_title}`, `${who}, ${at}`];
    case "booking.cancelled": return [`Booking cancelled: ${b.event_title}`, `${who}, ${at}`];
    case "booking.rescheduled": return [`Booking moved: ${b.event_title}`, `${who}, now ${at}`];
    case "payment.succeeded": return [`Payment received: ${b.event_title}`, `${who}, ${at}`];
    case "payment.failed": return [`Payment failed: ${b.event_title}`, `${who}, ${at}`];
    case "payment.refunded": return [`Payment refunded: ${b.event_title}`, `${who}, ${at}`];
    case "payment.refund_failed": return [`Refund failed: ${b.event_title}`, `${who}, ${at}: refund them another way`];
    case "payment.disputed": return [`Payment disputed: ${b.event_title}`, `${who}, ${at}: answer it at the payment provider`];
    case "payment.dispute_closed": {
      const { title, detail } = disputeClosedToast(b);
      return [`${title}: ${b.event_title}`, `${who}, ${at}: ${detail}`];
    }
    case "booking.expired": return [`Not paid in time: ${b.event_title}`, `${who}, ${at}: the time is free again`];
    case "notes.saved": return [`Notes saved: ${b.event_title}`, `${who}, ${at}`];
    case "summary.ready": return [`Brief ready: ${b.event_title}`, `${who}, ${at}`];
    // booking.confirmed right after booking.created says nothing new; booking.updated (its
    // video link arrived) changes its row quietly.
    default: return null;
  }
}

function liveEvent(event) {
  if (seen.has(event.id)) return; // a redelivered event
  seen.add(event.id);
  if (event.type.startsWith("connection.")) {
    views["event-types"].onConnectionEvent(event); // its "Reconnect Zoom first", say
    return connections.onEvent(event);
  }
  const message = announce(event);
  const lost = event.type === "payment.dispute_closed" && disputeClosedToast(event.booking).warning;
  const warning = lost || ["booking.cancelled", "booking.expired", "payment.failed", "payment.refund_failed", "payment.disputed"].includes(event.type);
  if (message) toast(message[0], { detail: message[1], kind: warning ? "warning" : "info" });
  views.bookings.onEvent(event);
}

// ---- start ------------------------------------------------------------------------------

async function boot() {
  if (api.hasSession()) {
    try {
      state.profile = await api.get("/me/profile");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      state.profile = null;
    }
  }
  if (state.profile) {
    $("#dash-host").textContent = state.profile.display_name;
    live.start();
  }
  render();
}

boot();
