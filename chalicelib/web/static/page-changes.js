// The booking page when the host changed its event type while it was open. The booking
// sends the version the page showed, and one refused because the host saved the event
// type since (409 event_type_changed) booked nothing: the page reads itself again and
// shows the event type as it is now. Its facts, fields and pay note come rendered by the
// server, as at first paint (forms.py: one way of drawing a question); what the visitor
// typed carries over by field name, and the page says in words what changed.

// A read of the page just after the host's save may lag it (the slug index is eventually
// consistent, the refusal's read was not): a few reads, a moment apart, until it shows
// the version the refusal named.
const READS = 3;

/** The page as it is now ({doc, data}), at `version` or later; null if it cannot be read. */
export async function readAgain(version) {
  for (let read = 1; read <= READS; read += 1) {
    const fresh = await readPage();
    if (!fresh) return null;
    if (fresh.data.event.version >= version) return fresh;
    if (read < READS) await new Promise((done) => setTimeout(done, 400 * read));
  }
  return null;
}

async function readPage() {
  try {
    const response = await fetch(location.pathname,
      { cache: "no-cache", headers: { Accept: "text/html" } });
    if (!response.ok) return null;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const data = doc.getElementById("penny-page");
    return data && doc.getElementById("booking-form") ? { doc, data: JSON.parse(data.textContent) } : null;
  } catch {
    return null;
  }
}

const text = (element) => (element ? element.textContent.trim() : "");

/** The card's facts by name: Duration, Location, Price and (paid) Refunds. */
function facts(doc) {
  return Object.fromEntries([...doc.querySelectorAll(".event-info .facts > div")]
    .map((fact) => [text(fact.querySelector("dt")), text(fact.querySelector("dd"))]));
}

/** The form's fields by name: the label, whether it needs an answer, what it takes. */
function fields(doc) {
  return new Map([...doc.querySelectorAll("#booking-form .field")].map((field) => {
    const control = field.querySelector("[name]");
    const label = field.querySelector("label").childNodes[0].textContent.trim();
    const options = [...control.querySelectorAll("option")].map((o) => o.value).join("\n");
    return [control.name, { label, required: control.required,
      takes: `${control.tagName} ${control.dataset.kind} ${options}` }];
  }));
}

const quoted = (labels) => labels.map((label) => `“${label}”`).join(" and ");
const costs = (now, was) => (now === "Free" ? `It is now free, not ${was}.`
  : `It now costs ${now}, not ${was === "Free" ? "free" : was}.`);

/**
 * What differs between the page as shown (`document`, with `shown`, the event it holds
 * now) and as it is now (`fresh`, as readAgain gives it), in sentences: `said` (empty when nothing the visitor reads changed: a buffer, a limit),
 * `asks` (the names of the fields that are new or now need an answer), `retimed` (the
 * meeting's length changed).
 */
export function whatChanged(fresh, shown) {
  const { doc, data } = fresh;
  const said = [];
  const [was, now] = [facts(document), facts(doc)];
  const title = text(doc.getElementById("event-title"));
  if (title !== text(document.getElementById("event-title"))) said.push(`It is now called “${title}”.`);
  const retimed = now.Duration !== was.Duration;
  if (retimed) said.push(`This meeting is now ${now.Duration}, not ${was.Duration}.`);
  if (now.Location !== was.Location) said.push(`Location: now ${now.Location}, not ${was.Location}.`);
  else if (data.event.location_note !== shown.location_note) said.push(`Where: ${data.event.location_note}`);
  if (now.Price !== was.Price) said.push(costs(now.Price, was.Price));
  if (now.Refunds && now.Refunds !== was.Refunds) said.push(`Refunds: ${now.Refunds}`);
  if (text(doc.querySelector(".event-info .description"))
      !== text(document.querySelector(".event-info .description"))) said.push("Its description changed.");

  const [asked, asking] = [fields(document), fields(doc)];
  const added = [...asking.keys()].filter((name) => !asked.has(name));
  if (added.length) said.push(`It now asks ${quoted(added.map((name) => asking.get(name).label))}.`);
  const dropped = [...asked.keys()].filter((name) => !asking.has(name));
  if (dropped.length) said.push(`It no longer asks ${quoted(dropped.map((name) => asked.get(name).label))}.`);
  const needed = [];
  for (const [name, field] of asking) {
    const before = asked.get(name);
    if (!before) continue;
    if (field.label !== before.label) said.push(`It now asks “${field.label}” in place of “${before.label}”.`);
    else if (field.takes !== before.takes) said.push(`“${field.label}” changed: check your answer.`);
    if (field.required && !before.required) {
      said.push(`“${field.label}” now needs an answer.`);
      needed.push(name);
    }
  }
  return { said, asks: [...added, ...needed], retimed };
}

/** Show `doc`'s card, fields, pay note and button on this page, keeping what was typed. */
export function showPage(doc, form) {
  document.querySelector(".event-info").replaceWith(
    document.importNode(doc.querySelector(".event-info"), true));
  const typed = new Map([...form.querySelectorAll("[name]")].map((c) => [c.name, c.value]));
  const shown = [...doc.querySelectorAll("#booking-form .field")].map((field) => {
    const copy = document.importNode(field, true);
    const control = copy.querySelector("[name]");
    if (typed.has(control.name)) control.value = typed.get(control.name);
    return copy;
  });
  const note = doc.getElementById("pay-note");
  for (const old of form.querySelectorAll(".field, #pay-note")) old.remove();
  form.prepend(...shown, ...(note ? [document.importNode(note, true)] : []));
  const [submit, now] = [form.querySelector("#submit"), doc.getElementById("submit")];
  submit.textContent = now.textContent;
  if (now.hasAttribute("aria-describedby")) {
    submit.setAttribute("aria-describedby", now.getAttribute("aria-describedby"));
  } else {
    submit.removeAttribute("aria-describedby");
  }
  document.title = doc.title;
}
