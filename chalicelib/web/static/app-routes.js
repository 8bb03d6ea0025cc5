// Routing between the dashboard's views: each view is a real URL (/app/bookings,
// /app/profile, ...) built on the base the page was served under, so reload, back and
// forward work; a link with data-link changes the view without loading the page.

import { base } from "./api.js";
import { $, $$ } from "./app-dom.js";
import { hasUnsavedChanges, mayLeave } from "./app-unsaved.js";

const PUBLIC_SECTIONS = ["login", "signup", "forgot-password"];
// Shown signed in or not: a reset link opened in a browser that is still logged in.
const OPEN_SECTIONS = ["reset-password"];
const TITLES = {
  login: "Log in", signup: "Create your account", "forgot-password": "Reset your password",
  "reset-password": "Choose a new password", welcome: "Connect your tools",
  bookings: "Bookings", "event-types": "Event types", availability: "Availability",
  profile: "Profile", connections: "Connections",
};

// `views`: section -> its view ({enter()}); `state.profile` says whether a host is
// signed in. Listens to the page's links, Back and Forward, and leaving the page.
export function createRouter(state, views) {
  function currentSection() {
    const rest = location.pathname.slice(base.length);
    const match = rest.match(/^\/app(?:\/([a-z-]+))?\/?$/);
    return match && match[1] ? match[1] : "";
  }

  function go(section, { replace = false } = {}) {
    const url = `${base}/app/${section}`;
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    render({ focus: true });
  }

  let shownPath = location.pathname; // the address of the view on screen
  // The view a logged-out visitor asked for (a bookmark) or was on when the session
  // ended: logging in leads back there (takeWanted), not to Bookings.
  let wanted = "";

  function render({ focus = false } = {}) {
    let section = currentSection();
    const signedIn = Boolean(state.profile);
    if (!signedIn && !PUBLIC_SECTIONS.includes(section) && !OPEN_SECTIONS.includes(section)) {
      if (Object.hasOwn(views, section)) wanted = section;
      section = "login";
    }
    else if (signedIn && (PUBLIC_SECTIONS.includes(section) || !Object.hasOwn(views, section))) section = "bookings";
    if (section !== currentSection()) history.replaceState(null, "", `${base}/app/${section}`);
    shownPath = location.pathname;

    $("#dash-loading").hidden = true;
    $("#dash-nav").hidden = !signedIn;
    $("#dash-account").hidden = !signedIn;
    for (const view of $$("[data-view]")) view.hidden = view.dataset.view !== section;
    for (const link of $$("#dash-nav a")) {
      if (link.dataset.section === section) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    showCurrentLink();
    document.title = `${TITLES[section]} · Penny`;
    views[section].enter();
    if (focus) {
      const heading = $(`[data-view="${section}"] h1`);
      if (heading) heading.focus();
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-link]");
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (!mayLeave()) return;
    history.pushState(null, "", link.getAttribute("href"));
    render({ focus: true });
  });
  window.addEventListener("popstate", () => {
    // Back or Forward has changed the address already: to stay, the view's is put back.
    if (mayLeave()) render({ focus: true });
    else history.pushState(null, "", shownPath);
  });
  // Closing or reloading the tab, or going to another site (a provider's consent page): the
  // browser asks, in its own words.
  window.addEventListener("beforeunload", (event) => {
    if (!hasUnsavedChanges()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  function takeWanted() {
    const section = wanted;
    wanted = "";
    return section;
  }

  // The same, left in place: a sign-in with Google or Microsoft takes it along to the
  // provider and back (app-sign-in.js), the page being loaded afresh on its return.
  function wantedView() {
    return wanted;
  }

  // A view asked for before this page load (a refused sign-in with a provider): kept as
  // if asked for now, when it is one of the views a login may lead to.
  function want(section) {
    if (Object.hasOwn(views, section) && !PUBLIC_SECTIONS.includes(section) && !OPEN_SECTIONS.includes(section)) {
      wanted = section;
    }
  }

  return { currentSection, go, render, takeWanted, wantedView, want };
}

// On a phone the nav is one row that scrolls sideways: bring the current section into it
// (only the row scrolls; the page stays where it is).
function showCurrentLink() {
  const nav = $("#dash-nav");
  const current = $('a[aria-current="page"]', nav);
  if (!current || nav.scrollWidth <= nav.clientWidth) return;
  const link = current.getBoundingClientRect();
  const row = nav.getBoundingClientRect();
  nav.scrollLeft += (link.left + link.right) / 2 - (row.left + row.right) / 2;
}
