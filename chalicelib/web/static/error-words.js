// An API error's message in the page's words. The API names a field by its path
// ("attendee.name must not contain…", "questions.1: a choice question (select) needs…");
// beside the field the page shows, that path becomes the field's own label ("Your name
// must not contain…"). A message that does not start with the field's path is kept.
const PATH = /^([A-Za-z_]\w*(?:\.\w+)*)(:?) /;

export function inWords(message, field, label) {
  const found = PATH.exec(message || "");
  if (!found || !label || !field) return message;
  const path = found[1];
  if (field !== path && !field.startsWith(`${path}.`)) return message;
  return `${label}${found[2]} ${message.slice(found[0].length)}`;
}
