// Connecting a payment provider, for the Connections cards (app-connections.js).
//
// Stripe: Connect asks Penny for Stripe's onboarding link (POST /me/connections/stripe)
// and the window goes there; Stripe sends the host back to /app/connections?stripe=return
// (or /app/welcome?stripe=return, from the welcome steps), where the page asks Penny to check the account (POST /me/connections/stripe/test): it
// is connected once Stripe lets it take payments, "pending" until the host finishes
// setting it up on Stripe. Razorpay has no such round trip: the host gives their own API
// keys and a webhook secret in a dialog (PUT /me/connections/razorpay), and then adds a
// webhook at Razorpay pointing at Penny, which the dialog shows how to do.

import { ApiError } from "./api.js";
import { $, h } from "./app-dom.js";
import { busy, checkForm, clearErrors, showError } from "./app-forms.js";
import { takeReturn } from "./app-provider-trip.js";

// What Razorpay must send Penny (the webhook's "Active events").
export const RAZORPAY_EVENTS = ["payment.authorized", "payment.captured", "order.paid", "payment.failed", "refund.processed", "refund.failed", "payment.dispute.created", "payment.dispute.won", "payment.dispute.lost", "payment.dispute.closed"];

// What Connect does, said on a card that is not connected.
export const PAYMENT_ASKS = {
  stripe: "Penny sends you to Stripe to connect your Stripe account. Clients' payments go straight to it.",
  razorpay: "Connect with your own Razorpay API keys. Clients' payments go straight to your Razorpay account.",
};

// The way back from Stripe's onboarding, to the view Connect was pressed on: that view's
// name ("connections" or "welcome") once, when this page load is it; null otherwise.
export function takeStripeReturn() {
  for (const view of ["connections", "welcome"]) {
    const query = takeReturn(view, ["stripe"]);
    if (query) return query.get("stripe") === "return" ? view : null;
  }
  return null;
}

async function copyField(input, button) {
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    input.select();
    document.execCommand("copy");
  }
  button.textContent = "Copied";
}

// The Razorpay dialog: the keys form, then the webhook to add at Razorpay.
// `onConnected(answer)` hears the PUT's answer (a connection, with its webhook_url);
// `onClosed()` puts the focus back when the button that opened it was drawn again.
export function createRazorpayDialog(api, { onConnected, onClosed }) {
  const dialog = $("#razorpay-dialog");
  const form = $("#razorpay-form");
  const done = $("#razorpay-done");
  const url = $("#razorpay-webhook-url");
  const copy = $("#razorpay-copy");
  let returnTo = null;

  $("#razorpay-events").replaceChildren(...RAZORPAY_EVENTS.map((e) => h("li", {}, h("code", {}, e))));
  $("#razorpay-cancel").addEventListener("click", () => dialog.close());
  $("#razorpay-close").addEventListener("click", () => dialog.close());
  copy.addEventListener("click", () => copyField(url, copy));
  dialog.addEventListener("close", () => {
    form.reset();
    if (returnTo && returnTo.isConnected) returnTo.focus();
    else onClosed();
  });

  function showWebhook(webhookUrl) {
    form.hidden = true;
    done.hidden = false;
    dialog.setAttribute("aria-labelledby", "razorpay-done-title");
    url.value = webhookUrl;
    copy.textContent = "Copy";
    $("#razorpay-done-title").focus();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        const answer = await api.put("/me/connections/razorpay", {
          key_id: form.key_id.value.trim(), key_secret: form.key_secret.value.trim(),
          webhook_secret: form.webhook_secret.value.trim(),
        });
        form.reset();
        showWebhook(answer.webhook_url);
        onConnected(answer);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error);
      }
    });
  });

  return {
    // Open at the keys form (from Connect), or at the webhook's steps (`webhookUrl`).
    open(button, webhookUrl = null) {
      returnTo = button;
      clearErrors(form);
      form.hidden = Boolean(webhookUrl);
      done.hidden = !webhookUrl;
      dialog.setAttribute("aria-labelledby", webhookUrl ? "razorpay-done-title" : "razorpay-title");
      dialog.showModal();
      if (webhookUrl) showWebhook(webhookUrl);
      else form.key_id.focus();
    },
  };
}
