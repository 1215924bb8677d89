// Agent desk: accepting a suggestion fills the category and department selects in place
// (without JavaScript the same buttons post the form, which the server re-renders filled).
// Alt+Shift+1 accepts the top category and department; Alt+Shift+2 and Alt+Shift+3 the next
// ones (Alt+digit alone switches browser tabs on some systems). A changed category refreshes the
// suggestions (its owner department first, and the likely duplicates of that category).
(function () {
  "use strict";

  function accept(button) {
    var form = button.form;
    if (!form) { return false; }
    var parts = (button.value || "").split("|");
    var category = form.querySelector("select[name=category]");
    var department = form.querySelector("select[name=department]");
    var changed = false;
    if (category && parts[0] && category.value !== parts[0]) { category.value = parts[0]; changed = true; }
    if (department && parts[1]) { department.value = parts[1]; }
    var status = document.getElementById("desk-accepted");
    if (status) {
      status.textContent = (status.getAttribute("data-template") || "")
        .replace("%s", button.getAttribute("data-label") || button.value);
    }
    if (changed) { category.dispatchEvent(new Event("change", { bubbles: true })); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-accept]") : null;
    if (button && accept(button)) { event.preventDefault(); }
  });

  document.addEventListener("keydown", function (event) {
    if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) { return; }
    var index = ["Digit1", "Digit2", "Digit3"].indexOf(event.code || "");
    if (index < 0) { return; }
    var buttons = document.querySelectorAll("button[data-accept]");
    if (buttons[index] && accept(buttons[index])) { event.preventDefault(); }
  });
})();
