// The host's settings: availability (weekly hours, date overrides, timezone) and profile.

import { ApiError } from "./api.js";
import { $, $$, busy, checkForm, clearErrors, fillTimeZones, h, markInvalid, showError, showLinkStart, toast, uniqueId } from "./app-dom.js";
import { markSaved } from "./app-unsaved.js";
import { modernZone, zoneLabel } from "./clock.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const DEFAULT_RANGE = { start: "09:00", end: "17:00" };
const MAX_LINKS = 10;

const title = (day) => day[0].toUpperCase() + day.slice(1);
// <input type=time> cannot say 24:00: a range that ends at midnight shows 00:00.
const toInput = (hhmm) => (hhmm === "24:00" ? "00:00" : hhmm);
const fromInput = (hhmm) => (hhmm === "00:00" ? "24:00" : hhmm);

// ---- ranges (shared by weekdays and overrides) ------------------------------------------

function rangeRow(list, label, range) {
  const startId = uniqueId("from");
  const endId = uniqueId("until");
  const remove = h("button", { type: "button", class: "button button-quiet" }, "Remove");
  const row = h("li", { class: "range" },
    h("label", { for: startId, class: "range-label" }, "From"),
    h("input", { type: "time", id: startId, class: "range-start", required: true, step: 300, value: toInput(range.start) }),
    h("label", { for: endId, class: "range-label" }, "until"),
    h("input", { type: "time", id: endId, class: "range-end", required: true, step: 300, value: toInput(range.end) }),
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

function rangeEditor(name, label, ranges) {
  const list = h("ul", { class: "ranges", "data-name": name });
  const add = h("button", { type: "button", class: "button button-quiet add-range" }, "Add hours");
  add.setAttribute("aria-label", `Add hours: ${label()}`);
  const fill = (items) => {
    list.replaceChildren(...items.map((r) => rangeRow(list, label, r)));
    renumber(list, label);
  };
  add.addEventListener("click", () => {
    const last = $$(".range-end", list).pop();
    const start = last && last.value && last.value < "23:00" ? last.value : DEFAULT_RANGE.start;
    const endHour = Math.min(23, Number(start.slice(0, 2)) + 1);
    const row = rangeRow(list, label, { start, end: `${String(endHour).padStart(2, "0")}:${start.slice(3)}` });
    list.append(row);
    renumber(list, label);
    list.dispatchEvent(new Event("ranges-changed"));
    $("input", row).focus();
  });
  fill(ranges);
  return { list, add, fill, read: () => readRanges(list), relabel: () => renumber(list, label) };
}

function readRanges(list) {
  return $$(".range", list).map((row) => ({
    start: $(".range-start", row).value, end: fromInput($(".range-end", row).value),
  }));
}

// The API's own rules for one day's hours (functions/schemas/schedule.py: RangeModel, _no_overlap), said by
// the field before anything is sent: each range ends after it starts, and none overlaps
// another (touching, 12:00 then 12:00, is fine).
function checkRanges(list) {
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

// One override a date (the API refuses a second): the later one is marked.
function checkOverrideDates(rows) {
  const seen = new Set();
  for (const row of rows) {
    const date = $(".override-date", row);
    if (seen.has(date.value)) {
      markInvalid(date, "This date already has an override above: change one, or remove it.");
      return date;
    }
    seen.add(date.value);
  }
  return null;
}

// ---- availability -----------------------------------------------------------------------

// Today's date in `zone` as YYYY-MM-DD (the API's overrides are dates in the host's zone).
function todayIn(zone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(new Date());
  } catch {
    return "";
  }
}

export function initAvailability(state) {
  const form = $("#availability-form");
  const weekly = $("#av-weekly");
  const overrides = $("#av-overrides");
  const days = {};

  for (const day of DAYS) {
    const toggleId = `av-${day}`;
    const editor = rangeEditor(`weekly.${day}`, () => title(day), []);
    const toggle = h("input", { type: "checkbox", id: toggleId, name: `weekly.${day}` });
    const off = h("p", { class: "day-off" }, "Unavailable");
    const sync = () => {
      const on = editor.list.children.length > 0;
      toggle.checked = on;
      off.hidden = on;
      editor.add.hidden = !on; // a day off gets hours by ticking its box
    };
    toggle.addEventListener("change", () => {
      editor.fill(toggle.checked ? [DEFAULT_RANGE] : []);
      sync();
    });
    editor.list.addEventListener("ranges-changed", sync);
    weekly.append(h("div", { class: "day" },
      h("label", { class: "day-name field-check" }, toggle, title(day)),
      h("div", { class: "day-ranges" }, editor.list, off, editor.add)));
    days[day] = { editor, sync };
  }

  function overrideRow(override) {
    const dateId = uniqueId("override-date");
    const offId = uniqueId("override-off");
    const date = h("input", { type: "date", id: dateId, class: "override-date", required: true, value: override.date || "" });
    const label = () => (date.value ? new Date(`${date.value}T12:00:00`).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" }) : "New date");
    const editor = rangeEditor("", label, override.ranges);
    const off = h("input", { type: "checkbox", id: offId, class: "override-off", checked: override.ranges.length === 0 });
    const remove = h("button", { type: "button", class: "button button-quiet" }, "Remove date");
    const row = h("li", { class: "override card" },
      h("div", { class: "field" }, h("label", { for: dateId }, "Date"), date),
      h("label", { class: "field-check" }, off, "Unavailable all day"),
      h("div", { class: "override-ranges" }, editor.list, editor.add),
      remove);
    const sync = () => { $(".override-ranges", row).hidden = off.checked; };
    off.addEventListener("change", () => {
      editor.fill(off.checked ? [] : [DEFAULT_RANGE]);
      sync();
    });
    date.addEventListener("change", () => {
      editor.relabel();
      remove.setAttribute("aria-label", `Remove ${label()}`);
    });
    editor.list.addEventListener("ranges-changed", () => {
      off.checked = editor.list.children.length === 0;
      sync();
    });
    remove.setAttribute("aria-label", `Remove ${label()}`);
    remove.addEventListener("click", () => {
      row.remove();
      renumberOverrides();
      $("#av-add-override").focus();
    });
    row.editor = editor;
    sync();
    return row;
  }

  function renumberOverrides() {
    $$(".override", overrides).forEach((row, i) => {
      $(".override-date", row).name = `overrides.${i}.date`;
      row.editor.list.dataset.name = `overrides.${i}.ranges`;
      row.editor.relabel();
    });
    $("#av-overrides-empty").hidden = overrides.children.length > 0;
  }

  $("#av-add-override").addEventListener("click", () => {
    const row = overrideRow({ date: "", ranges: [] });
    overrides.append(row);
    renumberOverrides();
    $(".override-date", row).focus();
  });

  async function load() {
    clearErrors(form);
    let schedule;
    try {
      schedule = await state.api.get("/me/schedule");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return;
    }
    if (!state.profile) return; // signed out while the schedule was on its way
    fillTimeZones(form.elements.timezone, state.profile.timezone);
    // A new host, who has never saved a schedule, has no hours at all: suggest weekdays
    // 09:00-17:00 (saved only on Save). A week emptied and saved on purpose stays empty.
    const fresh = !schedule.saved
      && DAYS.every((day) => !(schedule.weekly[day] || []).length) && !schedule.overrides.length;
    $("#av-suggested").hidden = !fresh;
    for (const day of DAYS) {
      const suggested = fresh && DAYS.indexOf(day) < 5 ? [DEFAULT_RANGE] : [];
      days[day].editor.fill(fresh ? suggested : schedule.weekly[day] || []);
      days[day].sync();
    }
    // Overrides for dates gone by change nothing and are not shown; the next save leaves
    // them out, so they never add up to the API's limit (366) and block every save.
    const today = todayIn(state.profile.timezone);
    overrides.replaceChildren(...schedule.overrides.filter((o) => o.date >= today).map(overrideRow));
    renumberOverrides();
    markSaved(form);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const bad = $$(".ranges", form).map(checkRanges).find(Boolean)
      || checkOverrideDates($$(".override", overrides));
    if (bad) return bad.focus();
    const body = {
      weekly: Object.fromEntries(DAYS.map((day) => [day, days[day].editor.read()])),
      overrides: $$(".override", overrides).map((row) => ({
        date: $(".override-date", row).value,
        ranges: $(".override-off", row).checked ? [] : row.editor.read(),
      })),
    };
    const timezone = form.elements.timezone.value;
    await busy($("button[type=submit]", form), async () => {
      try {
        // The hours first: they are wall-clock times, whatever the zone, and a refusal
        // of them must not leave the zone changed alone (the hours would move with it).
        await state.api.put("/me/schedule", body);
        if (timezone !== modernZone(state.profile.timezone)) {
          const { id, ...profile } = state.profile;
          state.profile = await state.api.put("/me/profile", { ...profile, timezone });
        }
        $("#av-suggested").hidden = true;
        markSaved(form);
        toast("Availability saved", { detail: `Times are in ${zoneLabel(timezone)}.` });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error);
      }
    });
  });

  return { enter: load };
}

// ---- profile ----------------------------------------------------------------------------

export function initProfile(state) {
  const form = $("#profile-form");
  const fields = form.elements;
  const links = $("#profile-links");
  const addLink = $("#profile-add-link");

  function linkRow(link) {
    const labelId = uniqueId("link-label");
    const urlId = uniqueId("link-url");
    const remove = h("button", { type: "button", class: "button button-quiet" }, "Remove");
    const row = h("li", { class: "link-row" },
      h("div", { class: "field" }, h("label", { for: labelId }, "Label"),
        h("input", { id: labelId, class: "link-label", required: true, maxlength: 60, value: link.label })),
      h("div", { class: "field" }, h("label", { for: urlId }, "URL"),
        h("input", { id: urlId, class: "link-url", type: "url", required: true, maxlength: 500, placeholder: "https://", value: link.url })),
      remove);
    remove.addEventListener("click", () => {
      row.remove();
      renumberLinks();
      addLink.focus();
    });
    return row;
  }

  function renumberLinks() {
    $$(".link-row", links).forEach((row, i) => {
      $(".link-label", row).name = `links.${i}.label`;
      $(".link-url", row).name = `links.${i}.url`;
      $("button", row).setAttribute("aria-label", `Remove link ${i + 1}`);
    });
    addLink.hidden = links.children.length >= MAX_LINKS;
  }

  function showPublicUrl() {
    const url = `${state.publicUrl}/${fields.slug.value.trim()}`;
    const anchor = $("#profile-public-url");
    anchor.href = url;
    anchor.textContent = url.replace(/^https?:\/\//, "");
  }

  function fill(profile) {
    clearErrors(form);
    fields.display_name.value = profile.display_name;
    fields.slug.value = profile.slug;
    fields.description.value = profile.description;
    fields.contact_email.value = profile.contact_email || "";
    fillTimeZones(fields.timezone, profile.timezone);
    links.replaceChildren(...profile.links.map(linkRow));
    renumberLinks();
    showPublicUrl();
    markSaved(form);
  }

  showLinkStart($("#profile-slug-prefix"), `${state.publicUrl}/`);
  fields.slug.addEventListener("input", showPublicUrl);
  addLink.addEventListener("click", () => {
    const row = linkRow({ label: "", url: "" });
    links.append(row);
    renumberLinks();
    $("input", row).focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const body = {
      display_name: fields.display_name.value.trim(), slug: fields.slug.value.trim(),
      description: fields.description.value, timezone: fields.timezone.value,
      contact_email: fields.contact_email.value.trim() || null,
      links: $$(".link-row", links).map((row) => ({
        label: $(".link-label", row).value.trim(), url: $(".link-url", row).value.trim(),
      })),
    };
    await busy($("button[type=submit]", form), async () => {
      try {
        state.profile = await state.api.put("/me/profile", body);
        $("#dash-host").textContent = state.profile.display_name;
        fill(state.profile);
        toast("Profile saved");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        showError(form, error);
      }
    });
  });

  return {
    async enter() {
      try {
        state.profile = await state.api.get("/me/profile");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
      fill(state.profile);
    },
  };
}
