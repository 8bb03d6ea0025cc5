// The dashboard's live updates: one WebSocket to the host's event stream, with its
// keepalive, its reconnects and its pause while the tab is hidden. Its ticket comes
// through the JSON API (app-api.js).

import { ApiError } from "./api.js";

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
