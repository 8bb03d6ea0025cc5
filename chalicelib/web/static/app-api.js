// The dashboard's link to Penny: the JSON API (cookie session + CSRF). Live updates are
// app-live.js.
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
        error.message || `The server answered ${response.status}.`, error.field || null,
        (data && data.current) || null);
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
