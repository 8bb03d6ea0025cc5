// The page-side half of audit.py: evaluated in the page, it returns the two checks.
(() => {
const SELECTOR = 'a[href], button, input:not([type=hidden]), select, textarea, summary, ' +
                 '[tabindex]:not([tabindex="-1"]), [role=tab], [role=button]';
function controls() {
  // A modal dialog makes the rest of the page inert: only its own controls are reachable.
  const scope = document.querySelector('dialog:modal') || document;
  return [...scope.querySelectorAll(SELECTOR)].filter((el) =>
    !el.disabled && el.checkVisibility({visibilityProperty: true, opacityProperty: true}) &&
    !el.closest('[inert]') && el.getClientRects().length > 0 &&
    !el.closest('.visually-hidden'));
}
function describe(el) {
  const name = (el.getAttribute('aria-label') || el.textContent || el.value || '')
    .replace(/\s+/g, ' ').trim().slice(0, 40);
  const id = el.id ? '#' + el.id : '';
  const type = el.type && el.tagName === 'INPUT' ? `[type=${el.type}]` : '';
  return `${el.tagName.toLowerCase()}${id}${type} "${name}"`;
}

// For each control: focus it as the keyboard would, then measure the ring it draws (the
// outline beyond its border box, or a box-shadow's spread) and every clipping ancestor.
const focusRings = () => {
  const found = [];
  for (const el of controls()) {
    el.focus({focusVisible: true});
    if (document.activeElement !== el) { found.push(`${describe(el)}: cannot take focus`); continue; }
    el.scrollIntoView({block: 'center', inline: 'center'});
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0;
    const offset = outline ? parseFloat(style.outlineOffset) : 0;
    const spreads = [...style.boxShadow.matchAll(/(-?[\d.]+)px\s+(-?[\d.]+)px\s+(-?[\d.]+)px\s+(-?[\d.]+)px/g)]
      .map((m) => parseFloat(m[4]));
    const ring = Math.max(outline ? outline + offset : 0, ...spreads, 0);
    if (ring < 2) { found.push(`${describe(el)}: no focus ring`); continue; }
    const box = el.getBoundingClientRect();
    const want = {left: box.left - ring, right: box.right + ring,
                  top: box.top - ring, bottom: box.bottom + ring};
    for (let up = el.parentElement; up; up = up.parentElement) {
      const s = getComputedStyle(up);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      if (up === document.body || up === document.documentElement) continue;
      const r = up.getBoundingClientRect();
      const clip = {left: r.left + up.clientLeft, top: r.top + up.clientTop,
                    right: r.left + up.clientLeft + up.clientWidth,
                    bottom: r.top + up.clientTop + up.clientHeight};
      const cut = (s.overflowX !== 'visible' && (want.left < clip.left - 0.5 || want.right > clip.right + 0.5)) ||
                  (s.overflowY !== 'visible' && (want.top < clip.top - 0.5 || want.bottom > clip.bottom + 0.5));
      if (cut) { found.push(`${describe(el)}: focus ring cut by ${describe(up)} (overflow ${s.overflowX}/${s.overflowY})`); break; }
    }
  }
  document.activeElement && document.activeElement.blur();
  return found;
};

// For each control, the box a finger can hit: the control itself, or the label that
// wraps a checkbox or radio (clicking it toggles the box). A link in running text is
// exempt.
const targets = (minimum) => {
  const found = [];
  const inSentence = (el) => {
    if (el.tagName !== 'A') return false;
    const block = el.parentElement;
    if (!block || !['P', 'LI', 'DD', 'SPAN'].includes(block.tagName)) return false;
    const own = (el.textContent || '').trim();
    const around = (block.textContent || '').replace(own, '').trim();
    return /[a-z]{2,}\s+[a-z]{2,}/i.test(around);
  };
  for (const el of controls()) {
    if (inSentence(el)) continue;
    let target = el;
    if ((el.type === 'checkbox' || el.type === 'radio') && el.closest('label')) target = el.closest('label');
    const r = target.getBoundingClientRect();
    if (r.width + 0.5 < minimum || r.height + 0.5 < minimum) {
      found.push(`${describe(el)}: ${Math.round(r.width)} x ${Math.round(r.height)} px`);
    }
  }
  return found;
};

return { focusRings, targets };
})()
