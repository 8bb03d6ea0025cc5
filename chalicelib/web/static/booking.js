// The booking page (/{host}/{event}) and the reschedule page (/booking/{uid}/reschedule):
// pick a time, then either fill in the form and book, or confirm the move.
import { ApiError, linkToken, newKey, pageData, postJSON } from "./api.js";
import { dayLabel, dayIn, localizeTimes, timeLabel, zoneLabel } from "./clock.js";
import { showConfirmation } from "./confirmation.js";
import { clearErrors, showAlert, showApiError, validate } from "./fields.js";
import { Picker } from "./picker.js";

const page = pageData("penny-page");
const views = { pick: "scheduler", details: "details", done: "confirmation" };
const pageAlert = document.getElementById("page-alert");
const form = document.getElementById(page.mode === "book" ? "booking-form" : "move-form");
const formAlert = document.getElementById("form-alert");
const submit = document.getElementById("submit");
let chosen = null;
let key = null; // one Idempotency-Key per attempt at a slot; kept for a network retry

function show(view, focusId) {
  for (const [name, id] of Object.entries(views)) {
    document.getElementById(id).hidden = name !== view;
  }
  if (focusId) document.getElementById(focusId).focus();
}

const picker = new Picker({ host: page.host, event: page.event, onPick: choose });

function choose(slot) {
  chosen = slot;
  key = newKey();
  pageAlert.hidden = true;
  clearErrors(form);
  const { zone, hour12 } = picker;
  document.getElementById("chosen").textContent = `${dayLabel(dayIn(zone, new Date(slot.start)))}, `
    + `${timeLabel(slot.start, zone, hour12)} – ${timeLabel(slot.end, zone, hour12)} `
    + `(${zoneLabel(zone)})`;
  show("details", "details-title");
}

function request() {
  if (page.mode === "reschedule") {
    return postJSON(`/bookings/${encodeURIComponent(page.booking.uid)}/reschedule`,
      { token: linkToken(), start: chosen.start });
  }
  const answers = {};
  for (const control of form.querySelectorAll("[name^='answers.']")) {
    const value = control.value.trim();
    if (value) answers[control.name.slice("answers.".length)] = value;
  }
  const body = { start: chosen.start, answers, attendee: {
    name: form.elements.namedItem("attendee.name").value.trim(),
    email: form.elements.namedItem("attendee.email").value.trim(),
    timezone: picker.zone } };
  return postJSON(`/hosts/${page.host.slug}/${page.event.slug}/bookings`, body,
    { "Idempotency-Key": key });
}

async function send(event) {
  event.preventDefault();
  if (!validate(form)) return;
  submit.disabled = true;
  try {
    const booking = await request();
    showConfirmation(booking, { page, zone: picker.zone, hour12: picker.hour12,
      moved: page.mode === "reschedule" });
    show("done", "confirm-title");
  } catch (error) {
    failed(error instanceof ApiError ? error : new ApiError(0, "error", String(error)));
  } finally {
    submit.disabled = false;
  }
}

function failed(error) {
  if (error.status >= 400 && error.status < 500) key = newKey(); // refused: a new request
  if (["slot_taken", "slot_unavailable"].includes(error.code)) {
    // slot_unavailable says which rule refused the time (too soon, daily limit, ...).
    const why = error.code === "slot_taken" ? "Sorry, that time was just taken."
      : `Sorry, that time can't be booked: ${error.message}.`;
    showAlert(pageAlert, `${why} Here are the times still free.`);
    show("pick");
    picker.refresh();
    pageAlert.scrollIntoView({ block: "nearest" });
    return;
  }
  showApiError(form, formAlert, error);
}

form.addEventListener("submit", send);
document.getElementById("back").addEventListener("click", () => {
  show("pick");
  // Focus returns to the time that was chosen (or, if it is gone, the chosen day).
  const time = chosen && [...document.querySelectorAll("#slots button.slot")]
    .find((button) => button.dataset.start === chosen.start);
  (time || document.querySelector("#days button[aria-pressed='true']"))?.focus();
});
localizeTimes();
picker.start();
