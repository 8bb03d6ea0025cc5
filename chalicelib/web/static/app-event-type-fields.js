// The event type editor's own fields (title, slug, description, the numbers, the booking
// window, the price), filled from an event type, and read back with the location and
// questions into the body the API takes (app-event-types.js holds the editor).

import { h } from "./app-dom.js";
import { fractionDigits } from "./app-formats.js";
import { CURRENCIES, toMinor } from "./app-event-type-price.js";
import { readQuestions } from "./app-event-type-questions.js";

export const DEFAULT_REFUND_HOURS = 24;
const OPTIONAL_NUMBERS = ["slot_interval_minutes", "daily_limit"];
const NUMBERS = ["duration_minutes", "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes",
  "refund_hours_before"];

// `v`: the event type, or a new one's defaults.
export function fillFields(fields, v) {
  fields.title.value = v.title || "";
  fields.slug.value = v.slug || "";
  fields.description.value = v.description || "";
  for (const name of NUMBERS) fields[name].value = v[name] ?? 0;
  fields.refund_hours_before.value = v.refund_hours_before ?? DEFAULT_REFUND_HOURS;
  for (const name of OPTIONAL_NUMBERS) fields[name].value = v[name] ?? "";
  const dates = v.booking_window_dates;
  fields.window_kind.value = dates ? "dates" : v.booking_window_days ? "days" : "none";
  fields.booking_window_days.value = v.booking_window_days ?? "";
  fields.booking_window_start.value = dates ? dates.start : "";
  fields.booking_window_end.value = dates ? dates.end : "";
  showWindow(fields);
}

// The booking window's fields for the kind chosen (days ahead, or two dates); the
// others are hidden and disabled, so the browser's checks pass them over.
export function showWindow(fields) {
  for (const part of fields.window_kind.form.querySelectorAll("[data-window]")) {
    const shown = part.dataset.window === fields.window_kind.value;
    part.hidden = !shown;
    for (const input of part.querySelectorAll("input")) input.disabled = !shown;
  }
}

// The price's fields from a saved price (none: free, in US dollars); a currency the list
// does not name is added to it.
export function fillPrice(fields, price) {
  const currency = fields.price_currency;
  if (price && !CURRENCIES.includes(price.currency)) {
    currency.append(h("option", { value: price.currency }, price.currency));
  }
  currency.value = price ? price.currency : "USD";
  fields.price_amount.value = price
    ? (price.amount_minor / 10 ** fractionDigits(price.currency)).toString() : "";
}

// The body the API takes, from the form (every field of the event type is in it).
export function readEventType(fields, questions) {
  const currency = fields.price_currency;
  const body = {
    title: fields.title.value.trim(), slug: fields.slug.value.trim(),
    description: fields.description.value, questions: readQuestions(questions),
    location: { kind: fields.location_kind.value },
    hidden: fields.hidden_type.checked, active: fields.active_type.checked,
  };
  const details = fields.location_details.value.trim();
  if (details) body.location.details = details;
  for (const name of NUMBERS) body[name] = Number(fields[name].value || 0);
  for (const name of OPTIONAL_NUMBERS) body[name] = fields[name].value ? Number(fields[name].value) : null;
  const kind = fields.window_kind.value;
  body.booking_window_days = kind === "days" ? Number(fields.booking_window_days.value) : null;
  body.booking_window_dates = kind === "dates"
    ? { start: fields.booking_window_start.value, end: fields.booking_window_end.value } : null;
  const amount = fields.price_amount.value.trim();
  if (Number(amount.replace(",", ".")) > 0) {
    body.price = { currency: currency.value, amount_minor: toMinor(amount, currency.value) };
  }
  return body;
}
