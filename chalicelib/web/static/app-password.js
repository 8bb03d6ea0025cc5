// The Profile page's Password card: "Change password" (the current one and a new one), or,
// for an account made by signing in with Google or Microsoft, "Set a password" (a new one
// only: the API asks instead for a sign-in from the last few minutes).
//
// PUT /me/password; the API's refusals (wrong_password, weak_password, ...) are shown
// beside the field they name, or at the top of the form. On success every other login of
// the host has ended (other browsers and devices are signed out); this one goes on, and
// the card says how many were ended.

import { ApiError } from "./api.js";
import { $, h } from "./app-dom.js";
import { busy, checkForm, clearErrors, showError } from "./app-forms.js";

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function initPassword(api) {
  const form = $("#password-form");
  const status = $("#password-status");
  const current = form.current_password;
  const submit = $("button[type=submit]", form);
  let hasPassword = true;

  function say(headline, detail, kind = "info") {
    status.replaceChildren(h("p", { class: `notice notice-${kind}` }, h("strong", {}, headline), " ", detail));
  }

  // A first password has no current one: the field goes (and stops being required).
  function draw() {
    $("#password-title").textContent = hasPassword ? "Password" : "Set a password";
    $("#password-hint").textContent = hasPassword
      ? "Change the password you log in with. Every other browser and device you are signed in on is signed out."
      : "You sign in with Google or Microsoft. Set a password to log in with your e-mail too; then you can also unlink them.";
    $("#password-current-field").hidden = !hasPassword;
    current.disabled = !hasPassword;
    submit.textContent = hasPassword ? "Change password" : "Set password";
  }

  async function load() {
    try {
      hasPassword = (await api.get("/me/identities")).has_password;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return; // the card stays as it was; the identities section reports the failure
    }
    draw();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.replaceChildren();
    if (!checkForm(form)) return;
    await busy(submit, async () => {
      const body = { new_password: form.new_password.value };
      if (hasPassword) body.current_password = current.value;
      try {
        const done = await api.put("/me/password", body);
        form.reset();
        hasPassword = true;
        draw();
        const others = done.other_logins_ended
          ? `${plural(done.other_logins_ended, "other login")} ended: other browsers and devices must log in again.`
          : "You stay signed in here.";
        say(done.first ? "Your password is set." : "Your password is changed.", others);
        status.focus();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.status === 401) return; // the session ended: the dashboard goes to log in
        showError(form, error);
      }
    });
  });

  return {
    enter() {
      status.replaceChildren();
      clearErrors(form);
      form.reset();
      return load();
    },
  };
}
