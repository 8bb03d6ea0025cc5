// Your calendars (app-calendars.js) names the event types whose Google Meet or Teams link
// the calendar chosen for new bookings cannot carry (app-meeting-links.js): said as the
// host picks another calendar, before saving, and while the saved choice stands. The
// event types are read (GET /me/event-types) with the calendars; a read that fails says
// nothing, as the editor says nothing of connections it could not read.

import { ApiError, base } from "./api.js";
import { h } from "./app-dom.js";
import { LOCATIONS } from "./app-formats.js";
import { goingTo, madeOnlyOn, typesWithoutLinks } from "./app-meeting-links.js";

const listed = (titles) => (titles.length > 1
  ? `${titles.slice(0, -1).join(", ")} and ${titles[titles.length - 1]}` : titles[0]);

// `box`: a live region (role="status") the notice is put in, so it is heard as it changes.
export function createCalendarLinks(api, box) {
  let eventTypes = null; // the host's event types; null: not read (or the read failed)
  let reads = 0;
  let last = { destination: undefined, saved: undefined };

  async function read() {
    const mine = ++reads;
    try {
      const answer = await api.get("/me/event-types");
      if (mine === reads) eventTypes = answer.event_types;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (mine === reads) eventTypes = null;
    }
    if (mine === reads) show(last.destination, last.saved);
  }

  // `destination`: the provider of the calendar chosen on the form (null: none; undefined:
  // not known, nothing said); `saved`: the one Penny has, to say whether it is so now.
  function show(destination, saved) {
    last = { destination, saved };
    const lost = eventTypes && destination !== undefined ? typesWithoutLinks(eventTypes, destination) : [];
    if (!lost.length) return box.replaceChildren();
    const lead = destination === saved
      ? `${goingTo(destination, { lead: true })}, so these event types get no video link:`
      : `If you save this, ${goingTo(destination)}, and these event types get no video link:`;
    box.replaceChildren(h("div", { class: "notice notice-warning calendar-links-lost" },
      h("p", {}, h("strong", {}, lead)),
      h("ul", {}, ...lost.map((et) => h("li", {}, `${et.title}: ${madeOnlyOn(et.location.kind)}.`))),
      h("p", {}, "Clients who book them are told you will send the link. Add new bookings to a calendar "
        + "that makes it, or choose another location for them under ",
      h("a", { href: `${base}/app/event-types`, "data-link": "" }, "Event types"), ".")));
  }

  // For the toast once a choice is saved: "Strategy session gets no Microsoft Teams link."
  function summary(destination) {
    const lost = eventTypes ? typesWithoutLinks(eventTypes, destination) : [];
    if (!lost.length) return "";
    const kinds = [...new Set(lost.map((et) => et.location.kind))];
    const link = kinds.length === 1 ? LOCATIONS[kinds[0]] : "video";
    return ` ${listed(lost.map((et) => et.title))} ${lost.length > 1 ? "get" : "gets"} no ${link} link: see Your calendars.`;
  }

  return { read, show, summary };
}
