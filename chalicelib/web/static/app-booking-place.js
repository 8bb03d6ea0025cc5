// Where one booking goes in the bookings list (app-bookings.js) when a live event tells
// of it: the row is put in, moved or taken out alone, as the list's pages would have it,
// rather than every page read again and every row drawn anew.

import { laterByVersion } from "./app-row-news.js";

// The tab a booking is listed under at `now` (ms), as GET /me/bookings decides it:
// cancelled ones and lapsed holds under Cancelled; the rest under Upcoming until their
// meeting ends, then under Past.
export function tabOf(booking, now) {
  if (booking.status === "cancelled" || booking.status === "expired") return "cancelled";
  return Date.parse(booking.end) > now ? "upcoming" : "past";
}

// The list's order, the host's index's ("{start}#{uid}"): soonest first under Upcoming,
// latest first under Past and Cancelled. Negative when `a` comes before `b`.
export function compareIn(status) {
  const sign = status === "upcoming" ? 1 : -1;
  return (a, b) => {
    const by = Date.parse(a.start) - Date.parse(b.start);
    return sign * (by || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  };
}

// Whether the client looked for (`find`, "" for every one) is the booking's, as the API
// decides it (part of the name or e-mail, in any case); null when the page cannot tell:
// Python's case folding, which the API uses, and JavaScript's lower case differ beyond
// ASCII ("ß" is folded to "ss").
export function isFound(booking, find) {
  if (!find) return true;
  const name = (booking.attendee && booking.attendee.name) || "";
  const email = (booking.attendee && booking.attendee.email) || "";
  if (/[^\x00-\x7f]/.test(find + name + email)) return null;
  const needle = find.toLowerCase();
  return name.toLowerCase().includes(needle) || email.toLowerCase().includes(needle);
}

// Where `booking` goes among `rows` (the bookings shown, in the list's order, itself left
// out): its index; -1 when it is none of this list's rows (another tab, another client,
// or past where the list's pages have read to while there are more: Show more brings it
// then); null when the page cannot tell, and the list is read again. `list`: the tab,
// the client looked for, `more` (a next page to read), `bound` (the last booking the
// pages read gave, where a full page's cursor stands, though its row may be gone since)
// and `skipped` (the last page ended short, its cursor past bookings it read and did not
// show, cancelled ones or other clients', at the API's bound of reads a page: a booking
// after `bound` may be among them, and Show more would never bring it).
export function placeAmong(rows, booking, { status, find, more, bound, skipped }, now) {
  if (tabOf(booking, now) !== status) return -1;
  const found = isFound(booking, find);
  if (found !== true) return found === false ? -1 : null;
  const compare = compareIn(status);
  const at = rows.findIndex((row) => compare(booking, row) < 0);
  const index = at === -1 ? rows.length : at;
  if (!more || (bound && compare(booking, bound) <= 0)) return index;
  return skipped ? null : -1;
}

// The bookings a list read gave, with the rows read alone since it began laid over them
// (`heard`: uid -> {booking, at}, `at` the count of list reads begun when its read
// answered, `begun` this read's): GSI2, which the list reads, is eventually consistent,
// and a read begun before a write may answer without it, where the booking's own read
// (consistent) saw it. The later of the two stands, by version; one the list lacks is
// put in from a row read answered after the list read began.
export function withRowsRead(bookings, heard, begun, list, now) {
  let out = bookings;
  for (const [uid, { booking, at }] of heard) {
    const i = out.findIndex((b) => b.uid === uid);
    const later = i === -1 ? at >= begun : laterByVersion(out[i], booking) === true;
    if (!later) continue;
    const others = out.filter((b) => b.uid !== uid);
    const to = placeAmong(others, booking, list, now);
    if (to === null) continue; // the list's own answer stands
    out = to === -1 ? others : [...others.slice(0, to), booking, ...others.slice(to)];
  }
  return out;
}
