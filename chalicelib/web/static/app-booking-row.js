// One booking's row in the bookings list: its date and time, who booked, its badges and
// payment line, the answers, the meeting's Join link, the client's notes, the pre-meeting
// brief, an event deleted in the host's calendar, a meeting or event a broken connection
// kept as it was, and its Cancel button. The list
// (app-bookings.js) keeps what live events said of each booking and passes it in.

import { isCancelling, showCancelling } from "./app-booking-cancel.js";
import { outOfDateNotice, removedNotice } from "./app-booking-calendar.js";
import { paymentBadge, paymentLine } from "./app-booking-payments.js";
import { $, fromTemplate, h } from "./app-dom.js";
import { LOCATIONS, formatRange } from "./app-formats.js";
import { webLink } from "./video.js";

const STATUS = {
  confirmed: ["Confirmed", "ok"], pending_payment: ["Pending", "warning"],
  cancelled: ["Cancelled", "muted"], expired: ["Expired", "muted"],
};

function tag(text, kind) {
  return h("li", { class: `badge badge-${kind}` }, text);
}

// Whether its meeting is on at `now` (ms): begun, not ended, and still standing. It stays
// under Upcoming until it ends, first, so the host who opens the list late finds its Join.
export function inProgress(booking, now = Date.now()) {
  return (booking.status === "confirmed" || booking.status === "pending_payment")
    && Date.parse(booking.start) <= now && now < Date.parse(booking.end);
}

// The meeting's link, written on the booking by the calendar job some seconds after it
// was made (a `booking.updated` event says so), or the note the client was given when no
// link could be made. Nothing for a cancelled booking: there is no meeting to join.
function joining(booking) {
  const url = booking.status === "cancelled" ? null : webLink(booking.video_url || "");
  const who = `${booking.event_title} with ${booking.attendee.name}`;
  const join = url ? h("a", { href: url, class: "button booking-join", rel: "noopener noreferrer",
    target: "_blank", "aria-label": `Join ${who} (opens a new tab)` }, "Join") : null;
  const note = !url && booking.video_note && booking.status !== "cancelled"
    ? h("p", { class: "booking-video" }, `No video link: the client was told “${booking.video_note}”`) : null;
  return { join, note };
}

// A phone call's number to call (the client's answer), beside the location as a tel:
// link; nothing for a booking made before Penny asked for it.
function numberToCall(booking) {
  if (!booking.phone) return [];
  return [" · ", h("a", { href: `tel:${booking.phone.replace(/[^+0-9]/g, "")}`,
    class: "booking-phone" }, booking.phone)];
}

// The client's notes page (written by the notes job after the booking was confirmed; a
// `notes.saved` event says so), opened in a new tab.
function notesLink(booking) {
  if (!booking.notes_url) return null;
  return h("a", { href: booking.notes_url, class: "button booking-notes", rel: "noopener noreferrer",
    target: "_blank", "aria-label": `Notes on ${booking.event_title} with ${booking.attendee.name} (opens a new tab)` }, "Notes");
}

// The pre-meeting brief (premium hosts; a `summary.ready` event says it was written), or
// why there is none. Text only: every part of it was written by a model from the
// client's answers.
function briefOf(booking) {
  const b = booking.brief;
  if (!b) return booking.brief_note ? h("p", { class: "booking-brief-note" }, `Brief: ${booking.brief_note}`) : null;
  const list = (title, items) => (items.length
    ? [h("h3", {}, title), h("ul", {}, items.map((item) => h("li", {}, item)))] : null);
  return h("details", { class: "booking-brief" }, h("summary", {}, "Brief"),
    h("dl", {}, h("dt", {}, "Who"), h("dd", {}, b.who), h("dt", {}, "Wants"), h("dd", {}, b.wants)),
    list("Prepare", b.prepare), list("Ask", b.questions));
}

// `seen`: what live events told of it ({notes, brief}).
function tagsOf(booking, seen) {
  const [label, kind] = STATUS[booking.status] || [booking.status, "muted"];
  const tags = [tag(label, kind), tag(...paymentBadge(booking))];
  if (inProgress(booking)) tags.unshift(tag("In progress", "now"));
  if (booking.sequence > 0 && booking.status !== "cancelled") tags.push(tag("Rescheduled", "info"));
  // Until the list read after the event has them (the row shows the link and the brief)
  if (seen.notes && !booking.notes_url) tags.push(tag("Notes saved", "info"));
  if (seen.brief && !booking.brief) tags.push(tag("Brief ready", "info"));
  return tags;
}

// The row's badges and payment line, changed in place (nothing moves under the pointer).
export function showPayment(item, booking, timezone, seen) {
  $(".booking-tags", item).replaceChildren(...tagsOf(booking, seen));
  for (const old of item.querySelectorAll(".booking-payment")) old.remove();
  const line = paymentLine(booking, timezone);
  if (line) $(".booking-tags", item).after(line);
}

// The row's link to the meeting, or the note the client was given (joining()).
export function showJoining(item, booking) {
  for (const old of item.querySelectorAll(".booking-join, .booking-video")) old.remove();
  const { join, note } = joining(booking);
  if (note) $(".booking-tags", item).after(note);
  if (join) $(".booking-actions", item).prepend(join);
}

// The notice that its event was deleted in the host's calendar, with "Put it back".
export function showRemoved(item, booking, api) {
  for (const old of item.querySelectorAll(".booking-calendar-removed")) old.remove();
  const notice = removedNotice(booking, api);
  if (notice) $(".booking-tags", item).after(notice);
}

// The notice that a provider still holds its meeting or event as it was (moved or
// cancelled while that connection was broken).
export function showOutOfDate(item, booking) {
  for (const old of item.querySelectorAll(".booking-out-of-date")) old.remove();
  const notice = outOfDateNotice(booking);
  if (notice) $(".booking-tags", item).after(notice);
}

// The row of `booking` as the list shows it. `view`: the host's timezone, the API, what
// live events told of it (`seen`), whether to highlight it (`changed`), and whether it
// can be cancelled, with `onCancel(when)` for its Cancel button.
export function bookingRow(booking, { timezone, api, seen, changed, cancellable, onCancel }) {
  const item = fromTemplate("tpl-booking");
  const when = formatRange(booking.start, booking.end, timezone);
  item.dataset.uid = booking.uid;
  if (changed) item.classList.add("booking-changed");
  if (inProgress(booking)) item.classList.add("booking-now");
  $(".booking-date", item).textContent = when.day;
  $(".booking-time", item).textContent = when.time;
  $(".booking-title", item).textContent = booking.event_title;
  $(".booking-who", item).replaceChildren(
    h("span", {}, booking.attendee.name), " · ",
    h("a", { href: `mailto:${booking.attendee.email}` }, booking.attendee.email),
    ` · ${LOCATIONS[booking.location_kind] || booking.location_kind}`, ...numberToCall(booking));
  showPayment(item, booking, timezone, seen);
  // The number to call is shown beside the location, not again among the answers.
  const answers = Object.entries(booking.answers || {}).filter(([, a]) => !booking.phone || a !== booking.phone);
  const details = $(".booking-answers", item);
  if (answers.length) {
    $("dl", details).replaceChildren(...answers.flatMap(([q, a]) => [h("dt", {}, q), h("dd", {}, a)]));
  } else {
    details.remove();
  }
  showJoining(item, booking);
  showRemoved(item, booking, api);
  showOutOfDate(item, booking);
  const notes = notesLink(booking);
  if (notes) $(".booking-cancel", item).before(notes);
  const brief = briefOf(booking);
  if (brief) $(".booking-what", item).append(brief);
  if (booking.cancel_reason) {
    $(".booking-what", item).append(h("p", { class: "booking-reason" }, `Reason: ${booking.cancel_reason}`));
  }
  const cancel = $(".booking-cancel", item);
  if (cancellable) {
    cancel.setAttribute("aria-label", `Cancel ${booking.event_title} with ${booking.attendee.name}, ${when.day}`);
    cancel.addEventListener("click", () => onCancel(when));
    if (isCancelling(booking.uid)) showCancelling(cancel);
  } else {
    cancel.remove();
  }
  return item;
}
