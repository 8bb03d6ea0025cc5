// Which video locations the event type editor offers: a location whose link a platform
// makes needs that platform connected and working (app-event-types.js), and a Meet or
// Teams link needs new bookings to go to that platform's calendar (app-meeting-links.js);
// and what a location asks of clients.

import { LOCATIONS } from "./app-formats.js";
import { goingTo, lostTo, madeOnlyOn } from "./app-meeting-links.js";

// What makes each video location's link: the platform's provider and its name on the
// Connections page. Without it connected (and working) the location cannot be chosen.
const NEEDS = { google_meet: ["google", "Google Calendar"], teams: ["microsoft", "Outlook"],
  zoom: ["zoom", "Zoom"] };
// For each state: the reason beside a choice that cannot be made, and the warning beside
// a saved one that no longer works.
const REASONS = {
  not_connected: (name, label) => [`Connect ${name} first`,
    `${name} is not connected, so bookings get no ${label} link: clients are told you will send one. Connect it on Connections, or choose another location.`],
  broken: (name, label) => [`Reconnect ${name} first`,
    `${name} stopped working, so bookings get no ${label} link: clients are told you will send one. Reconnect it on Connections, or choose another location.`],
  not_available: (name, label) => [`${name} is not available on this Penny`,
    `${name} is not available on this Penny, so bookings get no ${label} link: clients are told you will send one. Choose another location.`],
};
// ... and for a Meet or Teams link that the calendar new bookings go to cannot carry.
const ONE_OF = { google: "one of your Google calendars", microsoft: "one of your Outlook calendars" };
const elsewhere = (kind, name, destination) => [`Add new bookings to ${name} first`,
  `${goingTo(destination, { lead: true })}, and ${madeOnlyOn(kind)}, so bookings get no ${LOCATIONS[kind]} link: clients are told you will send one. Add new bookings to ${ONE_OF[NEEDS[kind][0]]} under Your calendars on Connections, or choose another location.`];

// Why `kind` cannot be chosen now, as [reason, warning], or null when it can (or when the
// connections could not be read: then nothing is held back). A connection without the
// scopes its calendar card needs (dashboard.py: Google connected for the Docs alone)
// makes no meeting: that is not connected, as its card says. `destination`: whose
// calendar new bookings go to (null: none; undefined: not known, nothing held back for
// it); a working Google connection makes no Meet link on an Outlook event.
export function unavailable(kind, connections, integrations, destination) {
  const need = NEEDS[kind];
  if (!need || !connections) return null;
  const connection = connections.get(need[0]) || {};
  const card = integrations.find((i) => i.provider === need[0] && i.group === "calendar");
  const granted = new Set(connection.scopes || []);
  const lacking = card && card.scopes && !card.scopes.every((scope) => granted.has(scope));
  const status = lacking ? "not_connected" : connection.status || "not_connected";
  if (status !== "connected") return (REASONS[status] || REASONS.not_connected)(need[1], LOCATIONS[kind]);
  return lostTo(kind, destination) ? elsewhere(kind, need[1], destination) : null;
}

// What choosing `kind` asks of clients, beside the location (no bar to saving): a phone
// call asks for the number to call (EventType.booking_questions), unless a Phone question
// of the host's own does.
export function placeHint(kind) {
  return kind === "phone"
    ? "Clients are asked for their phone number when they book (Your phone number, required), unless you add a Phone question of your own below."
    : "";
}
