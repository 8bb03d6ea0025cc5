// Form fields: the same rules the API applies, checked before sending, and errors from
// either side shown next to the field they name (the field's name is the API's `field`).

import { inWords } from "./error-words.js";

const EMAIL = /^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$/;
const PHONE = /^\+?[0-9 ()./-]{6,24}$/;

function labelOf(control) {
  const label = control.labels && control.labels[0];
  return label ? label.childNodes[0].textContent.trim() : "This field";
}

function problem(control) {
  const value = control.value.trim();
  if (!value) return control.required ? `${labelOf(control)} is required.` : null;
  if (control.dataset.kind === "email" && !EMAIL.test(value)) {
    return "Enter an email address like name@example.com.";
  }
  if (control.dataset.kind === "phone" && !PHONE.test(value)) {
    return "Enter a phone number: digits, spaces and + ( ) - only.";
  }
  return null;
}

export function showError(form, field, message) {
  const control = form.elements.namedItem(field);
  if (!control || !control.id) return false;
  const error = document.getElementById(control.id.replace(/^f-/, "e-"));
  control.setAttribute("aria-invalid", "true");
  error.textContent = message;
  error.hidden = false;
  return true;
}

export function clearErrors(form) {
  for (const control of form.querySelectorAll("[aria-invalid]")) {
    control.removeAttribute("aria-invalid");
  }
  for (const error of form.querySelectorAll(".field-error, .alert")) {
    error.hidden = true;
    error.textContent = "";
  }
}

/** Check every field; show each problem, focus the first; true when all is well. */
export function validate(form) {
  clearErrors(form);
  let first = null;
  for (const control of form.querySelectorAll("[data-kind]")) {
    const message = problem(control);
    if (message && showError(form, control.name, message)) first = first || control;
  }
  if (first) first.focus();
  return !first;
}

export function showAlert(element, message) {
  element.textContent = message;
  element.hidden = false;
}

/** Put an API error next to its field when it names one, else in the alert; focus goes
 * there. The form's button was disabled while the request was out, which dropped the
 * focus on it to the page's body. */
export function showApiError(form, alert, error) {
  const control = error.field && form.elements.namedItem(error.field);
  const message = control && control.labels ? inWords(error.message, error.field, labelOf(control))
    : error.message;
  if (error.field && showError(form, error.field, message)) {
    form.elements.namedItem(error.field).focus();
    return;
  }
  showAlert(alert, error.message);
  alert.tabIndex = -1;
  alert.focus();
}
