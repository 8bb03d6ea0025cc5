// The confirmation view: the booking in the visitor's and the host's zones, where it
// happens and its video link (or that it is on its way), the .ics download and the secret
// links to manage, reschedule or cancel it.
import { whenLabel } from "./clock.js";
import { awaitVideo, showVideo } from "./video.js";

const set = (id, text) => { document.getElementById(id).textContent = text; };
let stopWaiting = () => {};

export function showConfirmation(booking, { page, zone, hour12, moved = false }) {
  const hostZone = page.host.timezone;
  const links = booking.links || {};
  set("confirm-title", moved ? "Your booking was moved" : "You are booked");
  // A move made from the reschedule link is answered with that link's links alone (it
  // may have been forwarded, and cannot cancel): the booker's cancel link is elsewhere.
  set("confirm-lead", links.cancel
    ? "Add it to your calendar, and keep the links below: they are the only way to "
      + "change this booking."
    : "Add it to your calendar, and keep the links below to view or move this booking. "
      + "To cancel it, use the link you were given when you booked.");
  set("confirm-what", `${booking.event_title} with ${page.host.display_name}`);
  set("confirm-yours", whenLabel(booking.start, booking.end, zone, hour12));
  set("confirm-host", whenLabel(booking.start, booking.end, hostZone, hour12));
  // A phone call's note names the number the client gave (the server's words, with
  // "{phone}" where it goes; a note without it is the same either way).
  set("confirm-where", booking.phone
    ? page.event.booked_note.replace("{phone}", booking.phone) : page.event.location_note);
  const targets = { "ics-link": links.ics, "manage-link": links.view,
    "reschedule-link": links.reschedule, "cancel-link": links.cancel };
  for (const [id, href] of Object.entries(targets)) {
    const anchor = document.getElementById(id);
    anchor.hidden = !href;
    if (href) anchor.href = href;
  }
  showJoining(booking, page.event);
}

// The link is written on the booking some seconds after it is made (video.js).
function showJoining(booking, event) {
  const element = document.getElementById("confirm-video");
  stopWaiting();
  element.hidden = true;
  if (showVideo(element, booking, event.location)) return;
  const token = booking.links && booking.links.reschedule_token;
  if (event.video && booking.status === "confirmed" && token) {
    stopWaiting = awaitVideo(element, { uid: booking.uid, token, label: event.location });
  }
}
