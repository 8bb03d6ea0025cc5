// The host's calendars, on the Connections page: which ones keep times off the booking
// page ("Check for conflicts"), which one new bookings are added to, and how fresh
// Penny's copy of each is.
//
// The section is there while Google Calendar or Outlook is connected. The connections
// list the page reads anyway (app-connections.js) says when, so a host without either
// never asks for calendars. GET /me/calendars lists each provider's calendars as the
// provider answers now; one that did not answer, or whose connection is broken, is in
// `unreachable`. Save sends the whole choice (PUT /me/calendars), and the API's error
// lands next to the control it names. The event types whose Meet or Teams link the chosen
// calendar cannot carry are named under the list (app-calendar-links.js).

import { ApiError } from "./api.js";
import { $, h, toast, uniqueId } from "./app-dom.js";
import { busy, clearErrors, markInvalid, showError } from "./app-forms.js";
import { createCalendarLinks } from "./app-calendar-links.js";
import { markSaved } from "./app-unsaved.js";

const VENDORS = { google: "Google", microsoft: "Microsoft" };
const SERVICES = { google: "Google Calendar", microsoft: "Outlook" };
const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const UNITS = [["day", 86400], ["hour", 3600], ["minute", 60]];

function ago(iso) {
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const [unit, size] = UNITS.find(([, length]) => Math.abs(seconds) >= length) || [];
  return unit ? RELATIVE.format(Math.round(seconds / size), unit) : "just now";
}

const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);

// "Google Calendar · read 3 minutes ago · live updates": where it is, when Penny last
// read it, and whether the provider tells Penny when it changes.
function freshness(calendar) {
  const parts = [SERVICES[calendar.provider] || calendar.provider];
  if (calendar.conflicts) parts.push(calendar.synced_at ? `read ${ago(calendar.synced_at)}` : "not read yet");
  if (calendar.push) parts.push("live updates");
  return parts.join(" · ");
}

// The API says why a read failed as "code: message"; the message is the plain part.
const failure = (text) => `Penny couldn't read it last time: ${sentence(text.replace(/^[a-z_]+:\s*/, ""))}`;

function choice(type, name, calendar, labelText, nameId, attributes) {
  const textId = uniqueId(`calendar-${type}-label`);
  return h("label", { class: "field-check" },
    h("input", { type, name, value: calendar.key, id: uniqueId(`calendar-${name}`),
      "aria-labelledby": `${textId} ${nameId}`, ...attributes }),
    h("span", { id: textId }, labelText));
}

function row(calendar) {
  const nameId = uniqueId("calendar-name");
  const freshId = uniqueId("calendar-fresh");
  const readOnlyId = uniqueId("calendar-read-only");
  return h("li", { class: "calendar field", "data-key": calendar.key },
    h("div", { class: "calendar-text" },
      h("h3", {}, h("span", { id: nameId }, calendar.name),
        calendar.primary ? [" ", h("span", { class: "badge" }, "Primary")] : null),
      h("p", { class: "hint", id: freshId }, freshness(calendar)),
      calendar.failure ? h("p", { class: "calendar-failure" }, failure(calendar.failure)) : null),
    choice("checkbox", "conflicts", calendar, "Check for conflicts", nameId,
      { checked: calendar.conflicts, "aria-describedby": freshId }),
    choice("radio", "destination", calendar, "Add new bookings to", nameId, {
      checked: calendar.destination, disabled: !calendar.writable,
      "aria-describedby": calendar.writable ? null : readOnlyId }),
    calendar.writable ? null : h("p", { class: "hint calendar-read-only", id: readOnlyId },
      "Read-only: Penny can't add bookings to it."));
}

// A calendar Penny took out of the host's choice: the provider no longer lets them read
// it (deleted, or no longer shared). It stays said until the host chooses it again.
function removal(calendar) {
  const name = calendar.name || calendar.key.slice(calendar.key.indexOf(":") + 1);
  const service = SERVICES[calendar.provider] || calendar.provider;
  return h("p", { class: "notice notice-warning calendar-removed", "data-key": calendar.key },
    `Penny stopped using ${name} (${service}) on ${new Date(calendar.removed_at).toLocaleDateString()}: `
    + sentence(calendar.reason.replace(/^[a-z_]+:\s*/, ""))
    + (calendar.was_destination ? " New bookings are not added to a calendar until you choose one below." : ""));
}

export function initCalendars(api) {
  const section = $("#calendars");
  const form = $("#calendars-form");
  const list = $("#calendars-list");
  const lines = $("#calendars-unreachable");
  const nowhere = $("#calendars-nowhere");
  const save = $("button[type=submit]", form);
  let providers = ""; // the connected calendar providers the list was read for
  let stale = true; // the page was opened again: read the list again
  let generation = 0;
  let blocked = false; // a provider did not answer: Save waits for it
  let broken = new Set(); // the calendar providers whose connection needs reconnecting
  let saved; // whose calendar new bookings go to as Penny has it (null: none; undefined: not known)
  const links = createCalendarLinks(api, $("#calendars-links-lost"));

  // The provider of the calendar the form chooses for new bookings (null: none;
  // undefined: none chosen, while a provider's calendars are out of reach).
  function chosenDestination() {
    const chosen = form.querySelector('input[name="destination"]:checked');
    if (!chosen) return undefined;
    return chosen.value ? chosen.value.slice(0, chosen.value.indexOf(":")) : null;
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "destination") links.show(chosenDestination(), saved);
  });

  // A provider whose calendars could not be listed: one that did not answer may next
  // time; a broken one only once reconnected.
  const outOfReach = (provider) => h("p", { class: "notice notice-warning" }, ...(broken.has(provider)
    ? [`${SERVICES[provider] || provider} needs reconnecting (above). Its calendars count as they did; reconnect it to change them.`]
    : [`Couldn't reach ${VENDORS[provider] || provider} just now. Its calendars count as they did; to change them, `,
      h("button", { type: "button", class: "button", onclick: load }, "Try again")]));

  function show({ calendars, removed = [], unreachable }) {
    lines.replaceChildren(...removed.map(removal), ...unreachable.map(outOfReach));
    list.replaceChildren(...calendars.map(row));
    // Saving sends the whole choice: while a provider's calendars are missing from the
    // list, it would drop them from it.
    form.hidden = calendars.length === 0;
    blocked = unreachable.length > 0;
    save.disabled = blocked;
    nowhere.checked = !unreachable.length && !calendars.some((c) => c.destination);
    $("#calendars-loading").hidden = true;
    markSaved(form);
    saved = chosenDestination();
    links.show(saved, saved);
  }

  async function load() {
    const mine = ++generation;
    const retried = lines.contains(document.activeElement); // its Try again is redrawn
    clearErrors(form);
    $("#calendars-loading").hidden = false;
    links.read(); // the event types, beside: what the choice means for their links
    try {
      const answer = await api.get("/me/calendars");
      if (mine !== generation) return;
      show(answer);
      if (retried) $("#calendars-title").focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== generation || error.status === 401) return;
      $("#calendars-loading").hidden = true;
      lines.replaceChildren(h("p", { class: "notice notice-warning" },
        `Could not load your calendars: ${error.message} `,
        h("button", { type: "button", class: "button", onclick: load }, "Try again")));
    }
  }

  // Next to the control the API names: `destination` is the chosen calendar, `conflicts`
  // (or `conflicts.2`) the ticked one it mentions, or the one at that place.
  function showFieldError(error) {
    const [field, index] = (error.field || "").split(".");
    const ticked = [...form.querySelectorAll('input[name="conflicts"]:checked')];
    const input = field === "destination" ? form.querySelector('input[name="destination"]:checked')
      : field === "conflicts" ? ticked.find((box) => error.message.includes(box.value)) || ticked[Number(index) || 0]
        : null;
    if (input) {
      markInvalid(input, error.message);
      input.focus();
      return;
    }
    showError(form, { message: error.message }); // no control named: the form's summary
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = form.querySelector('input[name="destination"]:checked');
    const body = {
      conflicts: [...form.querySelectorAll('input[name="conflicts"]:checked')].map((box) => box.value),
      destination: chosen && chosen.value ? chosen.value : null,
    };
    await busy(save, async () => {
      try {
        show(await api.put("/me/calendars", body));
        const where = body.destination ? "New bookings go to the calendar you chose." : "New bookings are not added to a calendar.";
        toast("Calendars saved", { detail: where + links.summary(saved) });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showFieldError(error);
      }
    });
    save.disabled = blocked;
  });

  return {
    // The Connections page opened: read the calendars again when it lists the connections.
    enter() { stale = true; },
    // Live: Penny took one of the host's calendars out (connection.calendar_removed). The
    // list is read again where it shows; elsewhere, on the next visit.
    onRemoved(event) {
      const change = event.connection || {};
      toast("Penny stopped using one of your calendars", {
        detail: `${sentence((change.reason || "").replace(/^[a-z_]+:\s*/, "") || "The calendar can no longer be read")} See Connections.`,
      });
      stale = true;
      if (providers && !section.hidden && !section.closest("[hidden]")) {
        stale = false;
        load();
      }
    },
    // Each time GET /me/connections is read: the integrations connected, as their cards
    // count them (app-connection-model.js: a Google connection made for the Docs alone
    // has no calendar to list).
    connectionsChanged(connections, connected) {
      broken = new Set(connections.filter((c) => c.status === "broken").map((c) => c.provider));
      const now = [...new Set(connected.filter((i) => i.group === "calendar" && VENDORS[i.provider])
        .map((i) => i.provider))].sort().join(" ");
      section.hidden = !now;
      if (!now || section.closest("[hidden]")) {
        providers = "";
        return;
      }
      if (now === providers && !stale) return; // unsaved ticks stay as they are
      providers = now;
      stale = false;
      load();
    },
  };
}
