// Unsaved changes in the settings forms, so that leaving them is asked, never silent.
//
// A form is changed while its fields hold something other than what they held when it
// was last filled or saved (the snapshot `markSaved` takes): an edit typed and typed back,
// or a row added and removed again, is no change. Only a form in view counts: a hidden one
// (another view's, or the event type editor closed) holds nothing the host is working on.

import { $$ } from "./app-dom.js";

const LEAVE_QUESTION = "You have unsaved changes. Leave without saving?";

const snapshots = new Map(); // form -> its fields as last filled or saved

function fieldsOf(form) {
  return JSON.stringify($$("input, select, textarea", form).map((field) =>
    (field.type === "checkbox" || field.type === "radio" ? field.checked : field.value)));
}

// The form now holds what was loaded or saved: nothing in it is unsaved.
export function markSaved(form) {
  snapshots.set(form, fieldsOf(form));
}

export function hasUnsavedChanges() {
  return [...snapshots].some(([form, saved]) => !form.closest("[hidden]") && fieldsOf(form) !== saved);
}

// Before the dashboard drops what the host typed (another view, the same view read
// again, logging out): true when nothing is unsaved, or the host says to leave anyway.
export function mayLeave() {
  return !hasUnsavedChanges() || window.confirm(LEAVE_QUESTION);
}
