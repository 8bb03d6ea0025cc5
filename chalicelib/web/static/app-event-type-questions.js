// The event type editor's questions: a row for each (label, answer type, choices,
// required), numbered as the API numbers them, and read back into the API's shape
// (app-event-types.js holds the editor).

import { $, h } from "./app-dom.js";
import { slugify } from "./app-formats.js";

const QUESTION_TYPES = { text: "Short text", long_text: "Long text", email: "Email", phone: "Phone", select: "Choice" };

// A question's fields are named by its place in the list ("q-label-1"), as the API's
// error fields are ("questions.1.label"): renumbered whenever a question is removed, so
// no two fields share an id and an error lands on the question it is about.
const QUESTION_FIELDS = ["label", "type", "options", "required"];

export function questionRow(question) {
  const type = h("select", { "data-q": "type" },
    Object.entries(QUESTION_TYPES).map(([value, label]) =>
      h("option", { value, selected: value === question.type }, label)));
  const options = h("div", { class: "field q-options", hidden: question.type !== "select" },
    h("label", { "data-for": "options" }, "Choices (one per line)"),
    h("textarea", { "data-q": "options", rows: 3 }, (question.options || []).join("\n")));
  type.addEventListener("change", () => { options.hidden = type.value !== "select"; });
  const remove = h("button", { type: "button", class: "button button-quiet q-remove" }, "Remove");
  const row = h("li", { class: "question", "data-id": question.id || "" },
    h("div", { class: "field" }, h("label", { "data-for": "label", class: "q-number" }),
      h("input", { "data-q": "label", required: true, maxlength: 200, value: question.label || "" })),
    h("div", { class: "field-row" },
      h("div", { class: "field" }, h("label", { "data-for": "type" }, "Answer type"), type),
      h("label", { class: "field-check" },
        h("input", { type: "checkbox", "data-q": "required", checked: Boolean(question.required) }),
        "Required")),
    options, remove);
  remove.addEventListener("click", () => {
    const list = row.parentElement;
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumberQuestions(list);
    (next ? next.querySelector("input") : $("#et-add-question")).focus();
  });
  return row;
}

export function renumberQuestions(list) {
  [...list.children].forEach((row, i) => {
    for (const name of QUESTION_FIELDS) {
      const control = row.querySelector(`[data-q="${name}"]`);
      // An error shown before the renumbering was about the old place: it goes.
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
      control.id = `q-${name}-${i}`;
      control.name = `q-${name}-${i}`;
      const label = row.querySelector(`[data-for="${name}"]`);
      if (label) label.htmlFor = control.id;
    }
    for (const message of row.querySelectorAll(".field-error")) message.remove();
    row.querySelector(".q-number").textContent = `Question ${i + 1}`;
    row.querySelector(".q-remove").setAttribute("aria-label", `Remove question ${i + 1}`);
  });
}

export function readQuestions(list) {
  const used = new Set();
  return [...list.children].map((row, i) => {
    const get = (name) => row.querySelector(`[name^="q-${name}-"]`);
    const label = get("label").value.trim();
    let id = row.dataset.id || slugify(label).replaceAll("-", "_").slice(0, 40) || `question_${i + 1}`;
    while (used.has(id)) id = `${id.slice(0, 36)}_${i + 1}`;
    used.add(id);
    const type = get("type").value;
    const options = type === "select"
      ? get("options").value.split("\n").map((o) => o.trim()).filter(Boolean) : [];
    return { id, label, type, required: get("required").checked, options };
  });
}
