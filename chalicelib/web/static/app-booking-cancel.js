// The host cancels a booking: the dialog that asks to confirm it, with an optional
// reason the client is told, then POST /me/bookings/{uid}/cancel.

import { ApiError } from "./api.js";
import { $, toast } from "./app-dom.js";

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
    try {
      await api.post(`/me/bookings/${encodeURIComponent(booking.uid)}/cancel`,
        { reason: form.reason.value.trim() || null });
      toast("Booking cancelled.", { detail: `${booking.attendee.name} will be told.` });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      toast("Could not cancel the booking.", { kind: "warning", detail: error.message });
    }
    done();
  }, { once: true });
}
