// The dashboard's link to Penny: the JSON API (cookie session + CSRF) and live updates.
//
// No token ever reaches this script: the session lives in httpOnly cookies. Changes
// send the CSRF token (readable cookie) in X-CSRF-Token. The access cookie lasts 15
// minutes; when the session's answer said it has run out (its `expires_in`, kept in
// localStorage for every tab), the next request refreshes first, and a 401 (revoked, or
// a clock that disagrees) refreshes once and retries. Refreshes are serialised across
// tabs (Web Locks), and a tab whose turn comes after another tab refreshed uses that
// one, because the refresh token is single-use and a second refresh with it would
// (rightly) be treated as theft and end the session. Nothing refreshes on a timer: a tab
// left open all day asks nothing while no one uses it, and its first request after (a
// click, or the ticket of a reconnect) refreshes then, which is as soon as a fresh
// session is of any use, without first being refused (each refusal is a billed request).

import { ApiError } from "./api.js";

const CSRF_COOKIES = ["__Host-penny_csrf", "penny_csrf"];
// When the access cookie runs out (ms since the epoch), as the last session answer said.
const EXPIRES_KEY = "penny-session-expires";
const EARLY_MS = 10000; // refresh this much before, so a request never races the expiry

function storedExpiry() {
  try {
    const value = Number(localStorage.getItem(EXPIRES_KEY));
    return Number.isFinite(value) ? value : 0;
  } catch {
    return 0; // storage refused: every tab finds out by the 401, as before
  }
}

function rememberExpiry(data) {
  try {
    if (data && Number.isFinite(data.expires_in)) {
      localStorage.setItem(EXPIRES_KEY, String(Date.now() + data.expires_in * 1000));
    } else if (data === null) {
      localStorage.removeItem(EXPIRES_KEY);
    }
  } catch {
    // storage refused: nothing to remember
  }
}

function csrfToken() {
  const jar = new Map(document.cookie.split(";").map((pair) => {
    const at = pair.indexOf("=");
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  }));
  for (const name of CSRF_COOKIES) if (jar.get(name)) return jar.get(name);
  return "";
}

export function createApi(base, { onSignedOut }) {
  let refreshing = null;

  async function send(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
    try {
      return await fetch(base + path, {
        method, headers, credentials: "same-origin", cache: "no-store",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, "network_error", "Could not reach Penny. Check your connection and try again.", null);
    }
  }

  // False when the session could not be refreshed; otherwise the refresh's answer (true
  // when another tab had refreshed already, or a probe found the session still good).
  async function refreshOnce(seen, realtime) {
    // Another tab may have refreshed while we waited: its answer moved the expiry on.
    if (storedExpiry() > seen) return true;
    if (!seen) {
      // No expiry known (storage refused, or a session begun elsewhere): ask first.
      const probe = await send("GET", "/me/profile");
      if (probe.ok) return true;
    }
    const response = await send("POST", realtime ? "/auth/session/refresh?realtime=true"
      : "/auth/session/refresh");
    if (!response.ok) return false;
    const data = await response.clone().json().catch(() => undefined);
    rememberExpiry(data);
    return data || true;
  }

  function refresh(seen, realtime = false) {
    if (!refreshing) {
      const run = navigator.locks
        ? navigator.locks.request("penny-session-refresh", () => refreshOnce(seen, realtime))
        : refreshOnce(seen, realtime);
      refreshing = run.catch(() => false).finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // A ticket for the live-updates socket. When the access cookie has run out (a tab
  // coming back after a while), the refresh brings the ticket with it: one request, not
  // a refresh and then a ticket. Otherwise (or when another tab refreshed first) it is
  // asked for on its own.
  async function ticket() {
    const seen = storedExpiry();
    if (seen && Date.now() > seen - EARLY_MS) {
      const answer = await refresh(seen, true);
      if (answer && answer.realtime) return answer.realtime;
    }
    return request("POST", "/me/realtime/ticket");
  }

  async function request(method, path, body) {
    const auth = path.startsWith("/auth/");
    let seen = storedExpiry();
    if (!auth && seen && Date.now() > seen - EARLY_MS) {
      await refresh(seen); // the access cookie has run out: no request to be refused
      seen = storedExpiry();
    }
    let response = await send(method, path, body);
    if (response.status === 401 && !auth) {
      if (await refresh(seen)) response = await send(method, path, body);
      if (response.status === 401) onSignedOut();
    }
    if (auth && response.ok && method === "DELETE") rememberExpiry(null); // logged out
    if (response.status === 204) return null;
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (auth && response.ok && method !== "DELETE") rememberExpiry(data);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "error",
        error.message || `The server answered ${response.status}.`, error.field || null);
    }
    return data;
  }

  return {
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    put: (path, body) => request("PUT", path, body),
    del: (path) => request("DELETE", path),
    ticket,
    hasSession: () => csrfToken() !== "",
  };
}

// ---- live updates -------------------------------------------------------------------

// An event is about a booking or, for connection.broken and connection.repaired, a
// connection (whose `booking` is an empty object): what it is about decides, not the
// shape of the other field.
const isObject = (value) => Boolean(value) && typeof value === "object" && !Array.isArray(value);

const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30000;
// API Gateway drops a connection idle for 10 minutes. A keepalive every 9 minutes is the
// fewest billed messages that keep it open; it gets no reply (a pong would be a second
// billed message and a management API call).
const KEEPALIVE_MS = 9 * 60 * 1000;
// A tab hidden this long closes its socket until it is shown again: API Gateway bills every
// connection minute and every keepalive, and a dashboard left open all day behind other
// tabs would otherwise pay for 1,440 minutes and 160 keepalives a day that nobody sees.
// Three minutes: a look at the dashboard (a few minutes) plus this grace stays under
// KEEPALIVE_MS, so a look costs no keepalive at all (`make cost`: the keepalives were a
// third of a dashboard's WebSocket bill at five), and a hidden stretch at most three
// connection minutes. It is long enough that glancing at mail or a calendar for a minute
// or two keeps the socket: each reopening costs a ticket (or the refresh that brings
// one), $connect and a reload of the bookings list, three invocations that churning on
// every tab switch would spend.
export const HIDDEN_CLOSE_MS = 3 * 60 * 1000;

// One WebSocket to the host's event stream. Each (re)connect fetches a fresh 60-second
// ticket; a dropped socket is retried after a random wait in [0, min(cap, base * 2^n)]
// ("full jitter"), so a gateway restart is not met by every dashboard at once. Hidden for
// HIDDEN_CLOSE_MS, it pauses (socket closed, no keepalives, no retries); shown again, it
// reconnects at once. Each socket that opens reports onReconnected, so the list catches up
// on what no socket of this tab was there to hear.
export function createLive(api, fallbackUrl, { onEvent, onStatus, onReconnected }) {
  let socket = null;
  let attempt = 0;
  let timer = null;
  let stopped = true;
  let paused = false;
  let hiddenTimer = null;
  // Bumped by reconnectNow(), pause() and stop(): a connect still waiting for its ticket
  // then gives up rather than open a second socket that nothing would ever close.
  let generation = 0;

  function status(state, detail = {}) {
    onStatus({ state, ...detail });
  }

  function schedule() {
    if (stopped || paused) return;
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
    const wait = Math.round(Math.random() * ceiling);
    attempt += 1;
    status("reconnecting", { retryAt: Date.now() + wait, attempt });
    timer = setTimeout(open, wait);
  }

  async function open() {
    timer = null;
    if (stopped || paused) return;
    const mine = generation;
    status("connecting");
    let ticket;
    try {
      ticket = await api.ticket();
    } catch (error) {
      if (stopped || mine !== generation) return;
      if (error instanceof ApiError && error.status === 401) return stop();
      return schedule();
    }
    if (stopped || mine !== generation) return;
    const url = ticket.url || fallbackUrl;
    if (!url) return status("unavailable");
    let ws;
    try {
      ws = new WebSocket(url, [ticket.protocol, ticket.ticket]);
    } catch {
      // Not a WebSocket address (a server configured with ftp://, say): retrying with
      // the same one cannot help, so the page says live updates are off.
      return status("unavailable");
    }
    socket = ws;
    ws.addEventListener("open", () => {
      // Events pushed before this socket's record was written went nowhere in this tab:
      // those of a socket that opens after others closed, after tries that failed, after
      // a pause, and those of the first one too (the list was read while its ticket and
      // $connect were on their way). The list is read again now that it is open.
      attempt = 0;
      status("live");
      // Only the current socket beats: one being closed (paused, replaced) sends nothing.
      const beat = () => { if (socket === ws) ws.send(JSON.stringify({ action: "keepalive" })); };
      const keepalive = setInterval(beat, KEEPALIVE_MS);
      ws.addEventListener("close", () => clearInterval(keepalive));
      onReconnected();
    });
    ws.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event && typeof event.type === "string" && (isObject(event.booking) || isObject(event.connection))) onEvent(event);
    });
    ws.addEventListener("close", () => {
      if (socket === ws) {
        socket = null;
        schedule();
      }
    });
  }

  // Closes the current socket, connecting or open; its close event then finds it is no
  // longer `socket` and schedules nothing.
  function drop(reason) {
    generation += 1;
    clearTimeout(timer);
    timer = null;
    const ws = socket;
    socket = null;
    if (ws) ws.close(1000, reason);
  }

  function start() {
    if (!stopped) return;
    stopped = false;
    paused = false;
    attempt = 0;
    open();
    if (document.visibilityState === "hidden") watchHidden(); // opened in a background tab
  }

  function stop() {
    stopped = true;
    paused = false;
    clearTimeout(hiddenTimer);
    hiddenTimer = null;
    drop("bye");
    status("offline");
  }

  function reconnectNow() {
    drop("reconnect");
    stopped = false;
    paused = false;
    attempt = 0;
    open();
  }

  // Hidden long enough: close the socket and wait, calmly, for the tab to be shown again.
  function pause() {
    hiddenTimer = null;
    if (stopped || paused) return;
    paused = true;
    drop("hidden");
    status("paused");
  }

  function watchHidden() {
    clearTimeout(hiddenTimer);
    hiddenTimer = setTimeout(pause, HIDDEN_CLOSE_MS);
  }

  // Back from sleep or a network change: do not wait for the backoff (unless paused: the
  // tab is hidden and shows nothing, so it reconnects when it is shown).
  window.addEventListener("online", () => { if (!stopped && !paused && !socket) reconnectNow(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") return watchHidden();
    clearTimeout(hiddenTimer);
    hiddenTimer = null;
    if (paused) {
      // Events sent while paused went nowhere: the list is read again once the socket is
      // open (onReconnected), so a booking made meanwhile shows up.
      reconnectNow();
    } else if (!stopped && !socket && timer) {
      reconnectNow();
    }
  });

  return { start, stop, reconnectNow };
}
