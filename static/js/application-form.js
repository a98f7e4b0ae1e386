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

  // --- Amounts in yen (年間予算): what was typed, read back as 「12,000,000円」 while typing; on
  // leaving the field the digits get their separators. The server accepts full-width digits,
  // commas and 円 too (applications/normalise.py), so this only helps the reading.
  function amountDigits(text) {
    var half = text.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[,，、\s　]/g, "").replace(/円$/, "");
    return /^\d+$/.test(half) ? half.replace(/^0+(?=\d)/, "") : null;
  }
  function withSeparators(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  document.querySelectorAll("input[data-amount=yen], input[name$='annual_budget']").forEach(function (input) {
    var readout = document.createElement("div");
    readout.className = "form-text amount-readout";
    readout.id = input.id + "_readout";
    readout.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", readout);
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(readout.id);
    input.setAttribute("aria-describedby", described.join(" "));
    function show() {
      var value = input.value.trim();
      var digits = amountDigits(value);
      readout.textContent = !value ? "" : digits ? withSeparators(digits) + "円"
        : "数字で入力してください（例: 12,000,000）";
    }
    var saved = amountDigits(input.value.trim());
    if (saved) { input.value = withSeparators(saved); }
    input.addEventListener("input", show);
    input.addEventListener("blur", function () {
      var digits = amountDigits(input.value.trim());
      if (digits) { input.value = withSeparators(digits); }
      show();
    });
    show();
  });

  // --- Tables (inline formsets): 「行を追加」 and each row's 「行を削除」 -----------------------
  // Removing ticks the row's DELETE box (the fallback without JavaScript) and hides the row;
  // saving the form then deletes it. The focus moves to the next row's first field, or to
  // 「行を追加」, and a status line says what happened.
  function markDirty(element) {
    var form = element.closest("form");
    if (form) { dirtyForms.add(form); }
  }
  function rowLabel(row) {
    var remove = row.querySelector(".formset-remove");
    var match = remove ? /（(.+)）/.exec(remove.getAttribute("aria-label") || "") : null;
    return match ? match[1] : "行";
  }
  function enhanceRow(fieldset, row) {
    var remove = row.querySelector(".formset-remove");
    var check = row.querySelector(".formset-delete-check");
    if (!remove || !check) { return; }
    var box = check.querySelector("input[type=checkbox]");
    if (box && box.checked) { row.hidden = true; }
    check.hidden = true;
    remove.hidden = false;
    remove.addEventListener("click", function () {
      if (box) { box.checked = true; }
      row.hidden = true;
      markDirty(fieldset);
      var status = fieldset.querySelector(".formset-status");
      if (status) { status.textContent = rowLabel(row) + "を削除しました。保存すると確定します。"; }
      var next = row.nextElementSibling;
      while (next && (next.hidden || !next.classList.contains("formset-row"))) { next = next.nextElementSibling; }
      var target = next ? next.querySelector("input:not([type=hidden]), textarea, select")
        : fieldset.querySelector(".formset-add");
      if (target) { target.focus(); }
    });
  }
  document.querySelectorAll("fieldset.formset").forEach(function (fieldset) {
    var button = fieldset.querySelector(".formset-add");
    var template = fieldset.querySelector("template.formset-empty-row");
    var prefix = fieldset.dataset.formsetPrefix;
    var total = fieldset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var tbody = fieldset.querySelector("tbody");
    tbody.querySelectorAll("tr.formset-row").forEach(function (row) { enhanceRow(fieldset, row); });
    if (!button || !template || !total) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index))
        .replace(/（追加行）/g, "（" + (index + 1) + "行目）");
      tbody.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = tbody.lastElementChild;
      enhanceRow(fieldset, row);
      var first = row.querySelector("input:not([type=hidden]), textarea, select");
      if (first) { first.focus(); }
      markDirty(fieldset);
    });
  });
})();
