/* The known-fake panel's keys on the review page (templates/provenance/_known_fake.html):
   k opens "Apply banked decision", t tags the people the original depicts. The panel's
   buttons do the work (review.js opens the dialog and posts the decision form), so a key
   does exactly what a click does. */
(function () {
  "use strict";
  const panel = document.querySelector("[data-known-fake]");
  if (!panel || !window.Desk) return;
  document.addEventListener("keydown", function (event) {
    if (window.Desk.shortcutsOff(event)) return;
    const key = window.Desk.shortcutKey(event);
    let target = null;
    if (key === "k") target = panel.querySelector('[data-open="dlg-banked"]');
    else if (key === "t") target = panel.querySelector("[data-tag-banked] button[type=submit]");
    // Hidden until Start review: the tag form needs the claim.
    if (!target || target.disabled || target.closest("[hidden]")) return;
    event.preventDefault();
    target.click();
  });
})();
