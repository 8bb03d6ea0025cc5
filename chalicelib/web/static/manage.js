// The attendee's manage page (/booking/{uid}): cancel from the secret link, the
// meeting's link when it arrives after the page was rendered, and a paid booking's
// payment while Penny waits to hear of it.
import { ApiError, linkToken, postJSON } from "./api.js";
import { localizeTimes } from "./clock.js";
import { clearErrors, showApiError } from "./fields.js";
import { awaitPayment } from "./payment.js";
import { awaitVideo } from "./video.js";

localizeTimes();
const form = document.getElementById("cancel-form");
const alert = document.getElementById("form-alert");
const button = document.getElementById("cancel-submit");
const waiting = document.querySelector("#video[data-uid]"); // rendered without a link yet

const unpaid = document.querySelector("#payment[data-until]"); // waiting for its payment

if (waiting) {
  awaitVideo(waiting, { uid: waiting.dataset.uid, token: linkToken(), label: waiting.dataset.label });
}
if (unpaid) awaitPayment(unpaid, { token: linkToken() });

if (form && form.dataset.open === "true") {
  document.getElementById("cancel-title").focus();
}

form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  button.disabled = true;
  const reason = form.elements.namedItem("reason").value.trim();
  try {
    await postJSON(`/bookings/${encodeURIComponent(form.dataset.uid)}/cancel`,
      { token: linkToken(), ...(reason ? { reason } : {}) });
    location.reload(); // the page shows the cancelled booking as the server has it
  } catch (error) {
    showApiError(form, alert, error instanceof ApiError ? error : new ApiError(0, "error",
      String(error)));
    button.disabled = false;
  }
});
