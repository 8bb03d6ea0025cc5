// The month grid: days with free times are marked and selectable. Keyboard as in the
// WAI-ARIA date grid: arrows move a day or a week, Home/End to the week's ends,
// PageUp/PageDown a month; one day button is in the tab order (roving tabindex).
import {
  addDays, addMonths, dayLabel, daysInMonth, isoDay, monthLabel, parseDay, weekday,
} from "./clock.js";

export class Calendar {
  constructor({ onSelect, onMonth }) {
    this.body = document.getElementById("days");
    this.label = document.getElementById("month-label");
    this.status = document.getElementById("calendar-status");
    this.prev = document.getElementById("prev-month");
    this.next = document.getElementById("next-month");
    this.onSelect = onSelect;
    this.onMonth = onMonth;
    this.state = { y: 0, m: 0, free: null, selected: null, focus: null, first: null, end: null };
    this.windowNote = ""; // what a month at the end of the booking window says
    this.today = null; // YYYY-MM-DD in the chosen zone, underlined
    this.prev.addEventListener("click", () => this.move(-1));
    this.next.addEventListener("click", () => this.move(1));
    this.body.addEventListener("click", (event) => this.click(event));
    this.body.addEventListener("keydown", (event) => this.key(event));
  }

  /**
   * free: Set of YYYY-MM-DD with times, or null while loading; first: earliest month;
   * end: the latest one (the booking window's), or null.
   */
  show({ y, m, free, selected = null, focus = null, first, end = null }) {
    const start = isoDay(y, m, 1);
    const last = isoDay(y, m, daysInMonth(y, m));
    const focusDay = focus && focus >= start && focus <= last ? focus : selected || start;
    this.state = { y, m, free, selected, focus: focusDay, first, end };
    this.label.textContent = monthLabel(y, m);
    const atFirst = y * 12 + m <= first.y * 12 + first.m;
    const atLast = end !== null && y * 12 + m >= end.y * 12 + end.m;
    // Disabling the focused button would drop focus to the page: it moves to the other.
    const stranded = (atFirst && document.activeElement === this.prev)
      || (atLast && document.activeElement === this.next);
    this.prev.disabled = atFirst;
    this.next.disabled = atLast;
    if (stranded && !(atFirst && atLast)) (atLast ? this.prev : this.next).focus();
    this.status.textContent = free === null ? "Loading available times…"
      : free.size ? "" : atLast ? `No free times this month. ${this.windowNote}`
        : "No free times this month. Try the next month.";
    this.render(start);
  }

  render(start) {
    const { y, m, free, selected, focus } = this.state;
    const rows = [];
    let cells = Array.from({ length: weekday(start) }, () => "<td></td>");
    for (let d = 1; d <= daysInMonth(y, m); d += 1) {
      cells.push(this.cell(isoDay(y, m, d), free, selected, focus));
      if (cells.length === 7) {
        rows.push(`<tr>${cells.join("")}</tr>`);
        cells = [];
      }
    }
    if (cells.length) rows.push(`<tr>${cells.join("")}${"<td></td>".repeat(7 - cells.length)}</tr>`);
    // Re-rendering drops focus: a keyboard user on a day keeps their place.
    const hadFocus = this.body.contains(document.activeElement);
    this.body.innerHTML = rows.join("");
    if (hadFocus) this.restoreFocus();
  }

  cell(day, free, selected, focus) {
    const open = Boolean(free && free.has(day));
    const classes = ["day", open && "free", day === this.today && "today"].filter(Boolean).join(" ");
    // While the month loads (free is null) nobody knows yet which days have times.
    const label = `${dayLabel(day)}${free === null ? "" : open ? ", times available" : ", no times"}`;
    return `<td${day === selected ? ' aria-selected="true"' : ""}>`
      + `<button type="button" class="${classes}" data-day="${day}" `
      + `tabindex="${day === focus ? 0 : -1}" aria-label="${label}" `
      + `aria-pressed="${day === selected}"${open ? "" : ' aria-disabled="true"'}>`
      + `${parseDay(day).d}</button></td>`;
  }

  move(months, focus = null) {
    const { y, m } = addMonths(this.state.y, this.state.m, months);
    const { first, end } = this.state;
    if (y * 12 + m < first.y * 12 + first.m) return;
    if (end !== null && y * 12 + m > end.y * 12 + end.m) return;
    this.onMonth(y, m, focus);
  }

  click(event) {
    const button = event.target.closest("button[data-day]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    this.onSelect(button.dataset.day);
  }

  key(event) {
    const button = event.target.closest("button[data-day]");
    if (!button) return;
    const day = button.dataset.day;
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    let target = null;
    if (event.key in steps) target = addDays(day, steps[event.key]);
    else if (event.key === "Home") target = addDays(day, -weekday(day));
    else if (event.key === "End") target = addDays(day, 6 - weekday(day));
    else if (event.key === "PageUp" || event.key === "PageDown") {
      const { y, m } = addMonths(this.state.y, this.state.m, event.key === "PageUp" ? -1 : 1);
      target = isoDay(y, m, Math.min(parseDay(day).d, daysInMonth(y, m)));
    } else return;
    event.preventDefault();
    this.focusDay(target);
  }

  focusDay(day) {
    const { y, m } = parseDay(day);
    if (y !== this.state.y || m !== this.state.m) {
      this.move((y - this.state.y) * 12 + (m - this.state.m), day);
      return;
    }
    this.state.focus = day;
    for (const b of this.body.querySelectorAll("button[data-day]")) {
      b.tabIndex = b.dataset.day === day ? 0 : -1;
      if (b.dataset.day === day) b.focus();
    }
  }

  /** After a re-render caused by the keyboard, put focus back on the day. */
  restoreFocus() {
    const button = this.body.querySelector(`button[data-day="${this.state.focus}"]`);
    if (button) button.focus();
  }
}
