// Logging in and signing up with an e-mail and a password (the providers' buttons beside
// them are app-sign-in.js).

import { ApiError } from "./api.js";
import { $, showLinkStart } from "./app-dom.js";
import { fillTimeZones, slugify } from "./app-formats.js";
import { busy, checkForm, clearErrors, showError } from "./app-forms.js";
import { detectZone } from "./clock.js";

// `signedIn(profile, next)`: the session began; the dashboard goes to the view `next`.
export function initLoginForm(api, signedIn) {
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    if (!checkForm(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        await api.post("/auth/session", { email: form.email.value.trim(), password: form.password.value });
        const profile = await api.get("/me/profile");
        form.reset();
        await signedIn(profile, "bookings");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error.code === "invalid_credentials" ? { message: error.message } : error);
      }
    });
  });
}

// The API's words for a taken e-mail or link ("this slug is taken") are a developer's: a
// newcomer reads the form's own, and what to do next.
const TAKEN = {
  email_taken: () => "An account already uses this e-mail. Log in to it, or use another e-mail.",
  slug_taken: (form) => `The link ${form.slug.value.trim()} is taken: choose another.`,
};

// Where the suggested link came from, said under it. A name in letters with no Latin
// spelling (山田 太郎, محمد) gives no link: the e-mail's name gives it, else the field is
// left empty and says so, never a silent empty or made-up link.
const LINK_HINTS = {
  name: "Lower-case letters, digits and dashes.",
  email: "Made from your e-mail, as your name gives no link: lower-case letters, digits and dashes.",
  none: "Your name gives no link: type one in lower-case letters, digits and dashes.",
};

export function initSignupView(state, api, signedIn) {
  const form = $("#signup-form");
  const hint = $("#signup-slug-hint");
  const zone = detectZone();
  let slugEdited = false;
  const suggest = () => {
    if (slugEdited) return;
    const fromName = slugify(form.display_name.value);
    const fromEmail = slugify(form.email.value.trim().split("@")[0]);
    form.slug.value = fromName || fromEmail;
    const named = fromName || !form.display_name.value.trim();
    hint.textContent = LINK_HINTS[named ? "name" : fromEmail ? "email" : "none"];
  };
  // The form as a newcomer first meets it, again after each sign-up in this tab: reset()
  // alone would keep the last link typed by hand (no more suggestions from the name) and
  // put the timezone on the list's first zone, the detected one being no default.
  const fresh = () => {
    form.reset();
    slugEdited = false;
    hint.textContent = LINK_HINTS.name;
    fillTimeZones(form.timezone, zone);
  };
  fresh();
  showLinkStart($("#signup-slug-prefix"), `${state.publicUrl}/`);
  form.display_name.addEventListener("input", suggest);
  form.email.addEventListener("input", suggest);
  form.slug.addEventListener("input", () => {
    slugEdited = true;
    hint.textContent = LINK_HINTS.name;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    await busy($("button[type=submit]", form), async () => {
      try {
        const session = await api.post("/auth/session/signup", {
          display_name: form.display_name.value.trim(), email: form.email.value.trim(),
          password: form.password.value, slug: form.slug.value.trim(),
          timezone: form.timezone.value,
        });
        fresh();
        await signedIn(session.host, "welcome");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const words = Object.hasOwn(TAKEN, error.code) ? TAKEN[error.code](form) : null;
        showError(form, words ? { ...error, message: words } : error);
      }
    });
  });
  return { enter() { clearErrors(form); } };
}
