// A round trip to a provider's consent page (connect, sign in, link): the window goes
// there, and comes back to a view with a query that says how it went.

import { ApiError, base } from "./api.js";

// One round trip to a provider (connect, sign in, link): `start()` asks the API for the
// consent URL (its answer also sets the cookie the callback checks), then the whole
// window goes there, and the provider sends it back to Penny's callback, which
// redirects to a view. The button stays busy while the window leaves; if the browser's
// Back button brings the page back from its cache, it works again. Answers the API's
// refusal (an ApiError), or null once the window is on its way.
export async function toProvider(button, start) {
  const release = () => {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  };
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const url = new URL((await start()).authorize_url);
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new ApiError(0, "bad_url", "Penny answered with an address it cannot open.", null);
    }
    window.addEventListener("pageshow", release, { once: true });
    location.assign(url.href);
    return null;
  } catch (error) {
    release();
    if (!(error instanceof ApiError)) throw error;
    return error;
  }
}

// The query a round trip came back to `section` with (/app/connections?connected=google,
// /app/login?provider=google&error=consent_declined), when the address is that view and
// has one of `names`: taken off the address, so a reload or a bookmark does not say it
// again. Null otherwise.
export function takeReturn(section, names) {
  const path = location.pathname.slice(base.length).replace(/\/$/, "");
  const query = new URLSearchParams(location.search);
  if (path !== `/app/${section}` || !names.some((name) => query.has(name))) return null;
  history.replaceState(history.state, "", location.pathname + location.hash);
  return query;
}
