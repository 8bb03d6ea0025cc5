// The toast a live event about a booking brings: what happened, to which booking, who
// and when; a warning for what the host may need to act on.

import { disputeClosedToast } from "./app-dispute-closed.js";
import { toast } from "./app-dom.js";

// In the host's zone, as the bookings list shows times (the browser's may differ).
// `profile`: the signed-in host's, or null.
function when(startIso, profile) {
  const zone = (profile && profile.timezone) || undefined;
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZone: zone,
  }).format(new Date(startIso));
}

function announce(event, profile) {
  const b = event.booking;
  const at = when(b.start, profile);
  const who = b.attendee_name;
  switch (event.type) {
    case "booking.created":
      return b.status === "pending_payment"
        ? [`New booking awaiting payment: ${b.event_title}`, `${who}, ${at}`]
        : [`New booking: ${b.event_title}`, `${who}, ${at}`];
    case "booking.cancelled": return [`Booking cancelled: ${b.event_title}`, `${who}, ${at}`];
    case "booking.rescheduled": return [`Booking moved: ${b.event_title}`, `${who}, now ${at}`];
    case "payment.succeeded": return [`Payment received: ${b.event_title}`, `${who}, ${at}`];
    case "payment.failed": return [`Payment failed: ${b.event_title}`, `${who}, ${at}`];
    case "payment.refunded": return [`Payment refunded: ${b.event_title}`, `${who}, ${at}`];
    case "payment.refund_failed": return [`Refund failed: ${b.event_title}`, `${who}, ${at}: refund them another way`];
    case "payment.disputed": return [`Payment disputed: ${b.event_title}`, `${who}, ${at}: answer it at the payment provider`];
    case "payment.dispute_closed": {
      const { title, detail } = disputeClosedToast(b);
      return [`${title}: ${b.event_title}`, `${who}, ${at}: ${detail}`];
    }
    case "booking.expired": return [`Not paid in time: ${b.event_title}`, `${who}, ${at}: the time is free again`];
    case "notes.saved": return [`Notes saved: ${b.event_title}`, `${who}, ${at}`];
    case "summary.ready": return [`Brief ready: ${b.event_title}`, `${who}, ${at}`];
    // booking.confirmed right after booking.created says nothing new; booking.updated (its
    // video link arrived) changes its row quietly.
    default: return null;
  }
}

// A live event about a booking, said in a toast (none for those that say nothing new).
export function liveToast(event, profile) {
  const message = announce(event, profile);
  const lost = event.type === "payment.dispute_closed" && disputeClosedToast(event.booking).warning;
  const warning = lost || ["booking.cancelled", "booking.expired", "payment.failed", "payment.refund_failed", "payment.disputed"].includes(event.type);
  if (message) toast(message[0], { detail: message[1], kind: warning ? "warning" : "info" });
}
