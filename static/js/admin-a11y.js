/* The admin's widgets drawn by script, given the names and roles axe asks for
   (tests/e2e/test_admin_axe.py). Loaded on every admin page by templates/admin/base_site.html.
   - Autocomplete fields (Select2): the combobox and the box showing the choice are named by
     their field's label, not only by the (empty until chosen) selection text (axe
     aria-input-field-name).
   - The two-box selector (filter_horizontal, e.g. a user's groups): its search icon carries an
     aria-label, which only an element with a role may have (axe aria-prohibited-attr): role="img".
   Widgets are built after the page loads, so new ones are watched for. */
(function () {
  "use strict";

  function nameCombobox(selection) {
    var container = selection.closest(".select2-container");
    var select = container && container.previousElementSibling;
    if (!select || select.tagName !== "SELECT" || !select.id) { return; }
    var label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) { return; }
    if (!label.id) { label.id = select.id + "-label"; }
    var labelledby = selection.getAttribute("aria-labelledby") || "";
    if (labelledby.split(" ").indexOf(label.id) === -1) {
      selection.setAttribute("aria-labelledby", (label.id + " " + labelledby).trim());
    }
    // The chosen value's box (role="textbox") is named by the label and what it shows.
    var rendered = selection.querySelector('.select2-selection__rendered[role="textbox"][id]');
    if (rendered && !rendered.hasAttribute("aria-labelledby")) {
      rendered.setAttribute("aria-labelledby", label.id + " " + rendered.id);
    }
  }

  function fix(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll('.select2-selection[role="combobox"]').forEach(nameCombobox);
    root.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  function start() {
    fix(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === "childList") {
          change.addedNodes.forEach(function (node) { if (node.nodeType === 1) { fix(node.parentNode || node); } });
        } else if (change.target.matches('.select2-selection[role="combobox"]')) {
          nameCombobox(change.target);
        }
      });
    }).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["aria-labelledby"]});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
