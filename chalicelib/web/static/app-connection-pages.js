// The two views that show the host's platforms (createConnections' cards, in
// app-connections.js): the welcome steps, one group of cards a step, and the Connections
// page, every group at once.

import { $, h } from "./app-dom.js";

export const GROUPS = [
  { id: "calendar", title: "Calendars and video", lead: "Penny checks your calendars for conflicts and adds each booking with a video link." },
  { id: "notes", title: "Notes", lead: "After each booking, Penny can save the client's answers as notes." },
  { id: "payments", title: "Payments", lead: "Take payment when a client books a paid event type." },
];

// ---- the welcome steps -----------------------------------------------------------------

export function initWelcome(connections, { go }) {
  let step = 0;
  const steps = [...document.querySelectorAll("#welcome-steps li")];
  const panel = $("#welcome-panel");
  const back = $("#welcome-back");
  const next = $("#welcome-next");

  function show() {
    const group = GROUPS[step];
    steps.forEach((item, i) => {
      if (i === step) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    const list = h("ul", { class: "integrations" });
    panel.replaceChildren(
      h("h2", { id: "welcome-step-title", tabindex: "-1" }, `Step ${step + 1} of ${GROUPS.length}: ${group.title}`),
      h("p", { class: "lead" }, group.lead),
      list);
    connections.mount("welcome", list, group.id);
    back.hidden = step === 0;
    next.textContent = step === GROUPS.length - 1 ? "Finish: set your hours" : "Next";
  }

  back.addEventListener("click", () => {
    step = Math.max(0, step - 1);
    show();
    $("#welcome-step-title").focus();
  });
  next.addEventListener("click", () => {
    if (step === GROUPS.length - 1) return go("availability");
    step += 1;
    show();
    $("#welcome-step-title").focus();
    return null;
  });
  return {
    enter() {
      // Back from a provider's consent page: the step whose card was pressed.
      const group = connections.welcomeReturn();
      step = Math.max(0, GROUPS.findIndex((g) => g.id === group));
      show();
      connections.enterWelcome();
    },
  };
}

// ---- the Connections page --------------------------------------------------------------

export function initConnectionsPage(connections, live) {
  for (const group of GROUPS) connections.mount(group.id, $(`#connections-${group.id}`), group.id, { details: true });
  $("#live-reconnect").addEventListener("click", () => live.reconnectNow());
  return { enter() { connections.enterPage(); } };
}
