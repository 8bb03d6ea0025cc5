// A paid booking waiting for its payment, on the booking's own page (where Stripe's
// success redirect and Penny's pay page land).
//
// Only a verified payment event confirms a booking, never the redirect, so the page says
// it is waiting and asks for the booking (GET /bookings/{uid}?token=) until it is
// confirmed, expired or cancelled, then shows it as the server has it (a reload). It
// asks every 2 s at first, then less and less often, once just after the hold's end
// (`data-hold`: its timer expires the booking then), and stops at the hold's end plus a
// grace (`data-until`): by then the time is free again.
import { getJSON } from "./api.js";

const FIRST_MS = 2000;
const QUICK_ASKS = 10; // the first 20 s: a webhook usually comes within seconds
const GROWTH = 1.5;
const MOST_MS = 15000;
const AFTER_HOLD_MS = 2000; // the hold's timer has run by then
const EXPIRED = "Your hold expired unpaid; the time is free again.";

const show = (id, shown) => {
  const element = document.getElementById(id);
  if (element) element.hidden = !shown;
};

/** The hold ended with no payment heard of: say so, and offer to book again. */
function expire() {
  const badge = document.getElementById("booking-status");
  badge.textContent = "Expired";
  badge.className = "badge off";
  document.getElementById("payment-state").textContent = EXPIRED;
  show("payment-hold", false);
  show("pay-again", false);
  show("book-again", true);
  show("cancel-section", false);
}

/** Ask for the booking until its payment settles; `element` is the page's #payment. */
export function awaitPayment(element, { token, settled = () => location.reload() }) {
  const uid = element.dataset.uid;
  const until = Date.parse(element.dataset.until);
  const holdEnds = Date.parse(element.dataset.hold);
  let asks = 0;
  let wait = FIRST_MS;
  let timer = null;

  function next() {
    asks += 1;
    if (asks > QUICK_ASKS) wait = Math.min(MOST_MS, wait * GROWTH);
    const now = Date.now();
    const afterHold = holdEnds + AFTER_HOLD_MS > now ? holdEnds + AFTER_HOLD_MS - now : Infinity;
    timer = setTimeout(ask, Math.max(0, Math.min(wait, afterHold, until - now)));
  }

  async function ask() {
    timer = null;
    let booking = null;
    try {
      booking = await getJSON(`/bookings/${encodeURIComponent(uid)}?token=${encodeURIComponent(token)}`);
    } catch (error) {
      if (error.status >= 400 && error.status < 500) return; // a refusal will not change
    }
    if (booking && booking.status !== "pending_payment") {
      settled(booking);
      return;
    }
    if (Date.now() >= until) {
      expire();
      return;
    }
    next();
  }

  // Back from another tab (a bank's page, the provider's app): ask at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || timer === null) return;
    clearTimeout(timer);
    ask();
  });
  next();
}
