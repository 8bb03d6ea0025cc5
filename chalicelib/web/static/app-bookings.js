// Bookings: upcoming / past / cancelled tabs (of one client, when "Find a client" holds
// part of their name or e-mail), host cancel, each meeting's Join link, the client's
// notes and the pre-meeting brief, an event deleted in the host's calendar, live
// updates, and a broken calendar or video connection (app-booking-connections.js).

import { ApiError } from "./api.js";
import { confirmCancel } from "./app-booking-cancel.js";
import { createBrokenNotice } from "./app-booking-connections.js";
import { createBookingNews } from "./app-booking-news.js";
import { placeAmong, withRowsRead } from "./app-booking-place.js";
import { bookingRow, inProgress, showJoining, showOutOfDate, showPayment, showRemoved } from "./app-booking-row.js";
import { initBookingTabs } from "./app-booking-tabs.js";
import { $, $$, toast } from "./app-dom.js";
import { backTo, placeIn } from "./app-list-place.js";
import { withPaymentNews } from "./app-payment-news.js";
import { laterByVersion } from "./app-row-news.js";
import { zoneLabel } from "./clock.js";

const EMPTY = {
  upcoming: "No upcoming bookings. Share one of your event type links to get booked.",
  past: "No past bookings yet.",
  cancelled: "No cancelled bookings.",
};
const REFRESH_DELAY_MS = 250; // a burst of events (created + confirmed): one read
const FIND_DELAY_MS = 300; // the list is read once the host pauses typing
const PAGE = 100; // bookings a page; "Show more" reads the next one
const CLOCK_MS = 60 * 60 * 1000; // the clock's timer looks again at least this often

export function initBookings(state) {
  const tabs = $$("#bookings-tabs [role=tab]");
  const panel = $("#bookings-panel");
  const list = $("#bookings-list");
  const empty = $("#bookings-empty");
  const dialog = $("#cancel-dialog");
  const more = $("#bookings-more");
  const moreStatus = $("#bookings-more-status");
  let status = "upcoming";
  let timer = null;
  let generation = 0;
  let reading = 0; // the generation of a read of the whole list on its way (0: none)
  let pages = 1; // pages the host has asked for on this tab: a refresh reads as many
  let cursor = null; // the next page's, when there is one
  let bound = null; // the last booking the pages read gave: a full page's cursor is its key
  let skipped = false; // the last page ended short, its cursor past bookings it did not show
  let find = ""; // the client looked for (part of a name or e-mail), "" for every one
  let findTimer = null;
  let clockTimer = null;
  const shown = new Map(); // uid -> the booking as its row shows it
  const listed = new Map(); // uid -> {booking, read}: as the list read `read` gave it
  const news = createBookingNews(); // what live events said of each booking
  const changed = new Set(); // uids to highlight on the next render
  const asked = new Set(); // uids a live event told of, whose rows are read next
  // uid -> {booking, at}: a row read alone (GET /me/bookings/{uid}) and the count of list
  // reads begun when it answered, laid over a list read on its way (withRowsRead).
  const rowsRead = new Map();
  const broken = createBrokenNotice(state.api, $("#bookings-broken"), state.integrations,
    () => state.profile && state.profile.timezone);

  initBookingTabs(tabs, panel, (tab) => {
    status = tab.dataset.status;
    pages = 1;
    refresh();
  });

  // Typing in "Find a client" reads the tab's first page again, of that client only.
  $("#bookings-find").addEventListener("input", (event) => {
    clearTimeout(findTimer);
    findTimer = setTimeout(() => {
      const wanted = event.target.value.trim();
      if (wanted === find) return;
      find = wanted;
      pages = 1;
      refresh();
    }, FIND_DELAY_MS);
  });

  // The list's query: the tab, a page, from `from` (a cursor) on, of the client looked for.
  function listQuery(from) {
    return `/me/bookings?status=${status}&limit=${PAGE}${from ? `&cursor=${encodeURIComponent(from)}` : ""}`
      + (find ? `&attendee=${encodeURIComponent(find)}` : "");
  }

  // What an empty list says: a page of a client's bookings may be empty with more to read
  // (the others of a long history are read past, a stretch at a time).
  function emptyText(more) {
    if (!find) return EMPTY[status];
    const none = `No ${status} bookings of a client matching “${find}”`;
    return more ? `${none} yet: Show more looks further.` : `${none}.`;
  }

  // The row's badges and payment line, changed in place (app-booking-row.js).
  function paid(item, booking) {
    showPayment(item, booking, state.profile.timezone, news.seen(booking.uid));
  }

  // `read`: the generation of the list read that gave the booking.
  function row(from, read) {
    listed.set(from.uid, { booking: from, read });
    const booking = news.withHeard(news.withRowNews(from, read));
    shown.set(booking.uid, booking);
    return bookingRow(booking, {
      timezone: state.profile.timezone, api: state.api, seen: news.seen(booking.uid),
      changed: changed.has(booking.uid),
      // Begun, it may no longer be cancelled (Penny refuses it), though it is upcoming.
      cancellable: status === "upcoming" && booking.status !== "cancelled"
        && Date.parse(booking.start) > Date.now(),
      onCancel: (when) => confirmCancel(dialog, state.api, booking, when, () => readRow(booking.uid)),
    });
  }

  // `quiet`: a read the host did not ask for (a socket opened, a live event came), which
  // does not dim the list while it is on its way.
  async function refresh({ quiet = false } = {}) {
    clearTimeout(timer); // the rows live events asked for are in this read
    asked.clear();
    const mine = ++generation;
    reading = mine;
    if (!quiet) {
      panel.setAttribute("aria-busy", "true");
      moreStatus.textContent = ""; // another tab, or the view shown again: from its first page
    }
    try {
      let bookings = [];
      let next = null;
      let last = null;
      let short = false;
      for (let page = 0; page < pages; page += 1) {
        const answer = await state.api.get(listQuery(next));
        // A newer read, or signed out meanwhile (a read a socket's opening asked for,
        // answered after the logout): nothing to show.
        if (mine !== generation || !state.profile) return;
        bookings.push(...answer.bookings);
        next = answer.next_cursor;
        last = answer.bookings.at(-1) || last;
        short = Boolean(next) && answer.bookings.length < PAGE;
        if (!next) break;
      }
      bookings = withRowsRead(bookings, rowsRead, mine,
        { status, find, more: Boolean(next), bound: last, skipped: short }, Date.now());
      for (const [uid, { at }] of rowsRead) if (at < mine) rowsRead.delete(uid);
      shown.clear();
      listed.clear();
      const place = placeIn(list);
      list.replaceChildren(...bookings.map((booking) => row(booking, mine)));
      backTo(list, place, tabs.find((tab) => tab.dataset.status === status));
      cursor = next;
      bound = last;
      skipped = short;
      more.hidden = !cursor;
      empty.textContent = emptyText(next);
      empty.hidden = bookings.length > 0;
      $("#bookings-zone").textContent = `Times in ${zoneLabel(state.profile.timezone)}.`;
      changed.clear();
      watchTheClock();
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
  // The button is never `disabled` while its page is on its way: a disabled button loses
  // the focus, which threw a keyboard user back to the top of the page at each press.
  async function showMore() {
    const button = $("#bookings-more-button");
    if (button.getAttribute("aria-disabled") === "true") return; // its page is on its way
    const superseded = reading !== 0;
    const mine = ++generation;
    const tab = status;
    button.setAttribute("aria-disabled", "true");
    try {
      const looked = find;
      const answer = await state.api.get(listQuery(cursor));
      // Signed out, or another tab or client chosen meanwhile
      if (!state.profile || tab !== status || looked !== find) return;
      pages += 1;
      if (mine !== generation) {
        refresh({ quiet: true }); // a read began meanwhile: again, with this page too
        return;
      }
      // A booking a live event moved since may be here too: the later telling stands.
      const page = answer.bookings.filter((booking) => {
        const was = listed.get(booking.uid);
        if (was && laterByVersion(was.booking, booking) !== true) return false;
        if (was) takeOut(booking.uid);
        return true;
      });
      const added = page.map((booking) => row(booking, mine));
      list.append(...added);
      cursor = answer.next_cursor;
      bound = answer.bookings.at(-1) || bound;
      skipped = Boolean(cursor) && answer.bookings.length < PAGE;
      moreShown(added, button);
      empty.textContent = emptyText(cursor);
      empty.hidden = list.children.length > 0;
      watchTheClock();
      if (superseded) refresh({ quiet: true }); // the catch-up it stood for, of every page
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status !== 401) toast("Could not load more bookings.", { kind: "warning", detail: error.message });
    } finally {
      button.removeAttribute("aria-disabled");
      if (mine === generation && reading === 0) panel.removeAttribute("aria-busy");
    }
  }

  // What a page of Show more added, said to a screen reader; once it was the last (the
  // button goes), the focus on the button goes on to the first booking it added.
  function moreShown(added, button) {
    const focused = document.activeElement === button;
    more.hidden = !cursor;
    const count = added.length === 1 ? "1 more booking shown" : `${added.length} more bookings shown`;
    moreStatus.textContent = !added.length
      ? (cursor ? "None in this stretch: Show more looks further." : "No more bookings.")
      : cursor ? `${count}.` : `${count}: that is all of them.`;
    if (!focused || cursor) return;
    const row = added[0] || list.lastElementChild;
    const target = row && row.querySelector("a[href], button, summary");
    (target || tabs.find((tab) => tab.dataset.status === status)).focus();
  }
  $("#bookings-more-button").addEventListener("click", showMore);

  // The clock moves rows under Upcoming, which holds a booking until its meeting ends: one
  // that begins says "In progress" and loses its Cancel (Penny refuses to cancel a
  // begun booking), and one that ends leaves the tab (Past lists it from its next read).
  // One timer, for the next such moment among the rows shown, and at least hourly: the
  // timers of a computer that slept come late.
  function watchTheClock() {
    clearTimeout(clockTimer);
    if (status !== "upcoming") return;
    const now = Date.now();
    let next = now + CLOCK_MS;
    for (const booking of shown.values()) {
      for (const at of [Date.parse(booking.start), Date.parse(booking.end)]) {
        if (at > now && at < next) next = at;
      }
    }
    clockTimer = setTimeout(timePassed, next - now);
  }

  function timePassed() {
    if (status !== "upcoming" || !state.profile) return; // another tab, or signed out
    const now = Date.now();
    const place = placeIn(list);
    for (const item of [...list.children]) {
      const booking = shown.get(item.dataset.uid);
      const was = listed.get(item.dataset.uid);
      if (!booking || !was) continue;
      if (Date.parse(booking.end) <= now) {
        takeOut(booking.uid);
      } else if (inProgress(booking, now) !== item.classList.contains("booking-now")) {
        item.replaceWith(row(was.booking, was.read));
      }
    }
    backTo(list, place, tabs.find((tab) => tab.dataset.status === status));
    empty.textContent = emptyText(cursor);
    empty.hidden = list.children.length > 0;
    watchTheClock();
  }

  // The rows live events told of, each read alone (GET /me/bookings/{uid}: an event's
  // summary lacks the client's e-mail, answers, notes and brief) and put in, moved or
  // taken out in place; the other rows, the host's focus, what they opened, where they
  // scrolled to, the tab and the client looked for stay as they were. It used to read
  // every page shown again and draw every row anew: with 700 rows shown, seven reads one
  // after another and a page frozen for a second, for each booking made.
  function readAsked() {
    const uids = [...asked];
    asked.clear();
    for (const uid of uids) readRow(uid);
  }

  async function readRow(uid) {
    const read = generation;
    const tab = status;
    const looked = find;
    let booking;
    try {
      booking = await state.api.get(`/me/bookings/${encodeURIComponent(uid)}`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404 && state.profile) placeRow({ uid, status: "gone" }, read);
      // Not read (a network error, a 5xx): the list is, its rows placed by what it says.
      else if (error.status !== 401 && state.profile) refresh({ quiet: true });
      return;
    }
    if (!state.profile) return; // signed out meanwhile
    const was = listed.get(uid);
    // A list read since gave a later write of it than this read did
    if (was && laterByVersion(was.booking, booking, true) === false) return;
    rowsRead.set(uid, { booking, at: generation });
    // Another tab or client chosen since: its list read, begun after this one, has it
    if (tab !== status || looked !== find) return;
    placeRow(booking, read);
  }

  // The row of `booking` put where the list's order has it, or taken out. Where the page
  // cannot tell where that is (app-booking-place.js: the client looked for is not plain
  // ASCII, whose case the API folds as JavaScript does not; or the booking sorts past the
  // rows the pages read and the last page's cursor went past bookings it did not show),
  // the list is read again instead.
  function placeRow(booking, read) {
    const uid = booking.uid;
    const old = [...list.children].find((li) => li.dataset.uid === uid);
    const others = [...list.children].filter((li) => li !== old);
    const at = booking.status === "gone" ? -1 : placeAmong(
      others.map((li) => shown.get(li.dataset.uid)), booking,
      { status, find, more: Boolean(cursor), bound, skipped }, Date.now());
    if (at === null) {
      refresh({ quiet: true });
      return;
    }
    const place = placeIn(list);
    if (at === -1) {
      if (old) takeOut(uid);
    } else {
      const item = row(booking, read);
      changed.delete(uid); // highlighted once, not again when the clock draws it
      const before = others[at] || null;
      if (old && old.nextElementSibling === before) {
        old.replaceWith(item);
      } else {
        if (old) old.remove();
        list.insertBefore(item, before);
      }
    }
    backTo(list, place, tabs.find((tab) => tab.dataset.status === status));
    empty.textContent = emptyText(cursor);
    empty.hidden = list.children.length > 0;
    watchTheClock();
  }

  function takeOut(uid) {
    const item = [...list.children].find((li) => li.dataset.uid === uid);
    if (item) item.remove();
    shown.delete(uid);
    listed.delete(uid);
  }

  // Its video link arrived, or its event was deleted in the host's calendar or made
  // again (booking.updated, whose summary carries both): the row shows it in place, with
  // no reload of the list and nothing moved under the host's pointer. An event of an
  // older write than one heard before (delivered late) changes nothing.
  function videoArrived(summary) {
    news.updated(summary, generation);
    const item = [...list.children].find((li) => li.dataset.uid === summary.uid);
    const booking = shown.get(summary.uid);
    const was = listed.get(summary.uid);
    if (!item || !booking || !was) return;
    const now = news.withRowNews(was.booking, was.read, true);
    const parts = { video_url: now.video_url, video_note: now.video_note,
      calendar_event_removed_at: now.calendar_event_removed_at, out_of_date: now.out_of_date };
    shown.set(summary.uid, { ...booking, ...parts });
    showJoining(item, shown.get(summary.uid));
    showRemoved(item, shown.get(summary.uid), state.api);
    showOutOfDate(item, shown.get(summary.uid));
  }

  // A live event about a booking's money (its summary carries `payment`): the row says
  // it at once; the row's read that follows moves it between tabs if it must. An event
  // older than one heard before (app-payment-news.js) is not news. `refunded`: a
  // payment.refunded event, which is news even after a refund_failed one (the host's own
  // refund after Penny's came back), where no version says which is later.
  function paymentHeard(summary, refunded) {
    const heard = news.paymentHeard(summary, refunded);
    if (!heard) return;
    const item = [...list.children].find((li) => li.dataset.uid === summary.uid);
    const booking = shown.get(summary.uid);
    if (!item || !booking) return;
    // The event is news, whether or not its state ranks higher (a dispute leaves it paid).
    shown.set(summary.uid, withPaymentNews(booking, heard, { live: true, refunded }));
    paid(item, shown.get(summary.uid));
  }

  return {
    enter() {
      refresh();
      if (!broken.knows(state.profile.id)) broken.load(state.profile.id);
    },
    refresh() { // what a socket's opening asks for: a catch-up in the background
      if (state.profile && !$("[data-view=bookings]").hidden) {
        refresh({ quiet: true });
        broken.load(state.profile.id);
      } else {
        broken.forget(); // read again once shown
      }
    },
    // connection.broken, connection.repaired: the notice says it at once.
    onConnectionEvent(event) {
      broken.heard(event);
    },
    // The Connections page read the list (a disconnect, a choice of calendars: neither is
    // a live event): read it again when Bookings is shown, rather than keep the old notice.
    connectionsChanged() {
      broken.forget();
    },
    onEvent(event) {
      const uid = event.booking.uid;
      if (event.type === "booking.updated") {
        videoArrived(event.booking);
        return;
      }
      if (event.booking.payment) paymentHeard(event.booking, event.type === "payment.refunded");
      news.told(event);
      changed.add(uid);
      if ($("[data-view=bookings]").hidden) return; // read when shown
      asked.add(uid);
      clearTimeout(timer); // events come in bursts (created + confirmed): one read each
      timer = setTimeout(readAsked, REFRESH_DELAY_MS);
    },
  };
}
