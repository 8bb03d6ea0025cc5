// Penny's JSON API from the browser: every URL starts at the page's base path (""
// on a Function URL, "/api" on an API Gateway stage), and every failure is an ApiError
// carrying the API's machine code and, when there is one, the field it is about.

export const base = document.body.dataset.base || "";

export class ApiError extends Error {
  // `current`: a save refused because another was made first (409 event_type_changed,
  // profile_changed, schedule_changed) carries the object as it now stands.
  constructor(status, code, message, field = null, current = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.current = current;
  }
}

async function call(method, path, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch {
    throw new ApiError(0, "network_error",
      "Penny could not be reached. Check your connection and try again.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(response.status, error.code || "error",
      error.message || `The request failed (${response.status}).`, error.field || null,
      (data && data.current) || null);
  }
  return data;
}

export const getJSON = (path) => call("GET", path);
export const postJSON = (path, body, headers) => call("POST", path, body, headers);

/** A fresh Idempotency-Key (randomUUID needs a secure context; fall back if absent). */
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Data the server embedded as <script type="application/json" id="...">. */
export function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

export const linkToken = () => new URLSearchParams(location.search).get("token") || "";
