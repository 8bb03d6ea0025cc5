// The host dashboard: its views put together, the session, live updates.
//
// Every URL is built on the base the page was served under (document.body.dataset.base:
// "" on a Function URL, "/api" on API Gateway's stage), and each view is a real URL
// (/app/bookings, /app/profile, ...) so reload, back and forward work (app-routes.js).

import { ApiError, base } from "./api.js";
import { createApi } from "./app-api.js";
import { createLive } from "./app-live.js";
import { $, toast } from "./app-dom.js";
import { busy } from "./app-forms.js";
import { initAvailability } from "./app-availability.js";
import { initBookings } from "./app-bookings.js";
import { initCalendars } from "./app-calendars.js";
import { initConnectionsPage, initWelcome } from "./app-connection-pages.js";
import { createConnections } from "./app-connections.js";
import { initEventTypes } from "./app-event-types.js";
import { useCurrencyDigits } from "./app-formats.js";
import { initIdentities } from "./app-identities.js";
import { initPassword } from "./app-password.js";
import { initForgotView, initResetView } from "./app-password-reset.js";
import { liveStatus } from "./app-live-status.js";
import { liveToast } from "./app-live-toasts.js";
import { initNotes } from "./app-notes.js";
import { initLoginForm, initSignupView } from "./app-password-forms.js";
import { initProfile } from "./app-profile.js";
import { createRouter } from "./app-routes.js";
import { initSignIn } from "./app-sign-in.js";
import { mayLeave } from "./app-unsaved.js";

const config = JSON.parse(document.getElementById("penny-dashboard").textContent);
useCurrencyDigits(config.currencyDigits); // before any price is read or shown

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
  // what the host is looking at is read again: the bookings list and its notice of a broken
  // connection, or the connections (the cards, or the event type editor's locations: one
  // that broke meanwhile turns Broken, one repaired meanwhile works again, as
  // connection.broken and .repaired would do).
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
    views.bookings.connectionsChanged();
  },
  cardDetail: (integration, connection, connected) => notes.cardDetail(integration, connection, connected),
  zone: () => state.profile && state.profile.timezone, // times in the host's zone
});
const connectionsPage = initConnectionsPage(connections, live);
// Signing in with a provider leads back to the view asked for, as logging in does.
const signIn = initSignIn(api, config.signIn || [], () => router.wantedView());
const profile = initProfile(state);
const identities = initIdentities(api, config.signIn || []);
const password = initPassword(api);

const views = {
  bookings: initBookings(state),
  "event-types": initEventTypes(state),
  availability: initAvailability(state),
  profile: { enter() { profile.enter(); identities.enter(); password.enter(); } },
  welcome: initWelcome(connections, { go }),
  connections: { enter() { calendars.enter(); notes.enter(); connectionsPage.enter(); } },
  login: signIn.login,
  signup: initSignupView(state, api, signedIn),
  "forgot-password": initForgotView(api, Boolean(config.passwordReset)),
  "reset-password": initResetView(api, passwordReset),
};

// ---- routing (app-routes.js) ------------------------------------------------------------

const router = createRouter(state, views);
// Back from a sign-in the provider refused: the view asked for before it still waits.
router.want(signIn.wantedBack);

// The views' own way to another (the welcome steps' last): the router, made after them.
function go(section, options) {
  router.go(section, options);
}

function currentSection() {
  return router.currentSection();
}

// ---- session ----------------------------------------------------------------------------

async function signedIn(profile, next) {
  router.takeWanted(); // a new account's first view is the welcome, whatever came before
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
  router.render({ focus: true }); // the login view, this view kept to come back to
}

// A reset ended every login, this browser's too: the host logs in with the new password.
function passwordReset() {
  state.profile = null;
  live.stop();
  toast("Your new password is set, and you are logged out everywhere. Log in with it.");
  go("login", { replace: true });
}

// Logging in leads to the view asked for while logged out, else Bookings.
initLoginForm(api, (profile) => signedIn(profile, router.takeWanted() || "bookings"));

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

const seen = new Set();

function liveEvent(event) {
  if (seen.has(event.id)) return; // a redelivered event
  seen.add(event.id);
  if (event.type === "connection.calendar_removed") return calendars.onRemoved(event);
  if (event.type.startsWith("connection.")) {
    views["event-types"].onConnectionEvent(event); // its "Reconnect Zoom first", say
    views.bookings.onConnectionEvent(event); // the notice that bookings miss it
    return connections.onEvent(event);
  }
  liveToast(event, state.profile);
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
  router.render();
}

boot();
