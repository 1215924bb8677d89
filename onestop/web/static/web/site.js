/* OneStop portal: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";
  // The navigation is shown in full without JavaScript; with it, USWDS folds it behind the
  // menu button on small screens.
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  // The error summary (web/_error_summary.html): focus moves to it when the page opens, and
  // each of its links to a field on this page puts the cursor in that field, its label in view.
  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    var label = document.querySelector("label[for='" + id + "']");
    var legend = field.closest("fieldset") && field.closest("fieldset").querySelector("legend");
    (legend || label || field).scrollIntoView();
    field.focus({ preventScroll: true });
    return true;
  }
  // USWDS writes the texts of a file input in English only. A page in another language carries
  // them translated in data attributes (web/_file_input_texts.html); they replace the English
  // ones, also those USWDS writes later (a file chosen, a wrong type).
  function fileInputTexts() {
    var node = document.getElementById("os-file-input-texts");
    if (!node || !document.querySelector(".usa-file-input, input[type=file]")) return;
    var t = node.dataset;
    var rules = [
      [/^Drag files? here or choose from folder$/, function () { return t.drag + t.choose; }],
      [/^Drag files? here or$/, function () { return t.drag; }],
      [/^[Cc]hoose from folder$/, function () { return t.choose; }],
      [/^No files? selected\.$/, function () { return t.none; }],
      [/^You have selected the file: (.*)$/, function (m) { return t.one + m[1]; }],
      [/^You have selected (\d+) files: (.*)$/, function (m) { return t.many.replace("{n}", m[1]) + m[2]; }],
      [/^Selected file$/, function () { return t.selected; }],
      [/^(\d+) files selected$/, function (m) { return t.count.replace("{n}", m[1]); }],
      [/^Change files?$/, function () { return t.change; }],
      [/^This is not a valid file type\.$/, function () { return t.invalid; }],
    ];
    function swap(text) {
      var plain = (text || "").trim();
      for (var i = 0; i < rules.length; i++) {
        var m = plain.match(rules[i][0]);
        if (m) return rules[i][1](m);
      }
      return null;
    }
    function translate() {
      document.querySelectorAll(".usa-file-input").forEach(function (box) {
        var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        for (var n = walker.nextNode(); n; n = walker.nextNode()) {
          var text = swap(n.nodeValue);
          if (text !== null) n.nodeValue = /\s$/.test(n.nodeValue) ? text + " " : text;
        }
        box.querySelectorAll("[aria-label]").forEach(function (el) {
          var label = swap(el.getAttribute("aria-label"));
          if (label !== null) el.setAttribute("aria-label", label);
        });
      });
    }
    translate();
    new MutationObserver(translate).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-label"],
    });
  }
  window.addEventListener("load", fileInputTexts);

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    // Arrived from a summary's link on another page: the cursor goes to that field.
    var arrived = window.location.hash.indexOf("#id_") === 0 && focusField(window.location.hash.slice(1));
    if (!summary) return;
    if (!arrived) summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (link && focusField(link.getAttribute("href").slice(1))) event.preventDefault();
    });
  });
})();

// A "print" button (the queue ticket): shown only when JavaScript can print.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
