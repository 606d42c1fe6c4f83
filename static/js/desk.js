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

  /* Typing in a field, composing with an input method, or working inside an open dialog never
     triggers a shortcut. */
  function shortcutsOff(event) {
    if (event.isComposing || event.keyCode === 229) return true;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
    const el = event.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return true;
    return document.querySelector("dialog[open]") !== null;
  }

  /* The shortcut a key press means, on any keyboard layout. A Latin letter counts as itself, so
     the mnemonics hold on AZERTY or Dvorak; a letter of another script (Hangul jamo "ㅁ", Kana,
     Cyrillic) or an IME's "Process" counts as the Latin letter of its physical key (event.code
     "KeyA" -> "a", "A" with Shift); anything else ("?", ",", " ") is the key itself. */
  const LATIN_LETTER = /^[A-Za-z]$/;
  const PHYSICAL_LETTER = /^Key([A-Z])$/;
  function shortcutKey(event) {
    const key = event.key || "";
    if (LATIN_LETTER.test(key)) return key;
    const physical = PHYSICAL_LETTER.exec(event.code || "");
    const foreign = key === "Process" || key === "Unidentified" || (key.length === 1 && /\p{L}/u.test(key));
    if (physical && foreign) return event.shiftKey ? physical[1] : physical[1].toLowerCase();
    return key;
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

  /* The top bar's blur toggle (and "b") only where the page shows media: elsewhere it would
     claim a state nothing on the page has. Re-checked when htmx swaps part of the page. */
  function hasMedia() {
    return document.querySelector(".sensitive") !== null;
  }
  function syncBlurToggle() {
    const shown = hasMedia();
    document.querySelectorAll(".topbar [data-blur-toggle]").forEach(function (button) {
      button.hidden = !shown;
    });
  }

  /* Strings from Django's JavaScript catalog (/jsi18n/, loaded before this file); English when
     it could not load. */
  const gettext = window.gettext || function (text) { return text; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }

  function formatLeft(ms) {
    const overdue = ms < 0;
    let minutes = Math.floor(Math.abs(ms) / 60000);
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    const text = hours
      ? interpolate(gettext("%(hours)s h %(minutes)s min"), { hours: hours, minutes: minutes })
      : interpolate(gettext("%(minutes)s min"), { minutes: minutes });
    const format = overdue ? gettext("overdue by %(time)s") : gettext("%(time)s left");
    return interpolate(format, { time: text });
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
    const key = shortcutKey(event);
    if (key === "?") {
      event.preventDefault();
      openShortcuts();
    } else if (key === "b" && hasMedia()) {
      event.preventDefault();
      toggleBlur();
    } else if (key === "n") {
      const next = document.getElementById("next-clip-form");
      if (next) {
        event.preventDefault();
        next.requestSubmit();
      }
    }
  });

  tickCountdowns();
  syncBlurToggle();
  window.setInterval(tickCountdowns, 15000);
  /* A fragment htmx swapped in carries the server's text, written by the same rule as
     formatLeft (desk/templatetags/desk.py, time_left): re-tick at once all the same. */
  document.body.addEventListener("htmx:afterSettle", function () {
    tickCountdowns();
    syncBlurToggle();
  });

  /* The clip's player and its score timeline, on the review page and the review panel: a click
     on a point or a [data-seek] button seeks there, [data-step] steps through the sampled frames,
     [data-speed] sets the rate; the playhead, the clock ([data-now]) and the current point follow
     the video. Returns seek, step and togglePlay for the page's keys. */
  function player(scope, video) {
    const svg = scope.querySelector("svg.timeline");
    const now = scope.querySelector("[data-now]");
    const points = svg
      ? Array.from(svg.querySelectorAll(".tl-point")).map(function (el) {
          return { t: parseFloat(el.dataset.t), el: el };
        })
      : [];

    function clock(seconds) {
      const m = Math.floor(seconds / 60);
      const s = seconds - m * 60;
      return m + ":" + (s < 10 ? "0" : "") + s.toFixed(1);
    }

    function movePlayhead(t) {
      if (now) now.textContent = clock(t);
      points.forEach(function (p) { p.el.classList.toggle("current", Math.abs(p.t - t) < 0.005); });
      if (!svg) return;
      const duration = parseFloat(svg.dataset.duration);
      const line = svg.querySelector(".tl-playhead");
      if (!line || !(duration > 0)) return;
      const x = parseFloat(svg.dataset.x0) + (Math.min(t, duration) / duration) * parseFloat(svg.dataset.plotW);
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
    }

    function seek(t) {
      if (!video || !Number.isFinite(t)) return;
      video.pause();
      video.currentTime = t;
      movePlayhead(t);
    }

    function step(direction) {
      if (!video) return;
      const at = video.currentTime;
      const target =
        direction > 0
          ? points.find(function (p) { return p.t > at + 0.01; })
          : points.slice().reverse().find(function (p) { return p.t < at - 0.01; });
      if (target) seek(target.t);
    }

    function togglePlay() {
      if (!video) return;
      if (video.paused) {
        const playing = video.play();
        if (playing && playing.catch) playing.catch(function () {});
      } else {
        video.pause();
      }
    }

    if (video) video.addEventListener("timeupdate", function () { movePlayhead(video.currentTime); });
    scope.addEventListener("click", function (event) {
      const point = event.target.closest(".tl-point");
      if (point) seek(parseFloat(point.dataset.t));
      const seeker = event.target.closest("[data-seek]");
      if (seeker) seek(parseFloat(seeker.dataset.seek));
      const stepper = event.target.closest("[data-step]");
      if (stepper) step(parseInt(stepper.dataset.step, 10));
    });
    const speed = scope.querySelector("[data-speed]");
    if (speed && video) {
      speed.addEventListener("change", function () { video.playbackRate = parseFloat(speed.value); });
    }
    return { seek: seek, step: step, togglePlay: togglePlay };
  }

  window.Desk = {
    post: post,
    shortcutsOff: shortcutsOff,
    shortcutKey: shortcutKey,
    csrfToken: csrfToken,
    player: player,
  };
})();
