// The live-updates pill in the dashboard's header: Live, Connecting…, Reconnecting…
// (with a countdown to the next try), Offline, Live updates off, Paused; what each means,
// and the Reconnect button while there is something to reconnect.

import { $ } from "./app-dom.js";
import { HIDDEN_CLOSE_MS } from "./app-live.js";

const LIVE_LABELS = {
  live: "Live", connecting: "Connecting…", reconnecting: "Reconnecting…",
  offline: "Offline", unavailable: "Live updates off", paused: "Paused",
};
let countdown = null;

// `status`: what createLive (app-live.js) reports, {state, retryAt, attempt}.
export function liveStatus(status) {
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
