/* The applicant's forms: warn before leaving with unsaved changes, send a form only once,
   count characters of long answers, and add rows to tables. No inline handlers, no CDN. */
(function () {
  "use strict";

  // --- Unsaved changes --------------------------------------------------------------------
  var dirtyForms = new Set();
  document.querySelectorAll("form[data-warn-unsaved]").forEach(function (form) {
    var mark = function () { dirtyForms.add(form); };
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    form.addEventListener("submit", function () { dirtyForms.delete(form); });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirtyForms.size > 0) {
      event.preventDefault();
      event.returnValue = "";  // browsers show their own wording: 「このサイトを離れますか？」
    }
  });

  // --- Send once (double click, Enter pressed twice) ----------------------------------------
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      // Disable after the browser has taken the clicked button's name and value.
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (b) {
          b.disabled = true;
          b.setAttribute("aria-disabled", "true");
        });
      }, 0);
    });
  });
  // Coming back with the browser's back button: the page may be restored with disabled buttons.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.dataset.sending = "";
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        b.disabled = false;
        b.removeAttribute("aria-disabled");
      });
    });
  });

  // --- Character counters -----------------------------------------------------------------
  function updateCounter(input, counter) {
    var limit = parseInt(input.dataset.maxlength, 10);
    var length = Array.from(input.value).length;
    counter.textContent = "現在 " + length.toLocaleString("ja-JP") + " 文字（" +
      limit.toLocaleString("ja-JP") + " 文字まで）";
    var over = length > limit;
    counter.classList.toggle("text-danger", over);
    counter.classList.toggle("fw-bold", over);
    if (over) {
      counter.textContent += "：" + (length - limit).toLocaleString("ja-JP") + " 文字多すぎます";
    }
  }
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var input = document.getElementById(counter.dataset.counterFor);
    if (!input) { return; }
    updateCounter(input, counter);
    input.addEventListener("input", function () { updateCounter(input, counter); });
  });

  // --- Add a row to a table (inline formset) ------------------------------------------------
  document.querySelectorAll("fieldset.formset").forEach(function (fieldset) {
    var button = fieldset.querySelector(".formset-add");
    var template = fieldset.querySelector("template.formset-empty-row");
    var prefix = fieldset.dataset.formsetPrefix;
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    if (!button || !template || !total) { return; }
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/（追加行）/g, "（" + (index + 1) + "行目）");
      var tbody = fieldset.querySelector("tbody");
      tbody.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var first = tbody.lastElementChild.querySelector("input, textarea, select");
      if (first) { first.focus(); }
      var form = fieldset.closest("form");
      if (form) { dirtyForms.add(form); }
    });
  });
})();
