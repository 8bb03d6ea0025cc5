// Where a Google Meet or Teams link is made: on the event Penny adds to the calendar new
// bookings go to (the calendar worker's RIDES_ON, services/calendar_sync.py). A Meet link
// needs that calendar to be a Google one, a Teams link an Outlook one; with bookings
// going elsewhere, or to no calendar, the booking gets the note that the host will send
// the link. The host's choice comes with GET /me/connections (`destination_provider`).
// The event type editor says it beside the location (app-event-type-places.js), and the
// Connections page's Your calendars names the event types a choice leaves without their
// link (app-calendars.js).

import { LOCATIONS } from "./app-formats.js";

// Each calendar-made location: the provider whose event carries its link.
export const MADE_ON = { google_meet: "google", teams: "microsoft" };
export const CALENDARS = { google: "Google Calendar", microsoft: "Outlook" };
const EVENTS = { google: "a Google Calendar event", microsoft: "an Outlook event" };

// Whether `kind`'s link is lost to where new bookings go (`destination`: a provider, null
// for no calendar, undefined when not known: then nothing is said): "elsewhere",
// "nowhere", or null.
export function lostTo(kind, destination) {
  const needs = MADE_ON[kind];
  if (!needs || destination === undefined || destination === needs) return null;
  return destination === null ? "nowhere" : "elsewhere";
}

// Where new bookings go, as a clause: "new bookings go to Outlook"; `{ lead: true }`
// starts a sentence with it: "New bookings go to Outlook".
export function goingTo(destination, { lead = false } = {}) {
  const clause = destination ? `new bookings go to ${CALENDARS[destination] || destination}`
    : "new bookings are not added to a calendar";
  return lead ? clause.charAt(0).toUpperCase() + clause.slice(1) : clause;
}

// "a Google Meet link is made only on a Google Calendar event".
export function madeOnlyOn(kind) {
  return `a ${LOCATIONS[kind]} link is made only on ${EVENTS[MADE_ON[kind]]}`;
}

// The event types (active ones: an inactive one takes no bookings) whose link the
// choice `destination` leaves unmade, in the order given.
export function typesWithoutLinks(eventTypes, destination) {
  return eventTypes.filter((et) => et.active !== false && lostTo(et.location.kind, destination));
}
