// The booking page (/{host}/{event}) and the reschedule page (/booking/{uid}/reschedule):
// pick a time, then either fill in the form and book, or confirm the move.
import { ApiError, linkToken, newKey, pageData, postJSON } from "./api.js";
import { dayLabel, dayIn, localizeTimes, timeLabel, unbroken, zoneLabel } from "./clock.js";
import { showConfirmation } from "./confirmation.js";
import { clearErrors, showAlert, showApiError, validate } from "./fields.js";
import { readAgain, showPage, whatChanged } from "./page-changes.js";
import { Picker } from "./picker.js";
import { refundTerms } from "./refund.js";
import { webLink } from "./video.js";

const page = pageData("penny-page");
const views = { pick: "scheduler", details: "details", done: "confirmation" };
const pageAlert = document.getElementById("page-alert");
const form = document.getElementById(page.mode === "book" ? "booking-form" : "move-form");
const formAlert = document.getElementById("form-alert");
const submit = document.getElementById("submit");
const back = document.getElementById("back");
let chosen = null;
let key = null; // one Idempotency-Key per attempt at a slot; kept for a network retry
// The body first sent with `key`: if its answer was lost on the network, the booking may
// have been made with it, and only this body (not one edited since) replays that booking.
let first = null;

function show(view, focusId) {
  for (const [name, id] of Object.entries(views)) {
    document.getElementById(id).hidden = name !== view;
  }
  if (focusId) document.getElementById(focusId).focus();
}

// The booking page comes with its first month of slots (page.slots); the reschedule page
// asks for every month, the times this booking may move to (its own length, its own time
// free for an overlapping move, and shown as its current time, not one to pick).
const moving = page.mode === "reschedule"
  ? { uid: page.booking.uid, token: linkToken(), start: page.booking.start } : null;
const picker = new Picker({ host: page.host, event: page.event, sent: page.slots, moving,
  onPick: choose, onClock: (hour12) => localizeTimes(document, hour12) });

function choose(slot) {
  chosen = slot;
  key = newKey();
  pageAlert.hidden = true;
  clearErrors(form);
  const { zone, hour12 } = picker;
  document.getElementById("chosen").textContent = `${dayLabel(dayIn(zone, new Date(slot.start)))}, `
    + `${unbroken(timeLabel(slot.start, zone, hour12))} – ${unbroken(timeLabel(slot.end, zone, hour12))} `
    + `(${zoneLabel(zone)})`;
  // A paid event's terms for this time; a paid booking's move sets its refund deadline
  // from the new start too (while the old one has not passed), so it says them as well.
  const refund = document.getElementById(page.mode === "book" ? "pay-refund" : "move-refund");
  const terms = refund && refundTerms(slot.start, page.event.refund_hours_before, { zone, hour12 });
  if (terms) {
    refund.textContent = terms;
    refund.hidden = false;
  }
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
  // The version of the event type this page shows: if the host saved it since, nothing is
  // booked on terms the visitor was not shown (409 event_type_changed: takeChanges).
  const body = { start: chosen.start, answers, event_type_version: page.event.version,
    attendee: {
      name: form.elements.namedItem("attendee.name").value.trim(),
      email: form.elements.namedItem("attendee.email").value.trim(),
      timezone: picker.zone } };
  if (!first || first.key !== key) first = { key, body };
  return post(body);
}

const post = (body) => postJSON(`/hosts/${page.host.slug}/${page.event.slug}/bookings`, body,
  { "Idempotency-Key": key });

/** The booking this attempt made, when a request whose answer was lost made one; then
 * the details were edited, so the key is refused with the new body (422): the body it was
 * first sent with gets that booking back (a replay), rather than an error and then "that
 * time was just taken" by the visitor's own booking. Null if it made none. */
async function madeBefore(error) {
  if (error.code !== "idempotency_key_reused" || !first || first.key !== key) return null;
  return post(first.body);
}

// While a request is out, neither a second one nor "Back to times": a time chosen then
// would be on the form when the first one's answer says "You are booked" for the other.
function busy(on) {
  submit.disabled = on;
  back.disabled = on;
}

// `again`: sent again at once after the host changed nothing the visitor reads.
async function send(event, again = false) {
  event.preventDefault();
  if (!validate(form)) return;
  busy(true);
  try {
    let booking;
    let earlier = false;
    try {
      booking = await request();
    } catch (error) {
      booking = error instanceof ApiError ? await madeBefore(error) : null;
      if (!booking) throw error;
      earlier = true;
    }
    if (booking.status === "pending_payment" && booking.payment) {
      if (toPayment(booking)) return; // the button stays busy while the window leaves
    } else if (booking.status === "expired") {
      // A retry of a request whose hold ran out unpaid: that time is not held any more.
      failed(new ApiError(409, "slot_unavailable", "its hold ended before it was paid"));
    } else {
      showConfirmation(booking, { page, zone: picker.zone, hour12: picker.hour12,
        moved: page.mode === "reschedule" });
      if (page.mode === "reschedule") nowBooked(booking);
      if (earlier) {
        document.getElementById("confirm-lead").textContent = "Your first try had "
          + "already booked this time, with the details you sent then (not the changes "
          + "made since). Add it to your calendar, and keep the links below: they are "
          + "the only way to change this booking.";
      }
      show("done", "confirm-title");
      if (page.mode === "book") remember(booking);
    }
  } catch (error) {
    if (error instanceof ApiError && error.code === "invalid_timezone"
        && picker.useZone("UTC")) {
      // The visitor's zone is one this browser knows but Penny's tzdata does not (the
      // page's own times came without asking): the chosen time is the same instant, so
      // it is booked with UTC as the visitor's zone, and the times are shown in UTC.
      choose(chosen); // its label in UTC, and a new key: the refused request made nothing
      return send(event);
    }
    if (error instanceof ApiError && error.code === "event_type_changed" && page.mode === "book") {
      const changed = () => failed(new ApiError(409, error.code, RELOAD));
      if (await takeChanges(error, again).catch(changed)) return send(event, true);
      busy(false);
      return;
    }
    failed(error instanceof ApiError ? error : new ApiError(0, "error", String(error)));
  }
  busy(false);
}

const RELOAD = "The host changed this booking page while you had it open, and nothing "
  + "was booked. Reload the page to see it as it is now.";

/**
 * The host changed the event type while the page was open, and nothing was booked: the
 * page as it is now (page-changes.js), what the visitor typed and their time kept if it
 * is still offered, and in words what changed. True when nothing the visitor reads
 * changed and their time stands, so it is booked again as it is (once).
 */
async function takeChanges(error, again) {
  const fresh = await readAgain(error.current ? error.current.version : page.event.version + 1);
  if (!fresh) {
    failed(new ApiError(409, error.code, RELOAD));
    return false;
  }
  const { said, asks, retimed } = whatChanged(fresh, page.event);
  showPage(fresh.doc, form);
  Object.assign(page.event, fresh.data.event);
  await picker.retune(page.event, fresh.data.slots || null);
  const slot = await picker.offered(chosen.start);
  if (!said.length && slot && !again) {
    choose(slot); // a new key: the refused request made nothing
    return true;
  }
  const next = [asks.length ? `Answer the new question${asks.length > 1 ? "s" : ""}` : null,
    retimed || !slot ? "check the time" : null].filter(Boolean);
  const todo = next.length ? next.join(", ") : "check the details";
  const notice = document.getElementById("page-changed");
  notice.textContent = ["The host changed this booking page while you had it open, and "
    + "nothing was booked.", ...said, `${todo[0].toUpperCase()}${todo.slice(1)} and book again.`]
    .join(" ");
  notice.hidden = false;
  if (!slot) {
    failed(new ApiError(409, "slot_unavailable", "the host changed this booking page, and "
      + "the time you chose is no longer offered"));
    return false;
  }
  choose(slot); // its end at the meeting's length now, and a new key
  const first = asks.map((name) => form.elements.namedItem(name)).find((c) => c && !c.value);
  (first || notice).focus();
  return false;
}

// A paid event's time is held while the visitor pays: at Stripe's checkout page, or on
// Penny's pay page for Razorpay Checkout. Either way the booking's own page is where they
// come back to, and it waits for the payment to be confirmed.
function toPayment(booking) {
  const payment = booking.payment;
  let url = null;
  if (payment.provider === "stripe") {
    url = webLink(payment.checkout_url || "");
  } else if (booking.links && booking.links.view) {
    const view = new URL(booking.links.view, location.href);
    view.pathname += "/pay";
    url = view.href;
  }
  if (!url) {
    failed(new ApiError(0, "payment_unavailable", "The payment page could not be opened. Try again in a moment."));
    return false;
  }
  const status = document.getElementById("pay-status");
  status.textContent = payment.provider === "stripe"
    ? "Your time is held. Taking you to Stripe to pay…" : "Your time is held. Taking you to the payment page…";
  // Back from the payment page (the browser's cache keeps this one): the same key asks
  // for the same held booking and its checkout again.
  window.addEventListener("pageshow", () => {
    busy(false);
    status.textContent = "";
  }, { once: true });
  location.assign(url);
  return true;
}

// Penny sends no e-mail: the confirmation's links are the client's only way back to the
// booking, and a reload (a phone's pull-to-refresh) brought the empty page back. This tab
// remembers the booking (sessionStorage: this tab alone, gone with it, never in the
// address, which a client may copy to share the host's page), and the page, opened again
// in it, says so with a link to the booking's own page.
const BOOKED_KEY = `penny-booked:${location.pathname}`;
const BOOKED_FOR_MS = 60 * 60 * 1000;

function remember(booking) {
  const view = booking.links && webLink(new URL(booking.links.view, location.href).href);
  if (!view) return;
  try {
    sessionStorage.setItem(BOOKED_KEY, JSON.stringify({
      view, when: document.getElementById("confirm-yours").textContent, at: Date.now() }));
  } catch { /* storage refused (a private mode): nothing to remind of */ }
}

function remind() {
  let booked = null;
  try {
    booked = JSON.parse(sessionStorage.getItem(BOOKED_KEY) || "null");
  } catch { /* unreadable: as none */ }
  if (!booked || !(Date.now() - booked.at < BOOKED_FOR_MS) || !webLink(booked.view)) return;
  const note = document.getElementById("just-booked");
  note.querySelector("#just-booked-when").textContent = booked.when;
  note.querySelector("a").href = webLink(booked.view);
  note.hidden = false;
}

// The card's "Currently booked" after a move: the new time (the old one is gone).
function nowBooked(booking) {
  const current = document.querySelector(".current");
  if (!current) return;
  const zone = picker.zone;
  const time = document.createElement("time");
  Object.assign(time.dataset, { zone, end: booking.end });
  time.setAttribute("datetime", booking.start);
  const strong = document.createElement("strong");
  strong.append(time);
  current.replaceChildren("Now booked: ", strong, ".");
  localizeTimes(current, picker.hour12);
}

function failed(error) {
  // Refused, or the provider could not start a checkout (nothing was booked): a retry is
  // a new request.
  if ((error.status >= 400 && error.status < 500) || error.code === "payment_unavailable") key = newKey();
  if (["slot_taken", "slot_unavailable"].includes(error.code)) {
    // slot_unavailable says which rule refused the time (too soon, daily limit, ...).
    const why = error.code === "slot_taken" ? "Sorry, that time was just taken."
      : `Sorry, that time can't be booked: ${error.message}.`;
    showAlert(pageAlert, `${why} Here are the times still free.`);
    show("pick");
    // Focus on the message (it says what happened; the times follow it), never lost.
    pageAlert.tabIndex = -1;
    pageAlert.focus({ preventScroll: true });
    picker.refresh();
    pageAlert.scrollIntoView({ block: "nearest" });
    return;
  }
  showApiError(form, formAlert, error);
}

form.addEventListener("submit", send);
back.addEventListener("click", () => {
  show("pick");
  // Focus returns to the time that was chosen (or, if it is gone, the chosen day).
  const time = chosen && [...document.querySelectorAll("#slots button.slot")]
    .find((button) => button.dataset.start === chosen.start);
  (time || document.querySelector("#days button[aria-pressed='true']"))?.focus();
});
localizeTimes();
if (page.mode === "book") remind();
picker.start();
