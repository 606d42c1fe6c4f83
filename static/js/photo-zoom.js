/* The review page's photo viewer: zoom by keyboard and buttons. Keys: + (or =) zooms in,
   - zooms out, 0 fits the photo to the frame, 1 shows it at 100 % (one image pixel per CSS
   pixel), scrolling to where it was centred. They do not clash with the review page's keys
   (a l r e n h b y , . space ? Enter), and stay off while typing (Desk.shortcutsOff). */
(function () {
  "use strict";
  const viewer = document.querySelector("[data-photo-viewer]");
  if (!viewer || !window.Desk) return;
  const frame = viewer.querySelector("[data-zoom-frame]");
  const image = viewer.querySelector("[data-zoom-image]");
  const level = document.querySelector("[data-zoom-level]");
  const gettext = window.gettext || function (text) { return text; };
  const STEPS = [0.1, 0.25, 0.33, 0.5, 0.67, 0.75, 1, 1.5, 2, 3, 4, 6, 8];
  let scale = null; // null: fit to the frame

  function fitScale() {
    if (!image.naturalWidth) return 1;
    const byWidth = frame.clientWidth / image.naturalWidth;
    const byHeight = frame.clientHeight / image.naturalHeight;
    return Math.min(1, byWidth, byHeight > 0 ? byHeight : byWidth);
  }

  function current() {
    return scale === null ? fitScale() : scale;
  }

  function show(next) {
    const centreX = (frame.scrollLeft + frame.clientWidth / 2) / (image.offsetWidth || 1);
    const centreY = (frame.scrollTop + frame.clientHeight / 2) / (image.offsetHeight || 1);
    scale = next;
    const shown = current();
    viewer.dataset.zoom = scale === null ? "fit" : String(shown);
    viewer.classList.toggle("zoomed", scale !== null && shown > 1);
    if (image.naturalWidth) {
      image.style.width = Math.round(image.naturalWidth * shown) + "px";
      image.style.height = Math.round(image.naturalHeight * shown) + "px";
    }
    frame.scrollLeft = centreX * image.offsetWidth - frame.clientWidth / 2;
    frame.scrollTop = centreY * image.offsetHeight - frame.clientHeight / 2;
    if (level) {
      const percent = Math.round(shown * 100) + " %";
      level.textContent = scale === null ? gettext("Fit") + " (" + percent + ")" : percent;
    }
  }

  function step(direction) {
    const now = current();
    const next = direction > 0
      ? STEPS.find(function (s) { return s > now + 1e-6; })
      : STEPS.slice().reverse().find(function (s) { return s < now - 1e-6; });
    if (next !== undefined) show(next);
  }

  document.querySelectorAll("[data-zoom-step]").forEach(function (button) {
    button.addEventListener("click", function () { step(parseInt(button.dataset.zoomStep, 10)); });
  });
  document.querySelectorAll("[data-zoom-to]").forEach(function (button) {
    button.addEventListener("click", function () {
      show(button.dataset.zoomTo === "fit" ? null : parseFloat(button.dataset.zoomTo));
    });
  });

  document.addEventListener("keydown", function (event) {
    if (window.Desk.shortcutsOff(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === "+" || key === "=") {
      event.preventDefault();
      step(1);
    } else if (key === "-" || key === "_") {
      event.preventDefault();
      step(-1);
    } else if (key === "0") {
      event.preventDefault();
      show(null);
    } else if (key === "1") {
      event.preventDefault();
      show(1);
    }
  });

  if (image.complete) show(null);
  else image.addEventListener("load", function () { show(scale); });
  window.addEventListener("resize", function () { if (scale === null) show(null); });
})();
