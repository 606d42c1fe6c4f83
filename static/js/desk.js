/* Every desk page: CSRF-aware posting, the shortcuts dialog, the blur toggle (b), SLA
   countdowns, and "n" for Next clip. No inline scripts: the desk runs under a strict CSP. */
(function () {
  "use strict";

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /* POST form fields; resolves to {ok, status, body} with the JSON body when there is one. */
  function post(url, fields) {
    const body = fields instanceof FormData ? fields : new URLSearchParams(fields || {});
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response
        .json()
        .catch(function () { return {}; })
        .then(function (data) { return { ok: response.ok, status: response.status, body: data }; });
    });
  }

  /* Typing in a field, or working inside an open dialog, never triggers a shortcut. */
  function shortcutsOff(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
    const el = event.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return true;
    return document.querySelector("dialog[open]") !== null;
  }

  function setBlur(blurred, remember) {
    document.body.classList.toggle("blur-media", blurred);
    document.querySelectorAll("[data-blur-toggle][aria-pressed]").forEach(function (button) {
      button.setAttribute("aria-pressed", blurred ? "false" : "true");
    });
    const url = document.body.dataset.blurUrl;
    if (remember && url) post(url, { blur: blurred ? "1" : "0" });
  }

  function toggleBlur() {
    setBlur(!document.body.classList.contains("blur-media"), true);
  }

  function formatLeft(ms) {
    const overdue = ms < 0;
    let minutes = Math.floor(Math.abs(ms) / 60000);
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    const text = (hours ? hours + " h " : "") + minutes + " min";
    return overdue ? "overdue by " + text : text + " left";
  }

  function tickCountdowns() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      const left = Date.parse(el.getAttribute("datetime")) - Date.now();
      if (Number.isNaN(left)) return;
      el.textContent = formatLeft(left);
      el.classList.toggle("overdue", left < 0);
    });
  }

  function openShortcuts() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-blur-toggle]")) toggleBlur();
    if (event.target.closest("[data-shortcuts-open]")) openShortcuts();
  });

  document.addEventListener("keydown", function (event) {
    if (shortcutsOff(event)) return;
    if (event.key === "?") {
      event.preventDefault();
      openShortcuts();
    } else if (event.key === "b") {
      event.preventDefault();
      toggleBlur();
    } else if (event.key === "n") {
      const next = document.getElementById("next-clip-form");
      if (next) {
        event.preventDefault();
        next.requestSubmit();
      }
    }
  });

  tickCountdowns();
  window.setInterval(tickCountdowns, 15000);

  window.Desk = { post: post, shortcutsOff: shortcutsOff, csrfToken: csrfToken };
})();
