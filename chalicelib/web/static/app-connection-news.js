// What the host is told of a connection that changed away from the page: the way back
// from a provider's consent page or Stripe's onboarding (which Penny then checks with
// Stripe), what a check of a payment account found, and live news (connection.broken,
// .repaired).
//
// The provider sends the browser back to /oauth/<provider>/callback, which redirects to
// the view the host connected from (the Connections page, or the welcome steps) with
// ?connected=<provider> or ?provider=<provider>&error=<code>: takeConnectReturn reads it
// and takes it off the URL, so a reload or a bookmark does not say it again; the view
// says it in words once it has read the list.

import { ApiError, base } from "./api.js";
import { toast } from "./app-dom.js";
import { takeReturn } from "./app-provider-trip.js";
import { RETURN_ERRORS, brokenBecause, names } from "./app-connection-words.js";

export function takeConnectReturn() {
  const view = ["connections", "welcome"].find((name) => currentView() === name);
  const query = view && takeReturn(view, ["connected", "provider"]);
  const provider = query && (query.get("connected") || query.get("provider"));
  if (!provider) return null;
  const missing = (query.get("missing") || "").split(",").filter(Boolean);
  return { view, provider, error: query.get("connected") ? null : (query.get("error") || "error"), missing };
}

function currentView() {
  return location.pathname.slice(base.length).replace(/\/$/, "").replace(/^\/app\//, "");
}

// `say(headline, detail, kind)` tells the host (app-connections.js); `redraw()` draws the
// cards again once the model changed; `load()` reads the list again.
export function createConnectionNews(model, { api, integrations, say, redraw, load }) {
  // The way back says only the provider: the cards it names are those its connection
  // serves now ("Google Calendar and Google Docs are connected"). A refusal names the
  // card only when the provider has one (which Google card was pressed is not known).
  function sayReturn({ provider, error, missing }) {
    const cards = model.cardsOf(provider);
    const vendor = cards.length ? cards[0].vendor : "The provider";
    if (!error) {
      const served = model.servedBy(provider);
      const shown = served.length ? served : cards.slice(0, 1);
      const connection = model.connections.get(provider);
      const account = connection && connection.account ? ` as ${connection.account}` : "";
      const headline = shown.length ? `${names(shown)} ${shown.length > 1 ? "are" : "is"} connected` : "The platform is connected";
      return say(headline, `Penny is connected to ${vendor}${account}.`);
    }
    const words = Object.hasOwn(RETURN_ERRORS, error) ? RETURN_ERRORS[error] : null;
    const headline = cards.length === 1 ? `${cards[0].name} is not connected`
      : cards.length ? `Connecting ${vendor} did not finish` : "The platform is not connected";
    say(headline, words ? words(vendor, missing) : "Connecting did not finish, so nothing was connected. Try again.", "warning");
  }

  // What a check of a payment account found that is not "works" (pending, broken).
  function sayChecked(integration, answer) {
    const vendor = integration.vendor;
    if (answer.status === "pending") {
      say(`Finish setting up on ${vendor}`, `${vendor} has your account, but it cannot take payments yet. Press “Finish setting up on ${vendor}” to go on where you left off.`, "warning");
    } else {
      say(`${integration.name} stopped working`, brokenBecause(answer.broken_reason, vendor), "warning");
    }
  }

  // Back from Stripe's onboarding: Penny asks Stripe how the account stands.
  async function checkStripe() {
    const integration = integrations.find((i) => i.provider === "stripe");
    try {
      const answer = await api.post("/me/connections/stripe/test");
      model.connections.set("stripe", { ...model.connections.get("stripe"), ...answer });
      redraw();
      if (answer.status === "connected") {
        say("Stripe is connected", `Clients' payments go to your Stripe account${answer.account ? ` (${answer.account})` : ""}.`);
      } else {
        sayChecked(integration, answer);
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say("Could not check your Stripe account", error.message, "warning");
    }
    await load();
  }

  function broke(broken) {
    const known = model.connections.get(broken.provider);
    const toldAlready = known && known.status === "broken";
    // The news carries the grant's scopes: heard before the list was read, it still
    // names the cards the connection serves (Google Docs alone, not Google Calendar).
    const scopes = broken.scopes || (known && known.scopes);
    model.connections.set(broken.provider, { ...known, scopes, status: "broken", broken_reason: broken.reason });
    redraw();
    // Heard before the list was read, and without scopes: its first card.
    const served = known || scopes ? model.servedBy(broken.provider) : model.cardsOf(broken.provider).slice(0, 1);
    if (served.length && !toldAlready) {
      toast(`${names(served)} stopped working`, {
        kind: "warning", detail: brokenBecause(broken.reason, served[0].vendor),
      });
    }
  }

  function repaired(news) {
    const known = model.connections.get(news.provider);
    if (!known) return; // heard before the list was read: the read shows it
    const wasBroken = known.status === "broken";
    model.connections.set(news.provider, { ...known, status: news.status, broken_reason: null, broken_at: null });
    redraw();
    // Said where it was shown broken (a Stripe account made again shows its unfinished
    // set-up, which the card says); a tab that had read it working already just shows it.
    const served = wasBroken ? model.servedBy(news.provider) : [];
    if (served.length && news.status === "connected") {
      toast(`${names(served)} ${served.length > 1 ? "work" : "works"} again`, {
        detail: `Penny can use ${served[0].vendor} again.`,
      });
    }
  }

  return { sayReturn, sayChecked, checkStripe, broke, repaired };
}
