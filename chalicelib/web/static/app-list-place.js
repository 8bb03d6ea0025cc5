// The host's place in the bookings list, given back after a read of it (app-bookings.js).

// Where the host is in the list: the control they are on (a row's button, link or
// summary) and the answers and briefs they opened. A read of the list draws every row
// anew, and the focus on a row taken away falls to the page's body: a catch-up read or a
// live event threw a keyboard or screen-reader user back to the top of the page.
export function placeIn(list) {
  const key = (details) => `${details.closest("li[data-uid]").dataset.uid} ${details.className}`;
  const open = new Set([...list.querySelectorAll("li[data-uid] details[open]")].map(key));
  const active = document.activeElement;
  const item = active && active !== list && list.contains(active) ? active.closest("li[data-uid]") : null;
  if (!item) return { open, focus: null };
  const controls = [...item.querySelectorAll("a[href], button, summary")];
  const named = [...active.classList].find((c) => c.startsWith("booking-"));
  const details = active.tagName === "SUMMARY" ? active.parentElement.className : null;
  return {
    open,
    focus: {
      uid: item.dataset.uid, row: [...list.children].indexOf(item), at: controls.indexOf(active),
      selector: named ? `.${named}` : details ? `.${details.split(" ")[0]} > summary` : null,
    },
  };
}

// The place given back after the rows were drawn anew: the same control of the same
// booking, or, when that booking left the list (cancelled, moved to another tab), the
// same control of the row now in its place (else its first); the selected tab when the
// list is empty.
export function backTo(list, place, tab) {
  for (const details of list.querySelectorAll("li[data-uid] details")) {
    if (place.open.has(`${details.closest("li[data-uid]").dataset.uid} ${details.className}`)) details.open = true;
  }
  const was = place.focus;
  if (!was || (document.activeElement && document.activeElement !== document.body)) return;
  const rows = [...list.children];
  const same = rows.find((li) => li.dataset.uid === was.uid);
  const row = same || rows[Math.min(was.row, rows.length - 1)];
  const controls = row ? [...row.querySelectorAll("a[href], button, summary")] : [];
  const target = (row && was.selector && row.querySelector(was.selector))
    || (same && controls[was.at]) || controls[0] || tab;
  target.focus({ preventScroll: true });
}
