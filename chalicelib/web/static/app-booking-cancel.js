// The host cancels a booking: the dialog that asks to confirm it, with an optional
// reason the client is told, then POST /me/bookings/{uid}/cancel.

import { ApiError } from "./api.js";
import { $, toast } from "./app-dom.js";

// The bookings whose cancel is on its way: their rows' Cancel waits for it (clicked
// again meanwhile, it asked a second time, and the refusal of that one said "Could not
// cancel the booking" of a booking that was cancelled).
const cancelling = new Set();

export function isCancelling(uid) {
  return cancelling.has(uid);
}

// A row's Cancel button while its booking's cancel is on its way (app-booking-row.js).
export function showCancelling(button) {
  button.disabled = true;
  button.textContent = "Cancelling…";
}

// `done`: called once the dialog closed with "confirm" and the request was answered
// (the list reads itself again).
export function confirmCancel(dialog, api, booking, when, done) {
  const form = $("form", dialog);
  $("#cancel-summary").textContent = `${booking.event_title} with ${booking.attendee.name}, ${when.day} ${when.time}`;
  form.reason.value = "";
  dialog.returnValue = "";
  dialog.showModal();
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "confirm") return;
    cancelling.add(booking.uid);
    for (const button of document.querySelectorAll(`[data-uid="${CSS.escape(booking.uid)}"] .booking-cancel`)) {
      showCancelling(button);
    }
    try {
      await api.post(`/me/bookings/${encodeURIComponent(booking.uid)}/cancel`,
        { reason: form.reason.value.trim() || null });
      // Penny sends no e-mail: what the client sees is their own links, and the calendar
      // invitation the host's calendar sent them, withdrawn by it (if one was sent).
      toast("Booking cancelled.", {
        detail: `${booking.attendee.name}'s booking links now say so, and a calendar invitation your calendar sent them is withdrawn.`,
      });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast("Could not cancel the booking.", { kind: "warning", detail: error.message });
    } finally {
      cancelling.delete(booking.uid);
    }
    done();
  }, { once: true });
}
