// A booking's event, deleted in the host's calendar (not by Penny) while the booking
// stands: the row says so, with a button that asks Penny to put it back
// (POST /me/bookings/{uid}/calendar-event). The calendar worker makes it again, and the
// booking.updated that follows takes the notice away.

import { ApiError } from "./api.js";
import { h, toast } from "./app-dom.js";

export function removedNotice(booking, api) {
  if (!booking.calendar_event_removed_at || booking.status !== "confirmed") return null;
  const button = h("button", {
    type: "button", class: "button booking-put-back",
    "aria-label": `Put it back: ${booking.event_title} with ${booking.attendee.name}, in your calendar`,
  }, "Put it back");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api.post(`/me/bookings/${encodeURIComponent(booking.uid)}/calendar-event`);
      button.textContent = "Putting it back…";
      toast("Putting the event back in your calendar.", { detail: `${booking.event_title} with ${booking.attendee.name}` });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      button.disabled = false;
      toast("Could not put the event back.", { kind: "warning", detail: error.message });
    }
  });
  return h("p", { class: "booking-calendar-removed" },
    "The event was removed from your calendar. ", button);
}
