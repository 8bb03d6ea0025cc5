// The dashboard's forms: an error shown beside the field it concerns (or at the top of
// the form), the browser's own checks shown the same way, and a button busy while its
// request is on its way.

import { $, $$, h } from "./app-dom.js";
import { inWords } from "./error-words.js";

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

// A field inside a closed <details> (the event type's Scheduling rules) is not rendered:
// focus() would do nothing and its message would not be seen, so its sections open first.
function reveal(input) {
  for (let section = input.closest("details"); section; section = section.parentElement.closest("details")) {
    section.open = true;
  }
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
    const label = input.labels && input.labels[0];
    message.textContent = label
      ? inWords(error.message, error.field, label.textContent.trim()) : error.message;
    message.hidden = false;
    reveal(input);
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

// The browser's words for a value that breaks a field's pattern say only "Please match
// the requested format": the field's hint says which.
function problem(input) {
  if (!input.validity.patternMismatch) return input.validationMessage;
  const hints = (input.getAttribute("aria-describedby") || "").split(" ")
    .map((id) => document.getElementById(id))
    .filter((element) => element && element.classList.contains("hint"));
  return [input.validationMessage, ...hints.map((hint) => hint.textContent.trim())].join(" ");
}

// Run the browser's own constraint checks and show the first problem accessibly.
export function checkForm(form) {
  clearErrors(form);
  const invalid = $$("input, select, textarea", form).filter((el) => !el.checkValidity());
  for (const input of invalid) markInvalid(input, problem(input));
  if (invalid.length) {
    reveal(invalid[0]);
    invalid[0].focus();
  }
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
