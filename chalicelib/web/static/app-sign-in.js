// "Sign in with Google" and "Sign in with Microsoft" on the login and sign-up views, and
// the way back when the provider or Penny said no.
//
// The buttons are the providers set up on this Penny (the page's config, dashboard.py);
// one not set up has none. A button asks POST /auth/oidc/{provider} for the consent URL,
// with the browser's zone for a new account and the view the visitor asked for (a
// bookmark, or the view a session ended on), and sends the window there. The callback
// logs the visitor in and goes to that view, else /app/bookings (/app/welcome for a new
// account), or comes back to /app/login?provider=<p>&error=<code>: the login view says
// why in its error line (an alert, so a screen reader says it too) and takes the query
// away. The view asked for is remembered for this tab while the window is away, so a
// refusal keeps it for the next login (wantedBack).

import { $, h } from "./app-dom.js";
import { showError } from "./app-forms.js";
import { takeReturn, toProvider } from "./app-provider-trip.js";
import { detectZone } from "./clock.js";

const WANTED = "penny.sign-in.wanted";

const tooMany = () => "Too many accounts were made from this network just now. Try again later, or log in to an account you already have.";

// The callback's refusals (chalicelib/functions/connections.py), in plain words.
const REFUSALS = {
  consent_declined: (vendor) => `You said no on ${vendor}'s page, so you are not signed in. You can sign in with ${vendor}, or with your e-mail and password, whenever you like.`,
  email_taken: (vendor) => `A Penny account already uses that ${vendor} account's e-mail. Log in with your password, then link ${vendor} on your Profile page to sign in with it from then on.`,
  identity_unverified: (vendor) => `${vendor} did not confirm that account's e-mail, so Penny cannot make an account from it. Create an account with a password, then link ${vendor} on your Profile page.`,
  provider_rejected: (vendor) => `${vendor} refused the sign-in, so you are not signed in. Try again, and check the account you choose at ${vendor}.`,
  provider_unavailable: (vendor) => `${vendor} could not be reached to finish signing you in. Try again in a minute.`,
  too_many_signups: tooMany,
  too_many_requests: tooMany,
  rate_limited: tooMany,
  slug_taken: (vendor) => `Penny could not make a link for your page from that ${vendor} account's e-mail. Create an account with a password and choose your link, then link ${vendor} on your Profile page.`,
};
function refusal(code, vendor) {
  // Own keys only: the code comes from the address bar (?error=hasOwnProperty ...).
  const words = Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : null;
  return words ? words(vendor) : `Signing in with ${vendor} did not finish, so you are not signed in. Try again.`;
}

export const providerName = (provider) => (provider ? provider[0].toUpperCase() + provider.slice(1) : "the provider");

// The buttons under an "or" after a view's form; errors go to that form's error line.
function mountButtons(api, providers, form, wantedView, hint) {
  const buttons = providers.map(({ provider, name }) => {
    const button = h("button", { type: "button", class: "button button-wide sign-in-with-button", "data-provider": provider },
      `Sign in with ${name}`);
    button.addEventListener("click", async () => {
      const refused = await toProvider(button, async () => {
        const wanted = wantedView() || "";
        const answer = await api.post(`/auth/oidc/${provider}`, { timezone: detectZone(), view: wanted || null });
        sessionStorage.setItem(WANTED, wanted);
        return answer;
      });
      if (refused) showError(form, { message: refused.message });
    });
    return h("li", {}, button);
  });
  if (!buttons.length) return;
  form.after(h("div", { class: "sign-in-with" },
    h("p", { class: "divider" }, h("span", {}, "or")),
    h("ul", { class: "sign-in-buttons" }, buttons),
    hint ? h("p", { class: "hint" }, hint) : null));
}

// `wantedView()`: the view to come back to after signing in ("" for Bookings).
export function initSignIn(api, providers, wantedView) {
  const names = new Map(providers.map((p) => [p.provider, p.name]));
  const login = $("#login-form");
  mountButtons(api, providers, login, wantedView);
  mountButtons(api, providers, $("#signup-form"), wantedView,
    "A new account takes its name and e-mail from that account. You can change your name and your link on your Profile page.");
  const query = takeReturn("login", ["error"]);
  let back = query && { provider: query.get("provider") || "", error: query.get("error") };
  // Read on every load, so it never outlives the one way back it was kept for.
  const wanted = sessionStorage.getItem(WANTED) || "";
  sessionStorage.removeItem(WANTED);

  return {
    // The view asked for before a sign-in the provider or Penny refused ("" for none):
    // the router may only take one of its own views from it.
    wantedBack: back ? wanted : "",
    login: {
      enter() {
        if (!back) return;
        // A provider this page does not offer is never named from the address bar.
        const vendor = names.get(back.provider) || "the provider";
        showError(login, { message: refusal(back.error, vendor) });
        back = null;
      },
    },
  };
}
