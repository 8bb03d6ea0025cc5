// The event type's price: which connected vendor would take it and the least that vendor
// takes, the hint beside the field, and what is wrong with a price as typed, said beside
// the field before any request (app-event-types.js holds the editor).
//
// `known` is what the editor knows: `connections` (provider -> GET /me/connections
// entry; null: not known) and `minimums` (the page's payment minimums, from
// domain/currencies.py least_amounts: vendor -> currency or "*" -> minor units).

import { formatMoney, fractionDigits } from "./app-formats.js";

export const CURRENCIES = ["USD", "EUR", "GBP", "INR", "CAD", "AUD", "NZD", "SGD", "CHF", "SEK", "JPY", "BRL", "ZAR"];
const PAYMENT_PROVIDERS = ["stripe", "razorpay"];
const VENDOR_NAMES = { stripe: "Stripe", razorpay: "Razorpay" };

// Which connected vendor takes a price in this currency, as the API picks it
// (domain/currencies.py payment_vendor): Razorpay for rupees or when it is the only one,
// Stripe for the rest; null when neither is connected or the connections are not known.
function vendorFor(code, { connections }) {
  if (!connections) return null;
  const ready = PAYMENT_PROVIDERS.filter((p) => (connections.get(p) || {}).status === "connected");
  if (ready.includes("razorpay") && (code === "INR" || !ready.includes("stripe"))) return "razorpay";
  return ready.includes("stripe") ? "stripe" : null;
}

// The least the vendor takes in the currency, in minor units (0: not known here).
function leastAmount(vendor, code, { minimums }) {
  const table = (minimums || {})[vendor] || {};
  return table[code] ?? table["*"] ?? 0;
}

// Whether a price can be taken, by whom, and the least it can be (connections unknown:
// say nothing about them).
export function priceHint(code, known) {
  const vendor = vendorFor(code, known);
  if (!vendor) {
    return known.connections
      ? "To charge for this event type, connect Stripe or Razorpay first (Connections). Until then leave it empty: free."
      : "Clients pay when they book, through your Stripe or Razorpay account.";
  }
  const least = leastAmount(vendor, code, known);
  return `Clients pay when they book, through your ${VENDOR_NAMES[vendor]} account`
    + (least ? `, which takes at least ${formatMoney({ currency: code, amount_minor: least })}.` : ".");
}

// A price the vendor that would take it refuses, in the API's words (domain/currencies.py
// vendor_refusal); "" when it would take it, or nothing is connected (the API says so).
// A price kept as it was (`kept`: the price the event type was saved with) is not checked
// again, as the API does not check it (a host who since connected another vendor can
// still retitle the event type).
export function vendorProblem(typed, code, kept, known) {
  const vendor = vendorFor(code, known);
  if (!(Number(typed.replace(",", ".")) > 0) || !vendor) return ""; // empty or 0: free
  const minor = toMinor(typed, code);
  if (kept && kept.currency === code && kept.amount_minor === minor) return "";
  const least = leastAmount(vendor, code, known);
  if (minor < least) {
    return `${VENDOR_NAMES[vendor]} takes payments of at least ${formatMoney({ currency: code, amount_minor: least })}: raise the price, or leave it empty for free.`;
  }
  if (vendor === "stripe" && fractionDigits(code) === 3 && minor % 10) {
    return `Stripe takes ${code} amounts to two decimals (the third one 0).`;
  }
  return "";
}

// A price as typed ("25", "25,50") in its currency's minor units.
export function toMinor(typed, currency) {
  return Math.round(Number(typed.replace(",", ".")) * 10 ** fractionDigits(currency));
}

// What is wrong with a price as typed, in words; "" when nothing is (empty: free). An
// amount never has more decimals than its currency: 100.5 JPY or 10.005 EUR are
// refused here, where they would have been rounded to 101 or 10.00 without a word.
export function amountProblem(amount, currency) {
  if (!amount) return "";
  const digits = fractionDigits(currency);
  const decimals = digits ? `([.,]\\d{1,${digits}})?` : "";
  if (new RegExp(`^\\d+${decimals}$`).test(amount)) return "";
  if (!/^\d+[.,]\d+$/.test(amount)) return "Enter an amount like 25 or 25.50, or leave empty for free.";
  return digits
    ? `${currency} has at most ${digits} decimals: enter an amount like 25 or 25.${"5".padEnd(digits, "0")}.`
    : `${currency} has no smaller unit: enter a whole amount, like 2500.`;
}
