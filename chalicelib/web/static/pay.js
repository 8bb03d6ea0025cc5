// Penny's pay page for Razorpay (/booking/{uid}/pay): Razorpay has no hosted checkout
// page, so this page loads its Checkout script and opens it on the booking's order.
//
// Checkout's handler gets the payment's id and Razorpay's signature; the page sends them
// to Penny, which checks the signature before anything changes, then goes on to the
// booking's page (which also waits for Razorpay's webhook: either confirms). Closing
// Checkout leaves the time held, and the Pay button opens it again.
import { ApiError, linkToken, pageData, postJSON } from "./api.js";
import { localizeTimes } from "./clock.js";
import { showAlert } from "./fields.js";

const pay = pageData("penny-pay");
const button = document.getElementById("pay-button");
const state = document.getElementById("pay-state");
const alert = document.getElementById("pay-alert");
let loading = null;

const say = (text) => { state.textContent = text; };

/** Razorpay's script, loaded once (a failed load is tried again on the next click). */
function loadCheckout() {
  if (window.Razorpay) return Promise.resolve();
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = pay.script;
      script.addEventListener("load", resolve);
      script.addEventListener("error", () => {
        script.remove();
        loading = null;
        reject(new Error("not loaded"));
      });
      document.head.append(script);
    });
  }
  return loading;
}

async function paid(response) {
  say("Payment made. Penny is confirming it…");
  try {
    await postJSON(`/bookings/${encodeURIComponent(pay.uid)}/payment/razorpay`, {
      token: linkToken(), razorpay_order_id: response.razorpay_order_id,
      razorpay_payment_id: response.razorpay_payment_id,
      razorpay_signature: response.razorpay_signature,
    });
  } catch (error) {
    // A refusal means these details do not prove a payment; anything else (the network,
    // a busy moment), Razorpay's webhook still confirms it, and the booking page waits.
    if (error instanceof ApiError && error.status === 400) {
      say("Penny could not confirm this payment.");
      showAlert(alert, `${error.message.replace(/\.$/, "")}. If you were charged, Razorpay's confirmation will still reach Penny: see your booking.`);
      return;
    }
  }
  location.assign(pay.view);
}

function dismissed() {
  say("You closed the payment window before paying. Your time is still held: press Pay to try again.");
  button.disabled = false;
  button.focus();
}

async function open() {
  button.disabled = true;
  alert.hidden = true;
  say("Opening Razorpay Checkout…");
  try {
    await loadCheckout();
  } catch {
    say("Razorpay Checkout could not be loaded.");
    showAlert(alert, "Check your connection, then press Pay to try again.");
    button.disabled = false;
    button.focus(); // disabled while loading, it had dropped the focus to the page's body
    return;
  }
  const checkout = new window.Razorpay({
    key: pay.key, order_id: pay.order_id, amount: pay.amount, currency: pay.currency,
    name: pay.name, description: pay.description, prefill: pay.prefill,
    // The payment's own notes name the booking: Razorpay copies an order's notes to
    // none of its payments, and a payment's events (payment.captured, a refund made in
    // Razorpay's dashboard: refund.processed) carry no order.
    notes: { booking_uid: pay.uid },
    handler: paid, modal: { ondismiss: dismissed },
  });
  checkout.on("payment.failed", (response) => {
    const why = response && response.error && response.error.description;
    say(`The payment did not go through${why ? `: ${why}` : ""}. You can try again in the Razorpay window.`);
  });
  checkout.open();
  say("Razorpay Checkout is open over this page.");
}

button.addEventListener("click", open);
localizeTimes();
open();
