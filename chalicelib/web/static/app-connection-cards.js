// The cards of the host's platforms, drawn into each list that shows them (the welcome
// step's and the Connections page's): a card says what the connection model's stateOf
// says (app-connection-model.js), with a button for each action, which app-connections.js
// carries out (`act(action, integration, button)`).
//
// `cardDetail(integration, connection, connected)` may give an element to show under a
// card (where notes go: app-notes.js); the same element each time, so what it holds
// survives a redraw.

import { $, fromTemplate, h, uniqueId } from "./app-dom.js";

export function createCardLists(integrations, model, { cardDetail, act }) {
  const mounts = new Map(); // name -> { list, group, details }

  function card(integration, details) {
    const item = fromTemplate("tpl-integration");
    const statusId = uniqueId(`integration-${integration.id}`);
    const shown = model.stateOf(integration);
    item.dataset.integration = integration.id;
    $(".integration-name", item).textContent = integration.name;
    $(".integration-purpose", item).textContent = integration.purpose;
    $(".integration-status", item).id = statusId;
    const badge = $(".integration-badge", item);
    badge.textContent = shown.badge;
    if (shown.kind) badge.className = `badge badge-${shown.kind} integration-badge`;
    $(".integration-note", item).textContent = shown.note;
    if (shown.scopes && shown.scopes.length) {
      $(".integration-status", item).after(h("details", { class: "integration-scopes" },
        h("summary", {}, "Access granted"),
        h("ul", {}, shown.scopes.map((scope) => h("li", {}, h("code", {}, scope))))));
    }
    const detail = details && model.loaded
      ? cardDetail(integration, model.connectionFor(integration), model.connectedIntegrations()) : null;
    if (detail) item.append(detail);
    const actions = $(".integration-actions", item);
    if (!shown.actions.length) actions.remove();
    for (const [action, text, options] of shown.actions) {
      actions.append(h("button", {
        type: "button", class: `button ${options.kind || ""}`.trim(), disabled: Boolean(options.disabled),
        "aria-label": options.label || `${text} ${integration.name}`, "aria-describedby": statusId,
        "data-action": action, onclick: (event) => act(action, integration, event.currentTarget),
      }, text));
    }
    return item;
  }

  // Draw a list again, keeping the keyboard where it was: on the same card's button for
  // the same action, or that card's first button when the action is gone (Disconnect
  // became Connect), or on a card's detail, which moves to the new card.
  function draw(list, group, details) {
    const active = document.activeElement;
    const from = list.contains(active) && active.closest(".integration");
    list.replaceChildren(...integrations.filter((i) => i.group === group).map((i) => card(i, details)));
    if (from && active.isConnected && !active.dataset.action) active.focus();
    else if (from) focusCard(from.dataset.integration, active.dataset.action);
  }

  function focusCard(id, action) {
    for (const { list } of mounts.values()) {
      const item = list.isConnected && list.querySelector(`[data-integration="${id}"]`);
      if (!item || item.closest("[hidden]")) continue;
      const button = item.querySelector(`button[data-action="${action}"]:not(:disabled)`) ||
        item.querySelector("button:not(:disabled)");
      if (button) button.focus();
      return;
    }
  }

  function redraw() {
    for (const { list, group, details } of mounts.values()) if (list.isConnected) draw(list, group, details);
  }

  return {
    // `details`: the cards show what cardDetail gives (on one mount only: an element
    // is in one place at a time).
    mount(name, list, group, details) {
      mounts.set(name, { list, group, details });
      draw(list, group, details);
    },
    redraw,
    focusCard,
  };
}
