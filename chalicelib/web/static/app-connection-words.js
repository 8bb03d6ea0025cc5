// What the Connections page and the welcome steps say about a connection, in words: what
// Connect asks the provider for, why a way back from a provider's page connected nothing,
// and why a connection broke (app-connections.js and the modules it is made of).

// What Connect asks the provider for: only what the feature needs (incremental consent).
export const ASKS = {
  calendar: (vendor) => `Penny asks ${vendor} for your calendar only.`,
  video: (vendor) => `Penny asks ${vendor} only to create meetings for your bookings.`,
  notes: (vendor) => `Penny asks ${vendor} only for the pages you share with it.`,
};
// ... where one card's ask is not its feature's (Google's notes are Docs, not pages).
export const ASKS_OF = {
  google_docs: "Penny asks Google to write Google Docs, and to see in your Drive only the files it makes.",
};

// The callback's error codes (chalicelib/functions/connections.py), in plain words.
export const RETURN_ERRORS = {
  consent_declined: (vendor) => `You said no on ${vendor}'s page, so nothing was connected. You can connect whenever you like.`,
  provider_rejected: (vendor) => `${vendor} refused the connection, so nothing was connected. Try again, and check the account you choose at ${vendor}.`,
  provider_unavailable: (vendor) => `${vendor} could not be reached to finish connecting, so nothing was connected. Try again in a minute.`,
  scopes_declined: (vendor, missing) => `You did not tick every box on ${vendor}'s page, so nothing was connected: Penny was not allowed to ${permissions(missing)}. Connect again and leave every box ticked.`,
  no_refresh_token: (vendor) => `${vendor} gave Penny access for an hour only, so nothing was connected (it would have stopped working). Connect again; if this happens again, remove Penny from the apps connected to your ${vendor} account first.`,
  validation_error: (vendor) => `${vendor} sent back an answer Penny could not use, so nothing was connected. Try again.`,
};

// What each feature's permissions let Penny do (the callback's `missing`), in words.
const PERMISSIONS = {
  calendar: "see when you are busy and put bookings in your calendar",
  video: "add video links to your bookings",
  notes: "write notes documents",
};
const permissions = (missing) => {
  const said = missing.filter((f) => Object.hasOwn(PERMISSIONS, f)).map((f) => PERMISSIONS[f]);
  return said.length ? said.join(", or ") : "do all it needs";
};

// In the host's zone (`zone`), as the bookings list says its times; the browser's if unknown.
// One format per zone, built once: every card is drawn again on each live event.
const whenFormats = new Map();
export const when = (iso, zone) => {
  const key = zone || "";
  if (!whenFormats.has(key)) {
    whenFormats.set(key, new Intl.DateTimeFormat(undefined, {
      dateStyle: "medium", timeStyle: "short", timeZone: zone || undefined,
    }));
  }
  return whenFormats.get(key).format(new Date(iso));
};
export const sentence = (text) => (/[.!?]$/.test(text) ? text : `${text}.`);
// "Google Calendar", "Google Calendar and Google Docs".
export const names = (list) => list.map((i) => i.name).join(" and ");
// Why a connection broke, and what to do, said once (the API's reason may say it already).
export const brokenBecause = (reason, vendor) => {
  const why = sentence(reason || `${vendor} no longer accepts Penny's access`);
  return /reconnect/i.test(why) ? why : `${why} Reconnect ${vendor} to use it again.`;
};
