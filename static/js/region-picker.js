/* 対象地域: a type-to-search picker over the <select multiple data-region-picker> that the server
   renders (applications/region_picker.py). Without this script the select works on its own.

   What a person does: click the 対象地域 box (a combobox), type part of a name in kanji or kana
   (「くまもと」, 「クマモト」, 「熊本」, 「熊本市」), and pick a suggestion from the list with a click, or with
   ↓/↑ and Enter. Each chosen region appears above the box as a chip with a 「×」 button
   (「札幌市（北海道）を外す」) that removes it. Escape closes the list. The select stays in the form,
   hidden, and its options follow the chips: the form posts `regions` as before.

   The pattern is WAI-ARIA 1.2's combobox with a listbox popup: aria-expanded, aria-controls,
   aria-activedescendant; a polite live region says how many suggestions there are and what was
   added or removed. No inline style or script (strict CSP): the look is in region-picker.css. */
(function () {
  "use strict";

  var MAX_SUGGESTIONS = 30;

  // Full-width letters and digits to half-width, hiragana to katakana, lower case, no spaces:
  // the same key for 「ｸﾏﾓﾄ」, 「くまもと」 and 「クマモト」.
  function searchKey(text) {
    var value = (text || "").normalize("NFKC").toLowerCase();
    var out = "";
    for (var i = 0; i < value.length; i++) {
      var code = value.charCodeAt(i);
      if (code >= 0x3041 && code <= 0x3096) {
        out += String.fromCharCode(code + 0x60);
      } else if (!/\s/.test(value[i])) {
        out += value[i];
      }
    }
    return out;
  }

  function Picker(select, number) {
    this.select = select;
    this.id = (select.id || "region-picker-" + number);
    this.options = Array.prototype.map.call(select.options, function (option) {
      var kana = option.getAttribute("data-kana") || "";
      var group = option.parentNode && option.parentNode.label ? option.parentNode.label : "";
      return {
        option: option,
        label: option.text,
        keys: [searchKey(option.text), searchKey(kana), searchKey(group + option.text.replace(/（.*）$/, ""))],
      };
    });
    this.active = -1;
    this.matches = [];
    this.build();
    this.renderChips();
  }

  Picker.prototype.build = function () {
    var select = this.select;
    var field = select.parentNode;
    var label = document.querySelector('label[for="' + select.id + '"]');
    var describedBy = select.getAttribute("aria-describedby") || "";

    this.chips = document.createElement("ul");
    this.chips.className = "region-picker-chips";
    this.chips.id = this.id + "_chosen";
    this.chips.setAttribute("aria-label", "選んだ地域");

    this.hint = document.createElement("div");
    this.hint.className = "form-text";
    this.hint.id = this.id + "_hint";
    this.hint.textContent = "地域名の一部を漢字またはかなで入力し、表示される候補から選んでください" +
      "（例: 「くまもと」「熊本」）。選んだ地域は「×」で外せます。";

    this.input = document.createElement("input");
    this.input.type = "text";
    this.input.id = this.id + "_search";
    this.input.className = "form-control region-picker-input" +
      (select.classList.contains("is-invalid") ? " is-invalid" : "");
    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.id + "_listbox");
    this.input.setAttribute("autocomplete", "off");
    this.input.setAttribute("aria-describedby", (this.hint.id + " " + describedBy).trim());
    if (select.getAttribute("aria-invalid")) {
      this.input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
    }

    this.listbox = document.createElement("ul");
    this.listbox.id = this.id + "_listbox";
    this.listbox.className = "region-picker-listbox";
    this.listbox.setAttribute("role", "listbox");
    this.listbox.hidden = true;

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");

    var box = document.createElement("div");
    box.className = "region-picker";
    box.appendChild(this.chips);
    box.appendChild(this.input);
    box.appendChild(this.listbox);
    box.appendChild(this.status);
    box.appendChild(this.hint);
    field.insertBefore(box, select);

    if (label) {
      label.setAttribute("for", this.input.id);
      label.id = label.id || this.id + "_label";
      this.listbox.setAttribute("aria-labelledby", label.id);
    }
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    var noscript = select.nextElementSibling;
    if (noscript && noscript.tagName === "NOSCRIPT") {
      noscript.remove();
    }

    var picker = this;
    this.input.addEventListener("input", function () { picker.search(); });
    this.input.addEventListener("focus", function () { if (picker.input.value) { picker.search(); } });
    this.input.addEventListener("keydown", function (event) { picker.onKey(event); });
    this.input.addEventListener("blur", function () {
      // A click on a suggestion lands before the list closes (mousedown keeps the focus).
      window.setTimeout(function () { picker.close(); }, 150);
    });
    this.listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.listbox.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) { picker.choose(Number(item.getAttribute("data-index"))); }
    });
    this.chips.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-value]");
      if (button) { picker.remove(button.getAttribute("data-value")); }
    });
  };

  Picker.prototype.search = function () {
    var key = searchKey(this.input.value);
    this.matches = [];
    if (!key) { this.close(); return; }
    var starts = [];
    var contains = [];
    this.options.forEach(function (entry) {
      if (entry.option.selected) { return; }
      var at = -1;
      for (var k = 0; k < entry.keys.length; k++) {
        var found = entry.keys[k].indexOf(key);
        if (found !== -1 && (at === -1 || found < at)) { at = found; }
      }
      if (at === 0) { starts.push(entry); } else if (at > 0) { contains.push(entry); }
    });
    this.matches = starts.concat(contains).slice(0, MAX_SUGGESTIONS);
    this.active = this.matches.length ? 0 : -1;
    this.renderList();
    var total = starts.length + contains.length;
    this.status.textContent = total === 0 ? "該当する地域がありません。" :
      total > MAX_SUGGESTIONS ? total + "件の候補があります。最初の" + MAX_SUGGESTIONS + "件を表示しています。" +
        "もう少し入力すると絞り込めます。" : total + "件の候補があります。↓↑で選び、Enterで追加します。";
  };

  Picker.prototype.renderList = function () {
    var listbox = this.listbox;
    listbox.textContent = "";
    var picker = this;
    if (!this.matches.length) {
      var empty = document.createElement("li");
      empty.className = "region-picker-empty";
      empty.textContent = "該当する地域がありません";
      listbox.appendChild(empty);
    }
    this.matches.forEach(function (entry, index) {
      var item = document.createElement("li");
      item.id = picker.id + "_option_" + index;
      item.setAttribute("role", "option");
      item.setAttribute("data-index", String(index));
      item.setAttribute("aria-selected", index === picker.active ? "true" : "false");
      item.className = "region-picker-option" + (index === picker.active ? " active" : "");
      item.textContent = entry.label;
      var kana = entry.option.getAttribute("data-kana");
      if (kana) {
        var reading = document.createElement("span");
        reading.className = "region-picker-kana";
        reading.setAttribute("aria-hidden", "true"); // the option's name is the region's name alone
        reading.textContent = kana;
        item.appendChild(reading);
      }
      listbox.appendChild(item);
    });
    listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.markActive();
  };

  Picker.prototype.markActive = function () {
    var items = this.listbox.querySelectorAll("[role=option]");
    for (var i = 0; i < items.length; i++) {
      var on = i === this.active;
      items[i].setAttribute("aria-selected", on ? "true" : "false");
      items[i].classList.toggle("active", on);
      if (on) { items[i].scrollIntoView({ block: "nearest" }); }
    }
    if (this.active >= 0) {
      this.input.setAttribute("aria-activedescendant", this.id + "_option_" + this.active);
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Picker.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  Picker.prototype.onKey = function (event) {
    var open = !this.listbox.hidden && this.matches.length > 0;
    if (event.key === "ArrowDown") {
      if (!open) { this.search(); } else { this.active = (this.active + 1) % this.matches.length; this.markActive(); }
      event.preventDefault();
    } else if (event.key === "ArrowUp" && open) {
      this.active = (this.active - 1 + this.matches.length) % this.matches.length;
      this.markActive();
      event.preventDefault();
    } else if (event.key === "Enter") {
      if (open && this.active >= 0) {
        this.choose(this.active);
      }
      if (this.input.value || open) {
        event.preventDefault(); // Enter in the search box never submits the form half-done
      }
    } else if (event.key === "Escape" && !this.listbox.hidden) {
      this.close();
      event.preventDefault();
    }
  };

  Picker.prototype.changed = function () {
    this.select.dispatchEvent(new Event("change", { bubbles: true })); // the unsaved-changes warning
  };

  Picker.prototype.choose = function (index) {
    var entry = this.matches[index];
    if (!entry) { return; }
    entry.option.selected = true;
    this.input.value = "";
    this.close();
    this.renderChips();
    this.status.textContent = entry.label + "を追加しました。";
    this.changed();
    this.input.focus();
  };

  Picker.prototype.remove = function (value) {
    var entry = this.options.filter(function (e) { return e.option.value === value; })[0];
    if (!entry) { return; }
    entry.option.selected = false;
    this.renderChips();
    this.status.textContent = entry.label + "を外しました。";
    this.changed();
    this.input.focus();
  };

  Picker.prototype.renderChips = function () {
    var chips = this.chips;
    chips.textContent = "";
    var chosen = this.options.filter(function (entry) { return entry.option.selected; });
    chosen.forEach(function (entry) {
      var chip = document.createElement("li");
      chip.className = "region-picker-chip";
      var name = document.createElement("span");
      name.textContent = entry.label;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "region-picker-remove";
      button.setAttribute("data-value", entry.option.value);
      button.setAttribute("aria-label", entry.label + "を外す");
      button.textContent = "×";
      chip.appendChild(name);
      chip.appendChild(button);
      chips.appendChild(chip);
    });
    chips.hidden = chosen.length === 0;
  };

  function start() {
    var selects = document.querySelectorAll("select[data-region-picker]");
    for (var i = 0; i < selects.length; i++) {
      new Picker(selects[i], i); // eslint-disable-line no-new
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
