// The event types' list: a card for each, with its booking link to copy, Edit (the
// editor: app-event-types.js) and Hide from profile / Show on profile; an inactive one
// (`active: false`: off the profile, its link a 404) says so and offers Turn on instead.
// Move up / Move down set the order the list and the profile show (PUT
// /me/event-types/order, with the order's version the list read).

import { ApiError } from "./api.js";
import { $, fromTemplate, h, toast } from "./app-dom.js";
import { LOCATIONS, formatMoney } from "./app-formats.js";
import { busy } from "./app-forms.js";

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No Clipboard API (or no permission): copy through a selected, off-screen field.
    const field = h("textarea", { class: "visually-hidden", readonly: true }, text);
    document.body.append(field);
    field.select();
    const copied = document.execCommand("copy");
    field.remove();
    return copied;
  }
}

// `onEdit(et)` opens the editor on an event type. `keep(et)`: an event type as a save of
// this page answered it (app-event-types.js; Hide / Show / Turn on here).
export function createEventTypeList(state, { onEdit }) {
  const list = $("#et-list");
  const empty = $("#et-empty");
  let items = [];
  let orderVersion = null; // the order's version the list read (null: not read)
  let moving = false; // one move at a time: each sends the version the last one answered
  // This page's saves, as the API answered them, by id: the list shows (and Edit opens)
  // the later of that and the list read (the higher version), so the version the next
  // save sends never depends on a read seeing the save before it.
  const saved = new Map();

  function keep(et) {
    const known = saved.get(et.id);
    if (!known || et.version > known.version) saved.set(et.id, et);
  }

  function latest(et) {
    const known = saved.get(et.id);
    return known && known.version > et.version ? known : et;
  }

  function meta(et) {
    const parts = [`${et.duration_minutes} min`, LOCATIONS[et.location.kind]];
    parts.push(et.price && et.price.amount_minor > 0 ? formatMoney(et.price) : "Free"); // as the pages say it
    return parts.join(" · ");
  }

  // The API's PUT replaces the whole event type, so it is read again right before and
  // only `fields` changed: the list's copy, read when it was drawn, would put back a
  // duration or price edited since in another tab.
  async function change(id, fields) {
    const { id: _, ...current } = await state.api.get(`/me/event-types/${id}`);
    const answer = await state.api.put(`/me/event-types/${id}`, { ...current, ...fields });
    keep(answer);
    return answer;
  }

  // Swap `et` with its neighbour above (-1) or below (1). The moved card's button keeps
  // the focus (its other one, once it reaches an end), so a keyboard user can go on.
  async function move(et, step) {
    const from = items.findIndex((e) => e.id === et.id);
    const to = from + step;
    if (moving || from < 0 || to < 0 || to >= items.length) return;
    const ids = items.map((e) => e.id);
    [ids[from], ids[to]] = [ids[to], ids[from]];
    moving = true;
    try {
      const answer = await state.api.put("/me/event-types/order", { ids, version: orderVersion });
      orderVersion = answer.version;
      const byId = new Map(items.map((e) => [e.id, e]));
      draw(answer.ids.map((id) => byId.get(id)));
      toast(`${et.title} moved ${step < 0 ? "up" : "down"}`,
        { detail: `Now ${to + 1} of ${items.length}: your profile lists them in this order.` });
      const [same, other] = step < 0 ? [".et-up", ".et-down"] : [".et-down", ".et-up"];
      const moved = list.children[to];
      ($(same, moved).disabled ? $(other, moved) : $(same, moved)).focus();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // Reordered, added to or deleted elsewhere: the list as it now is, to move again.
      toast("Could not move the event type.", { kind: "warning", detail: error.message });
      await load();
    } finally {
      moving = false;
    }
  }

  function card(et, index) {
    const item = fromTemplate("tpl-event-type");
    const url = state.bookingLink(et.slug);
    item.dataset.slug = et.slug;
    $(".et-title", item).textContent = et.title;
    $(".et-meta", item).textContent = meta(et);
    const link = $(".et-url", item);
    link.textContent = url.replace(/^https?:\/\//, "");
    link.href = url;
    $(".et-hidden", item).hidden = !et.hidden;
    item.classList.toggle("is-hidden", et.hidden);
    const copy = $(".et-copy", item);
    copy.setAttribute("aria-label", `Copy link to ${et.title}`);
    copy.addEventListener("click", async () => {
      if (await copyText(url)) {
        copy.textContent = "Copied";
        toast("Link copied", { detail: url });
        setTimeout(() => { copy.textContent = "Copy link"; }, 2000);
      } else {
        toast("Could not copy the link", { kind: "warning", detail: url });
      }
    });
    const edit = $(".et-edit", item);
    edit.setAttribute("aria-label", `Edit ${et.title}`);
    // This page's own save of it since the card was drawn (the list is read again after
    // a save, and a quick click can land before that): the editor opens on the save.
    edit.addEventListener("click", () => onEdit(latest(et)));
    $(".et-inactive", item).hidden = et.active;
    $(".et-inactive-note", item).hidden = et.active;
    item.classList.toggle("is-inactive", !et.active);
    copy.hidden = !et.active; // its link does not open: nothing to share
    const toggle = $(".et-toggle", item);
    toggle.textContent = !et.active ? "Turn on" : et.hidden ? "Show on profile" : "Hide from profile";
    // The name starts with the words on the button, so a voice user can say them (WCAG 2.5.3).
    toggle.setAttribute("aria-label", `${toggle.textContent}: ${et.title}`);
    toggle.addEventListener("click", () => busy(toggle, async () => {
      try {
        if (!et.active) {
          await change(et.id, { active: true });
          toast(`${et.title} is on`, { detail: et.hidden ? "It can be booked through its link." : "It is listed on your profile and can be booked." });
        } else {
          await change(et.id, { hidden: !et.hidden });
          toast(et.hidden ? `${et.title} is listed on your profile` : `${et.title} is hidden`,
            { detail: et.hidden ? "" : "It can still be booked through its link." });
        }
        await load();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        toast("Could not change the event type.", { kind: "warning", detail: error.message });
      }
    }));
    for (const [selector, step, words] of [[".et-up", -1, "Move up"], [".et-down", 1, "Move down"]]) {
      const button = $(selector, item);
      button.setAttribute("aria-label", `${words}: ${et.title}`);
      button.disabled = index + step < 0 || index + step >= items.length;
      button.addEventListener("click", () => move(et, step));
    }
    return item;
  }

  function draw(ordered) {
    items = ordered;
    list.replaceChildren(...items.map(card));
    empty.hidden = items.length > 0;
  }

  async function load() {
    let answer;
    try {
      answer = await state.api.get("/me/event-types");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return;
    }
    orderVersion = answer.order_version;
    draw(answer.event_types.map(latest));
  }

  return { load, keep };
}
