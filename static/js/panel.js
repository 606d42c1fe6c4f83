/* The review panel on the pages where a person decides (confirmation, appeal, second opinion):
   the player and its timeline, and the page's decision keys.

   Player keys as on the review page: Space plays or pauses (not when the video itself has focus:
   its native control already does), , and . step through sampled frames, h jumps to the highest
   score. Decision keys are declared in the page's markup, so each page says what its keys mean:
   - an element with data-shortcut="r" is focused (a radio or checkbox is checked first, then the
     element named by its data-then-focus selector gets the focus);
   - a form with data-choice-keys="u:upheld o:overturned" and data-choice-name="outcome" checks
     the radio of that value when the key is pressed, then focuses data-then-focus.
   Enter on the focused button or field then decides: two keys, nothing chosen by default. */
(function () {
  "use strict";
  if (!window.Desk) return;
  const panel = document.querySelector("[data-review-panel]");
  const video = panel ? panel.querySelector("video[data-panel-player]") : null;
  // The player and timeline (desk.js); seek, step and play for the keys below.
  const play = panel ? window.Desk.player(panel, video) : null;
  const seek = play ? play.seek : function () {};
  const step = play ? play.step : function () {};
  const togglePlay = play ? play.togglePlay : function () {};

  function focusAfter(element, selector) {
    const scope = element.form || document;
    const target = (selector && scope.querySelector(selector)) || element;
    if (video) video.pause();
    target.scrollIntoView({ block: "center" });
    target.focus();
  }

  function choose(element) {
    if (element.type === "radio" || element.type === "checkbox") {
      element.checked = true;
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
    focusAfter(element, element.dataset.thenFocus);
  }

  function decisionKey(key) {
    const direct = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]:not([disabled])');
    if (direct) {
      choose(direct);
      return true;
    }
    const forms = document.querySelectorAll("form[data-choice-keys]");
    for (const form of forms) {
      const pairs = form.dataset.choiceKeys.split(/\s+/).map(function (pair) { return pair.split(":"); });
      const match = pairs.find(function (pair) { return pair[0] === key; });
      if (!match) continue;
      const input = form.querySelector(
        'input[name="' + CSS.escape(form.dataset.choiceName) + '"][value="' + CSS.escape(match[1]) + '"]'
      );
      if (!input) continue;
      input.checked = true;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      focusAfter(input, form.dataset.thenFocus);
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (window.Desk.shortcutsOff(event)) return;
    const key = window.Desk.shortcutKey(event);
    if (key === " ") {
      const el = event.target;
      // The focused video's own control plays it; buttons and links keep Space too.
      if (!video || el === video || (el.closest && el.closest("button, a, summary, [role=button]"))) return;
      event.preventDefault();
      togglePlay();
    } else if ((key === "," || key === ".") && video) {
      event.preventDefault();
      step(key === "." ? 1 : -1);
    } else if (key === "h" && panel && panel.dataset.peakT) {
      event.preventDefault();
      seek(parseFloat(panel.dataset.peakT));
    } else if (key.length === 1 && /[a-z]/.test(key) && key !== "b" && key !== "n" && decisionKey(key)) {
      event.preventDefault();
    }
  });
})();
