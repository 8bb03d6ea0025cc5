// Which of two tellings of a booking's money is the later: the row (the bookings list's,
// or what it was told before) or a live event's news of it (`news`: the event's status,
// payment summary and the booking's version).

import { laterByVersion } from "./app-row-news.js";

// Later states win over earlier ones, where a telling carries no version (an event sent
// before events carried one). A refund of the host's own after a failed one comes back
// down to refunded: its payment.refunded event says so, and app-bookings.js takes it as
// news.
const PAYMENT_ORDER = { awaiting: 0, expired: 1, paid: 1, refund_owed: 2, refunded: 3,
  refund_failed: 4 };

// Is `news` later than `known`? By the booking's version when both carry one
// (app-row-news.js): whatever the states say, an event read off an older write never
// overrides a list read after it. Without one, by the state's rank; a refund a dispute
// holds is later than the refund it holds (Stripe refused it as disputed: "paid" again,
// and `refund_held`), and `refunded` (a payment.refunded event) is always news. `tie`:
// whether news as late as the row is taken.
function laterNews(known, news, { tie = true, refunded = false } = {}) {
  if (!known || !known.payment) return true;
  const later = laterByVersion(known, news, tie);
  if (later !== null) return later;
  if (refunded || (news.payment.refund_held && known.payment.state === "refund_owed")) return true;
  const now = PAYMENT_ORDER[known.payment.state];
  const then = PAYMENT_ORDER[news.payment.state];
  return tie ? then >= now : then > now;
}

// A live event's booking summary as news of its money, or null when what was heard
// before (`known`) is later (an event delivered late). `refunded`: a payment.refunded
// event.
export function heardNews(known, summary, refunded = false) {
  const news = { status: summary.status, payment: summary.payment, version: summary.version };
  return laterNews(known, news, { refunded }) ? news : null;
}

// The booking with what a live event said of its money. Against a list read (`live`
// false) the list, read after the event, wins a tie. The event itself (`live`) is news as
// it comes, also when its state ranks the same (a dispute opened or closed, a second
// payment's refund that came back: the payment stays "paid"). The summary leaves out a
// flag that is false and a reason not given: the row's, read earlier, give way to it (a
// refusal the host's refund ended, then a refund that came back, says it came back).
const SUMMARY_UNSAID = { refund_reason: null, refund_refused: false, refund_held: false };
export function withPaymentNews(booking, news, { live = false, refunded = false } = {}) {
  if (!news || !laterNews(booking, news, { tie: live, refunded })) return booking;
  const version = Number.isInteger(news.version) ? { version: news.version } : {};
  return { ...booking, status: news.status, ...version,
    payment: { ...booking.payment, ...SUMMARY_UNSAID, ...news.payment } };
}
