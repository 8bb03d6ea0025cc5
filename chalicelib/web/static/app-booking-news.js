// What live events said of each booking in the bookings list (app-bookings.js), kept
// beside the list's own reads: a list read begun before an event may answer from before
// it, so the row lays the newer news over what the list gave.

import { heardNews, withPaymentNews } from "./app-payment-news.js";
import { keptNews, updateNews, withRemovalNews, withVideoNews } from "./app-row-news.js";

export function createBookingNews() {
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

  return {
    // The booking with what live events said of its money, when that is newer.
    withHeard(booking) {
      return withPaymentNews(booking, heard.get(booking.uid));
    },
    // The listed booking with its link and its event's deletion as booking.updated told
    // them, where that is of a later write than the list read (`live`: on its arrival).
    withRowNews(booking, read, live = false) {
      const video = withVideoNews(booking, videos.get(booking.uid), { live });
      return withRemovalNews(video, removals.get(booking.uid), read);
    },
    // booking.updated's summary, heard while `generation` was the list's latest read.
    updated(summary, generation) {
      const news = updateNews(summary, generation);
      videos.set(summary.uid, keptNews(videos.get(summary.uid), news.video));
      removals.set(summary.uid, keptNews(removals.get(summary.uid), news.removal));
    },
    // A live event about its money: what is kept now, or null when it is not news.
    paymentHeard(summary, refunded) {
      const news = heardNews(heard.get(summary.uid), summary, refunded);
      if (!news) return null;
      heard.set(summary.uid, news);
      return news;
    },
    // {notes, brief}: which of notes.saved and summary.ready were heard.
    seen(uid) {
      return extras.get(uid) || {};
    },
    told(event) {
      const uid = event.booking.uid;
      const known = extras.get(uid) || {};
      if (event.type === "notes.saved") known.notes = true;
      if (event.type === "summary.ready") known.brief = true;
      extras.set(uid, known);
    },
  };
}
