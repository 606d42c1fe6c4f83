/* The review page: player, score timeline, decisions by keyboard, and the claim.
   Keys: a l r e open a decision, 1-9 pick a label or policy in it, Enter confirms, s starts the
   review (claims the clip), space plays, , and . step through sampled frames, h jumps to the
   highest score. Opening the page only looks; a claim starts with s or with the first decision
   (the server claims and decides at once), is kept by a heartbeat and given back when the page
   is left (a pagehide beacon). When nothing playable exists yet, a decision first asks "Decide
   without watching?": y (or the same key again) goes on, and the decision records it.
   While the clip is scored the page polls the queue's progress fragment and reloads when done. */
(function () {
  "use strict";
  // Django's JavaScript catalog (jsi18n/, loaded first) translates; without it, English.
  const gettext = window.gettext || function (text) { return text; };
  const interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_m, name) { return String(values[name]); });
  };
  const root = document.getElementById("review");
  if (!root || !window.Desk) return;
  const video = document.getElementById("player");
  let canDecide = root.dataset.canDecide === "1";
  let holding = root.dataset.holding === "1";
  let leaseToken = root.dataset.leaseToken || "";

  /* ---- player and timeline (desk.js): clicks on points, Closest frame, steps, speed ---- */
  const play = window.Desk.player(root, video);
  const seek = play.seek;
  const step = play.step;
  const togglePlay = play.togglePlay;

  root.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-open]");
    if (opener) openDecision(opener.dataset.open);
    const closer = event.target.closest("[data-close]");
    if (closer) closer.closest("dialog").close();
  });

  /* ---- decisions ---- */
  const unwatched = document.getElementById("dlg-unwatched");
  let decideUnwatched = root.dataset.decideUnwatched === "1" && unwatched !== null;
  let pendingDecision = null;

  function askUnwatched(id) {
    pendingDecision = id;
    unwatched.showModal();
  }

  function confirmUnwatched() {
    const id = pendingDecision;
    decideUnwatched = false; // asked once per page
    root.querySelectorAll("[data-without-watching]").forEach(function (input) { input.value = "1"; });
    unwatched.close();
    if (id) openDecision(id);
  }

  if (unwatched) {
    unwatched.querySelector("[data-confirm-unwatched]").addEventListener("click", confirmUnwatched);
    unwatched.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "y" || decisionKeys[event.key] === pendingDecision) {
        event.preventDefault();
        confirmUnwatched();
      }
    });
  }

  function openDecision(id) {
    const dialog = document.getElementById(id);
    if (!canDecide || !dialog || dialog.open) return;
    if (decideUnwatched) {
      askUnwatched(id);
      return;
    }
    const error = dialog.querySelector("[data-error]");
    if (error) error.textContent = "";
    video.pause();
    dialog.showModal();
  }

  function lockDecisions(message) {
    canDecide = false;
    root.querySelectorAll(".act").forEach(function (button) { button.disabled = true; });
    const banner = root.querySelector("[data-claim-lost]");
    if (banner) {
      banner.textContent = message;
      banner.hidden = false;
    }
  }

  root.querySelectorAll("form[data-decision-form]").forEach(function (form) {
    const error = form.querySelector("[data-error]");
    const submit = form.querySelector('button[type="submit"]');
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (submit.disabled) return; // one decision in flight at a time
      submit.disabled = true;
      error.textContent = "";
      // form.action would be the input named "action", not the form's address.
      window.Desk.post(form.getAttribute("action"), new FormData(form)).then(
        function (result) {
          if (result.ok && result.body.next_url) {
            rememberChoices(form);
            holding = false; // the decision ended the claim: nothing to give back on leaving
            window.location.assign(result.body.next_url);
            return;
          }
          submit.disabled = false;
          error.textContent = result.body.message ||
            interpolate(gettext("The decision was not saved (%(status)s)."), { status: result.status }, true);
          if (result.status === 409) lockDecisions(error.textContent);
        },
        function () {
          submit.disabled = false;
          error.textContent = gettext("The desk could not be reached; nothing was decided. Try again.");
        }
      );
    });
    /* Enter on a checkbox or a select confirms, as it does in a text field. */
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.defaultPrevented) return;
      const tag = event.target.tagName;
      if (tag === "TEXTAREA" || tag === "BUTTON" || tag === "A") return;
      event.preventDefault();
      form.requestSubmit();
    });
  });

  /* ---- choices in the label and remove dialogs: nothing preselected, 1-9 pick, the choice
     this moderator made last is offered first (stored in this browser, per user) ---- */
  const recentKey = root.dataset.recentKey || "unmask.recent";
  function recent(action) {
    try {
      return JSON.parse(window.localStorage.getItem(recentKey + "." + action) || "[]");
    } catch (error) {
      return [];
    }
  }

  function rememberChoices(form) {
    const action = form.querySelector('input[name="action"]').value;
    const chosen = Array.from(form.querySelectorAll("[data-choice]:checked")).map(function (input) { return input.value; });
    if (!chosen.length) return;
    try {
      window.localStorage.setItem(recentKey + "." + action, JSON.stringify(chosen));
    } catch (error) { /* private mode: the order stays as it is */ }
  }

  function choicesOf(dialog) {
    const list = dialog.querySelector("[data-choices]");
    return list ? Array.from(list.querySelectorAll("[data-choice]")) : [];
  }

  root.querySelectorAll("form[data-decision-form]").forEach(function (form) {
    const list = form.querySelector("[data-choices]");
    if (!list) return;
    const action = form.querySelector('input[name="action"]').value;
    const last = recent(action);
    const rows = Array.from(list.querySelectorAll("[data-choice]")).map(function (input) { return input.closest("label"); });
    // Last used first, in the order they were; the rest keep the server's order.
    const first = rows.filter(function (row) { return last.indexOf(row.querySelector("input").value) !== -1; });
    const anchor = list.querySelector("legend");
    first.reverse().forEach(function (row) { anchor.after(row); });
    Array.from(list.querySelectorAll("[data-choice]")).forEach(function (input, n) {
      if (n > 8) return;
      const number = document.createElement("kbd");
      number.className = "choice-key";
      number.textContent = String(n + 1);
      input.after(" ", number);
      if (first.indexOf(input.closest("label")) !== -1) {
        const tag = document.createElement("span");
        tag.className = "tag recent";
        tag.textContent = gettext("last used");
        input.closest("label").append(" ", tag);
      }
    });
  });

  root.querySelectorAll("dialog.decide").forEach(function (dialog) {
    dialog.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      const tag = event.target.tagName;
      if (tag === "TEXTAREA" || (tag === "INPUT" && event.target.type === "text")) return;
      const digit = /^Digit([1-9])$/.exec(event.code || "") || /^([1-9])$/.exec(event.key || "");
      if (!digit) return;
      const input = choicesOf(dialog)[parseInt(digit[1], 10) - 1];
      if (!input) return;
      event.preventDefault();
      input.checked = input.type === "radio" ? true : !input.checked;
      input.focus();
    });
  });

  /* ---- keyboard ---- */
  const decisionKeys = { a: "dlg-approve", l: "dlg-label", r: "dlg-remove", e: "dlg-escalate" };
  document.addEventListener("keydown", function (event) {
    if (window.Desk.shortcutsOff(event)) return;
    const key = window.Desk.shortcutKey(event);
    if (decisionKeys[key]) {
      event.preventDefault();
      openDecision(decisionKeys[key]);
    } else if (key === "s") {
      event.preventDefault();
      startReview();
    } else if (key === " ") {
      const el = event.target;
      // Space keeps its own meaning on the video itself (its native controls toggle it: a
      // second toggle here would undo theirs), on buttons, links and other controls.
      if (el instanceof HTMLMediaElement) return;
      if (el.closest && el.closest("button, a, summary, [role=button], video, audio")) return;
      event.preventDefault();
      togglePlay();
    } else if (key === "," || key === ".") {
      event.preventDefault();
      step(key === "." ? 1 : -1);
    } else if (key === "h" && root.dataset.peakT) {
      event.preventDefault();
      seek(parseFloat(root.dataset.peakT));
    }
  });

  /* ---- the claim: start review, heartbeat, release on leaving ---- */
  const heartbeatUrl = root.dataset.heartbeatUrl;
  const every = parseInt(root.dataset.heartbeatSeconds, 10) * 1000;
  let timer = null;

  function showLease(expiresAt) {
    leaseToken = expiresAt;
    const lease = root.querySelector("[data-lease]");
    const until = new Date(expiresAt);
    if (lease && !Number.isNaN(until.getTime())) {
      lease.setAttribute("datetime", expiresAt);
      lease.textContent = until.toTimeString().slice(0, 5);
    }
  }

  function beat() {
    window.Desk.post(heartbeatUrl, {}).then(function (result) {
      if (!result.ok) {
        window.clearInterval(timer);
        holding = false;
        lockDecisions(result.body.message || gettext("Your claim on this clip has ended."));
        return;
      }
      showLease(result.body.claim_expires_at);
    });
  }

  function becomeHolder(expiresAt) {
    holding = true;
    showLease(expiresAt);
    root.querySelectorAll("[data-held]").forEach(function (el) { el.hidden = false; });
    root.querySelectorAll("[data-start-review], [data-looking]").forEach(function (el) { el.hidden = true; });
    const release = root.querySelector("[data-release-input]");
    if (release) release.disabled = false;
    if (heartbeatUrl && every > 0 && timer === null) timer = window.setInterval(beat, every);
  }

  let starting = false;
  function startReview() {
    if (holding || !canDecide || starting) return;
    starting = true;
    window.Desk.post(root.dataset.startUrl, {}).then(
      function (result) {
        starting = false;
        if (result.ok) {
          // The claim is a new version of the clip: decisions from here are based on it.
          root.querySelectorAll('input[name="expected_version"]').forEach(function (input) {
            input.value = result.body.version;
          });
          becomeHolder(result.body.claim_expires_at);
        }
        else lockDecisions(result.body.message || gettext("This clip could not be claimed."));
      },
      function () { starting = false; }
    );
  }

  root.addEventListener("click", function (event) {
    if (event.target.closest("[data-start-review]")) startReview();
  });
  if (holding) becomeHolder(leaseToken);

  /* Leaving the page gives the clip back at once (the lease is only the backstop). A beacon
     survives the page; the form carries the CSRF token and the lease this page knew, so a
     newer page of the same clip (a reload) keeps its claim. */
  const nextForm = document.getElementById("next-clip-form");
  if (nextForm) nextForm.addEventListener("submit", function () { holding = false; });
  root.querySelectorAll("form[data-held]").forEach(function (form) {
    form.addEventListener("submit", function () { holding = false; });
  });
  window.addEventListener("pagehide", function () {
    if (!holding || !navigator.sendBeacon) return;
    const data = new FormData();
    data.append("csrfmiddlewaretoken", window.Desk.csrfToken());
    data.append("lease", leaseToken);
    navigator.sendBeacon(root.dataset.leaveUrl, data);
    holding = false;
  });

  /* ---- scoring finishes: show the evidence without a manual reload ---- */
  document.body.addEventListener("htmx:afterRequest", function (event) {
    const elt = event.detail && event.detail.elt;
    const xhr = event.detail && event.detail.xhr;
    if (elt && elt.closest && elt.closest("[data-review-scoring]") && xhr && xhr.status === 286) {
      window.location.reload();
    }
  });
})();
