// How the dashboard writes dates, places and money, the time zones it offers, and the
// slug it suggests for a name.

import { h } from "./app-dom.js";
import { allZones, modernZone, repeatedTime, zoneLabel } from "./clock.js";

// Where a meeting happens (event type `location.kind`, booking `location_kind`).
export const LOCATIONS = {
  google_meet: "Google Meet", teams: "Microsoft Teams", zoom: "Zoom", phone: "Phone call",
  in_person: "In person",
};

// The formats of each zone, built once: a list re-renders every row on each live event.
const rangeFormats = new Map();

function formatsIn(timeZone) {
  if (!rangeFormats.has(timeZone)) {
    const time = { hour: "numeric", minute: "2-digit", timeZone };
    rangeFormats.set(timeZone, {
      day: new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone,
      }),
      time: new Intl.DateTimeFormat(undefined, time),
      named: new Intl.DateTimeFormat(undefined, { ...time, timeZoneName: "short" }),
    });
  }
  return rangeFormats.get(timeZone);
}

// A time the clocks show twice that day (they went back) says which it is, as on the
// booking page: "1:30 AM EDT – 1:00 AM EST", never "1:30 AM – 1:00 AM".
export function formatRange(startIso, endIso, timeZone) {
  const formats = formatsIn(timeZone);
  const time = (iso) => (repeatedTime(iso, timeZone) ? formats.named : formats.time)
    .format(new Date(iso));
  return { day: formats.day.format(new Date(startIso)),
    time: `${time(startIso)} – ${time(endIso)}` };
}

// How many decimals each currency has, as the server counts them (ISO 4217:
// domain/currencies.py minor_digits), from the page's config (app.js): the currencies
// whose minor unit is not a hundredth. The browser's own count (Intl, from CLDR) differs
// for some (HUF, IDR, PKR, IQD, ...), and a price read or typed with it would be 100 or
// 1000 times off what clients are shown and charged.
const currencyDigits = new Map();

export function useCurrencyDigits(table) {
  currencyDigits.clear();
  for (const [code, digits] of Object.entries(table || {})) currencyDigits.set(code, digits);
}

export function fractionDigits(currency) {
  return currencyDigits.get(currency) ?? 2;
}

export function formatMoney(price) {
  const digits = fractionDigits(price.currency);
  return new Intl.NumberFormat(undefined, {
    style: "currency", currency: price.currency, minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(price.amount_minor / 10 ** digits);
}

// A zone saved under an old name (Asia/Calcutta) is shown, and selected, by its new one.
export function fillTimeZones(select, current) {
  const selected = modernZone(current);
  select.replaceChildren(...allZones("UTC", selected).map((zone) =>
    h("option", { value: zone, selected: zone === selected }, zoneLabel(zone))));
  select.value = selected;
}

// A name in Latin letters, as the server spells one (domain/transliteration.py holds the
// same table; tests/unit/test_transliteration.py runs both on the same names). Accents
// go (NFKD splits "ü" into "u" and a mark); the letters NFKD keeps whole ("Groß" would
// be "gro", "Łucja" "ucja") are spelled out, and Cyrillic and Greek letter by letter
// ("Олена" is olena). Other scripts (Chinese, Arabic, ...) give nothing: the sign-up
// form says so and offers the e-mail's name (app-password-forms.js).
const LATIN = {
  "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
  // Cyrillic (after NFKD: й is и and a mark, ё is е, ї is і)
  "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ж": "zh",
  "з": "z", "и": "i", "і": "i", "ј": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
  "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ў": "u", "ф": "f", "х": "kh", "ц": "ts",
  "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
  "ђ": "dj", "ћ": "c", "љ": "lj", "њ": "nj", "џ": "dz", "ѕ": "dz",
  // Greek (after NFKD: ά is α and a mark); ου is ou, below
  "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
  "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
  "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
};
const SPELLED = new RegExp(`ου|[${Object.keys(LATIN).join("")}]`, "g");

// "" when the text has no letter a link can use: never a made-up link.
export function slugify(text) {
  return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "")
    .replace(SPELLED, (letters) => (letters === "ου" ? "ou" : LATIN[letters]))
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
}

// The link name suggested for an event type's title: its Latin spelling, else (a title in
// a script with none, '初回相談') one from the duration, "30-min", or "meeting" without
// one, so the required field is never left empty with no word why. `fallback` says the
// title gave none, for the editor's hint to say so.
export function eventTypeSlug(title, minutes) {
  const slug = slugify(title);
  if (slug || !title.trim()) return { slug, fallback: false };
  const n = Number(minutes);
  return { slug: String(minutes).trim() && Number.isInteger(n) && n > 0 ? `${n}-min` : "meeting", fallback: true };
}
