// A paid event's refund terms for the chosen time, said before the visitor pays. The
// policy counts back from the start ("at least 24 hours before"), so a time nearer than
// that can't be refunded from the moment it is booked: the page says so, where the rule
// alone read as a refund; for a later time it gives the deadline itself. Counted on the
// browser's clock, when a time is chosen (the server judges the cancellation itself).
import { dayIn, dayLabel, timeLabel, unbroken, zoneLabel } from "./clock.js";

const HOUR_MS = 3600000;
const hoursLabel = (hours) => (hours === 1 ? "1 hour" : `${hours} hours`);

/** The words for a time starting at `startIso`, or null where the rule says it all (no
 * hours before: the deadline is the start itself). */
export function refundTerms(startIso, hoursBefore, { zone, hour12, now = Date.now() }) {
  if (!hoursBefore || hoursBefore <= 0) return null;
  const deadline = new Date(Date.parse(startIso) - hoursBefore * HOUR_MS);
  if (now > deadline.getTime()) {
    return `This time is less than ${hoursLabel(hoursBefore)} away, so it can't be `
      + "refunded if you cancel.";
  }
  const at = unbroken(timeLabel(deadline.toISOString(), zone, hour12));
  return `Full refund if you cancel by ${dayLabel(dayIn(zone, deadline))}, ${at} `
    + `(${zoneLabel(zone)}); no refund after that.`;
}
