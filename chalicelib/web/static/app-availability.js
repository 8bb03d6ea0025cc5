// The host's availability: weekly hours, date overrides and the timezone (the hours'
// editors: app-hour-ranges.js).

import { ApiError } from "./api.js";
import { $, $$, h, toast, uniqueId } from "./app-dom.js";
import { fillTimeZones } from "./app-formats.js";
import { busy, checkForm, clearErrors, markInvalid, showError } from "./app-forms.js";
import { DEFAULT_RANGE, checkRanges, rangeEditor } from "./app-hour-ranges.js";
import { markSaved } from "./app-unsaved.js";
import { modernZone, zoneLabel } from "./clock.js";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

const title = (day) => day[0].toUpperCase() + day.slice(1);

// One override a date (the API refuses a second): the later one is marked. A date gone
// by in the zone saved (`today`) is marked too: it would change nothing, and the page
// leaves such dates out, so it was "saved" and gone at the next load without a word.
function checkOverrideDates(rows, today) {
  const seen = new Set();
  for (const row of rows) {
    const date = $(".override-date", row);
    if (today && date.value < today) {
      markInvalid(date, `This date has passed (today is ${today} in the timezone above): choose today or a later date, or remove it.`);
      return date;
    }
    if (seen.has(date.value)) {
      markInvalid(date, "This date already has an override above: change one, or remove it.");
      return date;
    }
    seen.add(date.value);
  }
  return null;
}

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
  // Overrides for dates gone by in the zone the page loaded in: not shown (below).
  let gone = [];
  // The schedule as shown: its version goes with the save, which the API refuses if
  // another tab saved since (the hours would be lost), and its answer is kept, so a read
  // that lags behind this page's own save is not shown over it (`shownFor`: whose it is).
  let shownSchedule = null;
  let shownFor = null;

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
    const newer = shownFor === state.profile.id && shownSchedule.version > schedule.version;
    show(newer ? shownSchedule : schedule);
  }

  // The form filled from `schedule` as the API gives it, as saved.
  function show(schedule) {
    shownSchedule = schedule;
    shownFor = state.profile.id;
    clearErrors(form);
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
    gone = schedule.overrides.filter((o) => o.date < today);
    overrides.replaceChildren(...schedule.overrides.filter((o) => o.date >= today).map(overrideRow));
    renumberOverrides();
    markSaved(form);
  }

  // A date gone by in the zone left can be today or later in the zone saved (Kiritimati
  // to Pago Pago goes back a day): its override is kept, unless a row shown has that date.
  function stillComing(timezone, shown) {
    const today = todayIn(timezone);
    return gone.filter((o) => o.date >= today && !shown.some((row) => row.date === o.date));
  }

  // The API's PUT replaces the whole profile, so the profile is read again right before
  // and only its zone changed: a copy read when the page loaded would put back a slug or
  // name changed since in another tab (and break the address just shared).
  async function saveZone(timezone) {
    const { id, ...profile } = await state.api.get("/me/profile");
    return state.api.put("/me/profile", { ...profile, timezone });
  }

  // Hours alone are not bookable: a new host with no event type is told what comes next.
  async function nextStep() {
    let types;
    try {
      ({ event_types: types } = await state.api.get("/me/event-types"));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return; // the hours are saved: a hint that could not be checked is left out
    }
    if (types.length) return;
    toast("Next: add an event type", {
      detail: "Clients book an event type (a kind of meeting, with its own link) in these hours. Create one in Event types.",
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!checkForm(form)) return;
    const timezone = form.elements.timezone.value;
    const bad = $$(".ranges", form).map(checkRanges).find(Boolean)
      || checkOverrideDates($$(".override", overrides), todayIn(timezone));
    if (bad) return bad.focus();
    const shown = $$(".override", overrides).map((row) => ({
      date: $(".override-date", row).value,
      ranges: $(".override-off", row).checked ? [] : row.editor.read(),
    }));
    const kept = stillComing(timezone, shown);
    const body = {
      weekly: Object.fromEntries(DAYS.map((day) => [day, days[day].editor.read()])),
      overrides: [...kept, ...shown],
      version: shownSchedule.version,
    };
    await busy($("button[type=submit]", form), async () => {
      try {
        // The hours first: they are wall-clock times, whatever the zone, and a refusal
        // of them must not leave the zone changed alone (the hours would move with it).
        const saved = await state.api.put("/me/schedule", body);
        shownSchedule = saved;
        if (timezone !== modernZone(state.profile.timezone)) state.profile = await saveZone(timezone);
        // What was kept is shown now; the rest of what had gone by is no longer stored.
        overrides.prepend(...kept.map(overrideRow));
        renumberOverrides();
        gone = [];
        const first = !$("#av-suggested").hidden; // a new host's first hours
        $("#av-suggested").hidden = true;
        markSaved(form);
        toast("Availability saved", { detail: `Times are in ${zoneLabel(timezone)}.` });
        if (first) await nextStep();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "schedule_changed" && error.current) {
          // As the event type editor does (app-event-types.js): the hours as they are
          // now, for the host to make their changes again.
          show(error.current);
          showError(form, { message: "Your availability was changed elsewhere (in another tab "
            + "or by another app) since you opened it, so your changes were not saved. The "
            + "form now shows it as it is: make your changes again, then save." });
          return;
        }
        showError(form, error);
      }
    });
  });

  return { enter: load };
}
