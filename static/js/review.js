/* The review page: player, score timeline, decisions by keyboard, and the claim heartbeat.
   Keys: a l r e open a decision, Enter confirms, space plays, , and . step through sampled
   frames, h jumps to the highest score. When nothing playable exists yet, a decision first
   asks "Decide without watching?": y (or the same key again) goes on, and the decision
   records it. */
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
  const svg = root.querySelector("svg.timeline");
  const points = svg
    ? Array.from(svg.querySelectorAll(".tl-point")).map(function (el) {
        return { t: parseFloat(el.dataset.t), el: el };
      })
    : [];
  const now = root.querySelector("[data-now]");
  let canDecide = root.dataset.canDecide === "1";

  /* ---- player and timeline ---- */
  function clock(seconds) {
    const m = Math.floor(seconds / 60);
    const s = seconds - m * 60;
    return m + ":" + (s < 10 ? "0" : "") + s.toFixed(1);
  }

  function markCurrent(t) {
    points.forEach(function (p) {
      p.el.classList.toggle("current", Math.abs(p.t - t) < 0.005);
    });
  }

  function seek(t) {
    if (!Number.isFinite(t)) return;
    video.pause();
    video.currentTime = t;
    markCurrent(t);
    movePlayhead(t);
  }

  function step(direction) {
    const at = video.currentTime;
    const target =
      direction > 0
        ? points.find(function (p) { return p.t > at + 0.01; })
        : points.slice().reverse().find(function (p) { return p.t < at - 0.01; });
    if (target) seek(target.t);
  }

  function movePlayhead(t) {
    if (now) now.textContent = clock(t);
    if (!svg) return;
    const duration = parseFloat(svg.dataset.duration);
    const line = svg.querySelector(".tl-playhead");
    if (!line || !(duration > 0)) return;
    const x = parseFloat(svg.dataset.x0) + (Math.min(t, duration) / duration) * parseFloat(svg.dataset.plotW);
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
  }

  function togglePlay() {
    if (video.paused) {
      const playing = video.play();
      if (playing && playing.catch) playing.catch(function () {});
    } else {
      video.pause();
    }
  }

  video.addEventListener("timeupdate", function () { movePlayhead(video.currentTime); });
  if (svg) {
    svg.addEventListener("click", function (event) {
      const point = event.target.closest(".tl-point");
      if (point) seek(parseFloat(point.dataset.t));
    });
  }
  root.addEventListener("click", function (event) {
    const seeker = event.target.closest("[data-seek]");
    if (seeker) seek(parseFloat(seeker.dataset.seek));
    const stepper = event.target.closest("[data-step]");
    if (stepper) step(parseInt(stepper.dataset.step, 10));
    const opener = event.target.closest("[data-open]");
    if (opener) openDecision(opener.dataset.open);
    const closer = event.target.closest("[data-close]");
    if (closer) closer.closest("dialog").close();
  });
  const speed = root.querySelector("[data-speed]");
  if (speed) {
    speed.addEventListener("change", function () { video.playbackRate = parseFloat(speed.value); });
  }

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

  /* ---- keyboard ---- */
  const decisionKeys = { a: "dlg-approve", l: "dlg-label", r: "dlg-remove", e: "dlg-escalate" };
  document.addEventListener("keydown", function (event) {
    if (window.Desk.shortcutsOff(event)) return;
    const key = window.Desk.shortcutKey(event);
    if (decisionKeys[key]) {
      event.preventDefault();
      openDecision(decisionKeys[key]);
    } else if (key === " ") {
      const el = event.target;
      // Space keeps its own meaning on buttons, links and other controls.
      if (el !== video && el.closest && el.closest("button, a, summary, [role=button]")) return;
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

  /* ---- claim heartbeat: keep the lease while the page is open ---- */
  const heartbeatUrl = root.dataset.heartbeatUrl;
  const every = parseInt(root.dataset.heartbeatSeconds, 10) * 1000;
  if (canDecide && heartbeatUrl && every > 0) {
    const timer = window.setInterval(function () {
      window.Desk.post(heartbeatUrl, {}).then(function (result) {
        if (!result.ok) {
          window.clearInterval(timer);
          lockDecisions(result.body.message || gettext("Your claim on this clip has ended."));
          return;
        }
        const lease = root.querySelector("[data-lease]");
        const until = new Date(result.body.claim_expires_at);
        if (lease && !Number.isNaN(until.getTime())) {
          lease.setAttribute("datetime", result.body.claim_expires_at);
          lease.textContent = until.toTimeString().slice(0, 5);
        }
      });
    }, every);
  }
})();
