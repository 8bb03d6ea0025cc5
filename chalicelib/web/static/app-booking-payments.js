// A booking's money on the dashboard: its payment badge and the line of amounts under
// it, from the booking's `payment` (or a live event's summary of it).

import { h } from "./app-dom.js";
import { formatMoney } from "./app-formats.js";

// The money's side, as the provider reported it (the booking's `payment`, or a live
// event's summary of it). A paid booking from before payments were connected has a
// price and no payment: Penny did not take that money, so it says so, never "Paid".
const PAYMENT_BADGES = {
  awaiting: ["Awaiting payment", "warning"], paid: ["Paid", "ok"],
  refunded: ["Refunded", "info"], expired: ["Expired", "muted"],
  refund_owed: ["Refund owed", "warning"], refund_failed: ["Refund failed", "warning"],
};
// How a dispute ended (absent: open, the host to answer it).
const DISPUTE_BADGES = {
  won: ["Dispute won", "ok"], lost: ["Dispute lost", "warning"], closed: ["Dispute closed", "info"],
};
const REFUND_REASONS = {
  cancelled: "after the cancellation", taken: "paid after the hold ended, when the time was taken",
  late: "paid after the meeting's start", provider: "at the payment provider",
};

// The state to show: an awaiting hold whose time has run out has expired, even before
// Penny's timer has marked it so.
function paymentState(payment) {
  if (payment.state === "awaiting" && payment.hold_until && Date.parse(payment.hold_until) <= Date.now()) return "expired";
  return payment.state;
}

function money(minor, currency) {
  return minor === null || minor === undefined || !currency ? "" : formatMoney({ amount_minor: minor, currency });
}

// Every dispute of the payment, oldest first (a summary from before the list has the
// latest alone, as `dispute`).
function disputesOf(payment) {
  if (payment.disputes && payment.disputes.length) return payment.disputes;
  return payment.dispute ? [payment.dispute] : [];
}

// The dispute the badge speaks of: one still open first (the host must answer it), then
// one lost, else the latest.
function pressingDispute(disputes) {
  return disputes.find((d) => !d.outcome) || disputes.find((d) => d.outcome === "lost") || disputes[disputes.length - 1];
}

// One dispute, in the row's words (`provider`: whose dashboard the host answers it in).
function disputeWords(dispute, currency, provider) {
  const why = dispute.reason ? ` (${String(dispute.reason).replaceAll("_", " ")})` : "";
  const amount = money(dispute.amount_minor, currency);
  if (!dispute.id && !dispute.outcome && !dispute.reason && !amount) {
    // Known only from a refund the provider refused as disputed: its notice is on its way.
    return `The client's bank disputes this payment (${provider} refused Penny's refund for it): answer it in ${provider}'s dashboard before its deadline, or the money is taken back.`;
  }
  const disputed = `The client disputed ${amount || "the payment"} with their bank${why}`;
  const outcome = {
    won: `${disputed}, and you won it: the money stays with you.`,
    lost: `${disputed}, and you lost it: the bank took ${amount || "it"} back from your ${provider} balance.`,
    closed: `${disputed} as an inquiry, closed without a chargeback: the money stays with you.`,
  }[dispute.outcome];
  return outcome || `${disputed}: answer it in ${provider}'s dashboard before its deadline, or the money is taken back.`;
}

// A second payment whose own dispute is open or lost: not refunded, the bank decides.
function heldSecond(paid, disputes) {
  const lost = disputes.length && disputes.every((d) => d.outcome) && disputes.some((d) => d.outcome === "lost");
  return lost
    ? `${paid}: not refunded, the bank gave it back to the client in the dispute.`
    : `${paid}: no refund while the bank's dispute of it is open. If you win it, Penny refunds the client then.`;
}

export function paymentBadge(booking) {
  if (!booking.price) return ["Free", "muted"];
  const amount = formatMoney(booking.price);
  if (!booking.payment) {
    return booking.status === "cancelled" ? [`${amount} · cancelled`, "muted"] : [`${amount} · not collected`, "warning"];
  }
  const [label, kind] = PAYMENT_BADGES[paymentState(booking.payment)] || PAYMENT_BADGES.awaiting;
  // A disputed payment is still paid until the bank decides; the host must answer it.
  const disputes = disputesOf(booking.payment);
  const dispute = pressingDispute(disputes);
  const times = disputes.length > 1 ? ` (${disputes.length} disputes)` : "";
  if (dispute && paymentState(booking.payment) === "paid") return DISPUTE_BADGES[dispute.outcome] ? [`${DISPUTE_BADGES[dispute.outcome][0]}${times} · ${amount}`, DISPUTE_BADGES[dispute.outcome][1]] : [`Disputed${times} · ${amount}`, "warning"];
  return [`${label} · ${amount}`, kind];
}

// The amounts, as the booking's detail: paid, refunded and why, or how long it is held
// (in `timeZone`, the host's, as the list shows times).
export function paymentLine(booking, timeZone) {
  const p = booking.payment;
  if (!p) return null;
  const currency = p.currency || (booking.price && booking.price.currency);
  const provider = p.provider === "razorpay" ? "Razorpay" : "Stripe";
  const state = paymentState(p);
  // An authorized payment Penny left uncaptured (Razorpay, manual capture) for a time the
  // booking no longer held: nothing to refund, but the host may hear of it from the client.
  const released = p.released
    ? `A payment of ${money(p.released.amount_minor, currency)} came for a time this booking no longer holds; it was not taken and goes back to the client by itself.`
    : "";
  let text = "";
  if (released && (state === "awaiting" || state === "expired")) {
    text = released;
  } else if (state === "awaiting") {
    const until = p.hold_until ? new Date(p.hold_until).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", timeZone }) : "";
    text = `Waiting for ${money(p.amount_minor, currency)} through ${provider}${until ? `; the time is held until ${until}` : ""}.`;
  } else if (state === "expired") {
    text = "Not paid before the hold ended: the time is free again.";
  } else {
    text = `Paid ${money(p.amount_minor, currency)} through ${provider}.`;
    if (state === "refunded") {
      const why = REFUND_REASONS[p.refund_reason];
      text += ` Refunded ${money(p.refunded_minor, currency)}${why ? ` ${why}` : ""}.`;
    } else if (state === "refund_failed" && p.refund_refused) {
      // Refused at each of Penny's asks (a balance too low, keys withdrawn): none will come.
      // Or it could not be asked for: the host removed the provider's connection.
      const rest = (p.amount_minor || 0) - (p.refunded_minor || 0);
      text += p.refund_refused_reason === "not_connected"
        ? ` Penny could not refund ${money(rest, currency)}: ${provider} is no longer connected to Penny. Refund the client by hand in ${provider}'s dashboard.`
        : ` ${provider} refused Penny's refund of ${money(rest, currency)} each time it asked, and Penny has stopped asking: refund the client by hand in ${provider}'s dashboard.`;
    } else if (state === "refund_failed") {
      text += ` The refund of ${money(p.refunded_minor, currency)} came back: the client's card could not take it (closed or replaced). Refund them another way, or in ${provider} once they give you another card.`;
    } else if (state === "refund_owed") {
      const why = REFUND_REASONS[p.refund_reason];
      text += ` To be refunded${why ? ` (${why})` : ""}: ${provider} could not make the refund yet; Penny tries again.`;
    } else if (p.refund_held) {
      // Cancelled inside the policy while disputed: the bank's dispute decides the money.
      // A late or taken payment's refund is held the same way (Stripe refused it as
      // disputed), and is no cancellation.
      const disputes = disputesOf(p);
      const owed = p.refund_reason === "late" || p.refund_reason === "taken"
        ? `Owed back (${REFUND_REASONS[p.refund_reason]})` : "Cancelled inside the refund policy";
      text += disputes.length && disputes.every((d) => d.outcome) && disputes.some((d) => d.outcome === "lost")
        ? ` ${owed}: no refund, the bank gave the money back to the client in the dispute.`
        : ` ${owed}: no refund while the bank's dispute is open. If you win it, Penny refunds the client then.`;
    }
    // Each dispute, oldest first: a payment may be disputed again (an inquiry, then a
    // chargeback), and each is answered on its own.
    for (const dispute of disputesOf(p)) text += ` ${disputeWords(dispute, currency, provider)}`;
    // Paid twice (two tabs): the booking keeps the first; each other one goes back.
    // A refund that came back (the card was closed) is the host's to make another way.
    for (const second of p.second_payments || []) {
      const paid = ` Paid a second time (${money(second.amount_minor, currency)})`;
      text += second.refund_refused
        ? `${paid}: ${provider} refused Penny's refund of it each time it asked, and Penny has stopped asking: refund the client by hand in ${provider}'s dashboard.`
        : second.refund_failed
        ? `${paid}: its refund came back (the client's card could not take it). Refund them another way, or in ${provider} once they give you another card.`
        : second.refunded ? `${paid}: refunded automatically.`
        : second.refund_held ? heldSecond(paid, second.disputes || [])
        : `${paid}: to be refunded; Penny tries again.`;
      for (const dispute of second.disputes || []) text += ` Of that second payment: ${disputeWords(dispute, currency, provider)}`;
    }
    if (released) text += ` ${released}`;
  }
  return h("p", { class: "booking-payment" }, text);
}
