/* The provider sandbox's stand-in for https://checkout.razorpay.com/v1/checkout.js.
 *
 * `new Razorpay(options)` with the options a merchant page passes (key, order_id, amount,
 * currency, name, description, prefill {name, email, contact}, notes, handler(response),
 * modal.ondismiss); `.open()` lays the sandbox's checkout page over the merchant's page in
 * an iframe; `.on("payment.failed", cb)`; `.close()`. The iframe talks back with
 * postMessage, and only messages from this script's own origin and from that iframe are
 * believed. Not the real Checkout: no payment methods, no retries of its own.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var base = script.src.replace(/\/v1\/checkout\.js(\?.*)?$/, "");
  var origin = new URL(script.src).origin;

  function Razorpay(options) {
    if (!(this instanceof Razorpay)) {
      return new Razorpay(options);
    }
    if (!options || !options.key) {
      throw new Error("Razorpay: the key option is required");
    }
    this.options = options;
    this.callbacks = {};
    this.overlay = null;
    this.listener = null;
  }

  Razorpay.prototype.on = function (event, callback) {
    (this.callbacks[event] = this.callbacks[event] || []).push(callback);
    return this;
  };

  Razorpay.prototype.open = function () {
    if (this.overlay) {
      return this;
    }
    var o = this.options;
    var prefill = o.prefill || {};
    var query = new URLSearchParams({
      key_id: o.key, order_id: o.order_id || "", origin: window.location.origin,
      name: o.name || "", description: o.description || "",
      customer: prefill.name || "", email: prefill.email || "",
      contact: prefill.contact || "", notes: JSON.stringify(o.notes || {})
    });
    var overlay = document.createElement("div");
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", "Razorpay Checkout");
    overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;display:flex;" +
      "align-items:center;justify-content:center;background:rgba(0,0,0,.6)";
    var frame = document.createElement("iframe");
    frame.title = "Razorpay Checkout";
    frame.src = base + "/v1/checkout/page?" + query.toString();
    frame.style.cssText = "width:min(26rem,100vw);height:min(32rem,100vh);border:0;" +
      "border-radius:.5rem;background:#fff";
    overlay.appendChild(frame);
    document.body.appendChild(overlay);
    var self = this;
    this.listener = function (event) {
      if (event.origin !== origin || event.source !== frame.contentWindow) {
        return;
      }
      var message = event.data || {};
      if (message.type === "success") {
        self.close();
        if (typeof o.handler === "function") {
          o.handler(message.response);
        }
      } else if (message.type === "failed") {
        (self.callbacks["payment.failed"] || []).forEach(function (callback) {
          callback(message.response);
        });
      } else if (message.type === "dismiss") {
        self.close();
        if (o.modal && typeof o.modal.ondismiss === "function") {
          o.modal.ondismiss();
        }
      }
    };
    window.addEventListener("message", this.listener);
    this.overlay = overlay;
    frame.focus();
    return this;
  };

  Razorpay.prototype.close = function () {
    if (this.overlay) {
      this.overlay.remove();
      window.removeEventListener("message", this.listener);
      this.overlay = null;
      this.listener = null;
    }
  };

  window.Razorpay = Razorpay;
})();
