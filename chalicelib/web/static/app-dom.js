// Small DOM helpers for the dashboard: elements, templates, toasts, and a link too long
// for its box. Form errors are app-forms.js; dates, places and money app-formats.js; the
// way to a provider's consent page app-provider-trip.js.

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
