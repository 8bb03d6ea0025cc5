// Small DOM helpers for the dashboard: elements, templates, form errors, toasts, dates,
// and the way to a provider's consent page.

import { ApiError, base } from "./api.js";
import { allZones, modernZone, zoneLabel } from "./clock.js";

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// h("button", {type: "button", class: "x", onclick: fn}, "text", child...)
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function fromTemplate(id) {
  return document.getElementById(id).content.firstElementChild.cloneNode(true);
}

let uniqueCounter = 0;
export const uniqueId = (prefix) => `${prefix}-${++uniqueCounter}`;

// ---- form errors ------------------------------------------------------------------------

export function clearErrors(form) {
  for (const input of $$("[aria-invalid]", form)) input.removeAttribute("aria-invalid");
  for (const message of $$(".field-error", form)) {
    message.textContent = "";
    message.hidden = true;
  }
  const summary = $(".form-error", form);
  if (summary) {
    summary.textContent = "";
    summary.hidden = true;
  }
}

function fieldError(input) {
  const id = `${input.id}-error`;
  let message = document.getElementById(id);
  if (!message) {
    message = h("p", { class: "field-error", id });
    (input.closest(".field") || input.parentElement).append(message);
  }
  const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  described.add(id);
  input.setAttribute("aria-describedby", [...described].join(" "));
  return message;
}

// Show a message next to the field it concerns (the API names it in `error.field`,
// e.g. "slug" or "weekly.monday.0"), or at the top of the form; focus goes there.
export function showError(form, error, fieldMap = {}) {
  let input = null;
  // "weekly.monday.0.end" falls back to "weekly.monday.0", then "weekly.monday".
  for (let name = error.field ? (fieldMap[error.field] || error.field) : ""; name && !input;
    name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "") {
    input = form.querySelector(`[name="${CSS.escape(name)}"]`);
  }
  if (input) {
    input.setAttribute("aria-invalid", "true");
    const message = fieldError(input);
    message.textContent = error.message;
    message.hidden = false;
    input.focus();
    return;
  }
  const summary = $(".form-error", form);
  summary.textContent = error.message;
  summary.hidden = false;
  summary.focus();
}

export function markInvalid(input, message) {
  input.setAttribute("aria-invalid", "true");
  const element = fieldError(input);
  element.textContent = message;
  element.hidden = false;
}

// Run the browser's own constraint checks and show the first problem accessibly.
export function checkForm(form) {
  clearErrors(form);
  const invalid = $$("input, select, textarea", form).filter((el) => !el.checkValidity());
  for (const input of invalid) markInvalid(input, input.validationMessage);
  if (invalid.length) invalid[0].focus();
  return invalid.length === 0;
}

export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

// ---- a provider's consent page -----------------------------------------------------

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

// ---- toasts -----------------------------------------------------------------------------

const TOAST_MS = 8000;

export function toast(message, { kind = "info", detail = "" } = {}) {
  const region = document.getElementById("toasts");
  const close = h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss" }, "×");
  const item = h("div", { class: `toast toast-${kind}` },
    h("p", { class: "toast-text" }, h("strong", {}, message), detail ? h("span", {}, detail) : null),
    close);
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  region.append(item);
  setTimeout(remove, TOAST_MS);
  while (region.children.length > 4) region.firstElementChild.remove();
}

// ---- a link too long for its box -------------------------------------------------------

// Show a link, without its scheme as elsewhere on the dashboard, in a one-line element
// (the prefix before the "Your link" field). When the element is too narrow, the start
// gives way to a visible "…": the end, next to the field, is the part that matters. The
// whole link stays in the title. It is fitted again whenever its row changes width,
// which includes a hidden view being shown (a hidden element has no width to fit).
export function showLinkStart(element, url) {
  const text = url.replace(/^https?:\/\//, "");
  const fits = (shown) => {
    element.textContent = shown;
    return element.scrollWidth <= element.clientWidth;
  };
  const fit = () => {
    if (fits(text) || !element.clientWidth) return;
    let low = 1;
    let high = text.length; // binary search for the fewest characters to drop
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (fits(`…${text.slice(mid)}`)) high = mid;
      else low = mid + 1;
    }
    fits(`…${text.slice(low)}`);
  };
  element.title = url;
  fit();
  new ResizeObserver(fit).observe(element.parentElement);
}

// ---- dates, places and money -----------------------------------------------------------

// Where a meeting happens (event type `location.kind`, booking `location_kind`).
export const LOCATIONS = {
  google_meet: "Google Meet", teams: "Microsoft Teams", zoom: "Zoom", phone: "Phone call",
  in_person: "In person",
};

// Two formats per zone, built once: a list re-renders every row on each live event.
const rangeFormats = new Map();

function formatsIn(timeZone) {
  if (!rangeFormats.has(timeZone)) {
    rangeFormats.set(timeZone, {
      day: new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone,
      }),
      time: new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone }),
    });
  }
  return rangeFormats.get(timeZone);
}

export function formatRange(startIso, endIso, timeZone) {
  const { day, time } = formatsIn(timeZone);
  const start = new Date(startIso);
  const end = new Date(endIso);
  return { day: day.format(start), time: `${time.format(start)} – ${time.format(end)}` };
}

export function formatMoney(price) {
  const digits = fractionDigits(price.currency);
  return new Intl.NumberFormat(undefined, { style: "currency", currency: price.currency })
    .format(price.amount_minor / 10 ** digits);
}

export function fractionDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency })
      .resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

// A zone saved under an old name (Asia/Calcutta) is shown, and selected, by its new one.
export function fillTimeZones(select, current) {
  const selected = modernZone(current);
  select.replaceChildren(...allZones("UTC", selected).map((zone) =>
    h("option", { value: zone, selected: zone === selected }, zoneLabel(zone))));
  select.value = selected;
}

export function slugify(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
}
