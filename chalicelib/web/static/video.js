// The meeting's join link on the attendee's pages (the confirmation, the manage page).
//
// The host's calendar job writes the link on the booking some seconds after it is made
// (or, when none can be made, a note saying the host will send one). Until then the page
// says the link is on its way and asks for the booking every 2 s, for at most a minute,
// with the secret link's token; then it stops without fuss; the invite has the link too.
import { getJSON } from "./api.js";

const EVERY_MS = 2000;
const FOR_MS = 60000;
const WAITING = "Your meeting link is on its way.";
const GAVE_UP = "The link will also be in your calendar invite.";

/** The URL if a browser opens it as a web page (http, https), else null: a link from the
 * API is never trusted further than that. */
export function webLink(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Show the booking's link ("Join with Zoom: <link>") or its note; false if it has neither. */
export function showVideo(element, booking, label) {
  const url = booking.video_url ? webLink(booking.video_url) : null;
  if (url) {
    const link = document.createElement("a");
    link.href = url;
    link.rel = "noopener noreferrer";
    link.textContent = url;
    element.replaceChildren(`Join with ${label}: `, link);
  } else if (booking.video_note) {
    element.textContent = booking.video_note;
  } else {
    return false;
  }
  element.hidden = false;
  return true;
}

/** Say the link is on its way, and ask for the booking until it comes (or a minute
 * passes). Returns a function that stops asking. */
export function awaitVideo(element, { uid, token, label }) {
  const until = Date.now() + FOR_MS;
  let timer = null;
  let stopped = false;
  element.textContent = WAITING;
  element.hidden = false;

  async function ask() {
    let booking = null;
    let again = true;
    try {
      booking = await getJSON(`/bookings/${encodeURIComponent(uid)}?token=${encodeURIComponent(token)}`);
    } catch (error) {
      again = !(error.status >= 400 && error.status < 500); // a refusal will not change
    }
    if (stopped) return;
    if (booking && booking.status !== "confirmed") {
      element.hidden = true; // cancelled meanwhile (in another tab): no meeting to join
      return;
    }
    if (booking && showVideo(element, booking, label)) return;
    if (!again || Date.now() + EVERY_MS > until) {
      element.textContent = GAVE_UP;
      return;
    }
    timer = setTimeout(ask, EVERY_MS);
  }

  timer = setTimeout(ask, EVERY_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
