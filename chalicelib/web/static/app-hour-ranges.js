// Editors of a day's hours, shared by the weekdays and the date overrides of the
// availability form (app-availability.js): a list of From/until ranges with Add hours and
// Remove, named after the API's error paths, read back as the API takes them, and checked
// by the API's own rules before anything is sent.

import { $, $$, h, uniqueId } from "./app-dom.js";
import { markInvalid } from "./app-forms.js";

export const DEFAULT_RANGE = { start: "09:00", end: "17:00" };

// <input type=time> cannot say 24:00: a range that ends at midnight shows 00:00.
const toInput = (hhmm) => (hhmm === "24:00" ? "00:00" : hhmm);
const fromInput = (hhmm) => (hhmm === "00:00" ? "24:00" : hhmm);

function rangeRow(list, label, range) {
  const startId = uniqueId("from");
  const endId = uniqueId("until");
  const remove = h("button", { type: "button", class: "button button-quiet" }, "Remove");
  const row = h("li", { class: "range" },
    h("label", { for: startId, class: "range-label" }, "From"),
    h("input", { type: "time", id: startId, class: "range-start", required: true, step: 60, value: toInput(range.start) }),
    h("label", { for: endId, class: "range-label" }, "until"),
    h("input", { type: "time", id: endId, class: "range-end", required: true, step: 60, value: toInput(range.end) }),
    remove);
  remove.addEventListener("click", () => {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber(list, label);
    list.dispatchEvent(new Event("ranges-changed"));
    (next ? next.querySelector("input") : list.parentElement.querySelector(".add-range")).focus();
  });
  return row;
}

// Names follow the API's error paths ("weekly.monday.0"), so a server error lands on the
// right input; accessible names say which range it is ("Monday, hours 2: from").
function renumber(list, label) {
  $$(".range", list).forEach((row, i) => {
    const prefix = list.dataset.name;
    $(".range-start", row).name = `${prefix}.${i}`;
    $(".range-end", row).name = `${prefix}.${i}.end`;
    $(".range-start", row).setAttribute("aria-label", `${label()}, hours ${i + 1}: from`);
    $(".range-end", row).setAttribute("aria-label", `${label()}, hours ${i + 1}: until`);
    $("button", row).setAttribute("aria-label", `Remove ${label()}, hours ${i + 1}`);
  });
}

export function rangeEditor(name, label, ranges) {
  const list = h("ul", { class: "ranges", "data-name": name });
  const add = h("button", { type: "button", class: "button button-quiet add-range" }, "Add hours");
  // Every control says which day it is for, again whenever that changes (an override's date).
  const relabel = () => {
    add.setAttribute("aria-label", `Add hours: ${label()}`);
    renumber(list, label);
  };
  const fill = (items) => {
    list.replaceChildren(...items.map((r) => rangeRow(list, label, r)));
    relabel();
  };
  add.addEventListener("click", () => {
    const row = rangeRow(list, label, freeHour(readRanges(list)));
    list.append(row);
    renumber(list, label);
    list.dispatchEvent(new Event("ranges-changed"));
    $("input", row).focus();
  });
  fill(ranges);
  return { list, add, fill, read: () => readRanges(list), relabel };
}

const minutes = (hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const hhmm = (m) => (m >= 24 * 60 ? "24:00"
  : `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);

// The range Add hours suggests: an hour (or what is left, up to midnight) where the day
// has none, first after its last range, then from 09:00, then the earliest; a day with no
// time left gets 09:00-10:00, which the check before saving says overlaps. Before, a day
// whose last range ended at 23:00 or later was offered 09:00-10:00 over its own hours.
export function freeHour(ranges) {
  const taken = ranges.filter((r) => r.start && r.end)
    .map((r) => [minutes(r.start), minutes(r.end)]).sort((a, b) => a[0] - b[0]);
  const freeFrom = (start) => {
    if (taken.some(([from, until]) => from <= start && start < until)) return null;
    const next = taken.find(([from]) => from > start);
    const end = Math.min(start + 60, next ? next[0] : 24 * 60);
    return end > start ? { start: hhmm(start), end: hhmm(end) } : null;
  };
  const last = taken.length ? Math.max(...taken.map(([, until]) => until)) : null;
  const tries = [last, minutes(DEFAULT_RANGE.start), 0, ...taken.map(([, until]) => until)];
  for (const start of tries) {
    const free = start === null || start >= 24 * 60 ? null : freeFrom(start);
    if (free) return free;
  }
  return { start: DEFAULT_RANGE.start, end: "10:00" };
}

function readRanges(list) {
  return $$(".range", list).map((row) => ({
    start: $(".range-start", row).value, end: fromInput($(".range-end", row).value),
  }));
}

// The API's own rules for one day's hours (functions/schemas/schedule.py: RangeModel, _no_overlap), said by
// the field before anything is sent: each range ends after it starts, and none overlaps
// another (touching, 12:00 then 12:00, is fine).
export function checkRanges(list) {
  const ranges = [];
  for (const row of $$(".range", list)) {
    const start = $(".range-start", row);
    const end = $(".range-end", row);
    if (fromInput(end.value) !== "24:00" && end.value <= start.value) {
      markInvalid(end, "The end must be after the start.");
      return end;
    }
    ranges.push({ start, from: start.value, until: fromInput(end.value) });
  }
  ranges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  for (let i = 1; i < ranges.length; i += 1) {
    const before = ranges[i - 1];
    if (ranges[i].from < before.until) {
      markInvalid(ranges[i].start, `This overlaps ${before.from}–${before.until}: change one, or remove it.`);
      return ranges[i].start;
    }
  }
  return null;
}
