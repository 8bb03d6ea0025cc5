// Which of two tellings of a booking's row is the later: what the row shows (the
// bookings list's, or a live event heard before) or a live event's news of it. The list
// reads GSI2, which is eventually consistent: a read may start before an event and
// answer after it with the item as it was before that event's write.

// Is `news` later than `known`, by the booking's version (every write of the booking
// counts it up; equal versions tell the same content)? True or false when both carry
// one; null when either does not (an event sent before events carried one), where the
// caller decides as it did before. `tie`: whether news as late as the row is taken.
export function laterByVersion(known, news, tie = false) {
  if (!known || !news || !Number.isInteger(known.version) || !Number.isInteger(news.version)) {
    return null;
  }
  return tie ? news.version >= known.version : news.version > known.version;
}

// Of two live events' news of one part of the row, the one to keep: the one heard last,
// unless the one heard before is of a later write (an event delivered late).
export function keptNews(before, news) {
  return laterByVersion(news, before) ? before : news;
}

// What a booking.updated says of the parts of the row it is about: its meeting's link
// (or the note the client was given), and its event deleted in the host's calendar (at
// null: there, or made again). `generation`: the count of list reads begun when it was
// heard, which decides where no version does.
export function updateNews(summary, generation) {
  const version = Number.isInteger(summary.version) ? { version: summary.version } : {};
  return {
    // The providers still holding it as it was come with the link: one write of the job's.
    video: { video_url: summary.video_url, video_note: summary.video_note,
      out_of_date: summary.out_of_date || [], ...version },
    removal: { at: summary.calendar_event_removed_at || null, generation, ...version },
  };
}

// The listed booking with its meeting's link as a booking.updated heard (`heard`) told
// it, when that is of a later write. Without versions: the link heard fills in one the
// list lacks, and on its arrival (`live`) replaces the row's.
export function withVideoNews(listed, heard, { live = false } = {}) {
  if (!heard) return listed;
  const later = laterByVersion(listed, heard) ?? (live || !(listed.video_url || listed.video_note));
  return later ? { ...listed, video_url: heard.video_url, video_note: heard.video_note,
    out_of_date: heard.out_of_date || [] } : listed;
}

// The listed booking with its event deleted, or there, as a booking.updated heard
// (`heard`) told it, when that is of a later write. Without versions: the news stands
// only against a list read begun before it was heard (`read`: the count of list reads
// begun when the list was asked for), since it can be undone.
export function withRemovalNews(listed, heard, read) {
  if (!heard) return listed;
  const later = laterByVersion(listed, heard) ?? heard.generation >= read;
  return later ? { ...listed, calendar_event_removed_at: heard.at } : listed;
}
