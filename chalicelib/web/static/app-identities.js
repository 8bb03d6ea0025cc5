// The Profile page's sign-in methods: the Google and Microsoft accounts a host signs in
// with (GET /me/identities), Link for each provider set up on this Penny and not linked
// yet, and Unlink for each linked one.
//
// Link is the sign-in's round trip with the host logged in (POST /me/identities/{p}):
// the provider comes back to /app/profile?linked=<p>, or ?provider=<p>&error=<code>
// (identity_linked: that account signs in to another Penny account), said here in words.
// Unlink asks first; the API refuses (400) to unlink the last way into an account that
// has no password, and the section says its reason.

import { ApiError } from "./api.js";
import { $, h, uniqueId } from "./app-dom.js";
import { takeReturn, toProvider } from "./app-provider-trip.js";
import { providerName } from "./app-sign-in.js";

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);

// The callback's refusals for a link (chalicelib/functions/connections.py), in plain words.
const REFUSALS = {
  identity_linked: (vendor) => `That ${vendor} account already signs in to another Penny account, so it was not linked to this one. Choose another account at ${vendor}, or unlink it from the other Penny account first.`,
  consent_declined: (vendor) => `You said no on ${vendor}'s page, so nothing was linked. You can link ${vendor} whenever you like.`,
  provider_rejected: (vendor) => `${vendor} refused, so nothing was linked. Try again, and check the account you choose at ${vendor}.`,
  provider_unavailable: (vendor) => `${vendor} could not be reached to finish linking, so nothing was linked. Try again in a minute.`,
};

export function initIdentities(api, providers) {
  const section = $("#identities");
  const list = $("#identities-list");
  const status = $("#identities-status");
  const dialog = $("#unlink-dialog");
  const names = new Map(providers.map((p) => [p.provider, p.name]));
  const nameOf = (provider) => names.get(provider) || (linked.has(provider) ? providerName(provider) : "The provider");
  let linked = new Map(); // provider -> {provider, email, linked_at}
  let generation = 0;
  const query = takeReturn("profile", ["linked", "error"]);
  let back = query && {
    provider: query.get("linked") || query.get("provider") || "",
    error: query.get("linked") ? null : (query.get("error") || "error"),
  };

  function say(headline, detail, kind = "info") {
    status.replaceChildren(h("p", { class: `notice notice-${kind}` }, h("strong", {}, sentence(headline)), " ", detail));
  }

  const account = (identity) => (identity.email ? ` as ${identity.email}` : "");

  function row(provider) {
    const identity = linked.get(provider);
    const name = nameOf(provider);
    const statusId = uniqueId(`identity-${provider}`);
    const button = identity
      ? h("button", {
        type: "button", class: "button button-danger", "aria-label": `Unlink ${name}`,
        "aria-describedby": statusId, onclick: () => confirmUnlink(provider),
      }, "Unlink")
      : h("button", {
        type: "button", class: "button button-primary", "aria-describedby": statusId,
        onclick: (event) => link(provider, event.currentTarget),
      }, `Link ${name}`);
    const note = identity
      ? `You sign in${account(identity)}, linked ${WHEN.format(new Date(identity.linked_at))}.`
      : `Link a ${name} account to sign in to Penny with it.`;
    return h("li", { class: "integration identity", "data-provider": provider },
      h("h3", { class: "integration-name" }, name),
      h("p", { class: "integration-status", id: statusId },
        h("span", { class: `badge ${identity ? "badge-ok" : ""}`.trim() }, identity ? "Linked" : "Not linked"),
        " ", h("span", {}, note)),
      h("div", { class: "integration-actions" }, button));
  }

  // The providers set up here, then any linked one no longer set up (it can be unlinked).
  function draw() {
    const shown = [...names.keys(), ...[...linked.keys()].filter((p) => !names.has(p))];
    section.hidden = shown.length === 0;
    list.replaceChildren(...shown.map(row));
  }

  function focusRow(provider) {
    const button = list.querySelector(`[data-provider="${provider}"] button`);
    if (button) button.focus();
  }

  async function load() {
    const mine = ++generation;
    try {
      const answer = await api.get("/me/identities");
      if (mine !== generation) return false;
      linked = new Map(answer.identities.map((i) => [i.provider, i]));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine === generation && error.status !== 401) say("Could not load your sign-in methods.", error.message, "warning");
      return false;
    }
    draw();
    return true;
  }

  async function link(provider, button) {
    const refused = await toProvider(button, () => api.post(`/me/identities/${provider}`));
    if (refused) say(`Could not link ${nameOf(provider)}`, refused.message, "warning");
  }

  function confirmUnlink(provider) {
    const name = nameOf(provider);
    const identity = linked.get(provider) || {};
    $("#unlink-title").textContent = `Unlink ${name}?`;
    $("#unlink-summary").textContent = `You will no longer be able to sign in to Penny${account(identity)} at ${name}. Your connections, on the Connections page, stay as they are. You can link ${name} again at any time.`;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "confirm") return focusRow(provider);
      try {
        await api.del(`/me/identities/${provider}`);
        say(`${name} is unlinked`, `You can no longer sign in to Penny${account(identity)} at ${name}.`);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        say(`Could not unlink ${name}`, sentence(error.message), "warning");
      }
      await load();
      return focusRow(provider);
    }, { once: true });
  }

  // What the provider's redirect said, once the list shows the account it linked.
  function sayReturn({ provider, error }) {
    const name = nameOf(provider);
    if (!error) {
      const identity = linked.get(provider);
      say(`${name} is linked`, `You can now sign in to Penny${identity ? account(identity) : ""} at ${name}.`);
    } else {
      const words = Object.hasOwn(REFUSALS, error) ? REFUSALS[error] : null;
      say(`${name} is not linked`, words ? words(name) : "Linking did not finish, so nothing was linked. Try again.", "warning");
    }
    section.scrollIntoView({ block: "start" });
    $("#identities-title").focus({ preventScroll: true });
  }

  return {
    async enter() {
      status.replaceChildren();
      if (!(await load()) || !back) return;
      sayReturn(back);
      back = null;
    },
  };
}
