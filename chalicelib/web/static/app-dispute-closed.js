// What a payment.dispute_closed toast says: how the bank decided the dispute the event
// names, the booking's own or one of a second payment's (a Razorpay order paid twice).

// Its title, and the detail after who and when.
const DISPUTE_CLOSED = {
  won: ["Dispute won", "the money stays with you"],
  lost: ["Dispute lost", "the bank took the money back"],
  closed: ["Dispute closed", "closed without a chargeback: the money stays with you"],
};

function everyDispute(payment) {
  const seconds = (payment.second_payments || []).flatMap((second) => second.disputes || []);
  return [...(payment.disputes || []), ...seconds];
}

// The outcome of the dispute the event names (`closed_dispute_id`), else of the one
// closed last (an event from before events named it; a summary from before the list has
// the latest alone, as `dispute`).
function disputeOutcome(booking) {
  const payment = booking && booking.payment;
  if (!payment) return null;
  const disputes = everyDispute(payment);
  const named = disputes.find((d) => booking.closed_dispute_id && d.id === booking.closed_dispute_id);
  if (named && named.outcome) return named.outcome;
  const closed = disputes.filter((d) => d.outcome && d.closed_at)
    .sort((a, b) => a.closed_at.localeCompare(b.closed_at));
  if (closed.length) return closed[closed.length - 1].outcome;
  return payment.dispute ? payment.dispute.outcome : null;
}

// The toast of the event's booking `booking`: a lost dispute is a warning.
export function disputeClosedToast(booking) {
  const outcome = disputeOutcome(booking);
  const [title, detail] = DISPUTE_CLOSED[outcome] || DISPUTE_CLOSED.closed;
  return { title, detail, warning: outcome === "lost" };
}
