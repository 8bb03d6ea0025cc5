// Choosing a time: the month calendar, the chosen day's times, the timezone and the
// 12/24-hour clock. One slots request per month shown (the whole visible month, in the
// visitor's zone), cached per zone; never one per day. The booking page is sent with the
// slots of the current month and the next (`sent`), so those months ask nothing.
import { getJSON } from "./api.js";
import { Calendar } from "./calendar.js";
import {
  addDays, allZones, dayIn, dayLabel, daysInMonth, detectZone, isoDay, parseDay,
  preferredHour12, rememberHour12, timeLabel, zoneLabel,
} from "./clock.js";

// "2026-12-02T14:00:00Z", as the API writes a slot's start.
const instant = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");

function startsOf(sent) {
  const starts = [];
  let at = Date.parse(`${sent.first}T00:00:00Z`);
  for (const gap of sent.minutes || []) {
    at += gap * 60000;
    starts.push(at);
  }
  return starts;
}

export class Picker {
  // `moving`: a reschedule's {uid, token, start}; its slots are the ones that booking may
  // move to, its own time among them (free for an overlapping move).
  constructor({ host, event, sent = null, moving = null, onPick, onClock = () => {} }) {
    this.path = moving ? `/bookings/${encodeURIComponent(moving.uid)}/slots`
      : `/hosts/${encodeURIComponent(host.slug)}/${encodeURIComponent(event.slug)}/slots`;
    this.token = moving && moving.token;
    // The booking's own start (ms), compared as an instant: the API writes each start in
    // the zone shown ("+01:00"), which need not be the one the booking was made in.
    this.current = moving ? Date.parse(moving.start) : null;
    this.onPick = onPick;
    this.onClock = onClock; // the page's other times follow the 12/24-hour choice
    // {first, last, starts}: UTC starts (ms) over whole UTC days, or null. Each start comes
    // as the minutes after the one before it (the first: after `first`, 00:00 UTC).
    this.sent = sent && { first: sent.first, last: sent.last, starts: startsOf(sent) };
    this.duration = event.duration_minutes;
    this.windowDays = event.booking_window_days ?? null; // bookable at most so far ahead
    // Bookable only between two of the host's dates: the instants (UTC) their first day
    // opens and the day after their last begins, on the host's clock.
    this.dates = this.windowDates(event);
    this.zone = detectZone();
    this.hour12 = preferredHour12();
    this.months = new Map(); // "zone|YYYY-MM" -> Promise of {day: [slot]}
    this.slots = {};
    this.selected = null;
    this.shown = 0; // guards against a slow answer for a month no longer shown
    this.list = document.getElementById("slots");
    this.dayHeading = document.getElementById("day-label");
    this.calendar = new Calendar({
      onSelect: (day) => this.selectDay(day),
      onMonth: (y, m, focus) => this.showMonth(y, m, { focus }),
    });
    this.setUpZones(host.timezone);
    this.setUpClock();
    this.list.addEventListener("click", (e) => this.pick(e));
  }

  setUpZones(hostZone) {
    const select = document.getElementById("timezone");
    const options = document.createDocumentFragment();
    for (const zone of allZones(this.zone, hostZone, "UTC")) {
      options.append(new Option(zoneLabel(zone), zone, false, zone === this.zone));
    }
    select.append(options);
    select.addEventListener("change", () => this.useZone(select.value));
  }

  /**
   * Show the times in `zone` from now on; false when they already are. Today may fall in
   * another month there (Kiritimati is a day ahead of Pago Pago): the earliest month
   * follows it, and a visitor who was on today's month is shown today's month there.
   */
  useZone(zone) {
    if (zone === this.zone) return false;
    const onToday = this.y === this.first.y && this.m === this.first.m;
    this.zone = zone;
    document.getElementById("timezone").value = zone;
    const today = this.firstMonth();
    this.first = today;
    this.last = this.lastMonth();
    const before = this.y * 12 + this.m < today.y * 12 + today.m;
    if (onToday || before) {
      this.showMonth(today.y, today.m, { keepDay: true, advance: onToday });
    } else {
      this.showMonth(this.y, this.m, { keepDay: true });
    }
    return true;
  }

  /**
   * The latest month a time can be booked in, in the chosen zone, or null (no booking
   * window). The window ends that many days after today on the host's clock, which is at
   * most a day after the same date on the visitor's.
   */
  lastMonth() {
    if (this.dates) {
      // The host's last date ends at `closes`: the month of the instant just before it.
      const { y, m } = parseDay(dayIn(this.zone, new Date(this.dates.closes.getTime() - 1)));
      return { y, m };
    }
    if (this.windowDays === null) return null;
    const { y, m } = parseDay(addDays(dayIn(this.zone), this.windowDays + 1));
    return { y, m };
  }

  /**
   * The earliest month a time can be booked in, in the chosen zone: this month, or the
   * month the booking dates open in when that is later (none before it is offered).
   */
  firstMonth() {
    const today = this.today();
    if (!this.dates) return today;
    const { y, m } = parseDay(dayIn(this.zone, this.dates.opens));
    return y * 12 + m > today.y * 12 + today.m ? { y, m } : today;
  }

  /** The months the calendar may show. */
  bounds() {
    return { first: this.first, end: this.last };
  }

  /** This month in the chosen zone: {y, m}. */
  today() {
    const { y, m } = parseDay(dayIn(this.zone));
    return { y, m };
  }

  setUpClock() {
    const buttons = { true: document.getElementById("clock-12"),
      false: document.getElementById("clock-24") };
    const paint = () => {
      for (const [h12, button] of Object.entries(buttons)) {
        button.setAttribute("aria-pressed", String(String(this.hour12) === h12));
      }
    };
    for (const [h12, button] of Object.entries(buttons)) {
      button.addEventListener("click", () => {
        this.hour12 = h12 === "true";
        rememberHour12(this.hour12);
        paint();
        this.renderSlots();
        this.onClock(this.hour12);
      });
    }
    paint();
  }

  start() {
    const first = this.firstMonth();
    this.first = first;
    this.last = this.lastMonth();
    this.noteWindow();
    return this.showMonth(first.y, first.m, { advance: true });
  }

  noteWindow() {
    const days = this.windowDays;
    if (this.dates) {
      this.calendar.windowNote = `Bookings are open for ${dayLabel(this.dates.start, true)} `
        + `to ${dayLabel(this.dates.end, true)}.`;
    } else {
      this.calendar.windowNote = days === null ? ""
        : `Bookings open at most ${days} day${days === 1 ? "" : "s"} ahead.`;
    }
  }

  /** The booking window's dates as the page data sends them, or null. */
  windowDates(event) {
    const dates = event.booking_window_dates;
    return dates ? { ...dates, opens: new Date(dates.opens), closes: new Date(dates.closes) } : null;
  }

  fetchMonth(y, m) {
    const first = isoDay(y, m, 1);
    const last = isoDay(y, m, daysInMonth(y, m));
    const key = `${this.zone}|${first}`;
    if (!this.months.has(key)) {
      const sent = this.sentMonth(first, last);
      if (sent) {
        this.months.set(key, Promise.resolve(sent));
      } else {
        const query = new URLSearchParams({ start: first, end: last, timeZone: this.zone });
        if (this.token) query.set("token", this.token);
        const request = getJSON(`${this.path}?${query}`).then((body) => body.slots);
        request.catch(() => this.months.delete(key)); // a failure is not cached
        this.months.set(key, request);
      }
    }
    return this.months.get(key);
  }

  /**
   * The days first..last in the visitor's zone from the slots sent with the page, shaped
   * as the API answers ({day: [{start, end}]}); null unless they hold all of those days.
   * A zone's day lies within the UTC days either side of it (offsets are under 24 hours).
   */
  sentMonth(first, last) {
    const sent = this.sent;
    if (!sent || sent.first > addDays(first, -1) || sent.last < addDays(last, 1)) return null;
    const days = {};
    for (const at of sent.starts) {
      const day = dayIn(this.zone, new Date(at));
      if (day < first || day > last) continue;
      (days[day] = days[day] || []).push({ start: instant(at),
        end: instant(at + this.duration * 60000) });
    }
    return days;
  }

  /**
   * The event type as it is now (the host changed it while the page was open): its length,
   * booking window and the slots sent with the page read again; the month is shown anew.
   */
  retune(event, sent) {
    this.duration = event.duration_minutes;
    this.windowDays = event.booking_window_days ?? null;
    this.dates = this.windowDates(event);
    this.first = this.firstMonth();
    this.last = this.lastMonth();
    this.noteWindow();
    this.sent = sent && { first: sent.first, last: sent.last, starts: startsOf(sent) };
    this.months.clear();
    return this.showMonth(this.y, this.m, { keepDay: true });
  }

  /** The slot starting at `start` if it is offered now ({start, end}), else null. */
  async offered(start) {
    const day = dayIn(this.zone, new Date(start));
    const { y, m } = parseDay(day);
    const slots = await this.fetchMonth(y, m).catch(() => ({}));
    return (slots[day] || []).find((slot) => Date.parse(slot.start) === Date.parse(start)) || null;
  }

  /** Forget what was fetched or sent (a slot was taken meanwhile) and show the month again. */
  refresh() {
    this.sent = null;
    this.months.clear();
    return this.showMonth(this.y, this.m, { keepDay: true });
  }

  async showMonth(y, m, { focus = null, keepDay = false, advance = false } = {}) {
    const shown = ++this.shown;
    this.loading = true;
    Object.assign(this, { y, m });
    this.calendar.today = dayIn(this.zone);
    this.calendar.show({ y, m, free: null, focus, ...this.bounds() });
    // The times shown belong to what is being replaced: none until the month is here (a
    // switch of the clock meanwhile must not bring back the month before's).
    this.slots = {};
    this.selected = keepDay ? this.selected : null;
    this.list.replaceChildren();
    this.dayHeading.textContent = "Loading times…";
    let slots;
    try {
      slots = await this.fetchMonth(y, m);
    } catch (error) {
      if (shown !== this.shown) return;
      // A zone this browser knows but Penny's tzdata does not: the times in UTC.
      if (error.code === "invalid_timezone" && this.useZone("UTC")) return;
      this.calendar.status.textContent = error.message;
      this.dayHeading.textContent = "No times could be loaded";
      this.loading = false;
      return;
    }
    if (shown !== this.shown) return;
    this.loading = false;
    this.slots = slots;
    // A day whose only time is the booking's own has nothing to move to.
    const free = new Set(Object.keys(slots).filter(
      (day) => slots[day].some((slot) => !this.isCurrent(slot))));
    const atLast = this.last && y * 12 + m >= this.last.y * 12 + this.last.m;
    if (!free.size && advance && !atLast) {
      // Late in the month there may be nothing left: show the next month instead, once.
      this.showMonth(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1);
      return;
    }
    const keep = keepDay && free.has(this.selected);
    this.selected = keep ? this.selected : [...free].sort()[0] || null;
    this.calendar.show({ y, m, free, selected: this.selected, focus, ...this.bounds() });
    this.renderSlots();
  }

  selectDay(day) {
    this.selected = day;
    this.calendar.show({ y: this.y, m: this.m, free: this.calendar.state.free,
      selected: day, focus: day, ...this.bounds() });
    this.renderSlots();
  }

  renderSlots() {
    if (this.loading) return; // the clock switched while a month loads: it renders then
    const day = this.selected;
    const times = (day && this.slots[day]) || [];
    this.dayHeading.textContent = day ? dayLabel(day) : "No day selected";
    this.list.replaceChildren(...times.map((slot) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "slot";
      button.dataset.start = slot.start;
      button.dataset.end = slot.end;
      button.textContent = timeLabel(slot.start, this.zone, this.hour12);
      if (this.isCurrent(slot)) markCurrent(button);
      item.append(button);
      return item;
    }));
    if (!times.length) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = day ? "No free times on this day." : "Choose a day with free times.";
      this.list.append(empty);
    }
  }

  isCurrent(slot) {
    return Date.parse(slot.start) === this.current;
  }

  pick(event) {
    const button = event.target.closest("button.slot");
    if (button && !button.disabled) this.onPick({ start: button.dataset.start, end: button.dataset.end });
  }
}

// The booking's own time, shown for what it is and not offered: the server takes a move
// to it as one that changes nothing, yet the page would say "moved".
function markCurrent(button) {
  const time = button.textContent;
  button.disabled = true;
  button.classList.add("current-time");
  const note = document.createElement("span");
  note.className = "note";
  note.textContent = "current";
  button.append(" ", note); // on a line of its own: the time is not broken in two
  // The words shown come first in what a screen reader says (WCAG 2.5.3).
  button.setAttribute("aria-label", `${time} current, your booked time`);
}
