// Where the host's client notes go, on the Connections page: one select, "Notes go to",
// for the host (not one per provider), with the places every connected notes provider
// lists (GET /me/notes: the Notion databases the host shared with Penny, the Drive
// folder Penny made for Google Docs), each labelled by its provider ("Notion: Client
// notes", "Google Docs: Penny client notes"), and "No notes". A change is saved at once
// (PUT /me/notes, with the chosen place's provider) and said in the status line under
// it. Connecting picks a place when notes go nowhere yet, so the select usually only
// shows that choice.
//
// The element is made once and handed to the first connected notes card (Notion, else
// Google Docs) each time the cards are drawn (app-connections.js cardDetail), so a
// redraw keeps what it shows. GET /me/notes asks the providers (a Notion search, a
// Drive listing), so it is read when the Connections page opens with a notes provider
// connected, or when which are connected changes, not on every redraw.

import { ApiError } from "./api.js";
import { h } from "./app-dom.js";

const NONE = "";
const PROVIDERS = { notion: "Notion", google: "Google Docs" };
// What a place is called when its provider no longer lists it to Penny.
const GONE = { notion: " (no longer shared with Penny)", google: " (no longer in your Drive)" };

// An option's value: the provider and the place, as PUT /me/notes names them.
const valueOf = (place) => `${place.provider}:${place.data_source_id}`;
const labelOf = (place) => `${PROVIDERS[place.provider] || place.provider}: ${place.title}`;

export function initNotes(api) {
  const select = h("select", { id: "notes-destination", "aria-describedby": "notes-hint notes-status" });
  const field = h("div", { class: "field", hidden: true },
    h("label", { for: "notes-destination" }, "Notes go to"), select,
    h("p", { class: "hint", id: "notes-hint" },
      "Each confirmed booking gets notes about the client there: a page in a Notion database, or a Google Doc in a Drive folder."));
  const problem = h("div", { class: "notes-problem" });
  const status = h("p", { class: "hint", id: "notes-status", role: "status" });
  const element = h("div", { class: "notes-choice" }, field, problem, status);
  let stale = true; // the page was opened again, or other providers are connected: ask again
  let generation = 0;
  let saved = NONE; // the place notes go to now (an option's value)
  let providers = []; // the notes providers connected, in the cards' order
  let saving = false; // a choice on its way: its answer is the list, fresher than a read

  function say(text, kind = "") {
    status.textContent = text;
    status.className = `hint${kind ? ` notes-${kind}` : ""}`;
  }

  function retry(text, label) {
    return h("p", { class: "notice notice-warning" }, `${text} `,
      h("button", { type: "button", class: "button", onclick: load }, label));
  }

  // Why the list may be short, in words: who could not be asked, or that nothing is there.
  function trouble(unreachable, databases) {
    const only = providers.length === 1 ? providers[0] : null;
    if (unreachable) {
      const text = only === "notion" ? `Couldn't reach Notion just now to list your databases: ${unreachable}`
        : only === "google" ? `Couldn't reach Google just now to list your notes folder: ${unreachable}`
          : `Couldn't list every place for notes just now: ${unreachable}`;
      return retry(text, "Try again");
    }
    if (databases.length) return "";
    if (only === "notion") return retry("Penny sees no database in your Notion. Share a database with Penny in Notion, then reload.", "Reload");
    if (only === "google") return retry("Penny finds no notes folder of its own in your Google Drive: it may have been deleted. Connect Google Docs again and Penny makes a new one.", "Reload");
    return retry("Penny finds no place for notes: no database shared in Notion, no folder of its own in your Google Drive.", "Reload");
  }

  function show({ destination, databases, unreachable }) {
    saved = destination ? valueOf(destination) : NONE;
    const options = databases.map((place) => h("option", { value: valueOf(place) }, labelOf(place)));
    // The current choice, when its provider did not list it (unreachable, or gone).
    if (destination && !databases.some((place) => valueOf(place) === saved)) {
      const gone = unreachable ? "" : GONE[destination.provider] || "";
      options.unshift(h("option", { value: saved }, `${labelOf(destination)}${gone}`));
    }
    select.replaceChildren(h("option", { value: NONE }, "No notes"), ...options);
    select.value = saved;
    field.hidden = options.length === 0;
    problem.replaceChildren(trouble(unreachable, databases));
  }

  // A Try again or Reload pressed is redrawn: the keyboard goes to what replaced it.
  function refocus() {
    const next = problem.querySelector("button") || (field.hidden ? null : select);
    if (next) next.focus();
  }

  async function load() {
    if (saving) return;
    const mine = ++generation;
    const retried = problem.contains(document.activeElement);
    say("Loading where your notes can go…");
    try {
      const answer = await api.get("/me/notes");
      if (mine !== generation) return;
      show(answer);
      say("");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== generation || error.status === 401) return;
      say("");
      problem.replaceChildren(error.code === "not_connected" ? ""
        : retry(`Could not load where your notes can go: ${error.message}`, "Try again"));
    }
    if (retried) refocus();
  }

  select.addEventListener("change", async () => {
    const mine = ++generation;
    const chosen = select.value;
    const colon = chosen.indexOf(":");
    const body = chosen === NONE ? { data_source_id: null }
      : { provider: chosen.slice(0, colon), data_source_id: chosen.slice(colon + 1) };
    select.setAttribute("aria-busy", "true");
    saving = true;
    say("Saving…");
    try {
      const answer = await api.put("/me/notes", body);
      if (mine !== generation) return;
      show(answer);
      say(answer.destination ? `Saved: each booking's notes go to ${labelOf(answer.destination)}.`
        : "Saved: Penny writes no notes.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== generation || error.status === 401) return;
      select.value = saved;
      say(`Not saved: ${error.message}`, "failed");
    } finally {
      if (mine === generation) {
        saving = false;
        select.removeAttribute("aria-busy");
      }
    }
  });

  return {
    // The Connections page opened: read the places again when it lists the connections.
    enter() { stale = true; },
    // The host's connections as GET /me/connections lists them, each time it is read,
    // and the integrations connected (app-connection-model.js: Google Docs only with
    // its scopes).
    connectionsChanged(_connections, connected) {
      const now = connected.filter((i) => i.group === "notes").map((i) => i.provider);
      if (now.join() !== providers.join()) stale = true;
      providers = now;
      if (!now.length || !element.isConnected || element.closest("[hidden]")) return;
      if (!stale) return;
      stale = false;
      load();
    },
    // Under the first connected notes card (Notion, else Google Docs): once for the host.
    cardDetail(integration, _connection, connected) {
      const home = connected.find((i) => i.group === "notes");
      return home && home.id === integration.id ? element : null;
    },
  };
}
