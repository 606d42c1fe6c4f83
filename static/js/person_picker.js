/* The tagging picker on the review page: type-ahead over names and aliases.
   Typing asks the desk for matching persons (a server-rendered list of options); the arrow
   keys move through them, Enter picks one (its id goes with the form, so the tag is exactly
   that person), Escape closes the list. Without this script the field is a plain name field
   and the desk resolves the name itself. The section is swapped by htmx after each edit, so
   every handler is delegated from the document. */
(function () {
  "use strict";
  let timer = null;
  let asked = 0;

  function parts(input) {
    const form = input.closest("form.person-picker");
    return form && {
      form: form,
      list: form.querySelector("[role=listbox]"),
      id: form.querySelector("input[name=person_id]"),
    };
  }

  function options(p) {
    return Array.from(p.list.querySelectorAll("[role=option]"));
  }

  function close(input, p) {
    p.list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(input, p, index) {
    const all = options(p);
    all.forEach(function (el, i) {
      el.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (all[index]) input.setAttribute("aria-activedescendant", all[index].id);
  }

  function choose(input, p, option) {
    input.value = option.dataset.name;
    p.id.value = option.dataset.personId || "";
    close(input, p);
  }

  function lookup(input, p) {
    const ticket = ++asked;
    const url = p.form.dataset.lookup + "?q=" + encodeURIComponent(input.value);
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (ticket !== asked) return; // an answer to older text
        p.list.innerHTML = html;
        const any = options(p).length > 0;
        p.list.hidden = !any;
        input.setAttribute("aria-expanded", any ? "true" : "false");
      });
  }

  document.addEventListener("input", function (event) {
    const input = event.target;
    if (input.id !== "person-name") return;
    const p = parts(input);
    if (!p) return;
    p.id.value = ""; // typed again: no longer the person picked
    clearTimeout(timer);
    if (!input.value.trim()) { close(input, p); return; }
    timer = setTimeout(function () { lookup(input, p); }, 150);
  });

  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (input.id !== "person-name" || event.isComposing) return;
    const p = parts(input);
    if (!p || p.list.hidden) return;
    const all = options(p);
    let index = all.findIndex(function (el) { return el.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      index = (index + step + all.length) % all.length;
      highlight(input, p, index);
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      choose(input, p, all[index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(input, p);
    }
  });

  document.addEventListener("click", function (event) {
    const option = event.target.closest && event.target.closest(".person-picker [role=option]");
    if (!option) return;
    const input = option.closest("form").querySelector("#person-name");
    choose(input, parts(input), option);
    input.focus();
  });
})();
