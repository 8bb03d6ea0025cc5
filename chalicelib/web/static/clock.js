// Dates and times for people: the visitor's zone, 12/24-hour clocks, month arithmetic on
// plain "YYYY-MM-DD" strings (a calendar day has no zone, so no Date surprises).

// Chromium's ICU still reports some zones by their old names; people know the new ones
// (tzdata, and so the API, accepts both).
const RENAMED = {
  "Asia/Calcutta": "Asia/Kolkata", "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Saigon": "Asia/Ho_Chi_Minh", "Asia/Rangoon": "Asia/Yangon",
  "Europe/Kiev": "Europe/Kyiv", "Atlantic/Faeroe": "Atlantic/Faroe",
  "America/Godthab": "America/Nuuk", "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Truk": "Pacific/Chuuk", "Pacific/Ponape": "Pacific/Pohnpei",
  "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
};
export const modernZone = (zone) => RENAMED[zone] || zone;

export function detectZone() {
  try {
    return modernZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  } catch {
    return "UTC";
  }
}

export function detectHour12() {
  const options = new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions();
  return options.hourCycle ? options.hourCycle.startsWith("h1") : Boolean(options.hour12);
}

// The visitor's 12/24-hour choice, kept in this browser so every Penny page they open
// next (the manage page, the reschedule page) shows times the way they chose.
const CLOCK_KEY = "penny.hour12";

export function preferredHour12() {
  try {
    const kept = localStorage.getItem(CLOCK_KEY);
    if (kept === "true" || kept === "false") return kept === "true";
  } catch {
    // storage refused (a private window's policy): the locale decides
  }
  return detectHour12();
}

export function rememberHour12(hour12) {
  try {
    localStorage.setItem(CLOCK_KEY, String(hour12));
  } catch {
    // not kept: the choice still holds on this page
  }
}

/** Every IANA zone the browser knows, plus any the page must offer (host's, detected). */
export function allZones(...extra) {
  let zones = [];
  try {
    zones = Intl.supportedValuesOf("timeZone");
  } catch {
    zones = [];
  }
  return [...new Set([...zones, ...extra.filter(Boolean)].map(modernZone))].sort();
}

export const zoneLabel = (zone) => zone.replaceAll("_", " ");

const pad = (n) => String(n).padStart(2, "0");
export const isoDay = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
export const daysInMonth = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

export function parseDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  return { y, m, d };
}

export function addDays(day, n) {
  const { y, m, d } = parseDay(day);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return isoDay(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** Monday = 0 ... Sunday = 6. */
export function weekday(day) {
  const { y, m, d } = parseDay(day);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

export function addMonths(y, m, n) {
  const index = y * 12 + (m - 1) + n;
  return { y: Math.floor(index / 12), m: (index % 12) + 1 };
}

// One formatter per zone: the booking page asks the day of each of a month's slots.
const dayFormats = new Map();

/** The calendar day of an instant in a zone, as YYYY-MM-DD. */
export function dayIn(zone, instant = new Date()) {
  if (!dayFormats.has(zone)) {
    dayFormats.set(zone, new Intl.DateTimeFormat("en-CA", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }));
  }
  const parts = dayFormats.get(zone).formatToParts(instant);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

function utcNoon(day) {
  const { y, m, d } = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

export const dayLabel = (day, withYear = false) => utcNoon(day).toLocaleDateString(undefined, {
  timeZone: "UTC", weekday: "long", month: "long", day: "numeric",
  ...(withYear ? { year: "numeric" } : {}),
});

export const monthLabel = (y, m) => new Date(Date.UTC(y, m - 1, 15)).toLocaleDateString(
  undefined, { timeZone: "UTC", month: "long", year: "numeric" });

// The wall clock of an instant in a zone, to the minute (one formatter per zone).
const wallFormats = new Map();
function wallClock(zone, ms) {
  if (!wallFormats.has(zone)) {
    wallFormats.set(zone, new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric",
      month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }));
  }
  return wallFormats.get(zone).format(ms);
}

// Clocks go back by 30 minutes (Lord Howe), an hour, or two (Troll).
const SHIFTS_MS = [30, 60, 120].map((minutes) => minutes * 60000);

/** Whether the zone's clocks show this instant's time twice (the hour repeated when they
 * go back): "1:30 AM" alone would not say which of the two is meant. */
export function repeatedTime(iso, zone) {
  const at = Date.parse(iso);
  const wall = wallClock(zone, at);
  return SHIFTS_MS.some((shift) => wallClock(zone, at - shift) === wall
    || wallClock(zone, at + shift) === wall);
}

// hourCycle rather than hour12: `hour12: false` shows midnight as 24:00 in some engines.
// A time the clocks show twice that day says which it is ("1:30 AM EDT", "1:30 AM EST").
export const timeLabel = (iso, zone, hour12) => new Date(iso).toLocaleTimeString(undefined, {
  timeZone: zone, hour: "numeric", minute: "2-digit", hourCycle: hour12 ? "h12" : "h23",
  ...(repeatedTime(iso, zone) ? { timeZoneName: "short" } : {}),
});

// Inside a sentence a time never breaks between its digits and "PM".
export const unbroken = (text) => text.replace(/\s/g, "\u00a0");

/** "Tuesday, March 10, 2026, 7:30 PM – 8:00 PM (Asia/Kolkata)" */
export function whenLabel(startIso, endIso, zone, hour12) {
  const day = dayLabel(dayIn(zone, new Date(startIso)), true);
  const from = unbroken(timeLabel(startIso, zone, hour12));
  const to = unbroken(timeLabel(endIso, zone, hour12));
  return `${day}, ${from} – ${to} (${zoneLabel(zone)})`;
}

/**
 * Rewrite the times a page was served with (`<time datetime data-zone [data-end]>`, or
 * `data-clock` for a time of day alone, in
 * words the server chose) in the visitor's locale and 12/24-hour choice, so every page
 * says a time the same way the booking page did.
 */
export function localizeTimes(root = document, hour12 = preferredHour12()) {
  for (const time of root.querySelectorAll("time[datetime][data-zone]")) {
    const { zone, end } = time.dataset;
    const start = time.getAttribute("datetime");
    if (end) time.textContent = whenLabel(start, end, zone, hour12);
    else if ("clock" in time.dataset) time.textContent = unbroken(timeLabel(start, zone, hour12));
    else time.textContent = dayLabel(dayIn(zone, new Date(start)), true);
  }
}
