// Bookings: upcoming / past / cancelled tabs, host cancel, live updates.

import { ApiError } from "./api.js";
import { $, $$, LOCATIONS, formatMoney, formatRange, fromTemplate, h, toast } from "./app-dom.js";
import { zoneLabel } from "./clock.js";

const STATUS = {
  confirmed: ["Confirmed", "ok"], pending_payment: ["Awaiting payment", "warning"],
  cancelled: ["Cancelled", "muted"],
};
const EMPTY = {
  upcoming: "No upcoming bookings. Share one of your event type links to get booked.",
  past: "No past bookings yet.",
  cancelled: "No cancelled bookings.",
};
const REFRESH_DELAY_MS = 250;

// Without a payment provider connected, Penny confirms paid event types without taking
// the money: say so rather than "Paid".
function payment(booking, paymentsOn) {
  if (!booking.price) return ["Free", "muted"];
  const amount = formatMoney(booking.price);
  if (booking.status === "pending_payment") return [`Payment pending · ${amount}`, "warning"];
  if (booking.status === "cancelled") return [`${amount} · cancelled`, "muted"];
  if (!paymentsOn) return [`${amount} · not collected`, "warning"];
  return [`Paid · ${amount}`, "ok"];
}

function tag(text, kind) {
  return h("li", { class: `badge badge-${kind}` }, text);
}

export function initBookings(state) {
  const tabs = $$("#bookings-tabs [role=tab]");
  const panel = $("#bookings-panel");
  const list = $("#bookings-list");
  const empty = $("#bookings-empty");
  const dialog = $("#cancel-dialog");
  let status = "upcoming";
  let timer = null;
  let generation = 0;
  const extras = new Map(); // uid -> what live events told us: {notes, summary}
  const changed = new Set(); // uids to highlight on the next render

  function select(tab, focus = false) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", tab.id);
    if (focus) tab.focus();
    status = tab.dataset.status;
    refresh();
  }

  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const i = tabs.indexOf(tab);
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length], true);
    });
  }

  function row(booking) {
    const item = fromTemplate("tpl-booking");
    const when = formatRange(booking.start, booking.end, state.profile.timezone);
    item.dataset.uid = booking.uid;
    if (changed.has(booking.uid)) item.classList.add("booking-changed");
    $(".booking-date", item).textContent = when.day;
    $(".booking-time", item).textContent = when.time;
    $(".booking-title", item).textContent = booking.event_title;
    $(".booking-who", item).replaceChildren(
      h("span", {}, booking.attendee.name), " · ",
      h("a", { href: `mailto:${booking.attendee.email}` }, booking.attendee.email),
      ` · ${LOCATIONS[booking.location_kind] || booking.location_kind}`);
    const [label, kind] = STATUS[booking.status];
    const tags = [tag(label, kind), tag(...payment(booking, state.connected("payments")))];
    if (booking.sequence > 0 && booking.status !== "cancelled") tags.push(tag("Rescheduled", "info"));
    const seen = extras.get(booking.uid) || {};
    if (booking.notes_url) tags.push(h("li", {}, h("a", { href: booking.notes_url, class: "badge badge-info" }, "Notes")));
    else if (seen.notes) tags.push(tag("Notes saved", "info"));
    if (booking.summary_url) tags.push(h("li", {}, h("a", { href: booking.summary_url, class: "badge badge-info" }, "Summary")));
    else if (seen.summary) tags.push(tag("Summary ready", "info"));
    $(".booking-tags", item).replaceChildren(...tags);
    const answers = Object.entries(booking.answers || {});
    const details = $(".booking-answers", item);
    if (answers.length) {
      $("dl", details).replaceChildren(...answers.flatMap(([q, a]) => [h("dt", {}, q), h("dd", {}, a)]));
    } else {
      details.remove();
    }
    if (booking.cancel_reason) {
      $(".booking-what", item).append(h("p", { class: "booking-reason" }, `Reason: ${booking.cancel_reason}`));
    }
    const cancel = $(".booking-cancel", item);
    if (status === "upcoming" && booking.status !== "cancelled") {
      cancel.setAttribute("aria-label", `Cancel ${booking.event_title} with ${booking.attendee.name}, ${when.day}`);
      cancel.addEventListener("click", () => confirmCancel(booking, when));
    } else {
      cancel.remove();
    }
    return item;
  }

  async function refresh() {
    clearTimeout(timer);
    const mine = ++generation;
    panel.setAttribute("aria-busy", "true");
    try {
      const { bookings } = await state.api.get(`/me/bookings?status=${status}&limit=100`);
      if (mine !== generation) return;
      list.replaceChildren(...bookings.map(row));
      empty.textContent = EMPTY[status];
      empty.hidden = bookings.length > 0;
      $("#bookings-zone").textContent = `Times in ${zoneLabel(state.profile.timezone)}.`;
      changed.clear();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) toast("Could not load bookings.", { kind: "warning", detail: error.message });
    } finally {
      if (mine === generation) panel.removeAttribute("aria-busy");
    }
  }

  function confirmCancel(booking, when) {
    const form = $("form", dialog);
    $("#cancel-summary").textContent = `${booking.event_title} with ${booking.attendee.name}, ${when.day} ${when.time}`;
    form.reason.value = "";
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", async () => {
      if (dialog.returnValue !== "confirm") return;
      try {
        await state.api.post(`/me/bookings/${encodeURIComponent(booking.uid)}/cancel`,
          { reason: form.reason.value.trim() || null });
        toast("Booking cancelled.", { detail: `${booking.attendee.name} will be told.` });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        toast("Could not cancel the booking.", { kind: "warning", detail: error.message });
      }
      refresh();
    }, { once: true });
  }

  return {
    enter() {
      refresh();
    },
    refresh() {
      if (state.profile && !$("[data-view=bookings]").hidden) refresh();
    },
    onEvent(event) {
      const uid = event.booking.uid;
      const known = extras.get(uid) || {};
      if (event.type === "notes.saved") known.notes = true;
      if (event.type === "summary.ready") known.summary = true;
      extras.set(uid, known);
      changed.add(uid);
      if ($("[data-view=bookings]").hidden) return;
      clearTimeout(timer); // events come in bursts (created + confirmed): one reload
      timer = setTimeout(refresh, REFRESH_DELAY_MS);
    },
  };
}
