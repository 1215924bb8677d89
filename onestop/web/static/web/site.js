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
