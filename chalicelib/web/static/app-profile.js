// The host's profile: name, booking page address, description, contact email, timezone
// and links.

import { ApiError } from "./api.js";
import { $, $$, h, showLinkStart, toast, uniqueId } from "./app-dom.js";
import { fillTimeZones } from "./app-formats.js";
import { busy, checkForm, clearErrors, showError } from "./app-forms.js";
import { markSaved } from "./app-unsaved.js";

const MAX_LINKS = 10;

export function initProfile(state) {
  const form = $("#profile-form");
  const fields = form.elements;
  const links = $("#profile-links");
  const addLink = $("#profile-add-link");

  function linkRow(link) {
    const labelId = uniqueId("link-label");
    const urlId = uniqueId("link-url");
    const remove = h("button", { type: "button", class: "button button-quiet" }, "Remove");
    const row = h("li", { class: "link-row" },
      h("div", { class: "field" }, h("label", { for: labelId }, "Label"),
        h("input", { id: labelId, class: "link-label", required: true, maxlength: 60, value: link.label })),
      h("div", { class: "field" }, h("label", { for: urlId }, "URL"),
        h("input", { id: urlId, class: "link-url", type: "url", required: true, maxlength: 500, placeholder: "https://", value: link.url })),
      remove);
    remove.addEventListener("click", () => {
      row.remove();
      renumberLinks();
      addLink.focus();
    });
    return row;
  }

  function renumberLinks() {
    $$(".link-row", links).forEach((row, i) => {
      $(".link-label", row).name = `links.${i}.label`;
      $(".link-url", row).name = `links.${i}.url`;
      $("button", row).setAttribute("aria-label", `Remove link ${i + 1}`);
    });
    addLink.hidden = links.children.length >= MAX_LINKS;
  }

  function showPublicUrl() {
    const url = `${state.publicUrl}/${fields.slug.value.trim()}`;
    const anchor = $("#profile-public-url");
    anchor.href = url;
    anchor.textContent = url.replace(/^https?:\/\//, "");
  }

  function fill(profile) {
    clearErrors(form);
    fields.display_name.value = profile.display_name;
    fields.slug.value = profile.slug;
    fields.description.value = profile.description;
    fields.contact_email.value = profile.contact_email || "";
    fillTimeZones(fields.timezone, profile.timezone);
    links.replaceChildren(...profile.links.map(linkRow));
    renumberLinks();
    showPublicUrl();
    markSaved(form);
  }

  showLinkStart($("#profile-slug-prefix"), `${state.publicUrl}/`);
  fields.slug.addEventListener("input", showPublicUrl);
  addLink.addEventListener("click", () => {
    const row = linkRow({ label: "", url: "" });
    links.append(row);
    renumberLinks();
    $("input", row).focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const body = {
      display_name: fields.display_name.value.trim(), slug: fields.slug.value.trim(),
      description: fields.description.value, timezone: fields.timezone.value,
      contact_email: fields.contact_email.value.trim() || null,
      links: $$(".link-row", links).map((row) => ({
        label: $(".link-label", row).value.trim(), url: $(".link-url", row).value.trim(),
      })),
      // The version read: the API refuses the save if another was made since.
      version: state.profile.version,
    };
    await busy($("button[type=submit]", form), async () => {
      try {
        state.profile = await state.api.put("/me/profile", body);
        $("#dash-host").textContent = state.profile.display_name;
        fill(state.profile);
        toast("Profile saved");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "profile_changed" && error.current) {
          // As the event type editor does (app-event-types.js): the profile as it is
          // now, for the host to make their changes again.
          state.profile = error.current;
          $("#dash-host").textContent = state.profile.display_name;
          fill(state.profile);
          showError(form, { message: "Your profile was changed elsewhere (in another tab or "
            + "by another app) since you opened it, so your changes were not saved. The form "
            + "now shows it as it is: make your changes again, then save." });
          return;
        }
        showError(form, error);
      }
    });
  });

  return {
    async enter() {
      try {
        const read = await state.api.get("/me/profile");
        // Never older than this page's own last save (a Profile or a timezone save keeps
        // the PUT's answer): the higher version is the later.
        if (!state.profile || !(state.profile.version > read.version)) state.profile = read;
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
      fill(state.profile);
    },
  };
}
