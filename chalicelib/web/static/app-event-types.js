// Event types: list, create, edit, hide/show, delete, copy the booking link.
//
// This module is the editor (create, edit, delete) and what it knows of the host's
// connections. The list's cards (copy the link, hide/show): app-event-type-list.js; the
// form's fields and the body they make: app-event-type-fields.js; the locations a
// connection makes (on the calendar new bookings go to, for Meet and Teams):
// app-event-type-places.js; the price's hint and checks: app-event-type-price.js; the
// questions: app-event-type-questions.js.

import { ApiError } from "./api.js";
import { $, h, toast } from "./app-dom.js";
import { LOCATIONS, eventTypeSlug, slugify } from "./app-formats.js";
import { busy, checkForm, clearErrors, markInvalid, showError } from "./app-forms.js";
import { DEFAULT_REFUND_HOURS, fillFields, fillPrice, readEventType, showWindow } from "./app-event-type-fields.js";
import { createEventTypeList } from "./app-event-type-list.js";
import { placeHint, unavailable } from "./app-event-type-places.js";
import { CURRENCIES, amountProblem, priceHint, vendorProblem } from "./app-event-type-price.js";
import { questionRow, renumberQuestions } from "./app-event-type-questions.js";
import { markSaved, mayLeave } from "./app-unsaved.js";

// API error fields -> form control names.
// A price with no payment provider connected is refused as `price` (409
// payment_not_connected): its message goes by the price field.
const FIELDS = { "location.kind": "location_kind", "location.details": "location_details",
  price: "price_amount", "price.amount_minor": "price_amount", "price.currency": "price_currency",
  booking_window_dates: "window_kind", "booking_window_dates.start": "booking_window_start",
  "booking_window_dates.end": "booking_window_end" };

const LINK_HINT = "Lower-case letters, digits and dashes.";
const LINK_FROM_DURATION = "Made from the duration, as the title gives no link: change it if you like. Lower-case letters, digits and dashes.";

export function initEventTypes(state) {
  const list = $("#et-list");
  const { load, keep } = createEventTypeList(state, { onEdit: open });
  const form = $("#et-form");
  const fields = form.elements;
  const questions = $("#et-questions");
  let editing = null; // the event type being edited, or null for a new one
  let slugEdited = false;

  const currency = fields.price_currency;
  currency.replaceChildren(...CURRENCIES.map((c) => h("option", { value: c }, c)));
  const place = fields.location_kind;
  const placeWarning = $("#et-location-warning");
  let connections = null; // provider -> GET /me/connections entry; null: not known
  let destination; // whose calendar new bookings go to (null: none; undefined: not known)
  let connectionsRead = Promise.resolve();
  let connectionReads = 0; // only the newest read's answer is kept

  async function loadConnections() {
    const mine = ++connectionReads;
    try {
      const answer = await state.api.get("/me/connections");
      if (mine !== connectionReads) return; // read before newer news: a newer read follows
      connections = new Map(answer.connections.map((c) => [c.provider, c]));
      destination = answer.destination_provider;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== connectionReads) return;
      connections = null;
      destination = undefined;
    }
  }

  // The location choices as the host's connections stand. An event type keeps the one
  // it was saved with even when it cannot be chosen now; a warning beside it says why.
  function fillLocations(saved) {
    place.replaceChildren(...Object.entries(LOCATIONS).map(([value, label]) => {
      const blocked = value !== saved && unavailable(value, connections, state.integrations, destination);
      return h("option", { value, disabled: Boolean(blocked) }, blocked ? `${label} (${blocked[0]})` : label);
    }));
    place.value = saved || [...place.options].find((o) => !o.disabled).value;
    warnAboutPlace();
  }

  // What the editor knows for the price's hint and checks (app-event-type-price.js).
  const known = () => ({ connections, minimums: state.paymentMinimums });

  function explainPrice() {
    $("#et-price-hint").textContent = priceHint(currency.value, known());
  }
  currency.addEventListener("change", explainPrice);
  fields.window_kind.addEventListener("change", () => showWindow(fields));

  function warnAboutPlace() {
    const why = unavailable(place.value, connections, state.integrations, destination);
    placeWarning.textContent = why ? why[1] : ""; // empty when hidden: it describes the select
    placeWarning.hidden = !why;
    const hint = placeHint(place.value);
    $("#et-location-hint").textContent = hint; // empty when hidden, as the warning
    $("#et-location-hint").hidden = !hint;
  }
  place.addEventListener("change", warnAboutPlace);

  // A saved event type's link name changed: its old link, shared with clients already,
  // stops working when this is saved (its holders get the 404 that leads to the profile),
  // said before the save, not found out from a client. Empty when hidden: it describes
  // the field.
  function warnAboutLink() {
    const slug = fields.slug.value.trim();
    const moved = Boolean(editing && slug && slug !== editing.slug);
    $("#et-slug-moved").textContent = moved ? `The old link ${state.bookingLink(editing.slug)} `
      + "will stop working once you save: whoever has it is led to your profile instead." : "";
    $("#et-slug-moved").hidden = !moved;
  }

  async function open(et) {
    if (!mayLeave()) return; // another event type's edits, not saved yet
    await connectionsRead;
    show(et);
    $("#et-form-title").focus();
  }

  // The editor filled from `et` (null: a new one's defaults), as saved.
  function show(et) {
    editing = et;
    slugEdited = Boolean(et);
    form.reset();
    clearErrors(form);
    $("#et-slug-hint").textContent = LINK_HINT;
    $("#et-form-title").textContent = et ? `Edit ${et.title}` : "New event type";
    $("#et-delete").hidden = !et;
    $("#et-duplicate").hidden = !et;
    const v = et || { duration_minutes: 30, buffer_before_minutes: 0, buffer_after_minutes: 0, minimum_notice_minutes: 0,
      refund_hours_before: DEFAULT_REFUND_HOURS, questions: [] };
    fillFields(fields, v);
    fillLocations(et ? et.location.kind : null);
    fields.location_details.value = (et && et.location.details) || "";
    fillPrice(fields, v.price);
    explainPrice();
    warnAboutLink();
    fields.hidden_type.checked = Boolean(v.hidden);
    fields.active_type.checked = v.active !== false; // a new one: active
    questions.replaceChildren(...(v.questions || []).map((q) => questionRow(q)));
    renumberQuestions(questions);
    form.hidden = false;
    markSaved(form);
    $("#et-new").hidden = true;
  }

  // Saved elsewhere (another tab, another app) since the editor read it: the host's
  // edits are not saved, and the editor now shows it as it is (the 409's `current`),
  // with its version, for the host to make their changes again: merging them field by
  // field would guess which of two edits of a field should win.
  function showChangedElsewhere(current) {
    show(current);
    showError(form, { message: "This event type was changed elsewhere (in another tab or by "
      + "another app) since you opened it, so your changes were not saved. The form now "
      + "shows it as it is: make your changes again, then save." });
    load();
  }

  // The connections changed under an open editor: its location choices, the warning
  // beside the chosen one and the price's hint as they now stand, keeping what the host
  // chose while it can be chosen.
  function followConnections() {
    if (form.hidden) return;
    const chosen = place.value;
    fillLocations(editing ? editing.location.kind : null);
    const option = [...place.options].find((o) => o.value === chosen);
    if (option && !option.disabled) place.value = chosen;
    warnAboutPlace();
    explainPrice();
  }

  function close() {
    form.hidden = true;
    $("#et-new").hidden = false;
    editing = null;
  }

  // The link name follows the title until the host types one. A title with no Latin
  // spelling ('初回相談') gives one from the duration, free among the host's own (30-min,
  // else 30-min-2, ...), and the hint says why.
  function suggestLink() {
    if (slugEdited) return;
    const { slug, fallback } = eventTypeSlug(fields.title.value, fields.duration_minutes.value);
    fields.slug.value = fallback ? freeSlug(slug) : slug;
    $("#et-slug-hint").textContent = fallback ? LINK_FROM_DURATION : LINK_HINT;
  }
  fields.title.addEventListener("input", suggestLink);
  fields.duration_minutes.addEventListener("input", () => {
    if (!slugify(fields.title.value)) suggestLink();
  });
  fields.slug.addEventListener("input", () => {
    slugEdited = true;
    $("#et-slug-hint").textContent = LINK_HINT;
    warnAboutLink();
  });
  $("#et-new").addEventListener("click", () => open(null));
  $("#et-cancel").addEventListener("click", () => { close(); $("#et-new").focus(); });
  $("#et-add-question").addEventListener("click", () => {
    const row = questionRow({ type: "text" });
    questions.append(row);
    renumberQuestions(questions);
    row.querySelector("input").focus();
  });
  // Duplicate: the editor becomes a new event type holding what it holds now (the
  // saved values and any edit typed since), under a title and a link name of its own;
  // nothing is saved until Save, and the form counts as changed (leaving it asks first).
  $("#et-duplicate").addEventListener("click", () => {
    editing = null;
    slugEdited = true;
    clearErrors(form);
    fields.title.value = `${fields.title.value.trim().slice(0, 113)} (copy)`; // at most 120
    fields.slug.value = freeSlug(`${fields.slug.value.trim()}-copy`);
    $("#et-form-title").textContent = "New event type";
    $("#et-delete").hidden = true;
    $("#et-duplicate").hidden = true;
    warnAboutLink();
    $("#et-form-title").focus();
  });

  // `wanted`, or the first of wanted-2, wanted-3, ... that no listed event type has.
  function freeSlug(wanted) {
    const taken = (slug) => Boolean(list.querySelector(`[data-slug="${CSS.escape(slug)}"]`));
    let n = 1;
    let slug = wanted.slice(0, 40).replace(/-+$/, "");
    while (taken(slug)) {
      n += 1;
      const suffix = `-${n}`;
      slug = wanted.slice(0, 40 - suffix.length).replace(/-+$/, "") + suffix;
    }
    return slug;
  }
  $("#et-delete").addEventListener("click", (event) => busy(event.currentTarget, async () => {
    if (!editing || !window.confirm(`Delete ${editing.title}? Its bookings stay.`)) return;
    try {
      // With the version the editor shows: one saved elsewhere since is not deleted.
      await state.api.del(`/me/event-types/${editing.id}?version=${editing.version}`);
      toast(`${editing.title} deleted`);
      close();
      await load();
      $("#et-new").focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.code === "event_type_changed" && error.current) {
        show(error.current);
        showError(form, { message: error.message });
        load();
        return;
      }
      showError(form, error);
    }
  }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const typed = fields.price_amount.value.trim();
    const wrong = amountProblem(typed, currency.value)
      || vendorProblem(typed, currency.value, editing && editing.price, known());
    if (wrong) {
      markInvalid(fields.price_amount, wrong);
      fields.price_amount.focus();
      return;
    }
    await busy($("button[type=submit]", form), async () => {
      try {
        const body = readEventType(fields, questions);
        // The version read: the API refuses the save if another was made since.
        const saved = editing
          ? await state.api.put(`/me/event-types/${editing.id}`, { ...body, version: editing.version })
          : await state.api.post("/me/event-types", body);
        keep(saved); // its version, for the next Edit, whatever the list read below
        toast(`${saved.title} saved`, { detail: state.bookingLink(saved.slug) });
        close();
        await load();
        const savedCard = list.querySelector(`[data-slug="${CSS.escape(saved.slug)}"] .et-edit`);
        if (savedCard) savedCard.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "event_type_changed" && error.current) {
          showChangedElsewhere(error.current);
          return;
        }
        // "questions.1.label" is that question's label; "questions.1" alone (a choice
        // question without choices) is about its choices.
        const field = error.field && error.field.replace(/^questions\.(\d+)(?:\.(\w+))?.*$/,
          (_, index, part) => `q-${part || "options"}-${index}`);
        showError(form, { ...error, message: error.message, field }, FIELDS);
      }
    });
  });

  return {
    enter() {
      close();
      connectionsRead = loadConnections();
      load();
    },
    // Live news of a connection (connection.broken, connection.repaired): the open
    // editor follows it, as a fresh read would show it.
    // A read on its way may have been answered before the news: once this view has read
    // them, they are read again and that answer alone kept (a repaired connection was
    // shown Broken again by a catch-up's older answer landing after the news).
    onConnectionEvent(event) {
      const news = event.connection;
      if (!news) return;
      if (connections && connections.has(news.provider)) {
        connections.set(news.provider, { ...connections.get(news.provider), status: news.status });
        followConnections();
      }
      if (connectionReads) connectionsRead = loadConnections().then(followConnections);
    },
    // A socket opened (app.js): news sent before it reached no socket of this tab.
    catchUp() {
      connectionsRead = loadConnections().then(followConnections);
    },
  };
}
