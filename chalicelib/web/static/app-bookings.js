// Bookings: upcoming / past / cancelled tabs, host cancel, each meeting's Join link, the
// client's notes and the pre-meeting brief, an event deleted in the host's calendar, live
// updates.

import { ApiError } from "./api.js";
import { removedNotice } from "./app-booking-calendar.js";
import { paymentBadge, paymentLine } from "./app-booking-payments.js";
import { $, $$, LOCATIONS, formatRange, fromTemplate, h, toast } from "./app-dom.js";
import { backTo, placeIn } from "./app-list-place.js";
import { heardNews, withPaymentNews } from "./app-payment-news.js";
import { keptNews, updateNews, withRemovalNews, withVideoNews } from "./app-row-news.js";
import { zoneLabel } from "./clock.js";
import { webLink } from "./video.js";

const STATUS = {
  confirmed: ["Confirmed", "ok"], pending_payment: ["Pending", "warning"],
  cancelled: ["Cancelled", "muted"], expired: ["Expired", "muted"],
};
const EMPTY = {
  upcoming: "No upcoming bookings. Share one of your event type links to get booked.",
  past: "No past bookings yet.",
  cancelled: "No cancelled bookings.",
};
const REFRESH_DELAY_MS = 250;
const PAGE = 100; // bookings a page; "Show more" reads the next one

function tag(text, kind) {
  return h("li", { class: `badge badge-${kind}` }, text);
}

// The meeting's link, written on the booking by the calendar job some seconds after it
// was made (a `booking.updated` event says so), or the note the client was given when no
// link could be made. Nothing for a cancelled booking: there is no meeting to join.
function joining(booking) {
  const url = booking.status === "cancelled" ? null : webLink(booking.video_url || "");
  const who = `${booking.event_title} with ${booking.attendee.name}`;
  const join = url ? h("a", { href: url, class: "button booking-join", rel: "noopener noreferrer",
    target: "_blank", "aria-label": `Join ${who} (opens a new tab)` }, "Join") : null;
  const note = !url && booking.video_note && booking.status !== "cancelled"
    ? h("p", { class: "booking-video" }, `No video link: the client was told “${booking.video_note}”`) : null;
  return { join, note };
}

// The client's notes page (written by the notes job after the booking was confirmed; a
// `notes.saved` event says so), opened in a new tab.
function notesLink(booking) {
  if (!booking.notes_url) return null;
  return h("a", { href: booking.notes_url, class: "button booking-notes", rel: "noopener noreferrer",
    target: "_blank", "aria-label": `Notes on ${booking.event_title} with ${booking.attendee.name} (opens a new tab)` }, "Notes");
}

// The pre-meeting brief (premium hosts; a `summary.ready` event says it was written), or
// why there is none. Text only: every part of it was written by a model from the
// client's answers.
function briefOf(booking) {
  const b = booking.brief;
  if (!b) return booking.brief_note ? h("p", { class: "booking-brief-note" }, `Brief: ${booking.brief_note}`) : null;
  const list = (title, items) => (items.length
    ? [h("h3", {}, title), h("ul", {}, items.map((item) => h("li", {}, item)))] : null);
  return h("details", { class: "booking-brief" }, h("summary", {}, "Brief"),
    h("dl", {}, h("dt", {}, "Who"), h("dd", {}, b.who), h("dt", {}, "Wants"), h("dd", {}, b.wants)),
    list("Prepare", b.prepare), list("Ask", b.questions));
}

export function initBookings(state) {
  const tabs = $$("#bookings-tabs [role=tab]");
  const panel = $("#bookings-panel");
  const list = $("#bookings-list");
  const empty = $("#bookings-empty");
  const dialog = $("#cancel-dialog");
  const more = $("#bookings-more");
  let status = "upcoming";
  let timer = null;
  let generation = 0;
  let reading = 0; // the generation of a read of the whole list on its way (0: none)
  let pages = 1; // pages the host has asked for on this tab: a refresh reads as many
  let cursor = null; // the next page's, when there is one
  const shown = new Map(); // uid -> the booking as its row shows it
  const listed = new Map(); // uid -> {booking, read}: as the list read `read` gave it
  // uid -> {video_url, video_note, version} from booking.updated: a list read begun
  // before the link was written may answer without it, or with the link it replaced.
  const videos = new Map();
  // uid -> {at, generation, version}: its event's deletion in the host's calendar as
  // booking.updated told it (at null: made again), which a list read may answer from
  // before (app-row-news.js).
  const removals = new Map();
  const extras = new Map(); // uid -> what live events told us: {notes, brief}
  // uid -> {status, payment, version} from the latest live event about its money: the
  // list may have been read just before it.
  const heard = new Map();
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
    pages = 1;
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

  // The booking with what live events said of its money, when that is newer.
  function withHeard(booking) {
    return withPaymentNews(booking, heard.get(booking.uid));
  }

  function tagsOf(booking) {
    const [label, kind] = STATUS[booking.status] || [booking.status, "muted"];
    const tags = [tag(label, kind), tag(...paymentBadge(booking))];
    if (booking.sequence > 0 && booking.status !== "cancelled") tags.push(tag("Rescheduled", "info"));
    // Until the list read after the event has them (the row shows the link and the brief)
    const seen = extras.get(booking.uid) || {};
    if (seen.notes && !booking.notes_url) tags.push(tag("Notes saved", "info"));
    if (seen.brief && !booking.brief) tags.push(tag("Brief ready", "info"));
    return tags;
  }

  // The row's badges and payment line, changed in place (nothing moves under the pointer).
  function showPayment(item, booking) {
    $(".booking-tags", item).replaceChildren(...tagsOf(booking));
    for (const old of item.querySelectorAll(".booking-payment")) old.remove();
    const line = paymentLine(booking, state.profile.timezone);
    if (line) $(".booking-tags", item).after(line);
  }

  // `read`: the generation of the list read that gave the booking.
  function row(from, read) {
    listed.set(from.uid, { booking: from, read });
    const booking = withHeard(withRowNews(from, read));
    const item = fromTemplate("tpl-booking");
    const when = formatRange(booking.start, booking.end, state.profile.timezone);
    item.dataset.uid = booking.uid;
    shown.set(booking.uid, booking);
    if (changed.has(booking.uid)) item.classList.add("booking-changed");
    $(".booking-date", item).textContent = when.day;
    $(".booking-time", item).textContent = when.time;
    $(".booking-title", item).textContent = booking.event_title;
    $(".booking-who", item).replaceChildren(
      h("span", {}, booking.attendee.name), " · ",
      h("a", { href: `mailto:${booking.attendee.email}` }, booking.attendee.email),
      ` · ${LOCATIONS[booking.location_kind] || booking.location_kind}`);
    showPayment(item, booking);
    const answers = Object.entries(booking.answers || {});
    const details = $(".booking-answers", item);
    if (answers.length) {
      $("dl", details).replaceChildren(...answers.flatMap(([q, a]) => [h("dt", {}, q), h("dd", {}, a)]));
    } else {
      details.remove();
    }
    showJoining(item, booking);
    showRemoved(item, booking);
    const notes = notesLink(booking);
    if (notes) $(".booking-cancel", item).before(notes);
    const brief = briefOf(booking);
    if (brief) $(".booking-what", item).append(brief);
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

  // `quiet`: a read the host did not ask for (a socket opened, a live event came), which
  // does not dim the list while it is on its way.
  async function refresh({ quiet = false } = {}) {
    clearTimeout(timer);
    const mine = ++generation;
    reading = mine;
    if (!quiet) panel.setAttribute("aria-busy", "true");
    try {
      const bookings = [];
      let next = null;
      for (let page = 0; page < pages; page += 1) {
        const query = `status=${status}&limit=${PAGE}${next ? `&cursor=${encodeURIComponent(next)}` : ""}`;
        const answer = await state.api.get(`/me/bookings?${query}`);
        // A newer read, or signed out meanwhile (a read a socket's opening asked for,
        // answered after the logout): nothing to show.
        if (mine !== generation || !state.profile) return;
        bookings.push(...answer.bookings);
        next = answer.next_cursor;
        if (!next) break;
      }
      shown.clear();
      listed.clear();
      const place = placeIn(list);
      list.replaceChildren(...bookings.map((booking) => row(booking, mine)));
      backTo(list, place, tabs.find((tab) => tab.dataset.status === status));
      cursor = next;
      more.hidden = !cursor;
      empty.textContent = EMPTY[status];
      empty.hidden = bookings.length > 0;
      $("#bookings-zone").textContent = `Times in ${zoneLabel(state.profile.timezone)}.`;
      changed.clear();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) toast("Could not load bookings.", { kind: "warning", detail: error.message });
    } finally {
      if (reading === mine) reading = 0;
      if (mine === generation) panel.removeAttribute("aria-busy");
    }
  }

  // The next page, added below the rows shown (a page may come back empty: the one
  // before was the last after all). A read of the list on its way (a socket's catch-up)
  // would put back only the pages it was asked for: either way round, the list is then
  // read again with this page in it, so "Show more" is never undone.
  async function showMore() {
    const button = $("#bookings-more-button");
    const superseded = reading !== 0;
    const mine = ++generation;
    const tab = status;
    button.disabled = true;
    try {
      const answer = await state.api.get(`/me/bookings?status=${status}&limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
      if (!state.profile || tab !== status) return; // signed out, or another tab chosen
      pages += 1;
      if (mine !== generation) {
        refresh({ quiet: true }); // a read began meanwhile: again, with this page too
        return;
      }
      list.append(...answer.bookings.map((booking) => row(booking, mine)));
      cursor = answer.next_cursor;
      more.hidden = !cursor;
      empty.hidden = list.children.length > 0;
      if (superseded) refresh({ quiet: true }); // the catch-up it stood for, of every page
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) toast("Could not load more bookings.", { kind: "warning", detail: error.message });
    } finally {
      button.disabled = false;
      if (mine === generation && reading === 0) panel.removeAttribute("aria-busy");
    }
  }
  $("#bookings-more-button").addEventListener("click", showMore);

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

  // The listed booking with its link and its event's deletion as booking.updated told
  // them, where that is of a later write than the list read (`live`: on its arrival).
  function withRowNews(booking, read, live = false) {
    const video = withVideoNews(booking, videos.get(booking.uid), { live });
    return withRemovalNews(video, removals.get(booking.uid), read);
  }

  // The row's link to the meeting, or the note the client was given (joining()).
  function showJoining(item, booking) {
    for (const old of item.querySelectorAll(".booking-join, .booking-video")) old.remove();
    const { join, note } = joining(booking);
    if (note) $(".booking-tags", item).after(note);
    if (join) $(".booking-actions", item).prepend(join);
  }

  // The notice that its event was deleted in the host's calendar, with "Put it back".
  function showRemoved(item, booking) {
    for (const old of item.querySelectorAll(".booking-calendar-removed")) old.remove();
    const notice = removedNotice(booking, state.api);
    if (notice) $(".booking-tags", item).after(notice);
  }

  // Its video link arrived, or its event was deleted in the host's calendar or made
  // again (booking.updated, whose summary carries both): the row shows it in place, with
  // no reload of the list and nothing moved under the host's pointer. An event of an
  // older write than one heard before (delivered late) changes nothing.
  function videoArrived(summary) {
    const news = updateNews(summary, generation);
    videos.set(summary.uid, keptNews(videos.get(summary.uid), news.video));
    removals.set(summary.uid, keptNews(removals.get(summary.uid), news.removal));
    const item = [...list.children].find((li) => li.dataset.uid === summary.uid);
    const booking = shown.get(summary.uid);
    const was = listed.get(summary.uid);
    if (!item || !booking || !was) return;
    const now = withRowNews(was.booking, was.read, true);
    const parts = { video_url: now.video_url, video_note: now.video_note,
      calendar_event_removed_at: now.calendar_event_removed_at };
    shown.set(summary.uid, { ...booking, ...parts });
    showJoining(item, shown.get(summary.uid));
    showRemoved(item, shown.get(summary.uid));
  }

  // A live event about a booking's money (its summary carries `payment`): the row says
  // it at once; the list read that follows moves it between tabs if it must. An event
  // older than one heard before (app-payment-news.js) is not news. `refunded`: a
  // payment.refunded event, which is news even after a refund_failed one (the host's own
  // refund after Penny's came back), where no version says which is later.
  function paymentHeard(summary, refunded) {
    const news = heardNews(heard.get(summary.uid), summary, refunded);
    if (!news) return;
    heard.set(summary.uid, news);
    const item = [...list.children].find((li) => li.dataset.uid === summary.uid);
    const booking = shown.get(summary.uid);
    if (!item || !booking) return;
    // The event is news, whether or not its state ranks higher (a dispute leaves it paid).
    shown.set(summary.uid, withPaymentNews(booking, heard.get(summary.uid), { live: true, refunded }));
    showPayment(item, shown.get(summary.uid));
  }

  return {
    enter() {
      refresh();
    },
    refresh() { // what a socket's opening asks for: a catch-up in the background
      if (state.profile && !$("[data-view=bookings]").hidden) refresh({ quiet: true });
    },
    onEvent(event) {
      const uid = event.booking.uid;
      if (event.type === "booking.updated") {
        videoArrived(event.booking);
        return;
      }
      if (event.booking.payment) paymentHeard(event.booking, event.type === "payment.refunded");
      const known = extras.get(uid) || {};
      if (event.type === "notes.saved") known.notes = true;
      if (event.type === "summary.ready") known.brief = true;
      extras.set(uid, known);
      changed.add(uid);
      if ($("[data-view=bookings]").hidden) return;
      clearTimeout(timer); // events come in bursts (created + confirmed): one reload
      timer = setTimeout(() => refresh({ quiet: true }), REFRESH_DELAY_MS);
    },
  };
}
