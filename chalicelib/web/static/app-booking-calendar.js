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

// What a provider still holds of a booking that was moved or cancelled while that
// connection was broken or disconnected (`out_of_date`): the meeting or event as it was.
// Reconnecting it brings it up to date, and the booking.updated that follows takes the
// notice away.
const HELD = {
  zoom: ["Zoom", "your Zoom meeting"],
  google: ["Google Calendar", "the event in your calendar"],
  microsoft: ["Outlook", "the event in your calendar"],
};

function heldWords(provider, cancelled) {
  const [vendor, what] = HELD[provider] || [provider, "the meeting"];
  const when = cancelled ? "was cancelled" : "moved";
  const still = cancelled ? "is still there" : "is still at the old time";
  const then = cancelled ? "removes it" : "moves it";
  const link = provider === "zoom" && !cancelled ? "; the client's link stays the same" : "";
  return `Penny could not reach ${vendor} when this booking ${when} (it needs reconnecting), so ${what} ${still}. Reconnect ${vendor} and Penny ${then}${link}.`;
}

export function outOfDateNotice(booking) {
  const held = booking.out_of_date || [];
  if (!held.length) return null;
  const cancelled = booking.status !== "confirmed";
  return h("div", { class: "booking-out-of-date" },
    ...held.map((provider) => h("p", {}, heldWords(provider, cancelled))));
}
