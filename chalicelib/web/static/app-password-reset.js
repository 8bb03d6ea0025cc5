// A forgotten password: "Forgot password?" asks for a reset link (POST
// /auth/password-reset), and the page the e-mailed link opens (/app/reset-password#token=…)
// sets the new one (POST /auth/password-reset/confirm).
//
// The token is in the address's fragment, which the browser never sends to a server: it
// is read when the view opens, then taken out of the address bar (and so out of the
// history and of a bookmark) and kept in memory until it is used. A Penny with no sender
// (the page's config) says so instead of offering a form that cannot work.

import { ApiError } from "./api.js";
import { $ } from "./app-dom.js";
import { busy, checkForm, clearErrors, showError } from "./app-forms.js";

export function initForgotView(api, available) {
  const form = $("#forgot-form");
  const sent = $("#forgot-sent");
  $("#forgot-unavailable").hidden = available;
  form.hidden = !available;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sent.hidden = true;
    if (!checkForm(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        const answer = await api.post("/auth/password-reset", { email: form.email.value.trim() });
        const minutes = Math.round(answer.link_expires_in / 60);
        sent.textContent = `${answer.message} The link works for ${minutes} minutes, once.`;
        sent.hidden = false;
        sent.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error);
      }
    });
  });
  return {
    enter() {
      clearErrors(form);
      sent.hidden = true;
    },
  };
}

const NO_TOKEN = "This page works from the link in your reset e-mail. Open that link again, or ask for a new one.";

// `done(answer)`: the password is set and every login ended; the dashboard goes to log in.
export function initResetView(api, done) {
  const form = $("#reset-form");
  let token = "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    if (!token) return showError(form, { message: NO_TOKEN });
    await busy($("button[type=submit]", form), async () => {
      try {
        const answer = await api.post("/auth/password-reset/confirm",
          { token, new_password: form.new_password.value });
        token = "";
        form.reset();
        done(answer);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // A link refused (used, expired, replaced, not Penny's) is said at the top of the
        // form; a password breaking the rules, beside its field.
        showError(form, error.field === "token" ? { message: error.message } : error);
      }
    });
  });
  return {
    enter() {
      clearErrors(form);
      const found = new URLSearchParams(location.hash.slice(1)).get("token");
      if (found) {
        token = found;
        history.replaceState(null, "", location.pathname);
      }
      if (!token) showError(form, { message: NO_TOKEN });
    },
  };
}
