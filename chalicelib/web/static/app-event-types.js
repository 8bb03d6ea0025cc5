// Event types: list, create, edit, hide/show, delete, copy the booking link.

import { ApiError } from "./api.js";
import { $, LOCATIONS, busy, checkForm, clearErrors, formatMoney, fractionDigits, fromTemplate, h, markInvalid, showError, slugify, toast } from "./app-dom.js";
import { markSaved, mayLeave } from "./app-unsaved.js";

const CURRENCIES = ["USD", "EUR", "GBP", "INR", "CAD", "AUD", "NZD", "SGD", "CHF", "SEK", "JPY", "BRL", "ZAR"];
const QUESTION_TYPES = { text: "Short text", long_text: "Long text", email: "Email", phone: "Phone", select: "Choice" };
// API error fields -> form control names.
// A price with no payment provider connected is refused as `price` (409
// payment_not_connected): its message goes by the price field.
const FIELDS = { "location.kind": "location_kind", "location.details": "location_details",
  price: "price_amount", "price.amount_minor": "price_amount", "price.currency": "price_currency" };
const PAYMENT_PROVIDERS = ["stripe", "razorpay"];
const VENDOR_NAMES = { stripe: "Stripe", razorpay: "Razorpay" };
const DEFAULT_REFUND_HOURS = 24;
const OPTIONAL_NUMBERS = ["slot_interval_minutes", "booking_window_days", "daily_limit"];
const NUMBERS = ["duration_minutes", "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes",
  "refund_hours_before"];

// What makes each video location's link: the platform's provider and its name on the
// Connections page. Without it connected (and working) the location cannot be chosen.
const NEEDS = { google_meet: ["google", "Google Calendar"], teams: ["microsoft", "Outlook"],
  zoom: ["zoom", "Zoom"] };
// For each state: the reason beside a choice that cannot be made, and the warning beside
// a saved one that no longer works.
const REASONS = {
  not_connected: (name, label) => [`Connect ${name} first`,
    `${name} is not connected, so bookings get no ${label} link: clients are told you will send one. Connect it on Connections, or choose another location.`],
  broken: (name, label) => [`Reconnect ${name} first`,
    `${name} stopped working, so bookings get no ${label} link: clients are told you will send one. Reconnect it on Connections, or choose another location.`],
  not_available: (name, label) => [`${name} is not available on this Penny`,
    `${name} is not available on this Penny, so bookings get no ${label} link: clients are told you will send one. Choose another location.`],
};

// Why `kind` cannot be chosen now, as [reason, warning], or null when it can (or when the
// connections could not be read: then nothing is held back). A connection without the
// scopes its calendar card needs (dashboard.py: Google connected for the Docs alone)
// makes no meeting: that is not connected, as its card says.
function unavailable(kind, connections, integrations) {
  const need = NEEDS[kind];
  if (!need || !connections) return null;
  const connection = connections.get(need[0]) || {};
  const card = integrations.find((i) => i.provider === need[0] && i.group === "calendar");
  const granted = new Set(connection.scopes || []);
  const lacking = card && card.scopes && !card.scopes.every((scope) => granted.has(scope));
  const status = lacking ? "not_connected" : connection.status || "not_connected";
  if (status === "connected") return null;
  return (REASONS[status] || REASONS.not_connected)(need[1], LOCATIONS[kind]);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No Clipboard API (or no permission): copy through a selected, off-screen field.
    const field = h("textarea", { class: "visually-hidden", readonly: true }, text);
    document.body.append(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    return copied;
  }
}

// A question's fields are named by its place in the list ("q-label-1"), as the API's
// error fields are ("questions.1.label"): renumbered whenever a question is removed, so
// no two fields share an id and an error lands on the question it is about.
const QUESTION_FIELDS = ["label", "type", "options", "required"];

function questionRow(question) {
  const type = h("select", { "data-q": "type" },
    Object.entries(QUESTION_TYPES).map(([value, label]) =>
      h("option", { value, selected: value === question.type }, label)));
  const options = h("div", { class: "field q-options", hidden: question.type !== "select" },
    h("label", { "data-for": "options" }, "Choices (one per line)"),
    h("textarea", { "data-q": "options", rows: 3 }, (question.options || []).join("\n")));
  type.addEventListener("change", () => { options.hidden = type.value !== "select"; });
  const remove = h("button", { type: "button", class: "button button-quiet q-remove" }, "Remove");
  const row = h("li", { class: "question", "data-id": question.id || "" },
    h("div", { class: "field" }, h("label", { "data-for": "label", class: "q-number" }),
      h("input", { "data-q": "label", required: true, maxlength: 200, value: question.label || "" })),
    h("div", { class: "field-row" },
      h("div", { class: "field" }, h("label", { "data-for": "type" }, "Answer type"), type),
      h("label", { class: "field-check" },
        h("input", { type: "checkbox", "data-q": "required", checked: Boolean(question.required) }),
        "Required")),
    options, remove);
  remove.addEventListener("click", () => {
    const list = row.parentElement;
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumberQuestions(list);
    (next ? next.querySelector("input") : $("#et-add-question")).focus();
  });
  return row;
}

function renumberQuestions(list) {
  [...list.children].forEach((row, i) => {
    for (const name of QUESTION_FIELDS) {
      const control = row.querySelector(`[data-q="${name}"]`);
      // An error shown before the renumbering was about the old place: it goes.
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
      control.id = `q-${name}-${i}`;
      control.name = `q-${name}-${i}`;
      const label = row.querySelector(`[data-for="${name}"]`);
      if (label) label.htmlFor = control.id;
    }
    for (const message of row.querySelectorAll(".field-error")) message.remove();
    row.querySelector(".q-number").textContent = `Question ${i + 1}`;
    row.querySelector(".q-remove").setAttribute("aria-label", `Remove question ${i + 1}`);
  });
}

function readQuestions(list) {
  const used = new Set();
  return [...list.children].map((row, i) => {
    const get = (name) => row.querySelector(`[name^="q-${name}-"]`);
    const label = get("label").value.trim();
    let id = row.dataset.id || slugify(label).replaceAll("-", "_").slice(0, 40) || `question_${i + 1}`;
    while (used.has(id)) id = `${id.slice(0, 36)}_${i + 1}`;
    used.add(id);
    const type = get("type").value;
    const options = type === "select"
      ? get("options").value.split("\n").map((o) => o.trim()).filter(Boolean) : [];
    return { id, label, type, required: get("required").checked, options };
  });
}

export function initEventTypes(state) {
  const list = $("#et-list");
  const empty = $("#et-empty");
  const form = $("#et-form");
  const fields = form.elements;
  const questions = $("#et-questions");
  let items = [];
  let editing = null; // the event type being edited, or null for a new one
  let slugEdited = false;

  const currency = fields.price_currency;
  currency.replaceChildren(...CURRENCIES.map((c) => h("option", { value: c }, c)));
  const place = fields.location_kind;
  const placeWarning = $("#et-location-warning");
  let connections = null; // provider -> GET /me/connections entry; null: not known
  let connectionsRead = Promise.resolve();
  let connectionReads = 0; // only the newest read's answer is kept

  async function loadConnections() {
    const mine = ++connectionReads;
    try {
      const answer = await state.api.get("/me/connections");
      if (mine !== connectionReads) return; // read before newer news: a newer read follows
      connections = new Map(answer.connections.map((c) => [c.provider, c]));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine !== connectionReads) return;
      connections = null;
    }
  }

  // The location choices as the host's connections stand. An event type keeps the one
  // it was saved with even when it cannot be chosen now; a warning beside it says why.
  function fillLocations(saved) {
    place.replaceChildren(...Object.entries(LOCATIONS).map(([value, label]) => {
      const blocked = value !== saved && unavailable(value, connections, state.integrations);
      return h("option", { value, disabled: Boolean(blocked) }, blocked ? `${label} (${blocked[0]})` : label);
    }));
    place.value = saved || [...place.options].find((o) => !o.disabled).value;
    warnAboutPlace();
  }

  // Which connected vendor takes a price in this currency, as the API picks it
  // (domain/currencies.py payment_vendor): Razorpay for rupees or when it is the only one,
  // Stripe for the rest; null when neither is connected or the connections are not known.
  function vendorFor(code) {
    if (!connections) return null;
    const ready = PAYMENT_PROVIDERS.filter((p) => (connections.get(p) || {}).status === "connected");
    if (ready.includes("razorpay") && (code === "INR" || !ready.includes("stripe"))) return "razorpay";
    return ready.includes("stripe") ? "stripe" : null;
  }

  // The least the vendor takes in the currency, in minor units (0: not known here).
  function leastAmount(vendor, code) {
    const table = (state.paymentMinimums || {})[vendor] || {};
    return table[code] ?? table["*"] ?? 0;
  }

  // Whether a price can be taken, by whom, and the least it can be (connections unknown:
  // say nothing about them).
  function explainPrice() {
    const hint = $("#et-price-hint");
    const vendor = vendorFor(currency.value);
    if (!vendor) {
      hint.textContent = connections
        ? "To charge for this event type, connect Stripe or Razorpay first (Connections). Until then leave it empty: free."
        : "Clients pay when they book, through your Stripe or Razorpay account.";
      return;
    }
    const least = leastAmount(vendor, currency.value);
    hint.textContent = `Clients pay when they book, through your ${VENDOR_NAMES[vendor]} account`
      + (least ? `, which takes at least ${formatMoney({ currency: currency.value, amount_minor: least })}.` : ".");
  }
  currency.addEventListener("change", explainPrice);

  // A price the vendor that would take it refuses, in the API's words (domain/currencies.py
  // vendor_refusal); "" when it would take it, or nothing is connected (the API says so).
  // A price kept as it was is not checked again, as the API does not check it (a host who
  // since connected another vendor can still retitle the event type).
  function vendorProblem(typed, code) {
    const vendor = vendorFor(code);
    if (!(Number(typed.replace(",", ".")) > 0) || !vendor) return ""; // empty or 0: free
    const minor = toMinor(typed, code);
    const kept = editing && editing.price;
    if (kept && kept.currency === code && kept.amount_minor === minor) return "";
    const least = leastAmount(vendor, code);
    if (minor < least) {
      return `${VENDOR_NAMES[vendor]} takes payments of at least ${formatMoney({ currency: code, amount_minor: least })}: raise the price, or leave it empty for free.`;
    }
    if (vendor === "stripe" && fractionDigits(code) === 3 && minor % 10) {
      return `Stripe takes ${code} amounts to two decimals (the third one 0).`;
    }
    return "";
  }

  function warnAboutPlace() {
    const why = unavailable(place.value, connections, state.integrations);
    placeWarning.textContent = why ? why[1] : ""; // empty when hidden: it describes the select
    placeWarning.hidden = !why;
  }
  place.addEventListener("change", warnAboutPlace);

  function meta(et) {
    const parts = [`${et.duration_minutes} min`, LOCATIONS[et.location.kind]];
    parts.push(et.price && et.price.amount_minor > 0 ? formatMoney(et.price) : "Free"); // as the pages say it
    return parts.join(" · ");
  }

  function card(et) {
    const item = fromTemplate("tpl-event-type");
    const url = state.bookingLink(et.slug);
    item.dataset.slug = et.slug;
    $(".et-title", item).textContent = et.title;
    $(".et-meta", item).textContent = meta(et);
    const link = $(".et-url", item);
    link.textContent = url.replace(/^https?:\/\//, "");
    link.href = url;
    $(".et-hidden", item).hidden = !et.hidden;
    item.classList.toggle("is-hidden", et.hidden);
    const copy = $(".et-copy", item);
    copy.setAttribute("aria-label", `Copy link to ${et.title}`);
    copy.addEventListener("click", async () => {
      if (await copyText(url)) {
        copy.textContent = "Copied";
        toast("Link copied", { detail: url });
        setTimeout(() => { copy.textContent = "Copy link"; }, 2000);
      } else {
        toast("Could not copy the link", { kind: "warning", detail: url });
      }
    });
    const edit = $(".et-edit", item);
    edit.setAttribute("aria-label", `Edit ${et.title}`);
    edit.addEventListener("click", () => open(et));
    const toggle = $(".et-toggle", item);
    toggle.textContent = et.hidden ? "Show on profile" : "Hide from profile";
    // The name starts with the words on the button, so a voice user can say them (WCAG 2.5.3).
    toggle.setAttribute("aria-label", `${toggle.textContent}: ${et.title}`);
    toggle.addEventListener("click", () => busy(toggle, async () => {
      const { id, ...body } = et;
      try {
        await state.api.put(`/me/event-types/${id}`, { ...body, hidden: !et.hidden });
        toast(et.hidden ? `${et.title} is listed on your profile` : `${et.title} is hidden`,
          { detail: et.hidden ? "" : "It can still be booked through its link." });
        await load();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        toast("Could not change the event type.", { kind: "warning", detail: error.message });
      }
    }));
    return item;
  }

  async function load() {
    try {
      ({ event_types: items } = await state.api.get("/me/event-types"));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return;
    }
    list.replaceChildren(...items.map(card));
    empty.hidden = items.length > 0;
  }

  async function open(et) {
    if (!mayLeave()) return; // another event type's edits, not saved yet
    await connectionsRead;
    editing = et;
    slugEdited = Boolean(et);
    form.reset();
    clearErrors(form);
    $("#et-form-title").textContent = et ? `Edit ${et.title}` : "New event type";
    $("#et-delete").hidden = !et;
    const v = et || { duration_minutes: 30, buffer_before_minutes: 0, buffer_after_minutes: 0, minimum_notice_minutes: 0,
      refund_hours_before: DEFAULT_REFUND_HOURS, questions: [] };
    fields.title.value = v.title || "";
    fields.slug.value = v.slug || "";
    fields.description.value = v.description || "";
    for (const name of NUMBERS) fields[name].value = v[name] ?? 0;
    fields.refund_hours_before.value = v.refund_hours_before ?? DEFAULT_REFUND_HOURS;
    for (const name of OPTIONAL_NUMBERS) fields[name].value = v[name] ?? "";
    fillLocations(et ? et.location.kind : null);
    fields.location_details.value = (et && et.location.details) || "";
    if (v.price && !CURRENCIES.includes(v.price.currency)) {
      currency.append(h("option", { value: v.price.currency }, v.price.currency));
    }
    currency.value = v.price ? v.price.currency : "USD";
    fields.price_amount.value = v.price
      ? (v.price.amount_minor / 10 ** fractionDigits(v.price.currency)).toString() : "";
    explainPrice();
    fields.hidden_type.checked = Boolean(v.hidden);
    questions.replaceChildren(...(v.questions || []).map((q) => questionRow(q)));
    renumberQuestions(questions);
    form.hidden = false;
    markSaved(form);
    $("#et-new").hidden = true;
    $("#et-form-title").focus();
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

  function read() {
    const body = {
      title: fields.title.value.trim(), slug: fields.slug.value.trim(),
      description: fields.description.value, questions: readQuestions(questions),
      location: { kind: fields.location_kind.value },
      hidden: fields.hidden_type.checked, active: editing ? editing.active : true,
    };
    const details = fields.location_details.value.trim();
    if (details) body.location.details = details;
    for (const name of NUMBERS) body[name] = Number(fields[name].value || 0);
    for (const name of OPTIONAL_NUMBERS) body[name] = fields[name].value ? Number(fields[name].value) : null;
    const amount = fields.price_amount.value.trim();
    if (Number(amount.replace(",", ".")) > 0) {
      body.price = { currency: currency.value, amount_minor: toMinor(amount, currency.value) };
    }
    return body;
  }

  fields.title.addEventListener("input", () => {
    if (!slugEdited) fields.slug.value = slugify(fields.title.value);
  });
  fields.slug.addEventListener("input", () => { slugEdited = true; });
  $("#et-new").addEventListener("click", () => open(null));
  $("#et-cancel").addEventListener("click", () => { close(); $("#et-new").focus(); });
  $("#et-add-question").addEventListener("click", () => {
    const row = questionRow({ type: "text" });
    questions.append(row);
    renumberQuestions(questions);
    row.querySelector("input").focus();
  });
  $("#et-delete").addEventListener("click", (event) => busy(event.currentTarget, async () => {
    if (!editing || !window.confirm(`Delete ${editing.title}? Its bookings stay.`)) return;
    try {
      await state.api.del(`/me/event-types/${editing.id}`);
      toast(`${editing.title} deleted`);
      close();
      await load();
      $("#et-new").focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showError(form, error);
    }
  }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const typed = fields.price_amount.value.trim();
    const wrong = amountProblem(typed, currency.value) || vendorProblem(typed, currency.value);
    if (wrong) {
      markInvalid(fields.price_amount, wrong);
      fields.price_amount.focus();
      return;
    }
    await busy($("button[type=submit]", form), async () => {
      try {
        const body = read();
        const saved = editing
          ? await state.api.put(`/me/event-types/${editing.id}`, body)
          : await state.api.post("/me/event-types", body);
        toast(`${saved.title} saved`, { detail: state.bookingLink(saved.slug) });
        close();
        await load();
        const savedCard = list.querySelector(`[data-slug="${CSS.escape(saved.slug)}"] .et-edit`);
        if (savedCard) savedCard.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
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

// A price as typed ("25", "25,50") in its currency's minor units.
function toMinor(typed, currency) {
  return Math.round(Number(typed.replace(",", ".")) * 10 ** fractionDigits(currency));
}

// What is wrong with a price as typed, in words; "" when nothing is (empty: free). An
// amount never has more decimals than its currency: 100.5 JPY or 10.005 EUR are
// refused here, where they would have been rounded to 101 or 10.00 without a word.
function amountProblem(amount, currency) {
  if (!amount) return "";
  const digits = fractionDigits(currency);
  const decimals = digits ? `([.,]\\d{1,${digits}})?` : "";
  if (new RegExp(`^\\d+${decimals}$`).test(amount)) return "";
  if (!/^\d+[.,]\d+$/.test(amount)) return "Enter an amount like 25 or 25.50, or leave empty for free.";
  return digits
    ? `${currency} has at most ${digits} decimals: enter an amount like 25 or 25.${"5".padEnd(digits, "0")}.`
    : `${currency} has no smaller unit: enter a whole amount, like 2500.`;
}
